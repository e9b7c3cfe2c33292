"""manage.py generate_problems: a realistic problem log with known ground truth, written into
a centre's learners' logs (weekday and seasonal patterns, injected spikes, repeated-problem
clusters, and preventive actions with and without a true effect)."""

from __future__ import annotations

import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import Centre, Membership, Role, User
from analytics.generator import GeneratorConfig, generate_log
from analytics.models import AnalysisRun
from analytics.services import analysis_request
from analytics.services.generated import generated_log_store

# The generator's mean is per business day; weekends are quieter (weights average ≈ 0.88).
ROWS_PER_MEAN_DAY = 0.88


class Command(BaseCommand):
    help = (
        "Generate N realistic problems ending today for a centre's learners, with injected "
        "spikes, clusters and preventive actions (printed as the ground truth), then queue a "
        "full analysis. The same seed gives the same log."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--centre", required=True, help="The centre's slug.")
        parser.add_argument("--rows", type=int, required=True, help="How many problems.")
        parser.add_argument("--seed", type=int, required=True, help="Random seed.")
        parser.add_argument(
            "--days", type=int, default=365, help="Length of the log in days (default 365)."
        )
        parser.add_argument(
            "--learner",
            action="append",
            default=[],
            help="Username of a learner to receive problems (repeatable; default: every "
            "learner of the centre).",
        )
        parser.add_argument(
            "--no-analysis", action="store_true", help="Do not queue an analysis afterwards."
        )

    def handle(self, *args, **options) -> None:
        rows, days = options["rows"], options["days"]
        if rows < 1 or days < 28:
            raise CommandError("--rows must be at least 1 and --days at least 28.")
        centre = Centre.objects.filter(slug=options["centre"]).first()
        if centre is None:
            raise CommandError(f"No centre has the slug “{options['centre']}”.")
        learners = _learners(centre, options["learner"])
        log, kept = _generate(rows=rows, days=days, seed=options["seed"], n=len(learners))
        stored = generated_log_store(centre=centre, learners=learners, log=log, rows=kept)
        self.stdout.write(
            f"Generated {stored.problems} problem(s), {stored.actions} action(s) and "
            f"{stored.preventive_actions} preventive action(s) for {len(learners)} learner(s) "
            f"at {centre.slug}."
        )
        self._print_truth(log, kept)
        if not options["no_analysis"]:
            run = analysis_request(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
            self.stdout.write(f"Analysis run {run.pk} queued.")

    def _print_truth(self, log, kept) -> None:
        first = timezone.localdate(kept["received_at"].min())
        for spike in log.spikes:
            if spike.end >= first:
                self.stdout.write(
                    f"spike    {spike.dimension}={spike.key} {spike.start}..{spike.end} "
                    f"×{spike.multiplier:.1f} (+{spike.extra} problems)"
                )
        kept_rows = set(kept["row_id"].tolist())
        for cluster in log.clusters:
            if kept_rows.issuperset(cluster.row_ids):
                self.stdout.write(
                    f"cluster  {cluster.product} ({cluster.category}) {cluster.first_day}.."
                    f"{cluster.last_day}: {len(cluster.row_ids)} problems, "
                    f"'{' '.join(cluster.theme_words)}'"
                )
        for action in log.preventive_actions:
            if action.implemented_on >= first:
                self.stdout.write(
                    f"action   {action.product} ({action.category}) from "
                    f"{action.implemented_on}: true rate ratio {action.true_rate_ratio:.2f}"
                )


def _learners(centre: Centre, usernames: list[str]) -> list[User]:
    memberships = Membership.objects.filter(centre=centre, role=Role.LEARNER).select_related("user")
    if usernames:
        memberships = memberships.filter(user__username__in=usernames)
        found = {m.user.username for m in memberships}
        missing = sorted(set(usernames) - found)
        if missing:
            raise CommandError(f"Not learners at {centre.slug}: {', '.join(missing)}.")
    learners = [m.user for m in memberships.order_by("user__username")]
    if not learners:
        raise CommandError(f"{centre.slug} has no learners to give the problems to.")
    return learners


def _generate(*, rows: int, days: int, seed: int, n: int):
    """Generate a little more than needed, ending today, and keep the latest ``rows``."""
    today = timezone.localdate()
    rate = rows / days / ROWS_PER_MEAN_DAY
    for _ in range(8):
        log = generate_log(
            GeneratorConfig(
                start=today - datetime.timedelta(days=days - 1),
                days=days,
                mean_per_day=rate,
                seed=seed,
                n_learners=n,
            )
        )
        past = log.problems[log.problems["received_at"] <= timezone.now()]
        if len(past) >= rows:
            return log, past.iloc[len(past) - rows :]
        rate *= 1.1 * rows / max(len(past), 1)
    raise CommandError("Could not generate that many rows; try more --days.")
