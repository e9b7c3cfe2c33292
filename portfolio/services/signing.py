"""Signatures: what is signed (the canonical content of a subject), asking for the password
again before signing, locking what a signature covers, verifying, and unlocking."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import AuditEvent, Membership, Role, User
from portfolio import canonical
from portfolio.models import (
    Attachment,
    ElementRecord,
    Enrolment,
    EvidenceItem,
    EvidenceKnowledge,
    EvidenceOutcome,
    EvidenceRange,
    EvidenceUnlock,
    KnowledgeRecord,
    OutcomeDecision,
    SampleItem,
    Signature,
    VerificationReview,
    WitnessStatement,
)

# A signature needs the password confirmed this recently (NVQ records are signed one by one
# during a review; five minutes covers a sitting without leaving an unattended session able
# to sign).
REAUTH_VALID_FOR = datetime.timedelta(minutes=5)
REAUTH_SESSION_KEY = "casebook_reauth_at"
REAUTH_FAILURES_KEY = "casebook_reauth_failures"
REAUTH_MAX_FAILURES = 5
REAUTH_FAILURE_WINDOW = datetime.timedelta(minutes=15)


class ReauthRequired(ValidationError):
    """Signing was refused because the password was not confirmed in the last 5 minutes."""


# Re-authentication --------------------------------------------------------------------------


def reauth_confirm(*, user: User, password: str, session) -> bool:
    """Check the password again and, if right, note the time in the session. After
    REAUTH_MAX_FAILURES wrong passwords in REAUTH_FAILURE_WINDOW the session may not try
    again until the window passes: an unattended session must not become a way to guess
    the password (logging in again is guarded by the login page)."""
    now = timezone.now().timestamp()
    window = REAUTH_FAILURE_WINDOW.total_seconds()
    failures = [t for t in session.get(REAUTH_FAILURES_KEY, []) if now - t < window]
    if len(failures) >= REAUTH_MAX_FAILURES:
        raise ValidationError(
            "Too many wrong passwords: wait a quarter of an hour, or log out and in again."
        )
    if not password or not user.check_password(password):
        session[REAUTH_FAILURES_KEY] = [*failures, now]
        return False
    session[REAUTH_FAILURES_KEY] = []
    session[REAUTH_SESSION_KEY] = now
    return True


def reauth_at(*, session) -> datetime.datetime | None:
    stamp = session.get(REAUTH_SESSION_KEY)
    if not isinstance(stamp, int | float):
        return None
    return datetime.datetime.fromtimestamp(stamp, tz=datetime.UTC)


def reauth_is_fresh(*, at: datetime.datetime | None, now: datetime.datetime | None = None) -> bool:
    now = now or timezone.now()
    return at is not None and datetime.timedelta(0) <= now - at <= REAUTH_VALID_FOR


def reauth_require(*, at: datetime.datetime | None) -> None:
    """Refuse to sign unless the password was confirmed in the last REAUTH_VALID_FOR."""
    if not reauth_is_fresh(at=at):
        raise ReauthRequired(
            "Confirm your password to sign: it is asked again before each sitting."
        )


# What is signed -----------------------------------------------------------------------------


def evidence_content(item: EvidenceItem) -> dict:
    """An evidence item as signed: its words and date, its confirmed claims, what it links to
    in the learner's log, its files by SHA-256 and its witness statements. The status and
    timestamps are left out: they record the item's journey, not what it shows."""
    return evidence_contents([item])[item.pk]


