"""The authorisation matrix (issue 8): every URL of the project, requested as every persona of
a centre, as a member of another centre in every role, and anonymously, for an object of the
centre and one of another centre, against the declared policy (tests/authorisation/policy.py).

A persona the policy does not name must never get a 200; a persona it names must get one
(so the table cannot silently be too strict). Pages that answer 200 to this centre's people
must not show the other centre's data either: the other centre's objects carry a canary word.
All mismatches are collected and reported together, one line each.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, path, reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import Centre, Notification, Role, User
from accounts.services import api_token_create
from analytics.models import AnalysisRun, CandidateIncident, RecurringCandidate
from analytics.services import analysis_run_execute
from complaints.importing.services import import_job_create
from portfolio.models import ElementRecord
from portfolio.services import attachment_add, evidence_create, exports, printing
from portfolio.services.exports import portfolio_export_request, portfolio_export_run
from portfolio.services.verification import sample_item_add
from portfolio.services.witness import WITNESS_TESTIMONY, witness_request_create, witness_token
from portfolio.standard import DEFAULT_UNIT_PATH, standard_load
from tests.accounts.factories import CentreFactory, member
from tests.authorisation.policy import (
    ADMIN,
    ANONYMOUS,
    EXPORTERS,
    LOG_READERS,
    MEMBERS,
    OUTSIDERS,
    POLICY,
    Entry,
)
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

# Written into every object of the other centre: a page this centre's people read must not
# contain it.
CANARY = "Quetzalcoatl"
# This centre's learner's log and portfolio carry these words; the people of the centre who
# may not read them must not find them on any page (lists, homes, exports) either.
MARKER = "Harbour"
LOG_MARK, PORTFOLIO_MARK = f"{MARKER}log", f"{MARKER}folio"
NOT_FOR = {
    LOG_MARK: frozenset(MEMBERS - LOG_READERS),
    PORTFOLIO_MARK: frozenset(MEMBERS - EXPORTERS),
}
# 401: the API's answer to a request with no session and no key.
REFUSED = (401, 403, 404, 405)
TEXT_TYPES = ("text/html", "text/csv", "application/json")


# Walking the URL patterns -----------------------------------------------------------------


def url_names(patterns=None, namespace: str = "") -> dict[str, str]:
    """Every URL name ("namespace:name") with its route; the admin's as one entry. A pattern
    without a name appears as "<unnamed> route", which no policy entry can match."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    found: dict[str, str] = {}
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            if inner == "admin:":
                found[ADMIN] = str(pattern.pattern)
                continue
            for name, route in url_names(pattern.url_patterns, inner).items():
                found.setdefault(name, f"{pattern.pattern}{route}")
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}{pattern.name}" if pattern.name else f"<unnamed> {pattern.pattern}"
            found.setdefault(name, str(pattern.pattern))
    return found


def policy_gaps(names: dict[str, str]) -> list[str]:
    """What keeps the policy from covering these URLs: URLs without an entry and entries
    naming URLs that no longer exist."""
    missing = [
        f"no policy entry for {n} ({route})" for n, route in names.items() if n not in POLICY
    ]
    stale = [f"policy entry for {n}, which is no URL" for n in POLICY if n not in names]
    return sorted(missing) + sorted(stale)


def test_every_url_has_a_policy_entry_and_every_entry_a_url():
    assert policy_gaps(url_names()) == []


def test_a_new_url_without_a_policy_entry_fails_the_matrix():
    from config.urls import urlpatterns

    def view(request):  # pragma: no cover - never requested
        raise AssertionError

    extended = [*urlpatterns, path("new/", view, name="brand-new"), path("anon/", view)]
    assert policy_gaps(url_names(extended)) == [
        "no policy entry for <unnamed> anon/ (anon/)",
        "no policy entry for brand-new (new/)",
    ]
    without_healthz = [p for p in urlpatterns if getattr(p, "name", None) != "healthz"]
    assert policy_gaps(url_names(without_healthz)) == ["policy entry for healthz, which is no URL"]


# The world: one centre with a persona in every role and one of each object ----------------


@dataclass
class World:
    centre: Centre
    people: dict[str, User]
    objects: dict[str, object]

    def kwargs(self, obj: str) -> dict:
        o = self.objects
        special = {
            "reset_link": lambda: {
                "uidb64": urlsafe_base64_encode(force_bytes(self.people["learner"].pk)),
                "token": "not-a-valid-token",
            },
            "centre": lambda: {"slug": self.centre.slug},
            "option": lambda: {"pk": o["option"].repeated_problem_id, "option_pk": o["option"].pk},
            "element": lambda: {"pk": o["enrolment"].pk, "number": 1},
            "assessor_group": lambda: {
                "centre_pk": self.centre.pk,
                "assessor_pk": self.people["assessor"].pk,
            },
            "witness_link": lambda: {"token": witness_token(o["witness_request"])},
            "problem_draft": lambda: {"problem_pk": o["problem"].pk},
        }
        if obj in special:
            return special[obj]()
        return {"pk": o[obj].pk}


