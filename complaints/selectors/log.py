"""Reads over the problem log, always scoped to what the asking user may see."""

from __future__ import annotations

import datetime
import functools
import itertools
import operator
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.formats import date_format

from accounts.models import Centre, Membership, Role, User
from accounts.selectors import user_centre_ids, user_roles
from complaints.models import (
    ACTION_OUTCOME,
    OPEN_STATUSES,
    Action,
    ActionKind,
    Category,
    Problem,
    RepeatedProblem,
    Status,
)
from complaints.privacy import redact
from complaints.search import problems_search


def caseload_of(*, user: User) -> frozenset[tuple[int, int]]:
    """The (learner id, centre id) pairs of the enrolments the user assesses or verifies,
    in one query. Enrolments are the portfolio's; they are reached through the user's
    reverse relations so this app does not import portfolio. The pairs are few."""
    if not user.is_authenticated:
        return frozenset()
    # order_by(): the enrolments' default ordering joins the centre and learner tables.
    assessed = user.assessed_enrolments.order_by().values_list("learner_id", "centre_id")
    verified = user.verified_enrolments.order_by().values_list("learner_id", "centre_id")
    return frozenset(assessed.union(verified))


def problems_visible_to(
    *, user: User, caseload: frozenset[tuple[int, int]] | None = None
) -> QuerySet[Problem]:
    """Problems a user may read: their own; their learners' at the centre where they assess
    or verify them; every problem of a centre they manage. Everyone else sees none.
    `caseload`: caseload_of(user), when the caller has already read it.

    Only the conditions that can match are put in the query, so the common cases (a
    learner, a manager) are one indexed condition rather than an OR the planner cannot use
    an index for on a million-row log."""
    conditions = _reader_conditions(user=user, caseload=caseload)
    if not conditions:
        return Problem.objects.none()
    return Problem.objects.filter(functools.reduce(operator.or_, conditions))


def _reader_conditions(*, user: User, caseload: frozenset[tuple[int, int]] | None) -> list[Q]:
    """The (learner, centre) conditions behind problems_visible_to, for any model with
    ``learner`` and ``centre`` fields."""
    if not user.is_authenticated:
        return []
    managed = user_centre_ids(user=user, role=Role.MANAGER)
    conditions = []
    if managed:
        conditions.append(Q(centre_id__in=managed))
    if set(user_centre_ids(user=user, role=Role.LEARNER)) - set(managed):
        conditions.append(Q(learner=user))
    pairs = caseload_of(user=user) if caseload is None else caseload
    conditions.extend(
        Q(learner_id=learner_id, centre_id=centre_id)
        for learner_id, centre_id in sorted(pairs)
        if centre_id not in managed
    )
    return conditions


def open_problems_for_learner(*, learner: User, limit: int = 10) -> QuerySet[Problem]:
    return (
        Problem.objects.filter(learner=learner, status__in=OPEN_STATUSES)
        .select_related("centre")
        .order_by("received_at")[:limit]
    )


def problem_counts_for_learners(
    *, learner_ids: list[int], since: datetime.datetime | None = None
) -> dict[int, dict[str, int]]:
    """Problems logged (since a time, if given) and open now, per learner, in one query."""
    problems = Problem.objects.filter(learner_id__in=learner_ids)
    if since is not None:
        problems = problems.filter(Q(received_at__gte=since) | Q(status__in=OPEN_STATUSES))
        total = Count("id", filter=Q(received_at__gte=since))
    else:
        total = Count("id")
    rows = problems.values("learner_id").annotate(
        total=total, open=Count("id", filter=Q(status__in=OPEN_STATUSES))
    )
    return {row["learner_id"]: {"total": row["total"], "open": row["open"]} for row in rows}


def centre_problem_summary(*, centre: Centre, days: int = 90) -> dict:
    """Headline figures for a centre's manager over the last `days` days: problems received,
    how many are open now, and (value, label, count) rows by status and by category, largest
    first. A window, not all time: the index on (centre, category, received_at) keeps it
    fast on a log of millions."""
    since = timezone.now() - datetime.timedelta(days=days)
    recent = Problem.objects.filter(centre=centre, received_at__gte=since)
    by_status = dict(recent.values_list("status").annotate(n=Count("id")).order_by())
    by_category = dict(recent.values_list("category").annotate(n=Count("id")).order_by())
    return {
        "days": days,
        "total": sum(by_status.values()),
        "open": Problem.objects.filter(centre=centre, status__in=OPEN_STATUSES).count(),
        "by_status": _labelled(by_status, Status),
        "by_category": _labelled(by_category, Category),
    }


def _labelled(counts: dict[str, int], choices) -> list[tuple[str, str, int]]:
    labels = dict(choices.choices)
    rows = [(value, labels.get(value, value), n) for value, n in counts.items()]
    return sorted(rows, key=lambda row: (-row[2], row[1]))


def problem_for_reader(*, user: User, pk: int) -> Problem:
    """A problem the user may read, with what its page shows; 404 for anyone else."""
    problem = (
        problems_visible_to(user=user)
        .select_related("centre", "learner")
        .prefetch_related(Prefetch("actions", queryset=Action.objects.select_related("taken_by")))
        .filter(pk=pk)
        .first()
    )
    if problem is None:
        raise Http404("No such problem.")
    return problem