def evidence_contents(items: Sequence[EvidenceItem]) -> dict[int, dict]:
    """evidence_content for many items, by id, in the same eight queries however many there
    are (a printed record checks hundreds of signatures on a few dozen items). The related
    rows are read fresh from the database, never from a prefetch cache on the instances."""
    ids = [item.pk for item in items]
    by_item: dict[str, dict[int, list]] = {
        name: {pk: [] for pk in ids}
        for name in (
            "outcomes",
            "knowledge_items",
            "range_items",
            "problems",
            "repeated_problems",
            "preventive_actions",
            "attachments",
            "witness_statements",
        )
    }

    def collect(name: str, rows) -> None:
        for evidence_id, value in rows:
            by_item[name][evidence_id].append(value)

    confirmed = {"evidence_id__in": ids, "confirmed": True}
    collect(
        "outcomes",
        EvidenceOutcome.objects.filter(**confirmed).values_list("evidence_id", "outcome__code"),
    )
    collect(
        "knowledge_items",
        EvidenceKnowledge.objects.filter(**confirmed).values_list(
            "evidence_id", "knowledge_item__code"
        ),
    )
    collect(
        "range_items",
        EvidenceRange.objects.filter(**confirmed).values_list("evidence_id", "range_item__code"),
    )
    links = EvidenceItem._meta
    collect(
        "problems",
        (
            (link.evidenceitem_id, link.problem.reference)
            for link in links.get_field("problems")
            .remote_field.through.objects.filter(evidenceitem_id__in=ids)
            .select_related("problem__centre")
        ),
    )
    collect(
        "repeated_problems",
        links.get_field("repeated_problems")
        .remote_field.through.objects.filter(evidenceitem_id__in=ids)
        .values_list("evidenceitem_id", "recurringcandidate_id"),
    )
    collect(
        "preventive_actions",
        links.get_field("preventive_actions")
        .remote_field.through.objects.filter(evidenceitem_id__in=ids)
        .values_list("evidenceitem_id", "preventiveaction_id"),
    )
    collect(
        "attachments",
        (
            (a.evidence_id, {"name": a.original_name, "sha256": a.sha256, "size": a.size})
            for a in Attachment.objects.filter(evidence_id__in=ids)
        ),
    )
    collect(
        "witness_statements",
        (
            (
                s.evidence_id,
                {
                    "witness_name": s.witness_name,
                    "witness_role": s.witness_role,
                    "text": s.text,
                    "written_at": s.written_at,
                },
            )
            for s in WitnessStatement.objects.filter(evidence_id__in=ids).order_by(
                "written_at", "pk"
            )
        ),
    )
    return {
        item.pk: {
            "kind": "evidence_item",
            "id": item.pk,
            "enrolment": item.enrolment_id,
            "ei": item.ei,
            "evidence_type": item.evidence_type.code,
            "title": item.title,
            "date": item.date,
            "narrative": item.narrative,
            "situation": item.situation,
            "task": item.task,
            "action": item.action,
            "result": item.result,
            "outcomes": sorted(by_item["outcomes"][item.pk]),
            "knowledge_items": sorted(by_item["knowledge_items"][item.pk]),
            "range_items": sorted(by_item["range_items"][item.pk]),
            "problems": sorted(by_item["problems"][item.pk]),
            "repeated_problems": sorted(by_item["repeated_problems"][item.pk]),
            "preventive_actions": sorted(by_item["preventive_actions"][item.pk]),
            "attachments": sorted(
                by_item["attachments"][item.pk], key=lambda a: (a["sha256"], a["name"])
            ),
            "witness_statements": by_item["witness_statements"][item.pk],
        }
        for item in items
    }


def decision_content(decision: OutcomeDecision, *, evidence: dict | None = None) -> dict:
    """An outcome decision as signed: the outcome's words, the verdict and feedback, who
    decided when, and the evidence it rests on (its content, when the caller has it)."""
    outcome = decision.outcome
    return {
        "kind": "outcome_decision",
        "id": decision.pk,
        "unit": {"code": outcome.unit.code, "version": outcome.unit.version},
        "outcome": {"code": outcome.code, "text": outcome.text},
        "verdict": decision.verdict,
        "feedback": decision.feedback,
        "decided_by": decision.decided_by.username,
        "decided_at": decision.decided_at,
        "evidence": evidence if evidence is not None else evidence_content(decision.evidence),
    }


def element_record_content(record: ElementRecord) -> dict:
    """An element record as signed: the element, each outcome with the hashes of the
    assessor's outcome signatures the record rests on, the feedback and the comments."""
    element = record.element
    decisions = dict(
        OutcomeDecision.objects.filter(
            pk__in=[s.subject_id for s in record.decision_signatures.all()]
        ).values_list("pk", "outcome_id")
    )
    hashes: dict[int, list[str]] = {}
    for s in record.decision_signatures.all():
        hashes.setdefault(decisions.get(s.subject_id), []).append(s.content_sha256)
    return {
        "kind": "element_record",
        "id": record.pk,
        "enrolment": record.enrolment_id,
        "unit": {"code": element.unit.code, "version": element.unit.version},
        "element": {"number": element.number, "title": element.title},
        "outcomes": [
            {"code": o.code, "text": o.text, "signatures": sorted(hashes.get(o.pk, []))}
            for o in element.outcomes.all()  # in order: the model's ordering
        ],
        "feedback": record.feedback,
        "comments": record.comments,
    }


