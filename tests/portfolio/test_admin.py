"""The Django admin reads evidence; it never writes it (the portfolio's rules live in the
learner's pages and the services)."""

from django.urls import reverse

from tests.accounts.factories import member
from tests.portfolio.factories import EnrolmentFactory, EvidenceItemFactory


def test_a_centre_admin_reads_their_centres_evidence_and_cannot_change_it(
    client, centre_admin, item, other_centre, other_centre_learner
):
    other = EvidenceItemFactory(
        enrolment=EnrolmentFactory(
            unit=item.enrolment.unit,
            centre=other_centre,
            learner=other_centre_learner,
            assessor=member(centre=other_centre, role="assessor", username="oa"),
            verifier=member(centre=other_centre, role="verifier", username="ov"),
        ),
        ei=1,
        evidence_type=item.evidence_type,
        title="Elsewhere's evidence",
    )
    client.force_login(centre_admin)
    listing = client.get(reverse("admin:portfolio_evidenceitem_changelist"))
    assert listing.status_code == 200
    assert item.title in listing.content.decode()
    assert other.title not in listing.content.decode()
    change = reverse("admin:portfolio_evidenceitem_change", args=[item.pk])
    assert client.post(change, {"title": "Changed in the admin"}).status_code == 403
    item.refresh_from_db()
    assert item.title != "Changed in the admin"
    assert client.get(reverse("admin:portfolio_evidenceitem_add")).status_code == 403


def test_the_signed_records_and_pdf_exports_are_readable_in_the_admin(client, centre_admin):
    client.force_login(centre_admin)
    for name in ("elementrecord", "knowledgerecord", "portfolioexport"):
        assert client.get(reverse(f"admin:portfolio_{name}_changelist")).status_code == 200
        assert client.get(reverse(f"admin:portfolio_{name}_add")).status_code == 403


def test_the_username_of_someone_who_has_signed_is_fixed_in_the_admin(
    client, centre_admin, signature, learner
):
    """Signatures hash the signer's username: renaming them would break every signature."""
    client.force_login(centre_admin)
    signer = signature.signer
    form = (
        client.get(reverse("admin:accounts_user_change", args=[signer.pk]))
        .context["adminform"]
        .form
    )
    assert "username" not in form.fields
    form = (
        client.get(reverse("admin:accounts_user_change", args=[learner.pk]))
        .context["adminform"]
        .form
    )
    assert "username" in form.fields
