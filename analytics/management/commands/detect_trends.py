"""manage.py detect_trends: the analytics engine's full pass for one centre, run here and
now, then its signals printed (as text, or as JSON for other programs)."""

from __future__ import annotations

import datetime
import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from accounts.models import Centre
from analytics import selectors
from analytics.models import AnalysisRun
from analytics.services import analysis_run_execute


class Command(BaseCommand):
    help = (
        "Analyse a centre's problem log now (spikes, repeated problems, preventive actions, "
        "Pareto tables), store the results as the nightly job would, and print the signals. "
        "With --json, print one JSON object per signal (see the README)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--centre", required=True, help="The centre's slug.")
        parser.add_argument("--json", action="store_true", help="Print the signals as JSON.")
        parser.add_argument(
            "--since",
            type=datetime.date.fromisoformat,
            help="Only print signals for periods ending on or after this date (YYYY-MM-DD).",
        )

    def handle(self, *args, **options) -> None:
        centre = Centre.objects.filter(slug=options["centre"]).first()
        if centre is None:
            raise CommandError(f"No centre has the slug “{options['centre']}”.")
        run = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
        run = analysis_run_execute(run_id=run.pk)
        if run is None or run.status != AnalysisRun.Status.SUCCEEDED:
            raise CommandError(f"The analysis failed: {run.error if run else 'not run'}")
        signals = selectors.signals_for_output(centre=centre, since=options["since"])
        if options["json"]:
            self.stdout.write(json.dumps(signals, indent=2))
            return
        self._print_text(run, signals)

    def _print_text(self, run: AnalysisRun, signals: list[dict]) -> None:
        counts = run.counts
        self.stdout.write(
            f"Analysed {counts.get('problems', 0)} problem(s) in {run.duration_ms} ms: "
            f"{counts.get('signals', 0)} spike signal(s), "
            f"{counts.get('candidates_new', 0)} new and "
            f"{counts.get('candidates_updated', 0)} updated repeated-problem candidate(s), "
            f"{counts.get('actions_measured', 0)} preventive action(s) measured."
        )
        for s in signals:
            self.stdout.write(
                f"{s['kind']:<9} {s['dimension']}={s['key']}  {s['period_start']}..{s['period_end']}"
                f"  observed {s['observed']}, expected {_num(s['expected'])}, "
                f"score {_num(s['score'])}, p {_num(s['p_value'], 4)}  ({s['method']}, "
                f"{len(s['problem_ids'])} problem(s))"
            )


def _num(value, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"