def knowledge_record_content(record: KnowledgeRecord) -> dict:
    """The knowledge record as signed: the unit's declaration, the assessor's feedback and,
    for each knowledge item, the EIs that show it (fixed when the candidate signed)."""
    unit = record.enrolment.unit
    return {
        "kind": "knowledge_record",
        "id": record.pk,
        "enrolment": record.enrolment_id,
        "unit": {"code": unit.code, "version": unit.version},
        "declaration": unit.knowledge_declaration,
        "feedback": record.feedback,
        "evidence": {code: list(eis) for code, eis in record.evidence.items()},
    }


def verification_review_content(review: VerificationReview) -> dict:
    """An internal verifier's review as signed: the sampled assessment (the evidence and the
    hashes of the assessor's decision signatures sampled, which cover the evidence as it was
    assessed), how it was sampled, the assessor's response it follows, the verdict and the
    comments, who reviewed when."""
    item = review.sample_item
    evidence = item.evidence
    response = review.response
    return {
        "kind": "verification_review",
        "id": review.pk,
        "enrolment": evidence.enrolment_id,
        "sample_item": item.pk,
        "sample": item.sample_id,
        "targeted_reason": item.reason,
        "evidence": {"id": evidence.pk, "ei": evidence.ei, "title": evidence.title},
        "assessor": item.assessor.username,
        "decision_signatures": sorted(s.content_sha256 for s in item.decision_signatures.all()),
        "response": None
        if response is None
        else {
            "id": response.pk,
            "text": response.text,
            "responded_by": response.responded_by.username,
            "responded_at": response.responded_at,
        },
        "verdict": review.verdict,
        "comments": review.comments,
        "verifier": review.verifier.username,
        "reviewed_at": review.reviewed_at,
    }


_CONTENT = {
    EvidenceItem: evidence_content,
    OutcomeDecision: decision_content,
    ElementRecord: element_record_content,
    KnowledgeRecord: knowledge_record_content,
    VerificationReview: verification_review_content,
}


def subject_content(subject) -> dict:
    return _CONTENT[type(subject)](subject)


def _signed_text(
    *, content: dict, signer: User, role: str, statement: str, signed_at: datetime.datetime
) -> str:
    """What the hash covers: the subject's content and who signed what, as whom, when."""
    return canonical.dumps(
        {
            "version": canonical.VERSION,
            "signer": signer.username,
            "role": role,
            "statement": statement,
            "signed_at": signed_at,
            "content": content,
        }
    )


# Locking ------------------------------------------------------------------------------------


def locked_check(item: EvidenceItem, *, what: str = "it") -> None:
    if item.is_locked:
        raise ValidationError(
            f"EI {item.ei} is signed and locked: {what} can no longer be changed. A centre "
            "admin can unlock it, with a written reason; that voids its signatures."
        )


def _evidence_lock(item: EvidenceItem, *, at: datetime.datetime, by: User) -> None:
    """Lock the item (already selected for update by the caller), through the model so its
    history shows who locked it and when. A second signature finds it locked already."""
    if item.is_locked:
        return
    item.locked_at = at
    item._history_user = by
    item.save(update_fields=["locked_at", "updated_at"])


# Signing ------------------------------------------------------------------------------------


def sign_subject(
    *, subject, enrolment: Enrolment, by: User, role: str, statement: str
) -> Signature:
    """Sign a subject as it is now: its canonical content with who signs, as whom, when.
    Callers check the rules (who, when, in which order) and the fresh password first."""
    now = timezone.now().replace(microsecond=0)
    text = _signed_text(
        content=subject_content(subject), signer=by, role=role, statement=statement, signed_at=now
    )
    signature = Signature.objects.create(
        enrolment=enrolment,
        signer=by,
        role=role,
        statement=statement,
        signed_at=now,
        subject_type=ContentType.objects.get_for_model(type(subject)),
        subject_id=subject.pk,
        content=text,
        content_sha256=canonical.sha256(text),
    )
    audit_record(
        kind=AuditEvent.Kind.SIGNED,
        user=by,
        subject=subject,
        detail={"signature": signature.pk, "role": role, "sha256": signature.content_sha256},
    )
    return signature