def problem_for_owner(*, user: User, pk: int) -> Problem:
    """A problem in the user's own log; 404 for anyone else, readers included."""
    problem = Problem.objects.select_related("centre").filter(pk=pk, learner=user).first()
    if problem is None:
        raise Http404("No such problem in your log.")
    return problem


def learners_visible_to(
    *, user: User, caseload: frozenset[tuple[int, int]] | None = None
) -> list[User]:
    """The learners whose logs this user may read (themselves, caseload, managed centres),
    in one query at most. `caseload`: caseload_of(user), when the caller has already read
    it."""
    if not user.is_authenticated:
        return []
    ids = {user.pk} if user_is_learner(user) else set()
    pairs = caseload_of(user=user) if caseload is None else caseload
    ids |= {learner_id for learner_id, _ in pairs}
    managed = user_centre_ids(user=user, role=Role.MANAGER)
    if not managed and ids <= {user.pk}:
        return [user] if ids else []  # a learner reads their own log only
    condition = Q(pk__in=ids)
    if managed:
        condition |= Q(
            pk__in=Membership.objects.filter(centre_id__in=managed, role=Role.LEARNER).values(
                "user_id"
            )
        )
    return list(User.objects.filter(condition).order_by("first_name", "last_name", "username"))


def problem_learner_centres(*, learner: User) -> list[Centre]:
    """Centres where this person logs problems as a learner."""
    return list(
        Centre.objects.filter(memberships__user=learner, memberships__role=Role.LEARNER)
        .distinct()
        .order_by("name")
    )


def user_is_learner(user: User) -> bool:
    return Role.LEARNER in user_roles(user=user)


@dataclass
class OutcomeEvidence:
    code: str
    label: str
    actions: list[Action] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        return bool(self.actions)


def problem_outcomes(*, problem: Problem) -> list[OutcomeEvidence]:
    """Element 1's outcomes (1.1–1.7) with the actions on this problem that show each."""
    rows = {
        code: OutcomeEvidence(code=code, label=ActionKind(kind).label.split(" ", 1)[1])
        for kind, code in ACTION_OUTCOME.items()
    }
    for action in problem.actions.all():
        code = ACTION_OUTCOME.get(action.kind)
        if code:
            rows[code].actions.append(action)
    return sorted(rows.values(), key=lambda r: r.code)


@dataclass
class HistoryEntry:
    when: object
    who: object
    what: str
    changes: list[tuple[str, str, str]]


_HIDDEN_HISTORY_FIELDS = {"updated_at", "created_at", "personal_data_flags", "number"}
_FREE_TEXT_HISTORY_FIELDS = {
    "description",
    "customer_expectation",
    "exception_what",
    "customer_words",
    "root_cause_whys",
}


def problem_history(*, problem: Problem) -> list[HistoryEntry]:
    """Every recorded change to the problem and its actions, newest first, as field-by-field
    old → new values. Two queries, whatever the length of the history."""
    records = list(
        problem.history.select_related("history_user").order_by("history_date", "history_id")
    )
    action_records = list(
        Action.history.filter(problem_id=problem.pk)
        .select_related("history_user")
        .order_by("id", "history_date", "history_id")
    )
    entries = _entries(records, "Problem", Problem)
    for _, group in itertools.groupby(action_records, key=lambda r: r.id):
        entries.extend(_entries(list(group), "Action", Action))
    return sorted(entries, key=lambda e: e.when, reverse=True)


def _entries(records, noun: str, model) -> list[HistoryEntry]:
    entries = []
    previous = None
    for record in records:
        if previous is None or record.history_type == "+":
            what = f"{noun} created"
            if model is Action:
                what += f": {record.get_kind_display()}"
            changes = []
        elif record.history_type == "-":
            what = f"{noun} deleted"
            changes = []
        else:
            what = f"{noun} changed"
            delta = record.diff_against(previous)
            changes = [
                (
                    model._meta.get_field(c.field).verbose_name.capitalize(),
                    _display(model, c.field, c.old),
                    _display(model, c.field, c.new),
                )
                for c in delta.changes
                if c.field not in _HIDDEN_HISTORY_FIELDS
            ]
            if not changes:
                previous = record
                continue
        entries.append(HistoryEntry(record.history_date, record.history_user, what, changes))
        previous = record
    return entries


def _display(model, name: str, value) -> str:
    """A history value as a reader should see it: labels for choices, local times, and
    free text with flagged personal data redacted (an edit that removed it must not leave
    it readable in the history)."""
    if value in (None, "", []):
        return "—"
    if isinstance(value, datetime.datetime):
        return date_format(timezone.localtime(value), "j M Y, H:i")
    if isinstance(value, list):
        return "; ".join(redact(str(v)) for v in value)
    if name in _FREE_TEXT_HISTORY_FIELDS:
        return redact(str(value))
    field_obj = model._meta.get_field(name)
    if field_obj.choices:
        return str(dict(field_obj.flatchoices).get(value, value))
    return str(value)


