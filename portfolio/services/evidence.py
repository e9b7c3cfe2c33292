"""Evidence items: numbering, writing, linking to the learner's own log, submitting."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import User
from complaints.models import PreventiveAction, Problem
from portfolio.models import Enrolment, EvidenceItem, EvidenceType
from portfolio.services.notices import evidence_submitted_notify

# The engine's repeated-problem candidates, reached through the relation so that portfolio
# does not import analytics.
RecurringCandidate = EvidenceItem._meta.get_field("repeated_problems").related_model

STAR_FIELDS = ("situation", "task", "action", "result")
STAR_HEADINGS = {
    "situation": "Situation",
    "task": "Task",
    "action": "Action",
    "result": "Result",
}


def evidence_ei_reserve(*, enrolment: Enrolment) -> int:
    """The learner's next evidence index number. Locks the enrolment row until the caller's
    transaction ends, so two new items (two tabs, a double click) never take the same number;
    the unique constraint on (enrolment, ei) is the backstop."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("evidence_ei_reserve must run inside a transaction")
    Enrolment.objects.select_for_update().filter(pk=enrolment.pk).first()
    top = EvidenceItem.objects.filter(enrolment=enrolment).aggregate(top=Max("ei"))["top"]
    return (top or 0) + 1


def star_compose(*, situation: str, task: str, action: str, result: str) -> str:
    """A personal statement's narrative, composed from its STAR parts."""
    parts = {"situation": situation, "task": task, "action": action, "result": result}
    return "\n\n".join(
        f"{STAR_HEADINGS[name]}\n{text.strip()}" for name, text in parts.items() if text.strip()
    )


def _fields_validate(*, evidence_type: EvidenceType, enrolment: Enrolment, fields: dict) -> None:
    errors: dict[str, str] = {}
    if evidence_type.unit_id != enrolment.unit_id or not evidence_type.is_evidence_type:
        errors["evidence_type"] = "Choose one of the unit's evidence types."
    if not (fields.get("title") or "").strip():
        errors["title"] = "Give the evidence a title."
    if evidence_type.dated and not fields.get("date"):
        errors["date"] = f"{evidence_type.name} evidence must be dated."
    if fields.get("date") and fields["date"] > timezone.localdate():
        errors["date"] = "The date cannot be in the future."
    if errors:
        raise ValidationError(errors)


def evidence_links_validate(
    *,
    enrolment: Enrolment,
    problems: Iterable[Problem] = (),
    repeated_problems: Iterable = (),
    preventive_actions: Iterable[PreventiveAction] = (),
) -> None:
    """Evidence draws only on the learner's own work: their problems and preventive actions
    at the enrolment's centre, and repeated problems there that include one of their own."""
    learner_id, centre_id = enrolment.learner_id, enrolment.centre_id
    errors = {}
    foreign = [p for p in problems if (p.learner_id, p.centre_id) != (learner_id, centre_id)]
    if foreign:
        errors["problems"] = "Only problems from your own log can be linked."
    foreign = [
        a for a in preventive_actions if (a.learner_id, a.centre_id) != (learner_id, centre_id)
    ]
    if foreign:
        errors["preventive_actions"] = "Only your own preventive actions can be linked."
    candidates = [c.pk for c in repeated_problems]
    if candidates:
        own = set(
            RecurringCandidate.objects.filter(
                pk__in=candidates, centre_id=centre_id, incidents__learner_id=learner_id
            ).values_list("pk", flat=True)
        )
        if set(candidates) - own:
            errors["repeated_problems"] = (
                "Only repeated problems that include problems from your own log can be linked."
            )
    if errors:
        raise ValidationError(errors)


def _star_apply(item: EvidenceItem) -> None:
    if item.is_star:
        item.narrative = star_compose(
            situation=item.situation, task=item.task, action=item.action, result=item.result
        )
    else:
        item.situation = item.task = item.action = item.result = ""