@transaction.atomic
def decision_sign(
    *, decision: OutcomeDecision, by: User, reauthenticated_at: datetime.datetime | None
) -> Signature:
    """The assessor signs and dates an outcome on an evidence item where competence is
    demonstrated. The evidence it rests on is locked in the same transaction."""
    reauth_require(at=reauthenticated_at)
    item = EvidenceItem.objects.select_for_update().select_related("enrolment", "evidence_type")
    item = item.get(pk=decision.evidence_id)
    if by.pk != item.enrolment.assessor_id:
        raise ValidationError("Only the learner's assessor signs their outcomes.")
    current = (
        OutcomeDecision.objects.filter(evidence=item, outcome_id=decision.outcome_id)
        .order_by("-decided_at", "-pk")
        .first()
    )
    if current is None or current.pk != decision.pk or not decision.is_competent:
        raise ValidationError("Only the current decision of competent can be signed.")
    if item.status != EvidenceItem.Status.ASSESSED:
        raise ValidationError(f"EI {item.ei} is {item.get_status_display().lower()}: not signable.")
    subject_type = ContentType.objects.get_for_model(OutcomeDecision)
    if Signature.objects.filter(
        subject_type=subject_type, subject_id=decision.pk, voided_at__isnull=True
    ).exists():
        raise ValidationError(f"{decision.outcome.code} on EI {item.ei} is already signed.")
    _evidence_lock(item, at=timezone.now().replace(microsecond=0), by=by)
    return sign_subject(
        subject=decision,
        enrolment=item.enrolment,
        by=by,
        role=Signature.Role.ASSESSOR,
        statement=(
            f"I confirm the candidate has demonstrated competence in outcome "
            f"{decision.outcome.code} through EI {item.ei}."
        ),
    )


@transaction.atomic
def decisions_sign_all(
    *, item: EvidenceItem, by: User, reauthenticated_at: datetime.datetime | None
) -> list[Signature]:
    """Sign and date, one signature each, every outcome on the item whose current decision
    is competent and not signed yet: what an assessor does after a review, in one step."""
    reauth_require(at=reauthenticated_at)
    current: dict[int, OutcomeDecision] = {}
    for decision in OutcomeDecision.objects.filter(evidence=item).order_by("decided_at", "pk"):
        current[decision.outcome_id] = decision
    signed = set(
        Signature.objects.filter(
            subject_type=ContentType.objects.get_for_model(OutcomeDecision),
            subject_id__in=[d.pk for d in current.values()],
            voided_at__isnull=True,
        ).values_list("subject_id", flat=True)
    )
    todo = [d for d in current.values() if d.is_competent and d.pk not in signed]
    if not todo:
        raise ValidationError(f"EI {item.ei} has no competent outcome left to sign.")
    todo.sort(key=lambda d: d.outcome.order)
    return [decision_sign(decision=d, by=by, reauthenticated_at=reauthenticated_at) for d in todo]


# Verifying ----------------------------------------------------------------------------------


@dataclass
class Verification:
    signature: Signature
    state: str  # "valid", "not valid" or "void"
    recomputed_sha256: str
    reason: str = ""

    @property
    def is_valid(self) -> bool:
        return self.state == "valid"


def signature_verify(*, signature: Signature) -> Verification:
    """Recompute the hash from the database as it is now and compare it with the one stored
    at signing. A void signature is reported void whatever its hash."""
    subject = signature.subject
    return _verify(signature, None if subject is None else subject_content(subject))


# How each kind of signed subject other than an outcome decision is read for a bulk check:
# with the rows its content reads (see the *_content functions above), so that a printed
# record's signatures cost a few queries a kind rather than several a signature.
_SUBJECT_READS = {
    ElementRecord: lambda rows: rows.select_related("element__unit").prefetch_related(
        "decision_signatures", "element__outcomes"
    ),
    KnowledgeRecord: lambda rows: rows.select_related("enrolment__unit"),
    VerificationReview: lambda rows: rows.select_related(
        "sample_item__evidence", "sample_item__assessor", "response__responded_by", "verifier"
    ).prefetch_related("sample_item__decision_signatures"),
}