@dataclass
class Page:
    rows: list
    number: int
    per_page: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.rows else 0

    @property
    def end_index(self) -> int:
        return self.start_index + len(self.rows) - 1 if self.rows else 0


MAX_PAGE = 10_000_000


def page_of(queryset: QuerySet, *, number: int, per_page: int = 50) -> Page:
    """One page of rows without counting the whole log: fetch one row more than the page to
    know whether there is a next page. A COUNT over a million-row log costs more than the
    page itself."""
    # A page number from the query string can be anything: one whose offset overflowed the
    # database's integer would be a 500, so pages stop at MAX_PAGE (500 million rows in).
    number = min(max(1, number), MAX_PAGE)
    offset = (number - 1) * per_page
    rows = list(queryset[offset : offset + per_page + 1])
    return Page(
        rows=rows[:per_page], number=number, per_page=per_page, has_next=len(rows) > per_page
    )


# --- Repeated problems (element 2) ---------------------------------------------------------------


def repeated_problems_visible_to(*, user: User) -> QuerySet[RepeatedProblem]:
    """Repeated problems a user may read: the same people as the problems behind them (the
    learner, their assessor and IV, the centre's managers)."""
    conditions = _reader_conditions(user=user, caseload=None)
    if not conditions:
        return RepeatedProblem.objects.none()
    return RepeatedProblem.objects.filter(functools.reduce(operator.or_, conditions))


def reads_other_logs(*, user: User) -> bool:
    """Whether the user reads logs other than their own: they assess or verify a learner,
    or manage a centre."""
    return bool(user_centre_ids(user=user, role=Role.MANAGER) or caseload_of(user=user))


def repeated_problems_list(*, user: User) -> QuerySet[RepeatedProblem]:
    return (
        repeated_problems_visible_to(user=user)
        .select_related("centre", "learner", "chosen_option")
        .annotate(incident_count=Count("incidents", distinct=True))
        .annotate(option_count=Count("options", distinct=True))
        .order_by("-created_at", "-pk")
    )


def repeated_problem_for_reader(*, user: User, pk: int) -> RepeatedProblem:
    """A repeated problem the user may read, with its incidents and options; 404 otherwise."""
    record = (
        repeated_problems_visible_to(user=user)
        .select_related("centre", "learner", "chosen_option")
        .prefetch_related(
            Prefetch(
                "incidents",
                queryset=Problem.objects.select_related("centre").order_by("received_at", "pk"),
            ),
            "options",
        )
        .filter(pk=pk)
        .first()
    )
    if record is None:
        raise Http404("No such repeated problem.")
    return record


def repeated_problem_for_owner(*, user: User, pk: int) -> RepeatedProblem:
    """A repeated problem of the user's own; 404 for anyone else, readers included."""
    record = (
        RepeatedProblem.objects.select_related("centre", "learner")
        .filter(pk=pk, learner=user)
        .first()
    )
    if record is None:
        raise Http404("No such repeated problem of yours.")
    return record


def incident_counts_by_month(
    *, repeated_problem: RepeatedProblem
) -> list[tuple[datetime.date, int]]:
    """How many of the record's incidents fell in each local month, first to last month,
    months with none included: the data behind "a pattern from three or more incidents"."""
    months: dict[datetime.date, int] = {}
    for problem in repeated_problem.incidents.all():
        day = timezone.localdate(problem.received_at)
        key = day.replace(day=1)
        months[key] = months.get(key, 0) + 1
    if not months:
        return []
    rows, month, last = [], min(months), max(months)
    while month <= last:
        rows.append((month, months.get(month, 0)))
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return rows


def incident_choices(
    *,
    learner: User,
    centre_ids: Sequence[int],
    text: str = "",
    product: str = "",
    category: str = "",
    received_from: datetime.date | None = None,
    received_to: datetime.date | None = None,
    exclude_ids: Sequence[int] = (),
    limit: int = 25,
) -> list[Problem]:
    """The learner's own problems matching the filters, newest first, to pick incidents from."""
    problems = Problem.objects.filter(learner=learner, centre_id__in=centre_ids)
    if product:
        problems = problems.filter(product__icontains=product)
    if category:
        problems = problems.filter(category=category)
    if received_from:
        problems = problems.filter(received_at__date__gte=received_from)
    if received_to:
        problems = problems.filter(received_at__date__lte=received_to)
    problems = problems_search(problems, text).exclude(pk__in=exclude_ids)
    return list(problems.select_related("centre").order_by("-received_at", "-pk")[:limit])


def learner_products(*, learner: User) -> list[str]:
    """The products and services in the learner's log, for the incident filter."""
    return list(
        Problem.objects.filter(learner=learner)
        .order_by("product")
        .values_list("product", flat=True)
        .distinct()
    )


def centre_problems(*, centre: Centre) -> QuerySet[Problem]:
    """Every problem of a centre: what its manager reads, and what a centre's API token
    reads (problems_visible_to for a manager of that centre alone)."""
    return Problem.objects.filter(centre=centre)
