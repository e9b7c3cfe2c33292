"""What the load scenario's users type and click: accounts, form values, the log's filters,
and reading the pages they get back.

Plain Python with no locust (gevent patches the process on import) and no Django, so
``tests/config/test_load_scenario.py`` checks these values against the real forms and a form
change breaks that test rather than the benchmark.
"""

from __future__ import annotations

import datetime
import random
import re
from zoneinfo import ZoneInfo

# The load's own accounts (bench.load.seed creates them; nobody else uses this password).
PASSWORD = "load-scenario-not-a-real-password"  # noqa: S105 - a scratch database's accounts
# The centre's local time: a datetime-local box holds wall-clock time (settings.TIME_ZONE).
LOCAL = ZoneInfo("Europe/London")

# What a learner picks, as the form's <select>s offer it (complaints.models choices).
PRODUCTS = (
    "Energy supply",
    "Smart meters",
    "Billing and payments",
    "Online account and app",
    "Home delivery",
    "Boiler and home cover",
    "Broadband and phone",
    "Store returns and refunds",
)
IDENTIFIED_BY = ("customer", "learner", "colleague")
CUSTOMER_KINDS = ("external", "internal")
CHANNELS = ("phone", "email", "in_person", "web", "social", "letter", "internal", "other")
CATEGORIES = ("expectations_gap", "system_failure", "resource_or_error", "other")
SEVERITIES = ("low", "medium", "high", "critical")
ROOT_CAUSES = ("", "people", "process", "systems", "materials", "environment", "policy")
STATUSES = ("new", "acknowledged", "in_progress", "awaiting_customer", "escalated", "resolved")
SORTS = ("newest", "oldest", "due", "reference", "status", "product")

WHAT_WENT_WRONG = (
    "Customer rang to say their direct debit was taken twice this month after the billing "
    "system update.",
    "The engineer did not arrive for the booked boiler service and nobody called to say so.",
    "The parcel was marked as delivered but the customer never received it.",
    "The refund for a returned jacket has not reached the customer's account after 14 days.",
    "The app logs the customer out every time they try to view their latest bill.",
    "The smart meter stopped sending readings three weeks ago so the bill is estimated.",
    "The broadband has dropped every evening since the router was replaced.",
    "The letter about the end of the fixed tariff arrived after the tariff had ended.",
)
EXPECTED = (
    "A correct bill and the extra payment returned.",
    "A call to rebook at a time that suits them.",
    "The item delivered or the money back.",
    "An answer within the five days the website promises.",
    "To be told what is happening without having to chase.",
)
WHYS = (
    "The payment run was started twice.",
    "Nobody checked the schedule after the change.",
    "The procedure does not say who checks it.",
)
ACTION_NOTES = {
    "responded": "Apologised, took the details and promised a call back by the end of the day.",
    "kept_informed": "Called back to say the billing team is looking into it.",
    "solved_in_authority": "Refunded the duplicate payment myself, within my £50 limit.",
    "worked_with_others": "Passed the details to the billing team and agreed a fix date.",
    "informed_authority": "Told the team leader what happened and what we changed.",
    "satisfaction_checked": "Called to check the customer was happy with the outcome.",
    "solved_before_aware": "Spotted the failed payments in the report and fixed them first.",
}
# Action kinds any problem takes; 1.6 (solved before the customer knew) only those the
# learner or a colleague spotted first.
ACTION_KINDS = (
    "responded",
    "kept_informed",
    "solved_in_authority",
    "worked_with_others",
    "informed_authority",
    "satisfaction_checked",
)
SEARCH_WORDS = ("refund", "meter readings", "direct debit", "delivery", "engineer", "app")


def learner_username(index: int) -> str:
    return f"load-learner-{index:03d}"


def manager_username(index: int) -> str:
    return f"load-manager-{index}"


def local_minute(moment: datetime.datetime) -> str:
    """A moment as a datetime-local box holds it: the centre's wall clock, to the minute."""
    return moment.astimezone(LOCAL).strftime("%Y-%m-%dT%H:%M")