def _subjects(signatures: Sequence[Signature]) -> dict[tuple[int, int], object]:
    """The signed subjects, by (content type id, id), read fresh a kind at a time."""
    wanted: dict[int, set[int]] = {}
    for s in signatures:
        wanted.setdefault(s.subject_type_id, set()).add(s.subject_id)
    found: dict[tuple[int, int], object] = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        if model is None:
            continue  # its rows cannot be read: checked as a subject no longer there
        read = _SUBJECT_READS.get(model, lambda rows: rows)
        for subject in read(model._default_manager.filter(pk__in=ids)):
            found[(type_id, subject.pk)] = subject
    return found


def signatures_verify(*, signatures: Sequence[Signature]) -> dict[int, Verification]:
    """signature_verify for many signatures at once, by signature id: the outcome decisions
    read in one query and each evidence item's content computed once, however many decisions
    rest on it (a printed record holds hundreds of outcome signatures on a few dozen items);
    the other subjects read a kind at a time."""
    decision_type = ContentType.objects.get_for_model(OutcomeDecision)
    decisions = OutcomeDecision.objects.select_related(
        "outcome__unit", "decided_by", "evidence__evidence_type"
    ).in_bulk([s.subject_id for s in signatures if s.subject_type_id == decision_type.pk])
    items = {d.evidence_id: d.evidence for d in decisions.values()}
    evidence = evidence_contents(list(items.values()))
    others = _subjects([s for s in signatures if s.subject_type_id != decision_type.pk])

    def content(signature: Signature) -> dict | None:
        if signature.subject_type_id != decision_type.pk:
            subject = others.get((signature.subject_type_id, signature.subject_id))
            return None if subject is None else subject_content(subject)
        decision = decisions.get(signature.subject_id)
        if decision is None:
            return None
        return decision_content(decision, evidence=evidence[decision.evidence_id])

    return {s.pk: _verify(s, content(s)) for s in signatures}


def _verify(signature: Signature, content: dict | None) -> Verification:
    if content is None:
        recomputed, reason = "", "what was signed is no longer in the database."
    else:
        text = _signed_text(
            content=content,
            signer=signature.signer,
            role=signature.role,
            statement=signature.statement,
            signed_at=signature.signed_at,
        )
        recomputed = canonical.sha256(text)
        reason = (
            "" if recomputed == signature.content_sha256 else "what was signed has changed since."
        )
    if signature.is_void:
        return Verification(signature, "void", recomputed, signature.void_reason)
    state = "valid" if recomputed and recomputed == signature.content_sha256 else "not valid"
    return Verification(signature, state, recomputed, reason)


def signatures_for_evidence(item: EvidenceItem):
    """Every signature whose content includes the item: on the item and on its decisions."""
    by_type = ContentType.objects.get_for_models(EvidenceItem, OutcomeDecision)
    decisions = list(OutcomeDecision.objects.filter(evidence=item).values_list("pk", flat=True))
    return Signature.objects.filter(
        subject_type=by_type[EvidenceItem], subject_id=item.pk
    ) | Signature.objects.filter(subject_type=by_type[OutcomeDecision], subject_id__in=decisions)


# Unlocking ----------------------------------------------------------------------------------


