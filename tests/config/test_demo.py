"""The demo centre `make run` creates."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from accounts.models import Membership, Role, User
from complaints.models import Action, Problem
from config.demo import demo_seed
from portfolio.models import Enrolment

README_USERS = {
    "learner": Role.LEARNER,
    "assessor": Role.ASSESSOR,
    "verifier": Role.VERIFIER,
    "manager": Role.MANAGER,
    "centre-admin": Role.CENTRE_ADMIN,
}


@pytest.fixture
def demo(db, settings):
    settings.CASEBOOK_DEMO = True
    return demo_seed(days=60)


def test_the_demo_centre_has_one_user_of_each_role_named_as_in_the_readme(demo):
    assert demo.centre.slug == "demo"
    for username, role in README_USERS.items():
        assert Membership.objects.filter(
            user__username=username, centre=demo.centre, role=role
        ).exists()


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("learner", "home-learner"),
        ("assessor", "home-assessor"),
        ("verifier", "home-verifier"),
        ("manager", "home-manager"),
        ("centre-admin", "home-centre-admin"),
    ],
)
def test_each_demo_user_logs_in_with_the_demo_password_to_their_home(
    client, demo, settings, username, home
):
    response = client.post(
        reverse("login"),
        {"username": username, "password": settings.DEMO_PASSWORD},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == reverse(home)
    assert response.status_code == 200


def test_the_demo_learners_are_enrolled_on_f6_with_the_demo_assessor_and_verifier(demo):
    enrolment = Enrolment.objects.get(learner__username="learner")
    assert enrolment.unit.code == "F6"
    assert enrolment.assessor.username == "assessor"
    assert enrolment.verifier.username == "verifier"


def test_the_demo_log_has_realistic_problems_with_timelines(demo):
    problems = Problem.objects.filter(centre=demo.centre)
    assert demo.problems_created == problems.count() > 200
    assert problems.filter(learner__username="learner").exists()
    assert set(problems.values_list("category", flat=True)) >= {
        "expectations_gap",
        "system_failure",
        "resource_or_error",
    }
    assert problems.filter(status="new").exists()
    assert problems.filter(status="closed").exists()
    assert Action.objects.filter(problem__centre=demo.centre).count() == demo.actions_created
    numbers = list(problems.order_by("number").values_list("number", flat=True))
    assert numbers == list(range(1, len(numbers) + 1))


def test_the_demo_records_history_for_its_problems(demo):
    problem = Problem.objects.filter(centre=demo.centre).first()
    assert problem.history.count() == 1


def test_seeding_again_reuses_what_exists(demo):
    again = demo_seed(days=60)
    assert (again.users_created, again.problems_created) == (0, 0)
    assert User.objects.filter(username="learner").count() == 1


def test_a_demo_user_who_changed_their_password_keeps_it(demo):
    learner = User.objects.get(username="learner")
    learner.set_password("my-own-long-passphrase")
    learner.save()
    demo_seed(days=60)
    learner.refresh_from_db()
    assert learner.check_password("my-own-long-passphrase")


def test_demo_data_is_refused_outside_demo_mode(db, settings):
    settings.CASEBOOK_DEMO = False
    with pytest.raises(CommandError, match="only created in demo mode"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_the_full_demo_is_analysed_and_shows_its_injected_spikes_and_clusters(
    db, settings, django_capture_on_commit_callbacks
):
    """What `make run` shows a manager: the engine has run over the demo log and found what
    the generator injected into it."""
    import datetime

    from django.utils import timezone

    from analytics.generator import GeneratorConfig, generate_log
    from analytics.models import AnalysisRun, Effectiveness, RecurringCandidate, Signal
    from config.demo import DEMO_DAYS, DEMO_LEARNERS, DEMO_PROBLEMS_PER_DAY, DEMO_SEED

    settings.CASEBOOK_DEMO = True
    today = timezone.localdate()
    with django_capture_on_commit_callbacks(execute=True):
        summary = demo_seed(today=today)
    assert summary.analysed
    run = AnalysisRun.objects.get(centre=summary.centre)
    assert (run.trigger, run.status) == ("demo", "succeeded")
    truth = generate_log(
        GeneratorConfig(
            start=today - datetime.timedelta(days=DEMO_DAYS - 1),
            days=DEMO_DAYS,
            mean_per_day=DEMO_PROBLEMS_PER_DAY,
            seed=DEMO_SEED,
            n_learners=len(DEMO_LEARNERS),
        )
    )
    now = timezone.now()
    for spike in truth.spikes:
        if spike.start > today or spike.extra < 10:
            continue  # not yet happened, or too small to see at 8 problems a day
        assert Signal.objects.filter(
            centre=summary.centre,
            dimension=spike.dimension,
            key=spike.key,
            period_end__gte=spike.start,
            period_start__lte=spike.end + datetime.timedelta(days=7),
        ).exists(), spike
    candidates = list(RecurringCandidate.objects.filter(centre=summary.centre))
    for cluster in truth.clusters:
        if truth.problems.loc[list(cluster.row_ids), "received_at"].max() > now:
            continue
        theme = {w.lower() for w in cluster.theme_words}
        assert any(
            c.product == cluster.product and theme & set(" ".join(c.shared_words).lower().split())
            for c in candidates
        ), cluster
    assert Effectiveness.objects.filter(action__centre=summary.centre).count() == len(
        [a for a in truth.preventive_actions if a.implemented_on <= today]
    )
    # The story for elements 2 and 3: the demo learner's repeated problem is suggested to
    # them, and its series falls after the change the seed prints.
    story = summary.story
    assert story is not None
    assert story.incidents >= 3
    assert any(
        (c.category, c.product) == (story.category, story.product)
        and c.incidents.filter(learner__username="learner").count() >= 3
        for c in candidates
    )


def test_the_demo_learners_portfolio_has_evidence_in_each_state(demo):
    from portfolio.models import EvidenceItem, Signature
    from portfolio.services import signature_verify

    items = EvidenceItem.objects.filter(enrolment__learner__username="learner").order_by("ei")
    assert [item.status for item in items] == [
        "draft",
        "submitted",
        "referred_back",
        "assessed",
        "assessed",
    ]
    referred = items[2]
    assert referred.decisions.filter(verdict="not_yet").exclude(feedback="").exists()
    signed = items[3]
    assert signed.locked_at is not None
    signatures = Signature.objects.filter(enrolment=signed.enrolment)
    assert signatures.exists()
    assert all(signature_verify(signature=s).is_valid for s in signatures)
    assert demo_seed(days=60).evidence_created == 0  # seeding again adds none


def test_the_demo_has_an_element_record_countersigned_by_the_candidate(demo):
    from portfolio.models import ElementRecord
    from portfolio.selectors import live_signatures

    record = ElementRecord.objects.get(enrolment__learner__username="learner")
    assert record.element.number == 1
    assert record.is_locked
    roles = sorted(s.role for s in live_signatures(record))
    assert roles == ["assessor", "learner"]
    observation = record.enrolment.evidence_items.get(ei=5)
    assert observation.evidence_type.code == "O"
    assert observation.locked_at is not None
    assert sorted(observation.decisions.values_list("outcome__code", flat=True)) == [
        f"1.{n}" for n in range(1, 8)
    ]


def test_the_demo_verifier_has_sampled_and_accepted_a_signed_assessment(demo):
    from portfolio.models import Sample, SampleItem, Signature, VerificationReview
    from portfolio.services import signature_verify

    sample = Sample.objects.get(verifier__username="verifier")
    assert (sample.assessor.username, sample.rate, sample.population_size) == ("assessor", 25, 2)
    item = sample.items.get()
    assert item.state == SampleItem.State.ACCEPTED
    assert item.evidence.enrolment.learner.username == "learner"
    review = VerificationReview.objects.get(sample_item=item)
    signature = Signature.objects.get(role="verifier", subject_id=review.pk)
    assert signature_verify(signature=signature).is_valid


def test_seeding_the_demo_again_adds_no_records_samples_or_reviews(demo):
    from portfolio.models import (
        ElementRecord,
        EvidenceItem,
        Sample,
        SampleItem,
        Signature,
        VerificationReview,
    )

    models = (EvidenceItem, ElementRecord, Sample, SampleItem, VerificationReview, Signature)
    before = [m.objects.count() for m in models]
    demo_seed(days=60)
    assert [m.objects.count() for m in models] == before


def test_a_demo_seeded_before_the_records_and_sampling_gains_them(db, settings, monkeypatch):
    """A demo database from before element records and sampling existed gets them on the
    next `make run`, keeping the evidence it has."""
    from config import demo_portfolio
    from portfolio.models import ElementRecord, EvidenceItem, Sample

    settings.CASEBOOK_DEMO = True
    with monkeypatch.context() as patched:
        patched.setattr(demo_portfolio, "_demo_element_record", lambda **kw: 0)
        patched.setattr(demo_portfolio, "_demo_sample", lambda **kw: None)
        demo_seed(days=60)
    assert EvidenceItem.objects.count() == 4
    assert not ElementRecord.objects.exists()
    assert demo_seed(days=60).evidence_created == 1
    assert EvidenceItem.objects.count() == 5
    assert ElementRecord.objects.count() == 1
    assert Sample.objects.count() == 1
