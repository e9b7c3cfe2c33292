from django import forms
from django.contrib import admin

from accounts.admin import CentreScopedAdmin, ReadOnlyAdminMixin
from portfolio.models import (
    AssessorResponse,
    Attachment,
    Element,
    ElementRecord,
    Enrolment,
    EvidenceItem,
    EvidenceType,
    EvidenceUnlock,
    KnowledgeItem,
    KnowledgeRecord,
    Outcome,
    OutcomeDecision,
    PortfolioExport,
    RangeItem,
    Sample,
    SampleItem,
    SamplingRate,
    Signature,
    Unit,
    VerificationReview,
    WitnessRequest,
    WitnessStatement,
)
from portfolio.services import enrolment_validate


class EnrolmentForm(forms.ModelForm):
    class Meta:
        model = Enrolment
        fields = ["centre", "learner", "unit", "assessor", "verifier", "started_on"]

    def clean(self):
        data = super().clean()
        people = [data.get(k) for k in ("centre", "learner", "assessor", "verifier")]
        if all(people):
            centre, learner, assessor, verifier = people
            enrolment_validate(centre=centre, learner=learner, assessor=assessor, verifier=verifier)
        return data


@admin.register(Enrolment)
class EnrolmentAdmin(CentreScopedAdmin):
    form = EnrolmentForm
    list_display = ("learner", "unit", "centre", "assessor", "verifier", "started_on")
    list_filter = ("centre", "unit")
    search_fields = ("learner__username", "learner__first_name", "learner__last_name")


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class ElementInline(ReadOnlyInline):
    model = Element
    fields = ("number", "title")


class OutcomeInline(ReadOnlyInline):
    model = Outcome
    fields = ("code", "text")


class KnowledgeInline(ReadOnlyInline):
    model = KnowledgeItem
    fields = ("code", "text")


class RangeInline(ReadOnlyInline):
    model = RangeItem
    fields = ("group", "text")


class EvidenceTypeInline(ReadOnlyInline):
    model = EvidenceType
    fields = ("code", "name", "may_evidence_performance")


@admin.register(Unit)
class UnitAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Units are loaded from their data file (`load_standard`), never edited by hand:
    signed records point at the wording they were signed against."""

    list_display = ("code", "version", "title", "loaded_at")
    inlines = [ElementInline, OutcomeInline, KnowledgeInline, RangeInline, EvidenceTypeInline]


class ReadOnlyEvidenceAdmin(ReadOnlyAdminMixin, CentreScopedAdmin):
    """Evidence is written through the learner's pages, where the portfolio's rules apply
    (drafts only, owners only, locks once signed); the admin only reads it."""


@admin.register(EvidenceItem)
class EvidenceItemAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "enrolment__centre"
    list_display = ("ei", "title", "evidence_type", "enrolment", "status", "date")
    list_filter = ("status", "evidence_type__code")
    search_fields = ("title", "enrolment__learner__username")
    list_select_related = ("evidence_type", "enrolment__learner", "enrolment__centre")


@admin.register(Attachment)
class AttachmentAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "evidence__enrolment__centre"
    list_display = ("original_name", "kind", "size", "evidence")
    list_select_related = ("evidence",)


@admin.register(WitnessRequest)
class WitnessRequestAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "evidence__enrolment__centre"
    list_display = ("witness_name", "witness_role", "status", "sent_at", "expires_at", "evidence")
    list_filter = ("status",)
    exclude = ("nonce",)


@admin.register(WitnessStatement)
class WitnessStatementAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "evidence__enrolment__centre"
    list_display = ("request", "written_at")


@admin.register(OutcomeDecision)
class OutcomeDecisionAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "evidence__enrolment__centre"
    list_display = ("evidence", "outcome", "verdict", "decided_by", "decided_at")
    list_filter = ("verdict",)
    list_select_related = ("evidence", "outcome", "decided_by")


@admin.register(Signature)
class SignatureAdmin(ReadOnlyEvidenceAdmin):
    """Signatures are made, verified and voided in Casebook's pages; the admin only reads."""

    centre_lookup = "enrolment__centre"
    list_display = ("statement", "signer", "role", "signed_at", "voided_at")
    list_filter = ("role",)
    list_select_related = ("signer",)


@admin.register(EvidenceUnlock)
class EvidenceUnlockAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "evidence__enrolment__centre"
    list_display = ("evidence", "unlocked_by", "unlocked_at", "reason")
    list_select_related = ("evidence", "unlocked_by")


@admin.register(ElementRecord)
class ElementRecordAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "enrolment__centre"
    list_display = ("element", "enrolment", "locked_at", "updated_at")
    list_select_related = ("element", "enrolment__learner")


@admin.register(KnowledgeRecord)
class KnowledgeRecordAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "enrolment__centre"
    list_display = ("enrolment", "locked_at", "updated_at")
    list_select_related = ("enrolment__learner",)


@admin.register(SamplingRate)
class SamplingRateAdmin(ReadOnlyEvidenceAdmin):
    """Internal verification is recorded through the IV's and assessor's pages, where
    its rules apply; the admin only reads it."""

    centre_lookup = "centre"
    list_display = ("assessor", "verifier", "centre", "rate", "set_by", "set_at")
    list_select_related = ("assessor", "verifier", "centre", "set_by")


@admin.register(Sample)
class SampleAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "centre"
    list_display = ("drawn_at", "assessor", "verifier", "rate", "population_size", "seed")
    list_select_related = ("assessor", "verifier")


@admin.register(SampleItem)
class SampleItemAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "evidence__enrolment__centre"
    list_display = ("evidence", "assessor", "verifier", "state", "added_at")
    list_filter = ("state",)
    list_select_related = ("evidence", "assessor", "verifier")


@admin.register(VerificationReview)
class VerificationReviewAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "sample_item__evidence__enrolment__centre"
    list_display = ("sample_item", "verdict", "verifier", "reviewed_at")
    list_filter = ("verdict",)
    list_select_related = ("sample_item__evidence", "verifier")


@admin.register(AssessorResponse)
class AssessorResponseAdmin(ReadOnlyEvidenceAdmin):
    centre_lookup = "sample_item__evidence__enrolment__centre"
    list_display = ("sample_item", "responded_by", "responded_at")
    list_select_related = ("sample_item__evidence", "responded_by")


@admin.register(PortfolioExport)
class PortfolioExportAdmin(ReadOnlyEvidenceAdmin):
    """The PDFs prepared in the background, for support: who asked, how it went, and the
    file's hash (the file itself is downloaded from the export's page, with its checks)."""

    centre_lookup = "enrolment__centre"
    list_display = ("title", "requested_by", "state", "percent", "is_draft", "created_at")
    list_filter = ("state", "part")
    list_select_related = ("requested_by", "enrolment__learner")
