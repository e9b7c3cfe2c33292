from django.urls import path

from portfolio import views

app_name = "portfolio"

urlpatterns = [
    path("", views.portfolio_home, name="home"),
    path("learners/<int:pk>/", views.portfolio_for_enrolment, name="enrolment"),
    path("coverage/", views.coverage_home, name="coverage"),
    path("learners/<int:pk>/coverage/", views.coverage_for_enrolment, name="enrolment-coverage"),
    path("records/", views.records_home, name="records"),
    path("learners/<int:pk>/records/", views.records_for_enrolment, name="enrolment-records"),
    path(
        "records/achievement.pdf",
        views.record_pdf,
        {"part": "achievement"},
        name="achievement-pdf-home",
    ),
    path(
        "records/knowledge.pdf", views.record_pdf, {"part": "knowledge"}, name="knowledge-pdf-home"
    ),
    path("records/index.pdf", views.record_pdf, {"part": "index"}, name="index-pdf-home"),
    path(
        "learners/<int:pk>/records/achievement.pdf",
        views.record_pdf,
        {"part": "achievement"},
        name="achievement-pdf",
    ),
    path(
        "learners/<int:pk>/records/knowledge.pdf",
        views.record_pdf,
        {"part": "knowledge"},
        name="knowledge-pdf",
    ),
    path(
        "learners/<int:pk>/records/index.pdf",
        views.record_pdf,
        {"part": "index"},
        name="index-pdf",
    ),
    path("learners/<int:pk>/exports/", views.enrolment_exports, name="enrolment-exports"),
    path("exports/<int:pk>/", views.export_detail, name="export-detail"),
    path("exports/<int:pk>/progress/", views.export_progress, name="export-progress"),
    path("exports/<int:pk>/download/", views.export_download, name="export-download"),
    path(
        "learners/<int:pk>/elements/<int:number>/sign/",
        views.element_record_sign,
        name="element-record-sign",
    ),
    path(
        "element-records/<int:pk>/countersign/",
        views.element_record_countersign,
        name="element-record-countersign",
    ),
    path(
        "learners/<int:pk>/knowledge-record/feedback/",
        views.knowledge_record_feedback,
        name="knowledge-record-feedback",
    ),
    path(
        "learners/<int:pk>/knowledge-record/sign/",
        views.knowledge_record_sign,
        name="knowledge-record-sign",
    ),
    path("evidence/new/", views.evidence_create, name="evidence-create"),
    path("evidence/<int:pk>/", views.evidence_detail, name="evidence-detail"),
    path("evidence/<int:pk>/edit/", views.evidence_edit, name="evidence-edit"),
    path("evidence/<int:pk>/mapping/", views.evidence_mapping, name="evidence-mapping"),
    path("evidence/<int:pk>/submit/", views.evidence_submit, name="evidence-submit"),
    path("evidence/<int:pk>/attachments/", views.attachment_add, name="attachment-add"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment-download"),
    path("attachments/<int:pk>/remove/", views.attachment_remove, name="attachment-remove"),
    path(
        "evidence/<int:pk>/witnesses/new/",
        views.witness_request_create,
        name="witness-request-create",
    ),
    path(
        "witness-requests/<int:pk>/resend/",
        views.witness_request_resend,
        name="witness-request-resend",
    ),
    path(
        "witness-requests/<int:pk>/cancel/",
        views.witness_request_cancel,
        name="witness-request-cancel",
    ),
    path("evidence/<int:pk>/assess/", views.evidence_assess, name="evidence-assess"),
    path("decisions/<int:pk>/sign/", views.decision_sign, name="decision-sign"),
    path(
        "evidence/<int:pk>/sign-outcomes/",
        views.decisions_sign_all,
        name="decisions-sign-all",
    ),
    path("confirm-password/", views.reauth, name="reauth"),
    path("signatures/", views.signatures_home, name="signatures"),
    path("learners/<int:pk>/signatures/", views.signature_list, name="signature-list"),
    path("signatures/<int:pk>/", views.signature_detail, name="signature-detail"),
    path("signatures/verify/", views.signature_verify_by_code, name="signature-verify"),
    path("evidence/<int:pk>/unlock/", views.evidence_unlock, name="evidence-unlock"),
    path("verification/", views.verification_home, name="verification"),
    path(
        "verification/centres/<int:centre_pk>/assessors/<int:assessor_pk>/rate/",
        views.sampling_rate_set,
        name="sampling-rate-set",
    ),
    path(
        "verification/centres/<int:centre_pk>/assessors/<int:assessor_pk>/draw/",
        views.sample_draw,
        name="sample-draw",
    ),
    path(
        "verification/centres/<int:centre_pk>/assessors/<int:assessor_pk>/add/",
        views.sample_item_add,
        name="sample-item-add",
    ),
    path("verification/sampled/<int:pk>/", views.sample_item_detail, name="sample-item"),
    path(
        "verification/sampled/<int:pk>/review/",
        views.sample_item_review,
        name="sample-item-review",
    ),
    path(
        "verification/sampled/<int:pk>/respond/",
        views.sample_item_respond,
        name="sample-item-respond",
    ),
    path("referrals/", views.referrals, name="referrals"),
    path("witness/<str:token>/", views.witness_statement, name="witness-statement"),
    path(
        "drafts/from-problem/<int:problem_pk>/",
        views.draft_from_problem,
        name="draft-from-problem",
    ),
    path(
        "drafts/from-repeated-problem/<int:pk>/",
        views.draft_from_repeated_problem,
        name="draft-from-repeated",
    ),
    path(
        "drafts/from-preventive-action/<int:pk>/",
        views.draft_from_preventive_action,
        name="draft-from-preventive",
    ),
]
