"""Writes to the problem log. Every rule about problems is applied here, whoever calls."""

from __future__ import annotations

import datetime
from collections.abc import Sequence

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from accounts.models import Centre, Membership, Role, User
from complaints.models import (
    Action,
    ActionKind,
    IdentifiedBy,
    Problem,
    ServiceLevel,
    Status,
)
from complaints.privacy import flags_for

# The status workflow, in one place: new → acknowledged → in progress ⇄ awaiting customer →
# resolved → closed, with escalation from any working state and reopening after resolution.
TRANSITIONS: dict[str, set[str]] = {
    Status.NEW: {Status.ACKNOWLEDGED, Status.IN_PROGRESS, Status.ESCALATED, Status.RESOLVED},
    Status.ACKNOWLEDGED: {
        Status.IN_PROGRESS,
        Status.AWAITING_CUSTOMER,
        Status.ESCALATED,
        Status.RESOLVED,
    },
    Status.IN_PROGRESS: {Status.AWAITING_CUSTOMER, Status.ESCALATED, Status.RESOLVED},
    Status.AWAITING_CUSTOMER: {Status.IN_PROGRESS, Status.ESCALATED, Status.RESOLVED},
    Status.ESCALATED: {Status.IN_PROGRESS, Status.AWAITING_CUSTOMER, Status.RESOLVED},
    Status.RESOLVED: {Status.CLOSED, Status.REOPENED},
    Status.CLOSED: {Status.REOPENED},
    Status.REOPENED: {
        Status.IN_PROGRESS,
        Status.AWAITING_CUSTOMER,
        Status.ESCALATED,
        Status.RESOLVED,
    },
}
# Moves that must say why: the timeline records the reason as a note.
TRANSITIONS_NEEDING_A_NOTE = {Status.ESCALATED, Status.REOPENED}

FREE_TEXT_FIELDS = ("description", "customer_expectation", "exception_what")
ACTION_FREE_TEXT_FIELDS = ("description", "customer_words")


def problem_log_notify(*, setting: str, arg: int) -> None:
    """After the caller's transaction commits, start the task named by ``setting`` (the
    analytics engine listens this way; the problem log imports nothing from it). A blank
    setting means nobody listens; a listener that fails is logged, never raised."""
    name = getattr(settings, setting, "")
    if name:
        # Robust: the problem is saved whatever happens to the listener. Without a broker
        # the job runs here and now, and its failure must not turn the learner's save into
        # an error page (they would submit the problem again).
        transaction.on_commit(lambda: current_app.signature(name, args=[arg]).delay(), robust=True)


def problem_numbers_reserve(*, centre: Centre, count: int) -> int:
    """Reserve `count` consecutive per-centre problem numbers and return the first. Locks the
    centre row until the caller's transaction ends, so two writers (two tabs, an import and a
    form) never take the same number; SQLite serialises writes anyway."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("problem_numbers_reserve must run inside a transaction")
    Centre.objects.select_for_update().filter(pk=centre.pk).first()
    current = Problem.objects.filter(centre=centre).aggregate(top=Max("number"))["top"]
    return (current or 0) + 1


def service_level_for(*, centre: Centre) -> ServiceLevel:
    """The centre's targets, created with the defaults the first time they are needed."""
    level, _ = ServiceLevel.objects.get_or_create(centre=centre)
    return level


def problem_due_times(
    *, received_at: datetime.datetime, service_level: ServiceLevel
) -> tuple[datetime.datetime, datetime.datetime]:
    """When the first response and the resolution are due for a problem received then."""
    return (
        received_at + datetime.timedelta(hours=service_level.first_response_hours),
        received_at + datetime.timedelta(hours=service_level.resolution_hours),
    )


@transaction.atomic
def problems_bulk_create(
    *, centre: Centre, problems: Sequence[Problem], actions: Sequence[Sequence[Action]] = ()
) -> list[Problem]:
    """Insert many unsaved problems (and, per problem, its unsaved actions) for one centre,
    numbering them in order and recording their history, all or nothing."""
    start = problem_numbers_reserve(centre=centre, count=len(problems))
    level = service_level_for(centre=centre)
    for offset, problem in enumerate(problems):
        problem.centre = centre
        problem.number = start + offset
        problem.first_response_due, problem.resolution_due = problem_due_times(
            received_at=problem.received_at, service_level=level
        )
    created = bulk_create_with_history(list(problems), Problem, batch_size=1000)
    # bulk_create_with_history returns objects without primary keys on some databases;
    # read them back by their unique numbers.
    by_number = {
        p.number: p
        for p in Problem.objects.filter(centre=centre, number__gte=start).only("id", "number")
    }
    flat_actions: list[Action] = []
    for problem, problem_actions in zip(problems, actions, strict=False):
        problem.pk = by_number[problem.number].pk
        for action in problem_actions:
            action.problem_id = problem.pk
            flat_actions.append(action)
    if flat_actions:
        bulk_create_with_history(flat_actions, Action, batch_size=1000)
    return created


