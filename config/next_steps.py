"""A learner's next steps: what waits for them across the log, the engine's suggestions and
the portfolio, most urgent first. Read-only: each source is one query (or one selector
already used on the page), whatever the size of the log."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from analytics.models import RecurringCandidate
from complaints.models import OPEN_STATUSES, Problem, RepeatedProblem, Status
from portfolio import selectors as portfolio_selectors
from portfolio.coverage import Coverage
from portfolio.models import Enrolment, EvidenceItem, WitnessRequest

# At most this many steps of one kind are listed; the rest are counted in the last one.
PER_KIND = 3


@dataclass(frozen=True)
class NextStep:
    kind: str  # "fix", "sign", "log", "pattern", "evidence", "wait": its icon and order
    text: str
    url: str


def learner_next_steps(
    *,
    learner: User,
    enrolment: Enrolment | None,
    candidates: list[RecurringCandidate],
    coverage: Coverage | None = None,
) -> list[NextStep]:
    """What the learner should do next, most urgent first: evidence referred back, records
    to countersign or sign, overdue problems, the engine's possible repeated problems (the
    learner's, from analytics.selectors.candidates_for_learner), repeated problems to take
    forward, drafts to finish, then what they are waiting for."""
    steps: list[NextStep] = []
    if enrolment is not None:
        steps += _referred_back(enrolment)
        steps += _records_to_sign(enrolment, coverage)
    steps += _overdue(learner)
    steps += _candidates(candidates)
    steps += _repeated_problems(learner)
    if enrolment is not None:
        steps += _drafts(enrolment)
        steps += _witnesses(enrolment)
    return steps


def _limited(items: list, step, more) -> list[NextStep]:
    shown = [step(i) for i in items[:PER_KIND]]
    if len(items) > PER_KIND:
        shown.append(more(len(items) - PER_KIND))
    return shown


def _referred_back(enrolment: Enrolment) -> list[NextStep]:
    items = list(
        enrolment.evidence_items.filter(status=EvidenceItem.Status.REFERRED_BACK).order_by("ei")
    )
    assessor = enrolment.assessor.display_name
    return _limited(
        items,
        lambda i: NextStep(
            "fix",
            f"Change EI {i.ei} ({i.title}) and submit it again: {assessor} referred it back "
            "with feedback.",
            i.get_absolute_url(),
        ),
        lambda n: NextStep("fix", f"…and {n} more referred back.", reverse("portfolio:home")),
    )


def _records_to_sign(enrolment: Enrolment, coverage: Coverage | None) -> list[NextStep]:
    records = reverse("portfolio:records")
    steps = [
        NextStep(
            "sign",
            f"Countersign the element {row.element.number} record: your assessor has signed it.",
            records,
        )
        for row in portfolio_selectors.element_records(enrolment=enrolment)
        if row.state == "signed"
    ]
    knowledge = portfolio_selectors.knowledge_record_state(enrolment=enrolment, coverage=coverage)
    if knowledge.next_role == "learner":
        steps.append(
            NextStep(
                "sign",
                "Sign the knowledge record: every item is covered and your assessor has "
                "written their feedback.",
                records,
            )
        )
    return steps


def _overdue(learner: User) -> list[NextStep]:
    overdue = list(
        Problem.objects.filter(
            learner=learner,
            status__in=[s for s in OPEN_STATUSES if s != Status.AWAITING_CUSTOMER],
            resolution_due__lt=timezone.now(),
        )
        .select_related("centre")
        .order_by("resolution_due")
    )
    return _limited(
        overdue,
        lambda p: NextStep(
            "log",
            f"{p.reference} is overdue: record what you have done, or resolve it.",
            p.get_absolute_url(),
        ),
        lambda n: NextStep(
            "log", f"…and {n} more overdue problems.", reverse("complaints:problem-list")
        ),
    )


def _candidates(candidates: list[RecurringCandidate]) -> list[NextStep]:
    """Only suggestions the learner can confirm: three or more of the incidents are theirs."""
    count = sum(len(c.mine) >= RepeatedProblem.MIN_INCIDENTS for c in candidates)
    if not count:
        return []
    what = "a possible repeated problem" if count == 1 else f"{count} possible repeated problems"
    return [
        NextStep(
            "pattern",
            f"Casebook found {what} in your log: confirm each one that is real (element 2), "
            "or dismiss it with a reason.",
            reverse("analytics:suggestions"),
        )
    ]


def _repeated_problems(learner: User) -> list[NextStep]:
    open_ones = list(
        RepeatedProblem.objects.filter(learner=learner, status=RepeatedProblem.Status.OPEN)
        .annotate(option_count=Count("options"))
        .order_by("created_at", "pk")
    )

    def step(rp: RepeatedProblem) -> NextStep:
        if rp.option_count < 2:
            need = "appraise at least two options for solving it"
        elif not rp.agreed:
            need = "record who agreed the way forward, and what"
        else:
            need = "choose the best option and say why"
        return NextStep("pattern", f"{rp.title}: {need}.", rp.get_absolute_url())

    return _limited(
        open_ones,
        step,
        lambda n: NextStep(
            "pattern",
            f"…and {n} more repeated problems to take forward.",
            reverse("complaints:repeated-list"),
        ),
    )


def _drafts(enrolment: Enrolment) -> list[NextStep]:
    drafts = list(
        enrolment.evidence_items.filter(status=EvidenceItem.Status.DRAFT)
        .annotate(
            suggested=Count("outcome_mappings", filter=Q(outcome_mappings__confirmed=False)),
        )
        .order_by("ei")
    )

    def step(item: EvidenceItem) -> NextStep:
        if item.suggested:
            text = (
                f"Check the {item.suggested} suggested outcome"
                f"{'s' * (item.suggested != 1)} on draft EI {item.ei} ({item.title}), "
                "then submit it."
            )
        else:
            text = f"Finish draft EI {item.ei} ({item.title}) and submit it to your assessor."
        return NextStep("evidence", text, item.get_absolute_url())

    return _limited(
        drafts,
        step,
        lambda n: NextStep("evidence", f"…and {n} more drafts.", reverse("portfolio:home")),
    )


def _witnesses(enrolment: Enrolment) -> list[NextStep]:
    now = timezone.now()
    waiting = list(
        WitnessRequest.objects.filter(
            evidence__enrolment=enrolment, status=WitnessRequest.Status.SENT, expires_at__gt=now
        )
        .select_related("evidence")
        .order_by("sent_at")
    )
    return _limited(
        waiting,
        lambda w: NextStep(
            "wait",
            f"Waiting for {w.witness_name}'s statement on EI {w.evidence.ei}, asked "
            f"{w.sent_at:%-d %b}: send the link again if it has gone astray.",
            w.evidence.get_absolute_url(),
        ),
        lambda n: NextStep("wait", f"…and {n} more witness statements awaited.", ""),
    )
