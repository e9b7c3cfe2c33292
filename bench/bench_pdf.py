"""Benchmark: the printed records as PDF (issue 7, "Performance").

Targets: an element's achievement record in at most 1 s; a full portfolio with 60 evidence
items and its charts in at most 5 s; peak memory reported.

    .venv/bin/python -m bench.bench_pdf

Uses its own database (BENCH_PDF_DATABASE_URL, default casebook_bench_pdf on the local
server), dropped and built afresh on every run so the numbers are reproducible (the demo log
is generated relative to today, as `make run`'s is). The data is built in a child process
(``--build``) with the project's own code:

- ``config.demo.demo_seed`` (what ``manage.py seed_demo`` runs; called directly for the
  story it returns): the demo centre, its people, 270 days of generated problems, the
  analytics engine's pass, and the demo learner's first five evidence items;
- the demo learner confirms the engine's suggestion holding their story's incidents as a
  repeated problem (``candidate_confirm``) and records a second from four of their own recent
  problems alike, appraises two options for each, records the consultation and the decision
  (``complaints.repeated``), logs the change that dealt with the first from the story's
  date, with a message to customers and an adjustment, and a change the organisation
  brought in (``complaints.preventive``); each save re-measures the centre's actions
  through the engine's full pass, which stores their ``Effectiveness`` (the demo log also
  gives the learner one preventive action of its own);
- the portfolio grows to exactly 60 items through ``portfolio.services``: statements drafted
  from both repeated problems and both preventive actions, three witness testimonies with a
  statement written through the witness link, and personal statements drafted from the
  learner's own problems; each mapping confirmed (the suggestions, plus two knowledge items
  each so the knowledge record is full), some with small attachments, submitted, assessed
  competent and signed by the assessor (signing takes a fresh re-authentication time, as
  the views pass it after the password prompt);
- the element 2 and 3 records signed and countersigned, the knowledge record written and
  signed by learner, assessor and internal verifier, and a second sample drawn and accepted
  by the internal verifier.

No part is created by the ORM directly. Before timing, the data is checked: 60 items, a
repeated problem with incidents, a preventive action with an Effectiveness row.

Measured, for each part of ``record_print`` ("achievement": the whole record, three
elements; "knowledge"; "index"; "portfolio"): wall time (``time.perf_counter``) of
``record_print`` in this process, median and max of ``REPEAT`` runs after one warm-up, split
into gathering + HTML, layout and writing by the renderer's own progress callback (which
also gives the page count), and the queries of one render with their time. Then each part
in a fresh child process (``--child PART``): the first render's time, its peak RSS
(``ru_maxrss``, the high-water mark reset after Django set-up and the data read) and its
growth over the RSS it started from, and the peak of Python allocations (``tracemalloc``,
which does not see Pango's and HarfBuzz's C allocations) in a second render. Targets are checked
against the max of the runs (the whole achievement record divided by its three elements,
and the portfolio); the exit status is 1 if one is missed. ``--profile PART`` prints a
cProfile of one render after a warm-up.

Production settings serve static files under hashed names (pdf.<hash>.css); the renderer
reads the print stylesheet's source file, so the renders here are styled as in production.
(Before commit ac22cf1 they were not: the template linked the hashed name, which the fetcher
refused, and WeasyPrint printed without the stylesheet. This benchmark found it.)
"""

from __future__ import annotations

import datetime
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault(
    "BENCH_DATABASE_URL",
    os.environ.get(
        "BENCH_PDF_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/casebook_bench_pdf"
    ),
)
# The demo data is made only in demo mode; mail (witness links, notices) stays in memory;
# attachments go to scratch storage that each run clears.
os.environ.setdefault("CASEBOOK_DEMO", "1")
os.environ.setdefault("DJANGO_EMAIL_BACKEND", "django.core.mail.backends.locmem.EmailBackend")
PRIVATE_STORAGE = Path(os.environ.setdefault("CASEBOOK_PRIVATE_STORAGE", "/tmp/casebook_bench_pdf"))

from bench.common import BENCH_DATABASE_URL, setup_django  # noqa: E402