def problem_form_data(
    *, rng: random.Random, reference: str, now: datetime.datetime
) -> dict[str, str]:
    """A filled-in "Log a problem" form: a problem received up to two days ago, its customer
    reference `reference` (unique, so the run can find it afterwards)."""
    identified_by = rng.choice(IDENTIFIED_BY)
    within = rng.choice(("", "yes", "no"))
    data = {
        "received_at": local_minute(now - datetime.timedelta(minutes=rng.randint(90, 2880))),
        "identified_by": identified_by,
        "customer_kind": rng.choice(CUSTOMER_KINDS),
        "customer_ref": reference,
        "channel": rng.choice(CHANNELS),
        "product": rng.choice(PRODUCTS),
        "category": rng.choice(CATEGORIES),
        "severity": rng.choice(SEVERITIES),
        "customer_expectation": rng.choice(EXPECTED),
        "description": rng.choice(WHAT_WENT_WRONG),
        "within_authority": within,
        "exception_what": "",
        "exception_authorised_by": "",
        "exception_authorised_at": "",
        "root_cause_category": rng.choice(ROOT_CAUSES),
    }
    if within == "no" and rng.random() < 0.5:
        data["exception_what"] = "A goodwill credit above the usual limit."
        data["exception_authorised_by"] = "Team leader"
        data["exception_authorised_at"] = local_minute(now - datetime.timedelta(minutes=30))
    whys = rng.randint(0, len(WHYS))
    for i in range(1, 6):
        data[f"why_{i}"] = WHYS[i - 1] if i <= whys else ""
    return data


def action_kind_for(*, rng: random.Random, identified_by: str | None) -> str:
    """An action kind the problem can take (1.6 only when the customer did not report it;
    None: not known, so not 1.6)."""
    kinds = list(ACTION_KINDS)
    if identified_by in ("learner", "colleague"):
        kinds.append("solved_before_aware")
    return rng.choice(kinds)


def action_form_data(*, kind: str, now: datetime.datetime) -> dict[str, str]:
    """A filled-in "Add to the timeline" form for `kind`, taken a minute ago, with what that
    kind asks for (who with, the satisfaction score and the customer's words)."""
    data = {
        "kind": kind,
        "taken_at": local_minute(now - datetime.timedelta(minutes=1)),
        "description": ACTION_NOTES[kind],
        "with_whom": "",
        "satisfaction_score": "",
        "customer_words": "",
    }
    if kind in ("worked_with_others", "informed_authority"):
        data["with_whom"] = "Team leader and the billing team"
    if kind == "satisfaction_checked":
        data["satisfaction_score"] = "4"
        data["customer_words"] = "Thanks for sorting it out so quickly."
    return data


def log_query(*, rng: random.Random, today: datetime.date) -> tuple[str, dict]:
    """One way of looking at the log, as the filter panel offers it: (kind, GET params)."""
    choice = rng.random()
    if choice < 0.30:
        return "unfiltered", {}
    if choice < 0.40:
        return "next page", {"page": "2"}
    if choice < 0.55:
        return "filtered", {"status": rng.sample(STATUSES, rng.randint(1, 2))}
    if choice < 0.65:
        return "filtered", {"open_only": "on", "sort": "due"}
    if choice < 0.70:
        return "filtered", {"overdue": "on"}
    if choice < 0.78:
        name, values = rng.choice(
            (("category", CATEGORIES), ("channel", CHANNELS), ("identified_by", IDENTIFIED_BY))
        )
        return "filtered", {name: rng.choice(values), "sort": rng.choice(SORTS)}
    if choice < 0.84:
        start = today - datetime.timedelta(days=rng.randint(7, 60))
        return "filtered", {
            "received_from": start.isoformat(),
            "received_to": (start + datetime.timedelta(days=14)).isoformat(),
            "product": rng.choice(PRODUCTS),
        }
    if choice < 0.90:
        return "filtered", {"sort": rng.choice(SORTS)}
    return "search", {"q": rng.choice(SEARCH_WORDS)}


_CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
_PROBLEM_LINK = re.compile(r'href="/log/problems/(\d+)/"')
_CREATED = re.compile(r"^/log/problems/(\d+)/$")
_ERROR_ITEM = re.compile(r'<li>\s*(?:<a class="alert-link"[^>]*>)?([^<]+)', re.S)


def csrf_token(html: str) -> str | None:
    found = _CSRF.search(html)
    return found.group(1) if found else None


def problem_ids(html: str) -> list[int]:
    """The problems a page links to, in page order, once each."""
    return list(dict.fromkeys(int(pk) for pk in _PROBLEM_LINK.findall(html)))


def created_problem_id(location: str) -> int | None:
    """The new problem's id from the redirect after logging it, or None."""
    found = _CREATED.match(location.split("?", 1)[0])
    return int(found.group(1)) if found else None


def form_errors(html: str) -> str | None:
    """The error summary of a re-rendered form, as one line; None when there is none."""
    start = html.find("cb-error-summary")
    if start < 0:
        return None
    summary = html[start : html.find("</div>", start)]
    items = [" ".join(item.split()) for item in _ERROR_ITEM.findall(summary)]
    return "; ".join(items) or "the form was shown again with errors"
