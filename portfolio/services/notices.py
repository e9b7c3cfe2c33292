"""What the portfolio tells people when evidence moves on. Each function is called by the
service whose event it reports, inside that service's transaction, so a refused or
rolled-back action notifies nobody; e-mails go out only after the commit (accounts.notify)."""

from __future__ import annotations

from django.urls import reverse

from accounts.models import Notification
from accounts.services import notify
from portfolio.models import (
    AssessorResponse,
    EvidenceItem,
    OutcomeDecision,
    SampleItem,
    VerificationReview,
    WitnessStatement,
)


def evidence_submitted_notify(*, item: EvidenceItem, resubmitted: bool) -> Notification:
    """Tell the learner's assessor that evidence waits for their decisions."""
    enrolment = item.enrolment
    if resubmitted:
        verb, what = "resubmitted", f"{item.evidence_type.name} evidence changed after feedback"
    else:
        verb, what = "submitted", f"{item.evidence_type.name} evidence"
    return notify(
        recipient=enrolment.assessor,
        kind=Notification.Kind.EVIDENCE_SUBMITTED,
        title=f"{enrolment.learner.display_name} {verb} EI {item.ei}: {item.title}",
        body=f"{what}, waiting for your decision on each outcome it claims.",
        url=reverse("portfolio:evidence-assess", args=[item.pk]),
    )


def evidence_decided_notify(
    *, item: EvidenceItem, decisions: list[OutcomeDecision]
) -> Notification:
    """Tell the learner what their assessor decided: assessed when every outcome is
    competent, otherwise referred back with what is still needed."""
    enrolment = item.enrolment
    decisions = sorted(decisions, key=lambda d: d.outcome.order)
    not_yet = [d for d in decisions if d.verdict == OutcomeDecision.Verdict.NOT_YET]
    assessor = enrolment.assessor.display_name
    if not_yet:
        feedback = "\n".join(
            f"{_codes(codes)}: {text}" for text, codes in _by_feedback(not_yet).items()
        )
        return notify(
            recipient=enrolment.learner,
            kind=Notification.Kind.EVIDENCE_REFERRED_BACK,
            title=f"EI {item.ei} is referred back: {item.title}",
            body=(
                f"{assessor} needs more before deciding competent on "
                f"{_outcomes(not_yet)}:\n\n{feedback}\n\n"
                "Change the evidence, then submit it again."
            ),
            url=item.get_absolute_url(),
        )
    return notify(
        recipient=enrolment.learner,
        kind=Notification.Kind.EVIDENCE_ASSESSED,
        title=f"EI {item.ei} is assessed: {item.title}",
        body=f"{assessor} decided competent on {_outcomes(decisions)}.",
        url=item.get_absolute_url(),
    )


def witness_written_notify(*, statement: WitnessStatement) -> Notification:
    """Tell the learner a witness answered their request. The statement itself stays in
    Casebook: it is not copied into the e-mail."""
    item = statement.evidence
    return notify(
        recipient=item.enrolment.learner,
        kind=Notification.Kind.WITNESS_WRITTEN,
        title=f"{statement.witness_name} wrote a witness statement for EI {item.ei}",
        body=(
            f"{statement.witness_name} ({statement.witness_role}) answered your request on "
            f"EI {item.ei}: {item.title}. Read it on the evidence page."
        ),
        url=item.get_absolute_url(),
    )


def evidence_sampled_notify(*, sample_item: SampleItem) -> list[Notification]:
    """Tell the assessor their assessment is in the internal verifier's sample, and the
    learner that their evidence is being verified."""
    item = sample_item.evidence
    learner = item.enrolment.learner
    verifier = sample_item.verifier.display_name
    how = f"for this reason: {sample_item.reason}" if sample_item.reason else "in a sample"
    return [
        notify(
            recipient=sample_item.assessor,
            kind=Notification.Kind.EVIDENCE_SAMPLED,
            title=f"{verifier} sampled your assessment of EI {item.ei} ({learner.display_name})",
            body=(
                f"{verifier} chose your signed decisions on {learner.display_name}'s EI "
                f"{item.ei}: {item.title} {how}. They review them and sign; you hear what "
                "they decide."
            ),
            url=sample_item.get_absolute_url(),
        ),
        notify(
            recipient=learner,
            kind=Notification.Kind.EVIDENCE_SAMPLED,
            title=f"EI {item.ei} is sampled by your internal verifier: {item.title}",
            body=(
                f"{verifier} checks your assessor's decisions on EI {item.ei}, as the centre "
                "does for a sample of every assessor's work. There is nothing for you to do."
            ),
            url=item.get_absolute_url(),
        ),
    ]


def sample_reviewed_notify(*, review: VerificationReview) -> Notification:
    """Tell the assessor what the internal verifier decided on their sampled assessment."""
    sample_item = review.sample_item
    item = sample_item.evidence
    verifier = review.verifier.display_name
    learner = item.enrolment.learner.display_name
    if review.verdict == VerificationReview.Verdict.REFER_BACK:
        return notify(
            recipient=sample_item.assessor,
            kind=Notification.Kind.SAMPLE_REFERRED,
            title=f"{verifier} referred back your assessment of EI {item.ei} ({learner})",
            body=f"{verifier}'s comments:\n\n{review.comments}\n\nRespond on the page.",
            url=sample_item.get_absolute_url(),
        )
    return notify(
        recipient=sample_item.assessor,
        kind=Notification.Kind.SAMPLE_ACCEPTED,
        title=f"{verifier} accepted your assessment of EI {item.ei} ({learner})",
        body=f"{verifier} reviewed your decisions on EI {item.ei}: {item.title}, and signed."
        + (f"\n\nTheir comments:\n\n{review.comments}" if review.comments else ""),
        url=sample_item.get_absolute_url(),
    )


def sample_responded_notify(*, response: AssessorResponse) -> Notification:
    """Tell the internal verifier the assessor answered their referral."""
    sample_item = response.sample_item
    item = sample_item.evidence
    return notify(
        recipient=item.enrolment.verifier,
        kind=Notification.Kind.SAMPLE_RESPONDED,
        title=f"{response.responded_by.display_name} responded on EI {item.ei}: review again",
        body=f"Their response to your referral:\n\n{response.text}",
        url=sample_item.get_absolute_url(),
    )


def _by_feedback(decisions: list[OutcomeDecision]) -> dict[str, list[str]]:
    """Outcome codes by feedback text, in outcome order: an assessor often gives several
    outcomes the same feedback, which the learner should read once."""
    grouped: dict[str, list[str]] = {}
    for decision in decisions:
        grouped.setdefault(decision.feedback, []).append(decision.outcome.code)
    return grouped


def _codes(codes: list[str]) -> str:
    return f"{', '.join(codes[:-1])} and {codes[-1]}" if len(codes) > 1 else codes[0]


def _outcomes(decisions: list[OutcomeDecision]) -> str:
    codes = [d.outcome.code for d in decisions]
    return f"{'outcome' if len(codes) == 1 else 'outcomes'} {_codes(codes)}"