PARTS = ("achievement", "knowledge", "index", "portfolio")
ITEMS = 60
REPEAT = 5
ELEMENTS = 3
TARGET_ELEMENT_S = 1.0
TARGET_PORTFOLIO_S = 5.0
LEARNER = "learner"
SITE_URL = "http://localhost:8000"


# --- The data ----------------------------------------------------------------------------------


def _recreate_database() -> None:
    name = BENCH_DATABASE_URL.rsplit("/", 1)[-1]
    base = BENCH_DATABASE_URL.rsplit("/", 1)[0]
    subprocess.run(
        ["psql", f"{base}/postgres", "-tAc", f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"],
        capture_output=True,
        check=True,
    )
    shutil.rmtree(PRIVATE_STORAGE, ignore_errors=True)


def _now():
    from django.utils import timezone

    return timezone.now()


def _today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


def _problems_to_draft_from(learner, *, exclude: set[int]) -> list:
    """The learner's resolved problems whose timelines show a response and a satisfaction
    check (so drafts suggest several outcomes), oldest first."""
    from complaints.models import ActionKind, Problem

    problems = list(
        Problem.objects.filter(learner=learner, status__in=["resolved", "closed"])
        .filter(actions__kind=ActionKind.RESPONDED)
        .filter(actions__kind=ActionKind.SATISFACTION_CHECKED)
        .exclude(pk__in=exclude)
        .distinct()
        .order_by("received_at", "pk")
    )
    return problems


def _own_repeated_problem(learner, centre, *, exclude: set[int]):
    """A repeated problem the learner spotted on their own: their four latest problems of the
    type and product they logged most often in the last 90 days."""
    from django.db.models import Count

    from complaints import repeated
    from complaints.models import Problem

    recent = Problem.objects.filter(
        learner=learner,
        centre=centre,
        received_at__gte=_now() - datetime.timedelta(days=90),
    ).exclude(pk__in=exclude)
    top = recent.values("category", "product").annotate(n=Count("pk")).order_by("-n", "product")[0]
    incidents = list(
        recent.filter(category=top["category"], product=top["product"]).order_by(
            "-received_at", "-pk"
        )[:4]
    )
    return repeated.repeated_problem_create(
        learner=learner,
        centre=centre,
        incidents=incidents,
        title=f"{top['product']}: the same complaint every few weeks",
        pattern=f"{len(incidents)} customers in three months raised the same {top['product']} "
        "problem with me.",
        identified_how="individually",
        root_cause_whys=["The information customers get is unclear", "Nobody owns it"],
    )


def _appraise_and_decide(record, *, product: str, consulted_on: datetime.date):
    """Two options appraised for the customer and the organisation, who agreed the way
    forward, and the choice."""
    from complaints import repeated

    chosen = repeated.option_add(
        repeated_problem=record,
        title=f"Check every {product} order against the policy before it goes out",
        description="A daily check by the team on duty, recorded on the shift sheet.",
        basis="formal_procedure",
        customer_advantages="Customers get what they were promised the first time.",
        customer_disadvantages="A few orders leave a day later.",
        organisation_advantages="Fewer repeat calls and complaints about the same thing.",
        organisation_disadvantages="Twenty minutes of a team member's time a day.",
        cost="Twenty minutes a day",
        feasibility="high",
    )
    repeated.option_add(
        repeated_problem=record,
        title="Let team leaders agree a goodwill refund when it happens again",
        description="An authorised exception to the refund policy, logged each time.",
        basis="authorised_exception",
        customer_advantages="The customer is put right on the first call.",
        customer_disadvantages="It does not stop the problem happening.",
        organisation_advantages="Quick to bring in.",
        organisation_disadvantages="Refunds cost money and the cause stays.",
        cost="Refunds of about £15 a case",
        feasibility="medium",
    )
    repeated.repeated_problem_consult(
        repeated_problem=record,
        consulted_with=f"Team leader and the {product} product owner",
        consulted_on=consulted_on,
        agreed=f"Try the daily check for {product} orders for a month.",
    )
    return repeated.repeated_problem_decide(
        repeated_problem=record,
        option=chosen,
        justification="It stops the problem at its cause at little cost, and customers get "
        "what they were promised without having to call.",
    )


def _element2_and_3(learner, centre, story) -> dict:
    """The engine's suggestion holding the demo story's incidents confirmed as a repeated
    problem, a second one the learner spotted themselves, both decided; the change that
    dealt with the first, and a change the organisation brought in."""
    from analytics.models import RecurringCandidate
    from analytics.services.candidates import candidate_confirm, candidate_incidents_of
    from complaints import preventive

    suggested = [
        c
        for c in RecurringCandidate.objects.filter(
            centre=centre, status="proposed", category=story.category, product=story.product
        ).order_by("-size", "pk")
        if len(candidate_incidents_of(candidate=c, learner=learner)) >= 3
    ]
    assert suggested, "the engine did not suggest the demo story's repeated problem"
    first = candidate_confirm(candidate=suggested[0], by=learner, learner=learner)
    second = _own_repeated_problem(
        learner, centre, exclude=set(first.incidents.values_list("pk", flat=True))
    )
    consulted_on = story.implemented_on - datetime.timedelta(days=14)
    records = [
        _appraise_and_decide(first, product=story.product, consulted_on=consulted_on),
        _appraise_and_decide(
            second, product=second.incidents.first().product, consulted_on=_today()
        ),
    ]
    own = preventive.preventive_action_create(
        learner=learner,
        centre=centre,
        kind="own",
        title=f"Daily policy check on {story.product} orders",
        repeated_problem=records[0],
        proposal="Check the day's orders against the policy at 4 pm, before they go out.",
        authority="Customer services manager",
        decision="approved",
        decision_on=story.implemented_on - datetime.timedelta(days=7),
        agreed="A month's trial, then review the numbers.",
        description="The team on duty checks the day's orders at 4 pm and corrects any that "
        "do not match the policy; the shift sheet records it.",
        category=story.category,
        product=story.product,
        implemented_on=story.implemented_on,
        monitoring_plan="Watch this type of problem for the product weekly for three months.",
    )
    preventive.communication_add(
        preventive_action=own,
        sent_on=story.implemented_on + datetime.timedelta(days=1),
        channel="email",
        audience=f"Customers who ordered {story.product} in the last month",
        message="We have changed how we check orders so this does not happen again.",
    )
    preventive.adjustment_add(
        preventive_action=own,
        made_on=story.implemented_on + datetime.timedelta(days=35),
        what="The check moved from 4 pm to 3 pm.",
        why="Orders placed after 3 pm were missed by the first check.",
    )
    organisation = preventive.preventive_action_create(
        learner=learner,
        centre=centre,
        kind="organisation",
        title="New complaint acknowledgement letter",
        organisation_change="Head office brought in a new acknowledgement letter that says "
        "what happens next and when.",
        how_actioned="I switched my team's templates to the new letter and showed two new "
        "starters how to use it.",
        description="Every complaint is acknowledged with the new letter.",
        category=story.category,
        product="",
        implemented_on=story.implemented_on + datetime.timedelta(days=14),
        monitoring_plan="Check the repeat-call rate monthly.",
    )
    return {"repeated": records, "actions": [own, organisation]}


def _leaf_knowledge(unit) -> list:
    """The knowledge items evidence is mapped to: item 2 aspect by aspect, the rest whole."""
    return [k for k in unit.knowledge_items.order_by("order", "pk") if not k.aspects.exists()]


def _confirm(item, learner, *, knowledge: list, outcomes: list | None = None) -> None:
    from portfolio import services

    services.mapping_save(
        item=item,
        by=learner,
        outcomes=outcomes
        if outcomes is not None
        else [m.outcome for m in item.outcome_mappings.select_related("outcome")],
        knowledge_items=knowledge,
        range_items=[m.range_item for m in item.range_mappings.select_related("range_item")],
    )


def _attach(item, learner, n: int) -> None:
    from django.core.files.base import ContentFile

    from portfolio import services

    text = (
        f"From: customer services\nTo: the customer\nSubject: your complaint ({n})\n\n"
        "Thank you for your patience. We have checked your account and put it right; "
        "you will see the correction on your next bill.\n"
    )
    services.attachment_add(
        item=item, by=learner, upload=ContentFile(text.encode(), name=f"reply-to-customer-{n}.txt")
    )


def _assess_and_sign(item, assessor, n: int) -> None:
    from portfolio import services
    from portfolio.services import Decision

    outcomes = [m.outcome for m in item.outcome_mappings.filter(confirmed=True)]
    services.evidence_assess(
        item=item,
        by=assessor,
        decisions=[
            Decision(
                outcome=o,
                verdict="competent",
                feedback=f"Clear account with the customer's words; shows {o.code} ({n}).",
            )
            for o in outcomes
        ],
    )
    services.decisions_sign_all(item=item, by=assessor, reauthenticated_at=_now())


def _witness_testimony(enrolment, learner, problem, n: int):
    from portfolio import services
    from portfolio.services.witness import witness_token

    wt = enrolment.unit.evidence_types.get(code="WT")
    item = services.evidence_create(
        enrolment=enrolment,
        by=learner,
        evidence_type=wt,
        title=f"Team leader's account of {problem.reference}",
        date=problem.received_at.date(),
        narrative="My team leader sat with me for this call and wrote what she saw: how I "
        "listened, checked the account and agreed the fix with billing before promising it.",
        problems=[problem],
    )
    request = services.witness_request_create(
        item=item,
        by=learner,
        witness_name="Sam Patel",
        witness_role="Team leader",
        witness_email=f"sam.patel{n}@example.org",
        prompt="Please describe how I dealt with the customer's problem on that call.",
        site_url=SITE_URL,
    )
    services.witness_statement_write(
        token=witness_token(request),
        text="I sat with Priya on this call. She let the customer explain, repeated the "
        "problem back, checked the account before saying anything, and asked billing to "
        "confirm the correction before promising it. She rang back the next day as agreed.",
        witness_name="Sam Patel",
        witness_role="Team leader",
        confirmed=True,
    )
    return item


def _records_and_sample(enrolment) -> tuple[dict, int]:
    """The element 2 and 3 records signed and countersigned, the knowledge record written and
    signed by all three, and a second sample drawn and accepted by the internal verifier.
    Returns what became of each record, and how many assessments were sampled."""
    from django.core.exceptions import ValidationError

    from portfolio import services
    from portfolio.models import ElementRecord

    learner, assessor, verifier = enrolment.learner, enrolment.assessor, enrolment.verifier
    now = _now()
    records = {}
    for number in (2, 3):
        element = enrolment.unit.elements.get(number=number)
        try:
            services.element_record_sign(
                enrolment=enrolment,
                element=element,
                by=assessor,
                feedback=f"You worked out the pattern and saw the change through (element "
                f"{number}).",
                comments="Evidence from the log, the options appraisal and the measured effect.",
                reauthenticated_at=now,
            )
            record = ElementRecord.objects.get(enrolment=enrolment, element=element)
            services.element_record_countersign(record=record, by=learner, reauthenticated_at=now)
            records[f"element {number}"] = "signed and countersigned"
        except ValidationError as exc:
            records[f"element {number}"] = " ".join(exc.messages)
    try:
        services.knowledge_record_feedback_save(
            enrolment=enrolment,
            by=assessor,
            feedback="Your statements show the policies and limits you work within, and why.",
        )
        for person in (learner, assessor, verifier):
            services.knowledge_record_sign(enrolment=enrolment, by=person, reauthenticated_at=now)
        records["knowledge"] = "signed by learner, assessor and verifier"
    except ValidationError as exc:
        records["knowledge"] = " ".join(exc.messages)
    sample = services.sample_draw(
        verifier=verifier, assessor=assessor, centre=enrolment.centre, seed=7
    )
    for sampled in sample.items.all():
        services.review_record(
            sample_item=sampled,
            by=verifier,
            verdict="accept",
            comments="Decisions are sound and the feedback says what met each outcome.",
            reauthenticated_at=_now(),
        )
    return records, sample.items.count()


def build() -> dict:
    """The demo centre and its learner's 60-item portfolio; returns what was made."""
    setup_django()
    from config.demo import demo_seed
    from portfolio import services
    from portfolio.models import Enrolment, EvidenceItem

    started = time.perf_counter()
    summary = demo_seed()
    assert summary.story is not None, "the demo log has no story for elements 2 and 3"
    enrolment = Enrolment.objects.select_related("unit", "centre", "learner", "assessor").get(
        learner__username=LEARNER
    )
    learner, assessor = enrolment.learner, enrolment.assessor
    work = _element2_and_3(learner, enrolment.centre, summary.story)
    knowledge = _leaf_knowledge(enrolment.unit)
    made = []
    for record in work["repeated"]:
        made.append(
            services.evidence_draft_from_repeated_problem(repeated_problem=record, by=learner)[0]
        )
    for action in work["actions"]:
        made.append(
            services.evidence_draft_from_preventive_action(preventive_action=action, by=learner)[0]
        )
    drafted = set(
        EvidenceItem.objects.filter(enrolment=enrolment, drafted_from__isnull=False).values_list(
            "drafted_from_id", flat=True
        )
    )
    pool = _problems_to_draft_from(learner, exclude=drafted)
    wanted = ITEMS - EvidenceItem.objects.filter(enrolment=enrolment).count()
    assert len(pool) >= wanted, f"only {len(pool)} problems to draft from, {wanted} needed"
    step = max(1, len(pool) // wanted)
    problems = pool[::step][:wanted]
    element1 = list(enrolment.unit.elements.get(number=1).outcomes.order_by("order"))
    for n, problem in enumerate(problems[:3]):
        made.append(_witness_testimony(enrolment, learner, problem, n))
    for problem in problems[3:]:
        made.append(services.evidence_draft_from_problem(problem=problem, by=learner)[0])
    for n, item in enumerate(made):
        ticked = [knowledge[(2 * n) % len(knowledge)], knowledge[(2 * n + 1) % len(knowledge)]]
        is_witness = item.evidence_type.code == "WT"
        _confirm(item, learner, knowledge=ticked, outcomes=element1[:4] if is_witness else None)
        if n % 6 == 0 or is_witness:
            _attach(item, learner, n)
        services.evidence_submit(item=item, by=learner)
        _assess_and_sign(item, assessor, n)
    records, sampled = _records_and_sample(enrolment)
    return {
        "build_s": round(time.perf_counter() - started, 1),
        "problems": summary.problems_created,
        "story": f"{summary.story.product}, {summary.story.category}, "
        f"{summary.story.implemented_on.isoformat()}",
        "records": records,
        "sampled": sampled,
        **_facts(enrolment),
    }


def _facts(enrolment) -> dict:
    """What the portfolio holds, checked so the benchmark measures what it claims."""
    from analytics.models import Effectiveness
    from complaints.models import PreventiveAction, RepeatedProblem
    from portfolio.models import Attachment, EvidenceItem, Signature, WitnessStatement

    items = EvidenceItem.objects.filter(enrolment=enrolment)
    repeated = RepeatedProblem.objects.filter(learner=enrolment.learner, centre=enrolment.centre)
    actions = PreventiveAction.objects.filter(learner=enrolment.learner, centre=enrolment.centre)
    facts = {
        "items": items.count(),
        "items_signed": items.filter(locked_at__isnull=False).count(),
        "problems_linked": items.values("problems").distinct().count(),
        "witness_statements": WitnessStatement.objects.filter(evidence__in=items).count(),
        "attachments": Attachment.objects.filter(evidence__in=items).count(),
        "signatures": Signature.objects.filter(enrolment=enrolment).count(),
        "repeated_problems": repeated.count(),
        "incidents": [r.incidents.count() for r in repeated],
        "preventive_actions": actions.count(),
        "effectiveness": Effectiveness.objects.filter(action__in=actions).count(),
        "items_linked_to_actions": items.filter(preventive_actions__isnull=False)
        .distinct()
        .count(),
    }
    assert facts["items"] == ITEMS, facts
    assert facts["repeated_problems"] >= 1, facts
    assert min(facts["incidents"]) >= 3, facts
    assert facts["preventive_actions"] >= 1, facts
    assert facts["effectiveness"] >= 1, facts
    return facts


# --- Rendering ----------------------------------------------------------------------------------


def stylesheet_served() -> bool:
    """Whether the renderer finds the print stylesheet (it reads the source file, so the
    hashed names of production's static storage do not matter)."""
    from portfolio.services.printing import _stylesheet

    return _stylesheet().is_file()


def setup_rendering() -> bool:
    """Django set up for the renders, with production's settings; returns whether the print
    stylesheet is found (the renders would be unstyled without it)."""
    setup_django()
    served = stylesheet_served()
    assert served, "the print stylesheet is missing"
    return served


def _enrolment():
    from portfolio.models import Enrolment

    return Enrolment.objects.select_related(
        "unit", "centre", "learner", "assessor", "verifier"
    ).get(learner__username=LEARNER)


def render(enrolment, part: str) -> dict:
    """One record_print, timed in its three steps as the renderer reports them."""
    from portfolio.services.printing import record_print

    marks: dict[int, float] = {}
    pages: list[int] = []

    def progress(percent: int, words: str) -> None:
        marks[percent] = time.perf_counter()
        if words.startswith("Writing "):
            pages.append(int(words.split()[1]))

    start = time.perf_counter()
    printed = record_print(enrolment=enrolment, part=part, progress=progress)
    end = time.perf_counter()
    return {
        "total_s": end - start,
        "gather_html_s": marks[30] - start,
        "layout_s": marks[80] - marks[30],
        "write_s": end - marks[80],
        "pages": pages[0],
        "bytes": len(printed.body),
        "draft": printed.is_draft,
    }


def _rss_mb() -> tuple[float, float]:
    """This process's resident size now and its high-water mark (VmRSS, VmHWM), in MB."""
    status = Path("/proc/self/status").read_text()
    values = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return tuple(int(values[k].split()[0]) / 1024 for k in ("VmRSS", "VmHWM"))


def _reset_peak_rss() -> bool:
    """Start VmHWM afresh from the current RSS (Linux 4.0+, "5" to clear_refs), so the peak
    read after the render is the render's, not the set-up's (migrate, collectstatic)."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_memory(part: str) -> None:
    """The part rendered in a fresh process: the first render's time and the peak RSS during
    it over the RSS it starts from, then the peak of Python allocations during a second;
    prints JSON.

    The set-up (migrate, collectstatic) peaks above the RSS the render starts from, so the
    high-water mark is reset first; ``ru_maxrss`` (RUSAGE_SELF) reads the same mark, so after
    the reset it is the render's own peak. Where the reset is refused, the growth of
    ``ru_maxrss`` is reported instead: only what the render took beyond the set-up's peak."""
    import gc
    import resource
    import tracemalloc

    setup_rendering()
    import portfolio.services.printing  # noqa: F401 - WeasyPrint loaded before the baseline

    enrolment = _enrolment()
    gc.collect()
    setup_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    reset = _reset_peak_rss()
    rss_before, _ = _rss_mb()
    first = render(enrolment, part)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    gc.collect()
    tracemalloc.start()
    render(enrolment, part)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "part": part,
                "first_render_s": round(first["total_s"], 2),
                "setup_peak_mb": round(setup_peak),
                "peak_reset": reset,
                "rss_before_mb": round(rss_before),
                "peak_rss_mb": round(peak),
                "rss_growth_mb": round(peak - (rss_before if reset else setup_peak)),
                "tracemalloc_peak_mb": round(traced_peak / 2**20, 1),
            }
        )
    )