def build_world(unit, *, slug: str, marker: str) -> World:
    """A centre with its learner's log and portfolio, made by the services where they have
    rules (signing, sampling, imports, exports) and by factories elsewhere."""
    centre = CentreFactory(name=f"{slug.title()} Ltd", slug=slug)
    people = {
        name: member(centre=centre, role=role, username=f"{slug}-{name}")
        for name, role in [
            ("learner", Role.LEARNER),
            ("other_learner", Role.LEARNER),
            ("assessor", Role.ASSESSOR),
            ("other_assessor", Role.ASSESSOR),
            ("verifier", Role.VERIFIER),
            ("manager", Role.MANAGER),
            ("centre_admin", Role.CENTRE_ADMIN),
        ]
    }
    learner = people["learner"]
    enrolment = EnrolmentFactory(
        centre=centre,
        learner=learner,
        unit=unit,
        assessor=people["assessor"],
        verifier=people["verifier"],
    )
    EnrolmentFactory(
        centre=centre,
        learner=people["other_learner"],
        unit=unit,
        assessor=people["other_assessor"],
        verifier=people["verifier"],
    )
    o: dict[str, object] = {"enrolment": enrolment}

    problems = ProblemFactory.create_batch(
        3, centre=centre, learner=learner, description=f"{marker}log router not dispatched"
    )
    o["problem"] = problems[0]
    ActionFactory(problem=problems[0], description=f"{marker}log apologised")
    o["repeated_problem"] = RepeatedProblemFactory(
        centre=centre, learner=learner, title=f"{marker}log routers", incidents=problems
    )
    o["option"] = OptionFactory(repeated_problem=o["repeated_problem"], title=f"{marker}log check")
    o["preventive_action"] = PreventiveActionFactory(
        centre=centre, learner=learner, title=f"{marker}log daily check"
    )
    o["candidate"] = _candidate(centre, problems, marker)
    o["import_job"] = import_job_create(
        centre=centre,
        uploaded_by=learner,
        learner=learner,
        upload=SimpleUploadedFile(
            f"{marker}log.csv", csv_text([HEADER, *good_rows(3)]).encode(), content_type="text/csv"
        ),
    )
    run = AnalysisRun.objects.create(centre=centre, trigger=AnalysisRun.Trigger.COMMAND)
    analysis_run_execute(run_id=run.pk)
    o["analysis_run"] = run
    o["api_token"], _ = api_token_create(
        centre=centre, name=f"{marker} CRM", scope="write", by=people["centre_admin"]
    )

    evidence = signed_assessment(
        enrolment, title=f"{marker}folio observed", problems=(problems[0],)
    )
    o["evidence"] = evidence
    o["decision"] = evidence.decisions.first()
    o["signature"] = enrolment.signatures.first()
    o["sample_item"] = sample_item_add(
        verifier=people["verifier"], evidence=evidence, reason=f"{marker}folio a concern"
    )
    o["draft"] = draft = evidence_create(
        enrolment=enrolment,
        by=learner,
        evidence_type=unit.evidence_types.get(code=WITNESS_TESTIMONY),
        title=f"{marker}folio witnessed",
        narrative="My team leader saw me calm a customer.",
        date=datetime.date(2026, 3, 2),
    )
    o["attachment"] = attachment_add(
        item=draft,
        by=learner,
        upload=SimpleUploadedFile("notes.pdf", sample_pdf(), content_type="application/pdf"),
    )
    o["witness_request"] = witness_request_create(
        item=draft,
        by=learner,
        witness_name="Sam Lead",
        witness_role="Team leader",
        witness_email="sam@example.org",
        prompt="What did you see?",
        site_url="http://testserver/",
    )
    o["element_record"] = ElementRecord.objects.create(
        enrolment=enrolment, element=unit.elements.get(number=1)
    )
    export = portfolio_export_request(user=learner, enrolment=enrolment)
    o["export"] = portfolio_export_run(export_id=export.pk)
    o["notification"] = Notification.objects.create(
        recipient=learner,
        kind=Notification.Kind.EVIDENCE_ASSESSED,
        title=f"{marker}folio assessed",
        url=evidence.get_absolute_url(),
    )
    return World(centre=centre, people=people, objects=o)


def _candidate(centre: Centre, problems, marker: str) -> RecurringCandidate:
    candidate = RecurringCandidate.objects.create(
        centre=centre,
        category="system_failure",
        product="Broadband",
        size=len(problems),
        first_at=min(p.received_at for p in problems),
        last_at=max(p.received_at for p in problems),
        shared_words=[f"{marker}log", "router", "dispatch"],
    )
    CandidateIncident.objects.bulk_create(
        CandidateIncident(candidate=candidate, problem=p) for p in problems
    )
    return candidate


# Requesting and comparing ----------------------------------------------------------------


@dataclass
class Ask:
    name: str
    url: str
    persona: str
    expected: str  # "200", "302" or "refused"
    entry: Entry
    foreign: bool = False  # the object is the other centre's


def expectation(entry: Entry, persona: str, *, own_object: bool) -> str:
    outsider = persona.startswith("outsider_")
    if (outsider or not own_object) and not entry.public:
        return "refused"
    role = persona.removeprefix("outsider_")
    if role in entry.ok:
        return "200"
    if role in entry.redirects:
        return "302"
    return "refused"


