"""One centre with a persona in every role and one of each object a form acts on, for the
fuzzing and injection tests. Rule-bearing objects (signed assessments, samples, referrals,
witness requests, imports, an analysis run) are made by the services; plain rows by the
factories.

Every free text the world writes goes through ``say(field)``: plain words by default, or a
hostile payload for the HTML-injection test, so that test sees the payload in every place a
person can type text.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import Centre, Notification, Role, User
from accounts.services import api_token_create
from analytics.models import AnalysisRun, CandidateIncident, RecurringCandidate
from analytics.services import analysis_run_execute
from complaints.importing.services import import_job_create
from complaints.models import (
    Action,
    CustomerCommunication,
    ImportJob,
    Option,
    PreventiveAction,
    PreventiveAdjustment,
    Problem,
    RepeatedProblem,
)
from portfolio.models import (
    ElementRecord,
    EvidenceItem,
    SampleItem,
    WitnessRequest,
)
from portfolio.services import (
    Decision,
    attachment_add,
    element_record_sign,
    evidence_assess,
    evidence_create,
    evidence_unlock,
    knowledge_record_feedback_save,
    mapping_save,
)
from portfolio.services.verification import (
    assessor_respond,
    review_record,
    sample_item_add,
    sampling_rate_set,
)
from portfolio.services.witness import (
    WITNESS_TESTIMONY,
    witness_request_create,
    witness_statement_write,
    witness_token,
)
from tests.accounts.factories import CentreFactory, member
from tests.complaints.factories import (
    ActionFactory,
    OptionFactory,
    PreventiveActionFactory,
    ProblemFactory,
    RepeatedProblemFactory,
)
from tests.complaints.test_import_files import HEADER, csv_text, good_rows
from tests.portfolio.factories import EnrolmentFactory, sample_pdf
from tests.portfolio.verification_helpers import signed_assessment

Say = Callable[[str], str]


def plain(name: str) -> str:
    return f"Plain {name.replace('_', ' ')}"


@dataclass
class World:
    centre: Centre
    people: dict[str, User]
    o: dict[str, object] = field(default_factory=dict)

    def __getitem__(self, name: str):
        return self.o[name]


def build_world(unit, *, say: Say = plain, slug: str = "harbour") -> World:
    centre = CentreFactory(name=say("centre_name")[:200], slug=slug)
    people = {
        name: member(
            centre=centre,
            role=role,
            username=f"{slug}-{name}",
            first_name=say("first_name")[:150],
            last_name=say("last_name")[:150],
        )
        for name, role in [
            ("learner", Role.LEARNER),
            ("other_learner", Role.LEARNER),
            ("assessor", Role.ASSESSOR),
            ("verifier", Role.VERIFIER),
            ("manager", Role.MANAGER),
            ("centre_admin", Role.CENTRE_ADMIN),
        ]
    }
    world = World(centre=centre, people=people, o={"centre": centre})
    learner, assessor, verifier = people["learner"], people["assessor"], people["verifier"]
    o = world.o
    o["enrolment"] = enrolment = EnrolmentFactory(
        centre=centre, learner=learner, unit=unit, assessor=assessor, verifier=verifier
    )
    _log(world, say)
    _element_3(world, say)
    _import(world, say)
    _analysis(world, say)

    # Evidence at every stage the forms act on.
    # Every outcome of elements 1 and 2: element 2's record is signed here, element 1's is
    # left for the signing form.
    codes = tuple(unit.outcomes.filter(element__number__in=[1, 2]).values_list("code", flat=True))
    o["assessed"] = signed_assessment(
        enrolment,
        codes,
        title=say("evidence_title")[:200],
        narrative=say("narrative"),
        problems=(o["problem"],),
    )
    o["reviewable"] = signed_assessment(enrolment, title=say("evidence_title"))
    o["targetable"] = signed_assessment(enrolment, title=say("evidence_title"))
    now = timezone.now()
    o["sample_item"] = sample_item_add(
        verifier=verifier, evidence=o["reviewable"], reason=say("sample_reason")
    )
    o["referred_item"] = sample_item_add(
        verifier=verifier, evidence=o["assessed"], reason=say("sample_reason")
    )
    review_record(
        sample_item=o["referred_item"],
        by=verifier,
        verdict="refer_back",
        comments=say("review_comments"),
        reauthenticated_at=now,
    )
    o["referred_item"] = SampleItem.objects.get(pk=o["referred_item"].pk)
    responded = sample_item_add(
        verifier=verifier,
        evidence=signed_assessment(enrolment, title=say("evidence_title")[:200]),
        reason=say("sample_reason"),
    )
    review_record(
        sample_item=responded,
        by=verifier,
        verdict="refer_back",
        comments=say("review_comments"),
        reauthenticated_at=now,
    )
    assessor_respond(sample_item=responded, by=assessor, text=say("response_text"))
    o["responded_item"] = SampleItem.objects.get(pk=responded.pk)
    o["unlocked"] = signed_assessment(enrolment, title=say("evidence_title")[:200])
    evidence_unlock(item=o["unlocked"], by=people["centre_admin"], reason=say("unlock_reason"))
    o["voided_signature"] = enrolment.signatures.filter(voided_at__isnull=False).first()
    sampling_rate_set(
        verifier=verifier, assessor=assessor, centre=centre, rate=50, reason=say("rate_reason")
    )
    o["submitted"] = _submitted(world, say)
    o["referred_back"] = _submitted(world, say)
    decisions = [
        Decision(m.outcome, "not_yet", say("decision_feedback"))
        for m in o["referred_back"].outcome_mappings.select_related("outcome")
    ]
    o["referred_back"] = evidence_assess(item=o["referred_back"], by=assessor, decisions=decisions)
    o["draft"] = _witness_draft(world, say)
    o["statement_item"] = _witnessed(world, say)
    o["element_record"] = ElementRecord.objects.create(
        enrolment=enrolment, element=unit.elements.get(number=1)
    )
    element_record_sign(
        enrolment=enrolment,
        element=unit.elements.get(number=2),
        by=assessor,
        feedback=say("element_feedback"),
        comments=say("element_comments"),
        reauthenticated_at=now,
    )
    knowledge_record_feedback_save(
        enrolment=enrolment, by=assessor, feedback=say("knowledge_feedback")
    )
    o["api_token"], _ = api_token_create(
        centre=centre, name=say("api_token_name")[:100], scope="read", by=people["centre_admin"]
    )
    o["notification"] = Notification.objects.create(
        recipient=learner,
        kind=Notification.Kind.EVIDENCE_ASSESSED,
        title=say("notification_title")[:200],
        body=say("notification_body"),
        url=o["assessed"].get_absolute_url(),
    )
    return world


def _log(world: World, say: Say) -> None:
    o, learner, centre = world.o, world.people["learner"], world.centre
    problems = [
        ProblemFactory(
            centre=centre,
            learner=learner,
            description=say("description"),
            customer_expectation=say("customer_expectation"),
            product=say("product")[:120],
            customer_ref=f"CUST-{n}",
            exception_what=say("exception_what"),
            exception_authorised_by=say("exception_authorised_by")[:120],
            root_cause_whys=[say("why_1"), say("why_2")],
            external_ref=say("external_ref")[:90] + str(n),
        )
        for n in range(3)
    ]
    o["problem"], o["problem_1"], o["problem_2"] = problems
    o["action"] = ActionFactory(
        problem=problems[0],
        description=say("action_description"),
        with_whom=say("with_whom")[:200],
        customer_words=say("customer_words"),
    )
    o["repeated_problem"] = RepeatedProblemFactory(
        centre=centre,
        learner=learner,
        title=say("repeated_title")[:200],
        pattern=say("pattern"),
        identified_with=say("identified_with")[:200],
        root_cause_whys=[say("why_1")],
        consulted_with=say("consulted_with")[:200],
        agreed=say("agreed"),
        incidents=problems,
    )
    o["option"] = OptionFactory(
        repeated_problem=o["repeated_problem"],
        title=say("option_title")[:200],
        description=say("option_description"),
        customer_advantages=say("customer_advantages"),
        customer_disadvantages=say("customer_disadvantages"),
        organisation_advantages=say("organisation_advantages"),
        organisation_disadvantages=say("organisation_disadvantages"),
        cost=say("cost")[:200],
    )
    OptionFactory(repeated_problem=o["repeated_problem"], title=say("option_title")[:200])


def _element_3(world: World, say: Say) -> None:
    o, learner, centre = world.o, world.people["learner"], world.centre
    o["preventive_action"] = action = PreventiveActionFactory(
        centre=centre,
        learner=learner,
        title=say("preventive_title")[:200],
        proposal=say("proposal"),
        authority=say("authority")[:200],
        agreed=say("preventive_agreed"),
        description=say("preventive_description"),
        product=say("product")[:120],
        monitoring_plan=say("monitoring_plan"),
        organisation_change=say("organisation_change"),
        how_actioned=say("how_actioned"),
    )
    CustomerCommunication.objects.create(
        preventive_action=action,
        sent_on=timezone.localdate() - datetime.timedelta(days=10),
        channel="email",
        audience=say("audience")[:200],
        message=say("message"),
    )
    PreventiveAdjustment.objects.create(
        preventive_action=action,
        made_on=timezone.localdate() - datetime.timedelta(days=5),
        what=say("adjustment_what"),
        why=say("adjustment_why"),
    )


def _import(world: World, say: Say) -> None:
    learner = world.people["learner"]
    world.o["import_job"] = import_job_create(
        centre=world.centre,
        uploaded_by=learner,
        learner=learner,
        upload=SimpleUploadedFile(
            "log.csv", csv_text([HEADER, *good_rows(3)]).encode(), content_type="text/csv"
        ),
    )


def _analysis(world: World, say: Say) -> None:
    centre, o = world.centre, world.o
    problems = list(o["repeated_problem"].incidents.all())
    candidate = RecurringCandidate.objects.create(
        centre=centre,
        category="system_failure",
        product=say("product")[:120],
        size=len(problems),
        first_at=min(p.received_at for p in problems),
        last_at=max(p.received_at for p in problems),
        shared_words=[say("shared_word")[:40], "router"],
    )
    CandidateIncident.objects.bulk_create(
        CandidateIncident(candidate=candidate, problem=p) for p in problems
    )
    o["candidate"] = candidate
    run = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
    analysis_run_execute(run_id=run.pk)


def _submitted(world: World, say: Say) -> EvidenceItem:
    from portfolio.services import evidence_submit

    enrolment, learner = world["enrolment"], world.people["learner"]
    unit = enrolment.unit
    item = evidence_create(
        enrolment=enrolment,
        by=learner,
        evidence_type=unit.evidence_types.get(code="O"),
        title=say("evidence_title")[:200],
        narrative=say("narrative"),
    )
    mapping_save(
        item=item,
        by=learner,
        outcomes=list(unit.outcomes.filter(code__in=["1.1", "1.2"])),
        knowledge_items=[],
        range_items=[],
    )
    return evidence_submit(item=item, by=learner)


def _witness_draft(world: World, say: Say) -> EvidenceItem:
    enrolment, learner = world["enrolment"], world.people["learner"]
    draft = evidence_create(
        enrolment=enrolment,
        by=learner,
        evidence_type=enrolment.unit.evidence_types.get(code=WITNESS_TESTIMONY),
        title=say("evidence_title")[:200],
        narrative=say("narrative"),
        date=datetime.date(2026, 3, 2),
    )
    world.o["attachment"] = attachment_add(
        item=draft,
        by=learner,
        upload=SimpleUploadedFile(
            say("attachment_name")[:100] + ".pdf", sample_pdf(), content_type="application/pdf"
        ),
    )
    world.o["witness_request"] = witness_request_create(
        item=draft,
        by=learner,
        witness_name=say("witness_name")[:120],
        witness_role=say("witness_role")[:120],
        witness_email="sam@example.org",
        prompt=say("prompt"),
        site_url="http://testserver/",
    )
    world.o["witness_token"] = witness_token(world.o["witness_request"])
    return draft


def _witnessed(world: World, say: Say) -> EvidenceItem:
    """A second witness draft whose statement is written (the statement shows on its page)."""
    enrolment, learner = world["enrolment"], world.people["learner"]
    item = evidence_create(
        enrolment=enrolment,
        by=learner,
        evidence_type=enrolment.unit.evidence_types.get(code=WITNESS_TESTIMONY),
        title=say("evidence_title")[:200],
        narrative=say("narrative"),
        date=datetime.date(2026, 3, 3),
    )
    request = witness_request_create(
        item=item,
        by=learner,
        witness_name=say("witness_name")[:120],
        witness_role=say("witness_role")[:120],
        witness_email="lee@example.org",
        prompt=say("prompt"),
        site_url="http://testserver/",
    )
    witness_statement_write(
        token=witness_token(request),
        text=say("statement_text"),
        witness_name=say("witness_name")[:120],
        witness_role=say("witness_role")[:120],
        confirmed=True,
    )
    return item


# What the fuzzing tests count: every model a form can write, so a refused submission that
# left a row behind anywhere is caught.
WATCHED_MODELS = (
    Problem,
    Action,
    RepeatedProblem,
    Option,
    PreventiveAction,
    CustomerCommunication,
    PreventiveAdjustment,
    ImportJob,
    EvidenceItem,
    WitnessRequest,
    SampleItem,
    ElementRecord,
)
