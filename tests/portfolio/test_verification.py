"""Internal verification: sampling rates, drawing samples (size, spread, reproducibility),
targeted sampling, the IV's signed reviews, the assessor's responses, what an unlock does to
them, and the database keeping them as written on PostgreSQL."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, InternalError, connection, transaction
from django.utils import timezone

from accounts.models import Role
from accounts.services import membership_grant
from portfolio import selectors
from portfolio.models import (
    DEFAULT_SAMPLING_RATE,
    Enrolment,
    SampleItem,
    SamplingRate,
    Signature,
    VerificationReview,
)
from portfolio.sampling import Candidate, sample_choose, sample_size
from portfolio.services import (
    ReauthRequired,
    assessor_respond,
    evidence_unlock,
    review_record,
    sample_draw,
    sample_item_add,
    sample_redraw,
    sampling_rate_set,
    signature_verify,
)
from tests.accounts.factories import member
from tests.portfolio.factories import EnrolmentFactory
from tests.portfolio.verification_helpers import signed_assessment, tamper

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the append-only triggers exist only on PostgreSQL"
)


@pytest.fixture
def other_verifier(centre):
    """An IV at the same centre who verifies none of these learners."""
    return member(centre=centre, role=Role.VERIFIER, username="vera")


@pytest.fixture
def other_centre_verifier(other_centre):
    return member(centre=other_centre, role=Role.VERIFIER, username="xiv")


@pytest.fixture
def learners(f6, centre, assessor, verifier):
    """Three more learners of the same assessor and IV (lena's enrolment is the fourth)."""
    return [
        EnrolmentFactory(
            centre=centre,
            learner=member(centre=centre, role=Role.LEARNER, username=name),
            unit=f6,
            assessor=assessor,
            verifier=verifier,
        )
        for name in ("mo", "nia", "pat")
    ]


@pytest.fixture
def one(enrolment):
    """One signed assessment: EI 1, outcomes 1.1 and 1.2, both signed."""
    return signed_assessment(enrolment)


def review(item, by, verdict="accept", comments="", at=None):
    return review_record(
        sample_item=item,
        by=by,
        verdict=verdict,
        comments=comments,
        reauthenticated_at=at or timezone.now(),
    )


def draw(enrolment, **kw):
    return sample_draw(
        verifier=enrolment.verifier, assessor=enrolment.assessor, centre=enrolment.centre, **kw
    )


# Sampling rates -----------------------------------------------------------------------------


def test_the_rate_is_the_default_quarter_until_the_iv_sets_one(enrolment):
    rate = selectors.sampling_rate_current(
        verifier=enrolment.verifier, assessor=enrolment.assessor, centre=enrolment.centre
    )
    assert rate == DEFAULT_SAMPLING_RATE == 25


def test_the_iv_sets_any_rate_and_earlier_rates_are_kept(enrolment, verifier, assessor, centre):
    sampling_rate_set(
        verifier=verifier, assessor=assessor, centre=centre, rate=100, reason="New assessor."
    )
    sampling_rate_set(verifier=verifier, assessor=assessor, centre=centre, rate=1)
    assert selectors.sampling_rate_current(verifier=verifier, assessor=assessor, centre=centre) == 1
    history = SamplingRate.objects.filter(assessor=assessor).order_by("set_at", "pk")
    assert [(r.rate, r.set_by, r.reason) for r in history] == [
        (100, verifier, "New assessor."),
        (1, verifier, ""),
    ]


@pytest.mark.parametrize("rate", [0, 101, -5])
def test_a_rate_outside_1_to_100_is_refused(enrolment, verifier, assessor, centre, rate):
    with pytest.raises(ValidationError, match="from 1 to 100"):
        sampling_rate_set(verifier=verifier, assessor=assessor, centre=centre, rate=rate)
    assert not SamplingRate.objects.exists()


def test_only_an_iv_of_the_assessors_learners_sets_their_rate(
    enrolment, assessor, centre, other_verifier, other_centre_verifier, other_centre
):
    for someone, where in ((other_verifier, centre), (other_centre_verifier, other_centre)):
        with pytest.raises(ValidationError, match="not the internal verifier"):
            sampling_rate_set(verifier=someone, assessor=assessor, centre=where, rate=50)


# The sample's size and spread (pure) --------------------------------------------------------


@pytest.mark.parametrize(
    ("rate", "population", "size"),
    [(25, 0, 0), (25, 1, 1), (25, 4, 1), (25, 5, 2), (100, 7, 7), (1, 150, 2), (33, 3, 1)],
)
def test_the_sample_is_the_rate_of_the_population_rounded_up_and_at_least_one(
    rate, population, size
):
    assert sample_size(rate=rate, population=population) == size


def test_the_draw_spreads_across_learners_before_taking_a_second_from_anyone():
    candidates = [
        Candidate(key=learner * 10 + n, learner=learner, elements=frozenset({1}))
        for learner in (1, 2, 3)
        for n in range(4)
    ]
    for seed in range(20):
        chosen = sample_choose(candidates=candidates, size=3, seed=seed)
        assert sorted(key // 10 for key in chosen) == [1, 2, 3]


def test_the_draw_spreads_across_elements_within_a_learner():
    candidates = [
        Candidate(key=1, learner=1, elements=frozenset({1})),
        Candidate(key=2, learner=1, elements=frozenset({1})),
        Candidate(key=3, learner=1, elements=frozenset({2})),
        Candidate(key=4, learner=1, elements=frozenset({3})),
    ]
    for seed in range(20):
        chosen = sample_choose(candidates=candidates, size=3, seed=seed)
        assert len(chosen) == 3
        assert {1, 2} - set(chosen) != set()  # never both element-1 items while 2 and 3 wait
        assert {3, 4} <= set(chosen)


def test_the_same_seed_and_population_draw_the_same_sample_in_any_order():
    candidates = [Candidate(key=k, learner=k % 3, elements=frozenset({k % 2})) for k in range(30)]
    first = sample_choose(candidates=candidates, size=8, seed=2026)
    assert sample_choose(candidates=list(reversed(candidates)), size=8, seed=2026) == first
    assert any(sample_choose(candidates=candidates, size=8, seed=s) != first for s in range(5))


# Drawing ------------------------------------------------------------------------------------


def test_a_draw_records_rate_population_seed_and_the_sampled_decision_signatures(
    one, enrolment, verifier
):
    sample = draw(enrolment)
    assert (sample.rate, sample.population_size, sample.population) == (25, 1, [one.pk])
    assert sample.seed > 0
    (item,) = sample.items.all()
    assert (item.evidence, item.verifier, item.assessor) == (one, verifier, enrolment.assessor)
    assert item.state == SampleItem.State.AWAITING
    signed = Signature.objects.filter(role="assessor", enrolment=enrolment, voided_at=None)
    assert set(item.decision_signatures.all()) == set(signed)
    assert signed.count() == 2
    assert item.history.count() == 1


def test_a_draw_takes_the_rate_of_the_population_spread_across_learners(
    enrolment, learners, verifier, assessor, centre
):
    for e in [enrolment, *learners]:
        signed_assessment(e, ("1.1",))
        signed_assessment(e, ("2.1",))
    sampling_rate_set(verifier=verifier, assessor=assessor, centre=centre, rate=50)
    sample = draw(enrolment)
    assert sample.population_size == 8
    items = list(sample.items.select_related("evidence"))
    assert len(items) == 4
    assert len({i.evidence.enrolment_id for i in items}) == 4  # one from each learner


def test_a_recorded_draw_can_be_repeated_from_its_seed(enrolment, learners):
    for e in [enrolment, *learners]:
        signed_assessment(e, ("1.1",))
    population = selectors.signed_assessments(
        verifier=enrolment.verifier, centre=enrolment.centre, sampled=False
    )
    sample = draw(enrolment, seed=424242)
    again = sample_redraw(sample=sample, candidates=[a.candidate for a in population])
    assert set(again) == set(sample.items.values_list("evidence_id", flat=True))


def test_what_is_sampled_is_not_drawn_again_and_nothing_left_is_refused(one, enrolment):
    two = signed_assessment(enrolment, ("1.3",))
    sampling_rate_set(
        verifier=enrolment.verifier, assessor=enrolment.assessor, centre=enrolment.centre, rate=1
    )
    first = draw(enrolment)
    second = draw(enrolment)
    assert {first.items.get().evidence, second.items.get().evidence} == {one, two}
    assert second.population_size == 1
    with pytest.raises(ValidationError, match="Nothing to sample: .* no signed assessments"):
        draw(enrolment)


def test_only_complete_signed_assessments_are_in_the_population(enrolment):
    unsigned = signed_assessment(enrolment, sign=False)
    half = signed_assessment(enrolment, ("1.1", "1.2"), sign=False)
    decision = half.decisions.get(outcome__code="1.1")
    from portfolio.services import decision_sign

    decision_sign(decision=decision, by=enrolment.assessor, reauthenticated_at=timezone.now())
    population = selectors.signed_assessments(verifier=enrolment.verifier, centre=enrolment.centre)
    assert population == []
    assert unsigned.status == half.status == "assessed"
    with pytest.raises(ValidationError, match="Nothing to sample"):
        draw(enrolment)


def test_the_draw_holds_only_that_assessors_decisions(one, enrolment, other_enrolment):
    signed_assessment(other_enrolment)
    sample = draw(enrolment)
    assert list(sample.items.values_list("evidence_id", flat=True)) == [one.pk]
    assert sample.population_size == 1


def test_only_the_iv_of_the_assessors_learners_draws(
    one, enrolment, other_verifier, other_centre_verifier, other_centre
):
    with pytest.raises(ValidationError, match="not the internal verifier"):
        sample_draw(verifier=other_verifier, assessor=enrolment.assessor, centre=enrolment.centre)
    with pytest.raises(ValidationError, match="not the internal verifier"):
        sample_draw(
            verifier=other_centre_verifier, assessor=enrolment.assessor, centre=other_centre
        )
    assert not SampleItem.objects.exists()


# An IV never verifies their own decisions --------------------------------------------------


@pytest.fixture
def own_decisions(f6, centre, verifier, other_assessor):
    """Decisions the IV signed as the assessor, before the enrolment was reassigned to them
    as IV (and to another assessor)."""
    membership_grant(user=verifier, centre=centre, role=Role.ASSESSOR)  # both roles
    learner = member(centre=centre, role=Role.LEARNER, username="quinn")
    other_iv = member(centre=centre, role=Role.VERIFIER, username="ursula")
    enrolment = EnrolmentFactory(
        centre=centre, learner=learner, unit=f6, assessor=verifier, verifier=other_iv
    )
    item = signed_assessment(enrolment)
    Enrolment.objects.filter(pk=enrolment.pk).update(assessor=other_assessor, verifier=verifier)
    return item


def test_an_iv_never_samples_or_reviews_their_own_decisions(own_decisions, verifier, centre):
    with pytest.raises(ValidationError, match="your own assessment decisions"):
        sample_draw(verifier=verifier, assessor=verifier, centre=centre)
    with pytest.raises(ValidationError, match="your own assessment decisions"):
        sample_item_add(verifier=verifier, evidence=own_decisions, reason="Check it.")
    assert all(
        row.assessor != verifier for row in selectors.verification_overview(verifier=verifier)
    )
    # Even if one got into a sample, reviewing it is refused.
    item = SampleItem.objects.create(
        evidence=own_decisions,
        verifier=verifier,
        assessor=verifier,
        added_by=verifier,
        added_at=timezone.now(),
    )
    item.decision_signatures.set(Signature.objects.filter(role="assessor"))
    with pytest.raises(ValidationError, match="your own assessment decisions"):
        review(item, verifier)


# Targeted sampling --------------------------------------------------------------------------


def test_the_iv_adds_an_assessment_to_the_sample_saying_why(one, verifier):
    item = sample_item_add(verifier=verifier, evidence=one, reason="A complaint about EI 1.")
    assert item.is_targeted
    assert item.reason == "A complaint about EI 1."
    assert item.decision_signatures.count() == 2
    with pytest.raises(ValidationError, match="already in your sample"):
        sample_item_add(verifier=verifier, evidence=one, reason="Again.")
    with pytest.raises(ValidationError, match="Nothing to sample"):
        sample_draw(verifier=verifier, assessor=one.enrolment.assessor, centre=one.enrolment.centre)


def test_targeted_sampling_needs_a_reason_a_signed_assessment_and_the_learners_iv(
    one, enrolment, verifier, other_verifier
):
    with pytest.raises(ValidationError, match="Say why"):
        sample_item_add(verifier=verifier, evidence=one, reason="  ")
    with pytest.raises(ValidationError, match="internal verifier"):
        sample_item_add(verifier=other_verifier, evidence=one, reason="Concern.")
    unsigned = signed_assessment(enrolment, ("1.3",), sign=False)
    with pytest.raises(ValidationError, match="no signed assessment to sample"):
        sample_item_add(verifier=verifier, evidence=unsigned, reason="Concern.")


# Reviewing ----------------------------------------------------------------------------------


@pytest.fixture
def sampled(one, enrolment):
    return draw(enrolment).items.get()


def test_the_iv_accepts_and_signs_a_sampled_assessment(sampled, verifier):
    signature = review(sampled, verifier, comments="Sound judgements.")
    sampled.refresh_from_db()
    assert sampled.state == SampleItem.State.ACCEPTED
    review_row = VerificationReview.objects.get()
    assert signature.subject == review_row
    assert (signature.role, signature.signer) == ("verifier", verifier)
    assert signature.enrolment == sampled.evidence.enrolment
    assert "valid, reliable" in signature.statement
    assert signature_verify(signature=signature).is_valid
    for decision_signature in sampled.decision_signatures.all():
        assert decision_signature.content_sha256 in signature.content


def test_a_referral_needs_comments_goes_to_the_assessor_and_is_reviewed_again(
    sampled, verifier, assessor
):
    with pytest.raises(ValidationError, match="Say what the assessor should look at"):
        review(sampled, verifier, "refer_back", "  ")
    referral = review(sampled, verifier, "refer_back", "1.2 rests on one call only.")
    sampled.refresh_from_db()
    assert sampled.state == SampleItem.State.REFERRED
    assert "refer them back" in referral.statement
    with pytest.raises(ValidationError, match="nothing to review"):
        review(sampled, verifier)
    response = assessor_respond(
        sample_item=sampled, by=assessor, text="The witness statement shows a second call."
    )
    sampled.refresh_from_db()
    assert sampled.state == SampleItem.State.RESPONDED
    assert response.review.verdict == "refer_back"
    accepted = review(sampled, verifier, comments="Agreed.")
    sampled.refresh_from_db()
    assert sampled.state == SampleItem.State.ACCEPTED
    assert VerificationReview.objects.latest("pk").response == response
    assert "second call" in accepted.content
    assert signature_verify(signature=referral).is_valid
    assert signature_verify(signature=accepted).is_valid
    assert [h.state for h in sampled.history.order_by("history_date", "history_id")] == [
        "awaiting",
        "referred",
        "responded",
        "accepted",
    ]


def test_reviewing_needs_a_fresh_password(sampled, verifier):
    for at in (None, timezone.now() - datetime.timedelta(minutes=6)):
        with pytest.raises(ReauthRequired):
            review_record(
                sample_item=sampled,
                by=verifier,
                verdict="accept",
                comments="",
                reauthenticated_at=at,
            )
    assert not VerificationReview.objects.exists()


def test_only_the_learners_iv_reviews(sampled, assessor, learner, other_verifier):
    for someone in (assessor, learner, other_verifier):
        with pytest.raises(ValidationError, match="Only the learner's internal verifier"):
            review(sampled, someone)


def test_when_the_learners_iv_changes_the_new_iv_reviews_what_was_sampled(
    sampled, verifier, other_verifier, enrolment
):
    Enrolment.objects.filter(pk=enrolment.pk).update(verifier=other_verifier)
    with pytest.raises(ValidationError, match="Only the learner's internal verifier"):
        review(sampled, verifier)
    review(sampled, other_verifier)
    assert VerificationReview.objects.get().verifier == other_verifier


def test_an_accepted_assessment_is_not_reviewed_twice(sampled, verifier):
    review(sampled, verifier)
    with pytest.raises(ValidationError, match="is accepted: there is nothing to review"):
        review(sampled, verifier)
    assert VerificationReview.objects.count() == 1


def test_an_unknown_verdict_is_refused(sampled, verifier):
    with pytest.raises(ValidationError, match="accept or refer back"):
        review(sampled, verifier, verdict="maybe")


def test_only_the_sampled_assessor_responds_and_only_to_a_referral(
    sampled, verifier, assessor, other_assessor
):
    with pytest.raises(ValidationError, match="no referral to respond to"):
        assessor_respond(sample_item=sampled, by=assessor, text="Early.")
    review(sampled, verifier, "refer_back", "Look again at 1.2.")
    with pytest.raises(ValidationError, match="Only the assessor"):
        assessor_respond(sample_item=sampled, by=other_assessor, text="Not mine.")
    with pytest.raises(ValidationError, match="Write your response"):
        assessor_respond(sample_item=sampled, by=assessor, text=" ")


# Verifying and tampering --------------------------------------------------------------------


def test_changing_a_signed_review_behind_the_apps_back_makes_it_not_valid(sampled, verifier):
    signature = review(sampled, verifier, comments="Sound.")
    tamper(
        "UPDATE portfolio_verificationreview SET verdict = 'refer_back' WHERE id = %s",
        [signature.subject_id],
    )
    assert signature_verify(signature=Signature.objects.get(pk=signature.pk)).state == "not valid"


def test_changing_the_sampled_decisions_behind_the_apps_back_makes_the_review_not_valid(
    sampled, verifier
):
    signature = review(sampled, verifier)
    tamper(
        "DELETE FROM portfolio_sampleitem_decision_signatures WHERE sampleitem_id = %s",
        [sampled.pk],
    )
    assert signature_verify(signature=signature).state == "not valid"


def test_verify_signatures_covers_the_ivs_reviews(sampled, verifier, capsys):
    review(sampled, verifier)
    call_command("verify_signatures")
    out = capsys.readouterr().out
    assert "Internal verifier ivy" in out
    assert "0 not valid" in out


# Unlocking ----------------------------------------------------------------------------------


def test_unlocking_sampled_evidence_voids_the_ivs_review_and_the_sample(
    sampled, verifier, centre_admin, enrolment
):
    referral = review(sampled, verifier, "refer_back", "1.2 needs a second example.")
    unlock = evidence_unlock(
        item=sampled.evidence, by=centre_admin, reason="The IV found the wrong recording."
    )
    referral.refresh_from_db()
    assert referral.is_void
    assert referral.void_reason.startswith("EI 1 was unlocked: The IV found")
    assert signature_verify(signature=referral).state == "void"
    assert referral in unlock.voided.all()
    sampled.refresh_from_db()
    assert sampled.state == SampleItem.State.VOID
    assert selectors.referrals_for_assessor(assessor=enrolment.assessor) == []
    with pytest.raises(ValidationError, match="nothing to review"):
        review(sampled, verifier)


def test_unlocking_other_evidence_leaves_a_review_alone(sampled, verifier, centre_admin, enrolment):
    accepted = review(sampled, verifier)
    other = signed_assessment(enrolment, ("1.3",))
    evidence_unlock(item=other, by=centre_admin, reason="Wrong file attached to it.")
    accepted.refresh_from_db()
    assert not accepted.is_void
    sampled.refresh_from_db()
    assert sampled.state == SampleItem.State.ACCEPTED


def test_a_resigned_assessment_can_be_sampled_afresh_after_an_unlock(
    sampled, verifier, centre_admin, enrolment
):
    evidence_unlock(item=sampled.evidence, by=centre_admin, reason="Wrong file attached to it.")
    assert selectors.signed_assessments(verifier=verifier, centre=enrolment.centre) == []
    from portfolio.services import (
        Decision,
        decision_sign,
        evidence_assess,
        evidence_submit,
    )

    item = evidence_submit(item=sampled.evidence, by=enrolment.learner)
    outcomes = [m.outcome for m in item.outcome_mappings.filter(confirmed=True)]
    evidence_assess(
        item=item,
        by=enrolment.assessor,
        decisions=[Decision(o, "competent", "Fine now.") for o in outcomes],
    )
    for decision in selectors.evidence_assessment(item=item):
        decision_sign(
            decision=decision.current, by=enrolment.assessor, reauthenticated_at=timezone.now()
        )
    (again,) = selectors.signed_assessments(verifier=verifier, centre=enrolment.centre)
    assert not again.sampled
    assert draw(enrolment).items.get().evidence == item


# The overview -------------------------------------------------------------------------------


def test_the_overview_shows_each_assessors_rate_population_and_achieved_rate(
    one, enrolment, other_enrolment, verifier
):
    signed_assessment(enrolment, ("1.3",))
    signed_assessment(enrolment, ("1.4",))
    signed_assessment(enrolment, ("1.5",))
    sampled = draw(enrolment).items.get()
    rows = {r.assessor.username: r for r in selectors.verification_overview(verifier=verifier)}
    assert set(rows) == {"asa", "otto"}
    asa = rows["asa"]
    assert (asa.rate, asa.signed, asa.sampled, len(asa.population)) == (25, 4, 1, 3)
    assert (asa.achieved, asa.on_target, asa.awaiting) == (25, True, 1)
    assert asa.items == [sampled]
    otto = rows["otto"]
    assert (otto.signed, otto.achieved, otto.items) == (0, None, [])
    assert selectors.sampling_awaiting_count(verifier=verifier) == 1


# The database keeps them as written (PostgreSQL) ---------------------------------------------


@postgresql_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE portfolio_verificationreview SET comments = 'changed' WHERE sample_item_id = %s",
        "DELETE FROM portfolio_verificationreview WHERE sample_item_id = %s",
        "UPDATE portfolio_assessorresponse SET text = 'changed' WHERE sample_item_id = %s",
        "DELETE FROM portfolio_sampleitem_decision_signatures WHERE sampleitem_id = %s",
        "UPDATE portfolio_sampleitem SET reason = 'changed' WHERE id = %s",
        "DELETE FROM portfolio_sampleitem WHERE id = %s",
        "UPDATE portfolio_sample SET seed = 1 WHERE id IN"
        " (SELECT sample_id FROM portfolio_sampleitem WHERE id = %s)",
    ],
)
def test_the_database_refuses_to_change_or_delete_verification_rows(
    sampled, verifier, assessor, sql
):
    review(sampled, verifier, "refer_back", "Look again.")
    assessor_respond(sample_item=sampled, by=assessor, text="Looked again.")
    with (
        pytest.raises((InternalError, IntegrityError), match="append-only|sample item"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql, [sampled.pk])


@postgresql_only
def test_the_database_refuses_to_change_a_rate_but_lets_a_sample_items_state_move(
    sampled, verifier, assessor, centre
):
    rate = sampling_rate_set(verifier=verifier, assessor=assessor, centre=centre, rate=50)
    with (
        pytest.raises((InternalError, IntegrityError), match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE portfolio_samplingrate SET rate = 5 WHERE id = %s", [rate.pk])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE portfolio_sampleitem SET state = 'accepted' WHERE id = %s", [sampled.pk]
        )
