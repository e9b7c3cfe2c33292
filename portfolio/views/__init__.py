"""The portfolio's pages. Views only parse input, call one service or selector, render."""

from __future__ import annotations

from portfolio.views.evidence import (
    draft_from_preventive_action,
    draft_from_problem,
    draft_from_repeated_problem,
    evidence_create,
    evidence_detail,
    evidence_edit,
    evidence_mapping,
    evidence_submit,
)
from portfolio.views.exports import (
    enrolment_exports,
    export_detail,
    export_download,
    export_progress,
)
from portfolio.views.files import (
    attachment_add,
    attachment_download,
    attachment_remove,
    witness_request_cancel,
    witness_request_create,
    witness_request_resend,
    witness_statement,
)
from portfolio.views.pages import (
    coverage_for_enrolment,
    coverage_home,
    portfolio_for_enrolment,
    portfolio_home,
)
from portfolio.views.printing import (
    record_pdf,
)
from portfolio.views.records import (
    element_record_countersign,
    element_record_sign,
    knowledge_record_feedback,
    knowledge_record_sign,
    records_for_enrolment,
    records_home,
)
from portfolio.views.signatures import (
    decision_sign,
    decisions_sign_all,
    evidence_assess,
    evidence_unlock,
    reauth,
    signature_detail,
    signature_list,
    signature_verify_by_code,
    signatures_home,
)
from portfolio.views.verification import (
    referrals,
    sample_draw,
    sample_item_add,
    sample_item_detail,
    sample_item_respond,
    sample_item_review,
    sampling_rate_set,
    verification_home,
)

__all__ = [
    "record_pdf",
    "referrals",
    "sample_draw",
    "sample_item_add",
    "sample_item_detail",
    "sample_item_respond",
    "sample_item_review",
    "sampling_rate_set",
    "verification_home",
    "attachment_add",
    "attachment_download",
    "attachment_remove",
    "coverage_for_enrolment",
    "coverage_home",
    "decision_sign",
    "decisions_sign_all",
    "draft_from_preventive_action",
    "draft_from_problem",
    "draft_from_repeated_problem",
    "element_record_countersign",
    "element_record_sign",
    "enrolment_exports",
    "evidence_assess",
    "evidence_create",
    "evidence_detail",
    "evidence_edit",
    "evidence_mapping",
    "evidence_submit",
    "evidence_unlock",
    "export_detail",
    "export_download",
    "export_progress",
    "knowledge_record_feedback",
    "knowledge_record_sign",
    "portfolio_for_enrolment",
    "portfolio_home",
    "reauth",
    "records_for_enrolment",
    "records_home",
    "signature_detail",
    "signature_verify_by_code",
    "signature_list",
    "signatures_home",
    "witness_request_cancel",
    "witness_request_create",
    "witness_request_resend",
    "witness_statement",
]
