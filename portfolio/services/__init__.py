"""Writes to the portfolio: enrolments, evidence items, their mapping and drafts."""

from portfolio.services.assessment import Decision, evidence_assess
from portfolio.services.attachments import attachment_add, attachment_remove
from portfolio.services.drafts import (
    evidence_draft_from_preventive_action,
    evidence_draft_from_problem,
    evidence_draft_from_repeated_problem,
)
from portfolio.services.enrolments import enrolment_create, enrolment_validate
from portfolio.services.evidence import (
    evidence_create,
    evidence_ei_reserve,
    evidence_links_validate,
    evidence_submit,
    evidence_update,
)
from portfolio.services.mapping import mapping_save, mapping_suggest
from portfolio.services.records import (
    element_record_countersign,
    element_record_sign,
    knowledge_record_feedback_save,
    knowledge_record_sign,
)
from portfolio.services.signing import (
    ReauthRequired,
    decision_sign,
    decisions_sign_all,
    evidence_unlock,
    reauth_at,
    reauth_confirm,
    reauth_is_fresh,
    signature_verify,
    signatures_for_evidence,
    signatures_verify,
)
from portfolio.services.verification import (
    assessor_respond,
    review_record,
    sample_draw,
    sample_item_add,
    sample_redraw,
    sampling_rate_set,
)
from portfolio.services.witness import (
    LinkRefused,
    witness_request_cancel,
    witness_request_create,
    witness_request_for_link,
    witness_request_resend,
    witness_statement_write,
)

__all__ = [
    "assessor_respond",
    "review_record",
    "sample_draw",
    "sample_item_add",
    "sample_redraw",
    "sampling_rate_set",
    "Decision",
    "LinkRefused",
    "ReauthRequired",
    "decision_sign",
    "decisions_sign_all",
    "element_record_countersign",
    "element_record_sign",
    "knowledge_record_feedback_save",
    "knowledge_record_sign",
    "evidence_assess",
    "evidence_unlock",
    "reauth_at",
    "reauth_confirm",
    "reauth_is_fresh",
    "signature_verify",
    "signatures_verify",
    "signatures_for_evidence",
    "attachment_add",
    "attachment_remove",
    "enrolment_create",
    "enrolment_validate",
    "evidence_create",
    "evidence_draft_from_preventive_action",
    "evidence_draft_from_problem",
    "evidence_draft_from_repeated_problem",
    "evidence_ei_reserve",
    "evidence_links_validate",
    "evidence_submit",
    "evidence_update",
    "mapping_save",
    "mapping_suggest",
    "witness_request_cancel",
    "witness_request_create",
    "witness_request_for_link",
    "witness_request_resend",
    "witness_statement_write",
]