def asks(here: World, there: World) -> list[Ask]:
    """Every request of the matrix: pages without an object as this centre's personas and
    anonymously; pages with one, for this centre's object as everyone (members of the
    other centre included) and for the other centre's object as this centre's personas."""
    own = sorted(MEMBERS) + [ANONYMOUS]
    result = []
    for name, entry in POLICY.items():
        if entry.obj is None:
            url = reverse(name, kwargs=entry.kwargs or None)
            suffix = f"?{entry.query}" if entry.query else ""
            result += [
                Ask(name, url + suffix, p, expectation(entry, p, own_object=True), entry)
                for p in own
            ]
            continue
        url = reverse(name, kwargs=here.kwargs(entry.obj))
        result += [
            Ask(name, url, p, expectation(entry, p, own_object=True), entry)
            for p in [*own, *sorted(OUTSIDERS)]
        ]
        foreign = reverse(name, kwargs=there.kwargs(entry.obj))
        result += [
            Ask(name, foreign, p, expectation(entry, p, own_object=False), entry, foreign=True)
            for p in sorted(MEMBERS)
        ]
    return result


def describe(response) -> str:
    if response.status_code in (301, 302):
        return f"{response.status_code} to {response['Location']}"
    return str(response.status_code)


def is_login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    where = urlsplit(response["Location"]).path
    return where in (reverse("login"), reverse("admin:login"))


def body_text(response) -> str:
    """The page's text, or '' for a file. A streamed body is read to its end either way,
    which closes it as a server would (closing it by hand would also close the test's
    database connection on PostgreSQL)."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if not response.get("Content-Type", "").startswith(TEXT_TYPES):
        return ""
    return body.decode(errors="replace")


def mismatch(ask: Ask, response) -> str | None:
    got, text = describe(response), body_text(response)
    if ask.expected == "200":
        if response.status_code != 200:
            return got
    elif ask.expected == "302":
        if response.status_code != 302:
            return got
    elif response.status_code not in REFUSED and not is_login_redirect(response):
        return got
    if response.status_code != 200 or ask.entry.public:
        return None
    if CANARY in text:
        return "200 showing the other centre's data"
    for mark, refused in NOT_FOR.items():
        if ask.persona in refused and mark in text:
            return f"200 showing the learner's {'log' if mark == LOG_MARK else 'portfolio'}"
    return None


@pytest.fixture
def private_storage(settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"


@pytest.fixture
def fake_renderer(monkeypatch):
    """The records print as a stub: who may print is decided before the renderer runs, and
    tests/portfolio/test_pdf_*.py run the real one."""

    def record_print(*, enrolment, part, progress=None):
        return printing.PrintedRecord(b"%PDF-1.7 stub", f"{part}.pdf", part.title(), True)

    monkeypatch.setattr(exports, "record_print", record_print)
    monkeypatch.setattr("portfolio.views.printing.record_print", record_print)


@pytest.mark.usefixtures("private_storage", "fake_renderer")
def test_every_url_answers_each_persona_as_the_policy_declares(db):
    unit = standard_load(path=DEFAULT_UNIT_PATH)
    here = build_world(unit, slug="harbour", marker=MARKER)
    there = build_world(unit, slug="elsewhere", marker=CANARY)
    clients = {ANONYMOUS: Client()}
    for name, user in here.people.items():
        clients[name] = Client()
        clients[name].force_login(user)
    for name, user in there.people.items():
        if f"outsider_{name}" in OUTSIDERS:
            clients[f"outsider_{name}"] = Client()
            clients[f"outsider_{name}"].force_login(user)

    failures, holes = [], {}
    for ask in asks(here, there):
        try:
            response = clients[ask.persona].get(ask.url)
        except Exception as exc:  # a view that breaks is reported with the rest
            problem = f"raised {type(exc).__name__}: {exc}"
        else:
            problem = mismatch(ask, response)
        if problem is None:
            continue
        where = f"{ask.url} (the other centre's)" if ask.foreign else ask.url
        line = f"{ask.name} {where} | {ask.persona} | expected {ask.expected} | got {problem}"
        if ask.entry.hole:
            holes.setdefault(ask.name, []).append(line)
        else:
            failures.append(line)

    # The marks are on the pages of those who may read them: the checks above are not vacuous.
    for persona, obj, mark in [
        ("manager", "problem", LOG_MARK),
        ("centre_admin", "signature", PORTFOLIO_MARK),
    ]:
        page = clients[persona].get(here.objects[obj].get_absolute_url())
        assert mark in page.content.decode(), f"{mark} is not shown to the {persona}"

    assert not failures, "Authorisation matrix mismatches:\n" + "\n".join(failures)
    fixed = {name for name, entry in POLICY.items() if entry.hole and name not in holes}
    assert not fixed, f"These holes no longer show; remove their marks in policy.py: {fixed}"
    if holes:
        pytest.xfail("Known holes:\n" + "\n".join(sum(holes.values(), [])))
