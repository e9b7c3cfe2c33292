"""The audit log's portfolio events (issue 8, item 8): every signature, each unlock, and each
printed record or exported log, with who did it."""

from django.urls import reverse

from accounts.models import AuditEvent
from tests.portfolio.printing_helpers import sign_every_outcome_and_record


def test_every_signature_and_an_unlock_are_recorded(enrolment, problem, centre_admin):
    from portfolio.services import evidence_unlock

    item = sign_every_outcome_and_record(enrolment, problem)
    signed = AuditEvent.objects.filter(kind="signed")
    assert signed.count() == enrolment.signatures.count()
    by_signature = {e.detail["signature"]: e for e in signed}
    for signature in enrolment.signatures.all():
        event = by_signature[signature.pk]
        assert event.user == signature.signer
        assert event.detail["sha256"] == signature.content_sha256
    evidence_unlock(item=item, by=centre_admin, reason="Wrong learner's observation.")
    unlocked = AuditEvent.objects.get(kind="unlocked")
    assert unlocked.user == centre_admin
    assert unlocked.subject == f"EvidenceItem {item.pk}"
    assert unlocked.detail["reason"] == "Wrong learner's observation."


def test_printing_a_record_and_exporting_the_log_are_recorded(client, enrolment):
    client.force_login(enrolment.learner)
    client.get(reverse("portfolio:achievement-pdf", args=[enrolment.pk]))
    client.get(reverse("complaints:problem-export", args=["csv"]))
    exported = AuditEvent.objects.filter(kind="exported").order_by("pk")
    assert [e.detail["what"] for e in exported][0].startswith("Evidence achievement record")
    assert exported[1].detail["what"] == "problem log (csv)"
    assert all(e.user == enrolment.learner for e in exported)


def test_an_exported_logs_filters_are_kept_without_personal_data(client, enrolment):
    client.force_login(enrolment.learner)
    client.get(reverse("complaints:problem-export", args=["csv"]), {"q": "olive.grant@example.com"})
    event = AuditEvent.objects.get(kind="exported")
    assert event.detail["filters"] == {"q": "[redacted]"}