def _child(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, "-m", "bench.bench_pdf", *args],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        sys.stderr.write(out.stderr)
        raise SystemExit(f"bench_pdf {' '.join(args)} failed ({out.returncode})")
    return json.loads(out.stdout.strip().splitlines()[-1])


def queries(enrolment, part: str) -> dict:
    """The queries one render makes (all in the gathering step) and their time, each timed
    around the driver's execute (Django's own log rounds each to the millisecond)."""
    from django.db import connection

    spent: list[float] = []

    def timed(execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent.append(time.perf_counter() - start)

    with connection.execute_wrapper(timed):
        render(enrolment, part)
    return {"queries": len(spent), "db_s": round(sum(spent), 3)}


def timings(enrolment, part: str) -> dict:
    render(enrolment, part)  # warm-up: templates, fonts, stylesheet
    runs = [render(enrolment, part) for _ in range(REPEAT)]
    total = sorted(r["total_s"] for r in runs)
    return {
        "median_s": round(statistics.median(total), 3),
        "max_s": round(total[-1], 3),
        **{
            step: round(statistics.median(r[step] for r in runs), 3)
            for step in ("gather_html_s", "layout_s", "write_s")
        },
        "pages": runs[-1]["pages"],
        "bytes": runs[-1]["bytes"],
        "draft": runs[-1]["draft"],
    }


def profile(part: str) -> None:
    """cProfile of one render after a warm-up: the top functions by own and total time."""
    import cProfile
    import pstats

    setup_rendering()
    enrolment = _enrolment()
    render(enrolment, part)
    profiler = cProfile.Profile()
    profiler.enable()
    result = render(enrolment, part)
    profiler.disable()
    print(json.dumps({k: round(v, 3) if isinstance(v, float) else v for k, v in result.items()}))
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(60)


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> int:
    print(f"load average at start: {_load()}")
    _recreate_database()
    data = _child("--build")
    print("data:", json.dumps(data))
    memory = {part: _child("--child", part) for part in PARTS}
    served = setup_rendering()
    print(
        "print stylesheet under production static storage: "
        + ("served" if served else "REFUSED (hashed name); rendered with the plain name")
    )
    enrolment = _enrolment()
    results = {}
    for part in PARTS:
        results[part] = {**timings(enrolment, part), **queries(enrolment, part), **memory[part]}
    print(
        "| part | median s | max s | gather+HTML s | layout s | write s | pages | bytes "
        "| queries (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for part, r in results.items():
        print(
            f"| {part} | {r['median_s']} | {r['max_s']} | {r['gather_html_s']} | "
            f"{r['layout_s']} | {r['write_s']} | {r['pages']} | {r['bytes']:,} | "
            f"{r['queries']} ({r['db_s']}) |"
        )
    print(
        "\n| part (fresh process) | first render s | RSS before MB | peak RSS MB (ru_maxrss) "
        "| growth MB | tracemalloc peak MB |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    for part, r in results.items():
        reset = "" if r["peak_reset"] else " (peak not reset: growth over the set-up's peak)"
        print(
            f"| {part} | {r['first_render_s']} | {r['rss_before_mb']} | {r['peak_rss_mb']} | "
            f"{r['rss_growth_mb']}{reset} | {r['tracemalloc_peak_mb']} |"
        )
    achievement, portfolio = results["achievement"], results["portfolio"]
    per_element = achievement["max_s"] / ELEMENTS
    checks = {
        "element (whole record / 3)": (per_element, TARGET_ELEMENT_S),
        "portfolio": (portfolio["max_s"], TARGET_PORTFOLIO_S),
    }
    for name, (value, target) in checks.items():
        print(
            f"{name}: max {value:.3f} s, target {target} s: {'met' if value <= target else 'NOT met'}"
        )
    whole = achievement["max_s"]
    print(
        f"(the whole achievement record, three elements: max {whole:.3f} s against 1 s: "
        f"{'within' if whole <= TARGET_ELEMENT_S else 'over'})"
    )
    print(f"load average at end: {_load()}")
    print(json.dumps({"data": data, "stylesheet_served": served, "results": results}))
    return 0 if all(value <= target for value, target in checks.values()) else 1


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--build":
        print(json.dumps(build(), default=str))
    elif len(sys.argv) > 2 and sys.argv[1] == "--child":
        child_memory(sys.argv[2])
    elif len(sys.argv) > 2 and sys.argv[1] == "--profile":
        profile(sys.argv[2])
    else:
        sys.exit(main())