@transaction.atomic
def problem_create(*, centre: Centre, learner: User, **fields) -> Problem:
    """Log a new problem in a learner's log, numbered per centre, with its service-level due
    times and any personal data in its free text flagged."""
    if not Membership.objects.filter(user=learner, centre=centre, role=Role.LEARNER).exists():
        raise ValidationError(f"{learner} is not a learner at {centre}.")
    problem = Problem(centre=centre, learner=learner, status=Status.NEW, **fields)
    problem.number = problem_numbers_reserve(centre=centre, count=1)
    problem.first_response_due, problem.resolution_due = problem_due_times(
        received_at=problem.received_at, service_level=service_level_for(centre=centre)
    )
    problem.personal_data_flags = flags_for(
        {name: getattr(problem, name) for name in FREE_TEXT_FIELDS}
    )
    problem.full_clean()
    problem.save()
    problem_log_notify(setting="CASEBOOK_PROBLEM_CHANGED_TASK", arg=problem.pk)
    return problem


def problem_create_once(
    *, centre: Centre, learner: User, external_ref: str = "", **fields
) -> tuple[Problem, bool]:
    """problem_create, idempotent on the company system's reference: when the centre's log
    already holds a problem with that ``external_ref``, it is returned unchanged (False: not
    created) instead of logging it twice, also when two identical requests race (the second
    waits on the centre's row lock, then finds the first's problem)."""
    if external_ref:
        existing = Problem.objects.filter(centre=centre, external_ref=external_ref).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            created = problem_create(
                centre=centre, learner=learner, external_ref=external_ref, **fields
            )
    except (IntegrityError, ValidationError):
        existing = (
            Problem.objects.filter(centre=centre, external_ref=external_ref).first()
            if external_ref
            else None
        )
        if existing is None:
            raise
        return existing, False
    return created, True


@transaction.atomic
def problems_create_batch(*, centre: Centre, items: Sequence[dict]) -> list[tuple[Problem, bool]]:
    """Log a batch of problems from a company system, all or nothing, each item being
    problem_create's fields with its ``learner`` and a non-blank ``external_ref``. Items
    whose reference the centre's log already holds are returned as they are (False: not
    created), so a batch sent again after a lost response logs nothing twice; the centre's
    row is locked before the references are looked up, so two copies of a batch sent at
    once cannot both insert. The analytics engine is told once, as after an import."""
    Centre.objects.select_for_update().filter(pk=centre.pk).first()
    refs = [item["external_ref"] for item in items]
    if any(not ref for ref in refs) or len(set(refs)) != len(refs):
        raise ValidationError({"external_ref": "Each problem of a batch needs its own reference."})
    existing = {
        p.external_ref: p for p in Problem.objects.filter(centre=centre, external_ref__in=refs)
    }
    learner_ids = set(
        Membership.objects.filter(
            centre=centre, role=Role.LEARNER, user_id__in={item["learner"].pk for item in items}
        ).values_list("user_id", flat=True)
    )
    new: list[Problem] = []
    for item in items:
        if item["external_ref"] in existing:
            continue
        if item["learner"].pk not in learner_ids:
            raise ValidationError({"learner": f"{item['learner']} is not a learner at {centre}."})
        problem = Problem(centre=centre, status=Status.NEW, **item)
        problem.personal_data_flags = flags_for(
            {name: getattr(problem, name) for name in FREE_TEXT_FIELDS}
        )
        # The number is given under the lock below; the references were checked above.
        problem.full_clean(exclude=["number"], validate_constraints=False)
        new.append(problem)
    if new:
        problems_bulk_create(centre=centre, problems=new)
        problem_log_notify(setting="CASEBOOK_PROBLEMS_IMPORTED_TASK", arg=centre.pk)
    created = {p.external_ref: p for p in new}
    return [(existing[ref], False) if ref in existing else (created[ref], True) for ref in refs]


@transaction.atomic
def problem_update(*, problem: Problem, by: User, **fields) -> Problem:
    """Edit a problem's details (not its status: that goes through problem_transition)."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    _require_owner(locked, by)
    if "status" in fields:
        raise ValidationError("Change the status with a status change, not an edit.")
    received_changed = "received_at" in fields and fields["received_at"] != locked.received_at
    for name, value in fields.items():
        setattr(locked, name, value)
    if received_changed:
        first_due, resolution_due = problem_due_times(
            received_at=locked.received_at, service_level=service_level_for(centre=locked.centre)
        )
        locked.first_response_due = first_due
        locked.resolution_due = resolution_due + datetime.timedelta(seconds=locked.paused_seconds)
    locked.personal_data_flags = flags_for(
        {name: getattr(locked, name) for name in FREE_TEXT_FIELDS}
    )
    locked.full_clean()
    locked.save()
    problem_log_notify(setting="CASEBOOK_PROBLEM_CHANGED_TASK", arg=locked.pk)
    return locked


@transaction.atomic
def problem_transition(
    *, problem: Problem, by: User, to: str, note: str = "", at: datetime.datetime | None = None
) -> Problem:
    """Move a problem along the workflow. The row is locked, so a double submit or a second
    tab sees the new status and is refused instead of applying the move twice."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    _require_owner(locked, by)
    now = at or timezone.now()
    # Each refusal names the field it is about (the API returns it so; the page shows it).
    if to == locked.status:
        raise ValidationError(
            {"to": f"{locked.reference} is already {locked.get_status_display().lower()}."}
        )
    if to not in TRANSITIONS[locked.status]:
        raise ValidationError(
            {
                "to": f"{locked.reference} cannot go from "
                f"{locked.get_status_display().lower()} to {Status(to).label.lower()}."
            }
        )
    if to in TRANSITIONS_NEEDING_A_NOTE and not note.strip():
        raise ValidationError({"note": f"Say why the problem is {Status(to).label.lower()}."})
    _stop_customer_wait(locked, now)
    if locked.acknowledged_at is None:
        locked.acknowledged_at = now
    if to == Status.AWAITING_CUSTOMER:
        locked.awaiting_since = now
    elif to == Status.RESOLVED:
        locked.resolved_at = now
    elif to == Status.CLOSED:
        locked.closed_at = now
    elif to == Status.REOPENED:
        locked.resolved_at = None
        locked.closed_at = None
    locked.status = to
    locked.save()
    if note.strip():
        _action_save(
            Action(
                problem=locked,
                kind=ActionKind.NOTE,
                taken_at=now,
                taken_by=by,
                description=f"{Status(to).label}: {note.strip()}",
            )
        )
    return locked