def _unlock_allow(item: EvidenceItem) -> None:
    """Tell the database trigger that this transaction may change this item's locked rows.
    `set_config(..., true)` lasts only until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('casebook.unlock', %s, true)", [str(item.pk)])


@transaction.atomic
def evidence_unlock(*, item: EvidenceItem, by: User, reason: str) -> EvidenceUnlock:
    """A centre admin unlocks signed evidence with a written reason. The signatures that
    cover it, those of the element and knowledge records that rest on it and those of the
    internal verifier's reviews of it, are voided (never deleted); those records unlock,
    the sampled assessment is void, and the item goes back to the learner, referred back."""
    item = EvidenceItem.objects.select_for_update().select_related("enrolment").get(pk=item.pk)
    if not Membership.objects.filter(
        user=by, centre_id=item.enrolment.centre_id, role=Role.CENTRE_ADMIN
    ).exists():
        raise ValidationError("Only a centre admin of the learner's centre unlocks evidence.")
    if not item.is_locked:
        raise ValidationError(f"EI {item.ei} is not locked.")
    if len(reason.strip()) < 10:
        raise ValidationError({"reason": "Say why it is unlocked, in a sentence."})
    now = timezone.now()
    _unlock_allow(item)
    signatures = list(signatures_for_evidence(item).filter(voided_at__isnull=True))
    Signature.objects.filter(pk__in=[s.pk for s in signatures]).update(
        voided_at=now, voided_by=by, void_reason=reason.strip()
    )
    item.locked_at = None
    item.status = EvidenceItem.Status.REFERRED_BACK
    item._history_user = by
    item.save(update_fields=["locked_at", "status", "updated_at"])
    downstream = _records_downstream_void(
        item=item, voided=signatures, by=by, at=now, reason=reason.strip()
    )
    unlock = EvidenceUnlock.objects.create(
        evidence=item, unlocked_by=by, unlocked_at=now, reason=reason.strip()
    )
    unlock.voided.set([*signatures, *downstream])
    audit_record(
        kind=AuditEvent.Kind.UNLOCKED,
        user=by,
        subject=item,
        detail={"reason": reason.strip(), "voided": len(signatures) + len(downstream)},
    )
    return unlock


def _records_downstream_void(
    *, item: EvidenceItem, voided: list[Signature], by: User, at: datetime.datetime, reason: str
) -> list[Signature]:
    """The records that rest on an unlocked item lose their signatures too, and unlock: the
    element records naming one of its voided outcome signatures, and the knowledge record if
    it lists the item. Returns the signatures voided here."""
    resting = ElementRecord.objects.filter(decision_signatures__in=voided).values("pk")
    records: list = list(
        ElementRecord.objects.select_for_update().filter(pk__in=resting).order_by("pk")
    )
    knowledge = (
        KnowledgeRecord.objects.select_for_update().filter(enrolment_id=item.enrolment_id).first()
    )
    if knowledge is not None and any(item.ei in eis for eis in knowledge.evidence.values()):
        records.append(knowledge)
    out: list[Signature] = []
    for record in records:
        live = list(
            Signature.objects.filter(
                subject_type=ContentType.objects.get_for_model(type(record)),
                subject_id=record.pk,
                voided_at__isnull=True,
            )
        )
        Signature.objects.filter(pk__in=[s.pk for s in live]).update(
            voided_at=at, voided_by=by, void_reason=f"EI {item.ei} was unlocked: {reason}"
        )
        out.extend(live)
        if record.locked_at is not None:
            _record_unlock_allow(record)
            type(record).objects.filter(pk=record.pk).update(locked_at=None, updated_at=at)
    out.extend(_samples_downstream_void(item=item, voided=voided, by=by, at=at, reason=reason))
    return out


def _samples_downstream_void(
    *, item: EvidenceItem, voided: list[Signature], by: User, at: datetime.datetime, reason: str
) -> list[Signature]:
    """An internal verifier's review rests on the decision signatures it sampled: when an
    unlock voids them, the reviews' signatures are voided and the sampled assessment is
    void (the assessor's new decisions, once signed, can be sampled afresh)."""
    samples = list(
        SampleItem.objects.select_for_update()
        .filter(pk__in=SampleItem.objects.filter(decision_signatures__in=voided).values("pk"))
        .exclude(state=SampleItem.State.VOID)
        .order_by("pk")
    )
    live = list(
        Signature.objects.filter(
            subject_type=ContentType.objects.get_for_model(VerificationReview),
            subject_id__in=VerificationReview.objects.filter(sample_item__in=samples).values("pk"),
            voided_at__isnull=True,
        )
    )
    Signature.objects.filter(pk__in=[s.pk for s in live]).update(
        voided_at=at, voided_by=by, void_reason=f"EI {item.ei} was unlocked: {reason}"
    )
    for sample_item in samples:
        sample_item.state = SampleItem.State.VOID
        sample_item._history_user = by
        sample_item.save(update_fields=["state"])
    return live


def _record_unlock_allow(record) -> None:
    """Tell the records' trigger (migration 0007) that this transaction may change this
    locked record; `set_config(..., true)` lasts until the transaction ends."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('casebook.unlock_record', %s, true)",
                [f"{record._meta.db_table}:{record.pk}"],
            )
