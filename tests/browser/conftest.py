"""Browser journeys: Playwright driving Debian's Chromium against a live server.

Every page a journey opens is audited with axe-core for WCAG 2.2 AA before the journey's
next action on it and when the journey ends (`accessibility.py`); any violation fails it.

The live server runs in this process on the test database (PostgreSQL in CI); jobs go to a
real Celery worker when a broker is configured (`celery_for_browser`). No browser is
downloaded: Chromium comes from Debian (`.ci/run` installs it). On a failure the page's
screenshot is saved under test-results/ (pytest-playwright's --screenshot option, set in
pyproject.toml).
"""

import os
import shutil

import pytest
from django.core import mail

from accounts.models import Role
from portfolio.standard import DEFAULT_UNIT_PATH, standard_load
from tests.accounts.factories import CentreFactory, member
from tests.browser.accessibility import Auditor, audit_before_actions
from tests.portfolio.factories import EnrolmentFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make
# between browser steps are ordinary synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

PASSWORD = "journey-password"
CHROMIUM = os.environ.get("CASEBOOK_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    if not shutil.which(CHROMIUM) and not os.path.exists(CHROMIUM):
        if os.environ.get("CI"):
            pytest.fail(f"CI is set but there is no Chromium at {CHROMIUM}: .ci/run installs it.")
        pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
        ],
    }


@pytest.fixture
def browser_context_args(browser_context_args, live_server):
    # Reduced motion, as many users ask for: Bootstrap then draws focus rings at once rather
    # than fading them in, so the keyboard checks read the ring itself.
    return {
        **browser_context_args,
        "base_url": live_server.url,
        "locale": "en-GB",
        "reduced_motion": "reduce",
    }


@pytest.fixture(autouse=True)
def accessibility(monkeypatch):
    """axe-core on every page of the journey; the journey fails on any violation."""
    auditor = Auditor()
    audit_before_actions(auditor, monkeypatch)
    yield auditor
    if auditor.violations:
        pytest.fail(
            f"{len(auditor.violations)} accessibility violation(s) at WCAG 2.2 AA on "
            f"{len(auditor.audited)} page(s) audited:\n{auditor.report()}",
            pytrace=False,
        )


@pytest.fixture
def new_context(new_context, accessibility):
    """pytest-playwright's contexts, each with axe-core in every page it opens; the pages
    still open when the journey ends are audited before the contexts close."""

    def create(**kwargs):
        context = new_context(**kwargs)
        accessibility.watch(context)
        return context

    yield create
    accessibility.audit_open_pages()


@pytest.fixture
def jobs(request):
    """Where the app's jobs run during a journey: a real worker on its own queue when a
    broker is configured (CI), otherwise in-process."""
    if not os.environ.get("CELERY_BROKER_URL"):
        yield None
        return
    from config.celery import app

    worker = request.getfixturevalue("worker")
    previous = app.conf.task_default_queue
    app.conf.task_default_queue = worker.queue
    yield worker
    app.conf.task_default_queue = previous


@pytest.fixture
def people(transactional_db, settings):
    """A centre with a learner, their assessor and internal verifier, a manager and a centre
    admin, each with a password, the learner enrolled on unit F6."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    mail.outbox = []
    centre = CentreFactory(name="Harbour Energy", slug="harbour")
    who = {
        "learner": member(centre=centre, role=Role.LEARNER, username="lena"),
        "assessor": member(centre=centre, role=Role.ASSESSOR, username="asa"),
        "verifier": member(centre=centre, role=Role.VERIFIER, username="ivy"),
        "manager": member(centre=centre, role=Role.MANAGER, username="max"),
        "centre_admin": member(centre=centre, role=Role.CENTRE_ADMIN, username="ada"),
    }
    for user in who.values():
        user.set_password(PASSWORD)
        user.save()
    unit = standard_load(path=DEFAULT_UNIT_PATH)
    who["enrolment"] = EnrolmentFactory(
        centre=centre,
        learner=who["learner"],
        unit=unit,
        assessor=who["assessor"],
        verifier=who["verifier"],
    )
    who["centre"] = centre
    return who


def log_in(page, user, password: str = PASSWORD):
    """Log in through the login page (a fresh context per person)."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(user if isinstance(user, str) else user.username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