def _stop_customer_wait(problem: Problem, now: datetime.datetime) -> None:
    """Leaving "awaiting customer" restarts the resolution clock where it stopped."""
    if problem.status != Status.AWAITING_CUSTOMER or problem.awaiting_since is None:
        return
    waited = max(datetime.timedelta(0), now - problem.awaiting_since)
    problem.paused_seconds += int(waited.total_seconds())
    if problem.resolution_due is not None:
        problem.resolution_due += waited
    problem.awaiting_since = None


@transaction.atomic
def action_add(
    *,
    problem: Problem,
    by: User,
    kind: str,
    taken_at: datetime.datetime,
    description: str,
    with_whom: str = "",
    satisfaction_score: int | None = None,
    customer_words: str = "",
) -> Action:
    """Add a step to a problem's timeline. Each kind carries what the unit asks of it; a
    first response to a new problem also acknowledges it (outcome 1.1 starts the clock)."""
    locked = Problem.objects.select_for_update().get(pk=problem.pk)
    _require_owner(locked, by)
    errors = _action_errors(
        problem=locked,
        kind=kind,
        taken_at=taken_at,
        with_whom=with_whom,
        satisfaction_score=satisfaction_score,
        customer_words=customer_words,
    )
    if errors:
        raise ValidationError(errors)
    action = _action_save(
        Action(
            problem=locked,
            kind=kind,
            taken_at=taken_at,
            taken_by=by,
            description=description,
            with_whom=with_whom,
            satisfaction_score=satisfaction_score
            if kind == ActionKind.SATISFACTION_CHECKED
            else None,
            customer_words=customer_words,
        )
    )
    if kind == ActionKind.RESPONDED and locked.status == Status.NEW:
        locked.status = Status.ACKNOWLEDGED
        locked.acknowledged_at = min(taken_at, timezone.now())
        locked.save()
    elif locked.acknowledged_at is None and kind != ActionKind.NOTE:
        locked.acknowledged_at = taken_at
        locked.save(update_fields=["acknowledged_at", "updated_at"])
    return action


def _action_errors(
    *,
    problem: Problem,
    kind: str,
    taken_at: datetime.datetime,
    with_whom: str,
    satisfaction_score: int | None,
    customer_words: str,
) -> dict[str, str]:
    errors: dict[str, str] = {}
    if taken_at < problem.received_at:
        errors["taken_at"] = "An action cannot come before the problem was received."
    if taken_at > timezone.now() + datetime.timedelta(minutes=5):
        errors["taken_at"] = "An action cannot be in the future."
    if (
        kind in (ActionKind.WORKED_WITH_OTHERS, ActionKind.INFORMED_AUTHORITY)
        and not with_whom.strip()
    ):
        errors["with_whom"] = "Name who you worked with or informed (their role is enough)."
    if kind == ActionKind.SATISFACTION_CHECKED:
        if satisfaction_score is None:
            errors["satisfaction_score"] = "Record the customer's satisfaction score (1 to 5)."
        if not customer_words.strip():
            errors["customer_words"] = "Record what the customer said, in their words."
    if kind == ActionKind.SOLVED_BEFORE_AWARE and problem.identified_by == IdentifiedBy.CUSTOMER:
        errors["kind"] = (
            "A problem the customer reported cannot be solved before they knew of it "
            "(outcome 1.6 is for problems you or a colleague spotted first)."
        )
    return errors


def _action_save(action: Action) -> Action:
    action.personal_data_flags = flags_for(
        {name: getattr(action, name) for name in ACTION_FREE_TEXT_FIELDS}
    )
    action.full_clean()
    action.save()
    return action


def _require_owner(problem: Problem, user: User) -> None:
    """Only the learner whose log it is writes to a problem; others read it."""
    if problem.learner_id != user.pk:
        raise PermissionError(f"{user} may not change {problem.reference}.")