@transaction.atomic
def evidence_create(
    *,
    enrolment: Enrolment,
    by: User,
    evidence_type: EvidenceType,
    title: str,
    date: datetime.date | None = None,
    narrative: str = "",
    situation: str = "",
    task: str = "",
    action: str = "",
    result: str = "",
    problems: Iterable[Problem] = (),
    repeated_problems: Iterable = (),
    preventive_actions: Iterable[PreventiveAction] = (),
    drafted_from: Problem | None = None,
) -> EvidenceItem:
    """A new draft evidence item, next in the learner's evidence index."""
    if by.pk != enrolment.learner_id:
        raise ValidationError("Only the learner adds evidence to their portfolio.")
    fields = {"title": title, "date": date}
    _fields_validate(evidence_type=evidence_type, enrolment=enrolment, fields=fields)
    problems, repeated_problems, preventive_actions = (
        list(problems),
        list(repeated_problems),
        list(preventive_actions),
    )
    evidence_links_validate(
        enrolment=enrolment,
        problems=problems,
        repeated_problems=repeated_problems,
        preventive_actions=preventive_actions,
    )
    item = EvidenceItem(
        enrolment=enrolment,
        evidence_type=evidence_type,
        ei=evidence_ei_reserve(enrolment=enrolment),
        title=title.strip(),
        date=date,
        narrative=narrative,
        situation=situation,
        task=task,
        action=action,
        result=result,
        drafted_from=drafted_from,
    )
    _star_apply(item)
    item._history_user = by
    item.save()
    item.problems.set(problems)
    item.repeated_problems.set(repeated_problems)
    item.preventive_actions.set(preventive_actions)
    return item


_EDITABLE = ("title", "date", "narrative", *STAR_FIELDS)


@transaction.atomic
def evidence_update(
    *,
    item: EvidenceItem,
    by: User,
    problems: Iterable[Problem] | None = None,
    repeated_problems: Iterable | None = None,
    preventive_actions: Iterable[PreventiveAction] | None = None,
    **fields,
) -> EvidenceItem:
    """Change a draft's text, date and links; a submitted item is read-only."""
    unknown = set(fields) - set(_EDITABLE)
    if unknown:
        raise TypeError(f"evidence_update cannot change {', '.join(sorted(unknown))}")
    item = EvidenceItem.objects.select_for_update().select_related("evidence_type").get(pk=item.pk)
    evidence_editable_check(item=item, by=by)
    merged = {"title": item.title, "date": item.date, **fields}
    _fields_validate(evidence_type=item.evidence_type, enrolment=item.enrolment, fields=merged)
    links = {
        "problems": None if problems is None else list(problems),
        "repeated_problems": None if repeated_problems is None else list(repeated_problems),
        "preventive_actions": None if preventive_actions is None else list(preventive_actions),
    }
    evidence_links_validate(
        enrolment=item.enrolment, **{k: v for k, v in links.items() if v is not None}
    )
    for name, value in fields.items():
        setattr(item, name, value.strip() if name == "title" else value)
    _star_apply(item)
    item._history_user = by
    item.save()
    for name, value in links.items():
        if value is not None:
            getattr(item, name).set(value)
    return item


def evidence_editable_check(*, item: EvidenceItem, by: User) -> None:
    """The learner changes a draft, or an item their assessor referred back; never a
    signed (locked) one, nor one waiting for or past assessment."""
    if by.pk != item.enrolment.learner_id:
        raise ValidationError("Only the learner changes their evidence.")
    if item.is_locked:
        raise ValidationError(
            f"EI {item.ei} is signed and locked: it can no longer be changed. A centre admin "
            "can unlock it, with a written reason; that voids its signatures."
        )
    if not item.is_editable:
        raise ValidationError(
            f"EI {item.ei} is {item.get_status_display().lower()}: it can no longer be changed."
        )


@transaction.atomic
def evidence_submit(*, item: EvidenceItem, by: User) -> EvidenceItem:
    """Submit a draft (or resubmit an item referred back) for assessment. It must claim at least one confirmed part of the
    standard (suggestions count for nothing); a second submit is refused."""
    item = EvidenceItem.objects.select_for_update().select_related("evidence_type").get(pk=item.pk)
    evidence_editable_check(item=item, by=by)
    confirmed = (
        item.outcome_mappings.filter(confirmed=True).exists()
        or item.knowledge_mappings.filter(confirmed=True).exists()
        or item.range_mappings.filter(confirmed=True).exists()
    )
    if not confirmed:
        raise ValidationError(
            f"EI {item.ei} cannot be submitted yet: confirm at least one outcome, knowledge "
            "item or range item it shows in the mapping panel."
        )
    if item.is_star and not item.narrative.strip():
        raise ValidationError(f"EI {item.ei} has no statement yet: fill in its STAR parts.")
    if not item.is_star and not item.narrative.strip():
        raise ValidationError(f"EI {item.ei} has no narrative yet: describe the evidence.")
    resubmitted = item.status == EvidenceItem.Status.REFERRED_BACK
    item.status = EvidenceItem.Status.SUBMITTED
    item.submitted_at = timezone.now()
    item._history_user = by
    item.save(update_fields=["status", "submitted_at", "updated_at"])
    evidence_submitted_notify(item=item, resubmitted=resubmitted)
    return item
