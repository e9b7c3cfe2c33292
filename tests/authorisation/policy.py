"""Who may read each page: the declared policy the authorisation matrix checks
(tests/authorisation/test_matrix.py).

One entry per URL name outside the Django admin. An entry names the personas who GET the
page with a 200 for an object of their own centre; everyone else, including every member of
another centre and anonymous visitors, must be refused (403, 404, 405, or for anonymous
visitors the login page). A page that takes an object names the world's object that supplies
its arguments (see test_matrix.World.kwargs). A new URL without an entry here fails the
matrix: decide who may read it, then add it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ANONYMOUS = "anonymous"
LEARNER = "learner"  # owns the objects
OTHER_LEARNER = "other_learner"  # same centre, with their own enrolment and assessor
ASSESSOR = "assessor"  # the learner's assessor
OTHER_ASSESSOR = "other_assessor"  # same centre, assesses the other learner only
VERIFIER = "verifier"  # the learner's internal verifier
MANAGER = "manager"
CENTRE_ADMIN = "centre_admin"

MEMBERS = frozenset(
    {LEARNER, OTHER_LEARNER, ASSESSOR, OTHER_ASSESSOR, VERIFIER, MANAGER, CENTRE_ADMIN}
)
# Members of another centre, one per role: the owner of the other centre's objects is its
# learner. They are refused every object of this centre; for pages without an object they
# are the same as this centre's holder of the role, so the matrix asks only this centre's.
OUTSIDERS = frozenset(
    f"outsider_{role}" for role in sorted(MEMBERS - {OTHER_LEARNER, OTHER_ASSESSOR})
)
EVERYONE = MEMBERS | {ANONYMOUS}

LEARNERS = frozenset({LEARNER, OTHER_LEARNER})
ASSESSORS = frozenset({ASSESSOR, OTHER_ASSESSOR})
# The learner's log (problems, repeated problems, preventive actions): the learner, their
# assessor and IV, and the centre's managers (complaints.selectors.problems_visible_to).
LOG_READERS = frozenset({LEARNER, ASSESSOR, VERIFIER, MANAGER})
# Anyone who reads some log other than their own, or has one (repeated and preventive lists).
LOG_LISTERS = LEARNERS | ASSESSORS | {VERIFIER, MANAGER}
# The portfolio: the learner, their assessor and IV; managers and centre admins do not read it
# (portfolio.selectors.enrolments_readable_by).
PORTFOLIO_READERS = frozenset({LEARNER, ASSESSOR, VERIFIER})
# The printed records, their exports and the signatures: the portfolio's readers and the
# centre's admins, who unlock signed evidence (portfolio.selectors.enrolments_verifiable_by).
EXPORTERS = PORTFOLIO_READERS | {CENTRE_ADMIN}
# Imports: the uploader, the learner whose log it fills, the centre's managers.
IMPORT_READERS = frozenset({LEARNER, MANAGER})
NOBODY: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Entry:
    """Who may GET one URL.

    ok: personas who get a 200 (for the own centre's object, if the URL takes one).
    redirects: personas for whom the page legitimately answers 302 instead (the login page
        for someone signed in; a notification goes on to what it is about).
    obj: the world's object whose ids fill the URL (None: the URL takes no object, or only
        the fixed ``kwargs``).
    post_only: the view only acts on POST; a GET must never be a 200.
    public: the object is not a centre's (a witness's link, a password reset link): members
        of other centres are treated like anyone else.
    query: a query string the page needs to answer at all (not a permission).
    hole: a known hole, named: the matrix reports the entry's mismatches as expected
        failures until it is fixed. Never loosen ``ok`` instead.
    """

    ok: frozenset[str] = NOBODY
    redirects: frozenset[str] = NOBODY
    obj: str | None = None
    kwargs: dict = field(default_factory=dict)
    post_only: bool = False
    public: bool = False
    query: str = ""
    hole: str = ""
    note: str = ""


def post(obj: str | None = None, **kwargs) -> Entry:
    return Entry(obj=obj, post_only=True, **kwargs)


ADMIN = "admin:index"

POLICY: dict[str, Entry] = {
    # Project pages ---------------------------------------------------------------------------
    "home": Entry(redirects=MEMBERS, note="sends each member to their role's home page"),
    "home-learner": Entry(ok=LEARNERS),
    "home-assessor": Entry(ok=ASSESSORS),
    "home-verifier": Entry(ok={VERIFIER}),
    "home-manager": Entry(ok={MANAGER}),
    "home-centre-admin": Entry(ok={CENTRE_ADMIN}),
    "healthz": Entry(ok=EVERYONE),
    # Signing in (django.contrib.auth) --------------------------------------------------------
    "login": Entry(ok={ANONYMOUS}, redirects=MEMBERS, note="redirect_authenticated_user"),
    "logout": post(note="Django 5 logs out on POST only"),
    "password_change": Entry(ok=MEMBERS),
    "password_change_done": Entry(ok=MEMBERS),
    "password_reset": Entry(ok=EVERYONE),
    "password_reset_done": Entry(ok=EVERYONE),
    "password_reset_confirm": Entry(
        ok=EVERYONE, obj="reset_link", public=True, note="a wrong token: the 'invalid link' page"
    ),
    "password_reset_complete": Entry(ok=EVERYONE),
    # A person's own notifications ------------------------------------------------------------
    "accounts:notifications": Entry(ok=MEMBERS, note="each sees their own"),
    "accounts:notification-open": Entry(
        redirects={LEARNER}, obj="notification", note="marks it read, goes on to its link"
    ),
    "accounts:notifications-mark-all-read": post(),
    "accounts:notification-settings": Entry(ok=MEMBERS),
    "accounts:api-tokens": Entry(ok={CENTRE_ADMIN}, obj="centre", note="the centre's API keys"),
    "accounts:api-token-revoke": post("api_token"),
    # The problem log -------------------------------------------------------------------------
    "complaints:problem-list": Entry(ok=MEMBERS, note="scoped: problems_visible_to"),
    "complaints:problem-create": Entry(ok=LEARNERS),
    "complaints:problem-export": Entry(ok=MEMBERS, kwargs={"fmt": "csv"}, note="scoped"),
    "complaints:problem-detail": Entry(ok=LOG_READERS, obj="problem"),
    "complaints:problem-edit": Entry(ok={LEARNER}, obj="problem"),
    "complaints:problem-status": post("problem"),
    "complaints:action-create": Entry(
        redirects={LEARNER}, obj="problem", note="a GET goes back to the problem"
    ),
    "complaints:import-list": Entry(ok=MEMBERS, note="scoped: import_jobs_visible_to"),
    "complaints:import-new": Entry(ok=LEARNERS | {MANAGER}),
    "complaints:import-detail": Entry(ok=IMPORT_READERS, obj="import_job"),
    "complaints:import-progress": Entry(ok=IMPORT_READERS, obj="import_job"),
    "complaints:repeated-list": Entry(ok=LOG_LISTERS),
    "complaints:repeated-create": Entry(ok=LEARNERS),
    "complaints:repeated-detail": Entry(ok=LOG_READERS, obj="repeated_problem"),
    "complaints:repeated-edit": Entry(ok={LEARNER}, obj="repeated_problem"),
    "complaints:option-create": Entry(ok={LEARNER}, obj="repeated_problem"),
    "complaints:option-edit": Entry(ok={LEARNER}, obj="option"),
    "complaints:repeated-consult": Entry(ok={LEARNER}, obj="repeated_problem"),
    "complaints:repeated-decide": post("repeated_problem"),
    "complaints:prevent-list": Entry(ok=LOG_LISTERS),
    "complaints:prevent-create": Entry(ok=LEARNERS),
    "complaints:prevent-detail": Entry(ok=LOG_READERS, obj="preventive_action"),
    "complaints:prevent-edit": Entry(ok={LEARNER}, obj="preventive_action"),
    "complaints:prevent-communication-create": Entry(ok={LEARNER}, obj="preventive_action"),
    "complaints:prevent-adjustment-create": Entry(ok={LEARNER}, obj="preventive_action"),
    # Analysis: the manager's -----------------------------------------------------------------
    "analytics:dashboard": Entry(ok={MANAGER}),
    "analytics:export": Entry(ok={MANAGER}, query="table=candidates"),
    "analytics:overview": Entry(ok={MANAGER}),
    "analytics:suggestions": Entry(ok=LEARNERS, note="scoped to their own problems"),
    "analytics:candidate-confirm": post("candidate"),
    "analytics:candidate-dismiss": Entry(
        ok={MANAGER, LEARNER}, obj="candidate", note="the learner's problems are in it"
    ),
    "analytics:start": post("centre"),
    "analytics:run-state": Entry(ok={MANAGER}, obj="centre"),
    # The API (/api/v1/), with a browser session: the same people as the pages. Tokens of a
    # centre are tested in tests/api/. Anonymous visitors get 401 (a refusal).
    "api:problem-list": Entry(ok=MEMBERS, note="scoped: problems_visible_to"),
    "api:problem-batch": post(),
    "api:problem-detail": Entry(ok=LOG_READERS, obj="problem"),
    "api:problem-status": post("problem"),
    "api:problem-actions": post("problem"),
    "api:signals": Entry(ok={MANAGER}),
    "api:run-start": post(),
    "api:run-detail": Entry(ok={MANAGER}, obj="analysis_run"),
    "api:schema": Entry(ok=EVERYONE, note="the OpenAPI schema: documentation, no data"),
    "api:docs": Entry(ok=EVERYONE, note="Swagger UI over the schema"),
    # The portfolio ---------------------------------------------------------------------------
    "portfolio:home": Entry(ok=LEARNERS | ASSESSORS | {VERIFIER}, note="own, or caseload"),
    "portfolio:enrolment": Entry(ok=PORTFOLIO_READERS, obj="enrolment"),
    "portfolio:coverage": Entry(ok=LEARNERS, note="their own"),
    "portfolio:enrolment-coverage": Entry(ok=PORTFOLIO_READERS, obj="enrolment"),
    "portfolio:records": Entry(ok=LEARNERS, note="their own"),
    "portfolio:enrolment-records": Entry(ok=PORTFOLIO_READERS, obj="enrolment"),
    "portfolio:achievement-pdf-home": Entry(ok=LEARNERS, note="their own"),
    "portfolio:knowledge-pdf-home": Entry(ok=LEARNERS, note="their own"),
    "portfolio:index-pdf-home": Entry(ok=LEARNERS, note="their own"),
    "portfolio:achievement-pdf": Entry(ok=EXPORTERS, obj="enrolment"),
    "portfolio:knowledge-pdf": Entry(ok=EXPORTERS, obj="enrolment"),
    "portfolio:index-pdf": Entry(ok=EXPORTERS, obj="enrolment"),
    "portfolio:enrolment-exports": Entry(ok=EXPORTERS, obj="enrolment"),
    "portfolio:export-detail": Entry(ok=EXPORTERS, obj="export"),
    "portfolio:export-progress": Entry(ok=EXPORTERS, obj="export"),
    "portfolio:export-download": Entry(ok=EXPORTERS, obj="export"),
    "portfolio:element-record-sign": post("element"),
    "portfolio:element-record-countersign": post("element_record"),
    "portfolio:knowledge-record-feedback": post("enrolment"),
    "portfolio:knowledge-record-sign": post("enrolment"),
    "portfolio:evidence-create": Entry(ok=LEARNERS, note="into their own portfolio"),
    "portfolio:evidence-detail": Entry(ok=PORTFOLIO_READERS, obj="evidence"),
    "portfolio:evidence-edit": Entry(ok={LEARNER}, obj="draft"),
    "portfolio:evidence-mapping": post("draft"),
    "portfolio:evidence-submit": post("draft"),
    "portfolio:attachment-add": post("draft"),
    "portfolio:attachment-download": Entry(ok=PORTFOLIO_READERS, obj="attachment"),
    "portfolio:attachment-remove": post("attachment"),
    "portfolio:witness-request-create": Entry(ok={LEARNER}, obj="draft"),
    "portfolio:witness-request-resend": post("witness_request"),
    "portfolio:witness-request-cancel": post("witness_request"),
    "portfolio:evidence-assess": Entry(ok={ASSESSOR}, obj="evidence"),
    "portfolio:decision-sign": post("decision"),
    "portfolio:decisions-sign-all": post("evidence"),
    "portfolio:reauth": Entry(ok=MEMBERS, note="confirms one's own password"),
    "portfolio:signatures": Entry(ok=LEARNERS | ASSESSORS | {VERIFIER, CENTRE_ADMIN}),
    "portfolio:signature-list": Entry(ok=EXPORTERS, obj="enrolment"),
    "portfolio:signature-detail": Entry(ok=EXPORTERS, obj="signature"),
    "portfolio:signature-verify": Entry(ok=MEMBERS, note="scoped: signatures_by_code"),
    "portfolio:evidence-unlock": Entry(ok={CENTRE_ADMIN}, obj="evidence"),
    "portfolio:verification": Entry(ok={VERIFIER}),
    "portfolio:sampling-rate-set": post("assessor_group"),
    "portfolio:sample-draw": post("assessor_group"),
    "portfolio:sample-item-add": post("assessor_group"),
    "portfolio:sample-item": Entry(ok={VERIFIER, ASSESSOR}, obj="sample_item"),
    "portfolio:sample-item-review": post("sample_item"),
    "portfolio:sample-item-respond": post("sample_item"),
    "portfolio:referrals": Entry(ok=ASSESSORS),
    "portfolio:witness-statement": Entry(
        ok=EVERYONE, obj="witness_link", public=True, note="the e-mailed link is the key"
    ),
    "portfolio:draft-from-problem": post("problem_draft"),
    "portfolio:draft-from-repeated": post("repeated_problem"),
    "portfolio:draft-from-preventive": post("preventive_action"),
    # The Django admin: for staff (centre admins get is_staff) with Django's own permission
    # model; only its index is requested here, tests/*/test_admin.py cover the rest.
    ADMIN: Entry(ok={CENTRE_ADMIN}, note="stands for every admin: URL"),
}
