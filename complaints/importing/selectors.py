"""Reads about imports, scoped to what the asking user may see."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q, QuerySet
from django.http import Http404

from accounts.models import Centre, Membership, Role, User
from complaints.importing import mapping as m
from complaints.importing import storage
from complaints.importing.checking import vocabulary
from complaints.models import Category, CategoryMapping, ImportJob

REPORT_PAGE_SIZE = 100


def import_jobs_visible_to(*, user: User) -> QuerySet[ImportJob]:
    """Imports a user may see: those they uploaded, those into their own log, and every
    import at a centre they manage."""
    if not user.is_authenticated:
        return ImportJob.objects.none()
    managed = Membership.objects.filter(user=user, role=Role.MANAGER).values("centre_id")
    return ImportJob.objects.filter(
        Q(uploaded_by=user) | Q(learner=user) | Q(centre_id__in=managed)
    ).select_related("centre", "learner", "uploaded_by")


def import_job_for_reader(*, user: User, pk: int) -> ImportJob:
    """An import the user may see; 404 for anyone else."""
    job = import_jobs_visible_to(user=user).filter(pk=pk).first()
    if job is None:
        raise Http404("No such import.")
    return job


@dataclass(frozen=True)
class ImportTarget:
    """A log someone may import into: a learner's, at one centre."""

    centre: Centre
    learner: User

    @property
    def key(self) -> str:
        return f"{self.centre.pk}:{self.learner.pk}"


def import_targets_for(*, user: User) -> list[ImportTarget]:
    """Logs the user may import into: their own at each centre where they are a learner,
    and every learner's at each centre they manage."""
    if not user.is_authenticated:
        return []
    memberships = Membership.objects.filter(user=user).select_related("centre")
    targets = [
        ImportTarget(centre=ms.centre, learner=user)
        for ms in memberships
        if ms.role == Role.LEARNER
    ]
    managed = [ms.centre for ms in memberships if ms.role == Role.MANAGER]
    if managed:
        learners = (
            Membership.objects.filter(centre__in=managed, role=Role.LEARNER, user__is_active=True)
            .exclude(user=user)
            .select_related("centre", "user")
            .order_by("centre__name", "user__first_name", "user__last_name", "user__username")
        )
        targets += [ImportTarget(centre=ms.centre, learner=ms.user) for ms in learners]
    return targets


@dataclass(frozen=True)
class CategoryRow:
    value: str
    rows: int
    category: str


def category_rows(*, job: ImportJob, meta: dict) -> list[CategoryRow]:
    """The category values found in the file (the start of it until it is checked), with
    how many rows hold each and the problem type each will get."""
    values = meta.get("categories") or {}
    if meta.get("categories_column") != job.mapping.get("category"):
        return []
    chosen = category_choices_for(centre=job.centre, values=values)
    return [CategoryRow(value, rows, chosen[value]) for value, rows in values.items()]


def category_choices_for(*, centre: Centre, values: Iterable[str]) -> dict[str, str]:
    """The problem type each value will get: the centre's saved mapping, else a value named
    after a problem type, else unclassified."""
    saved = dict(
        CategoryMapping.objects.filter(centre=centre).values_list("source_value", "category")
    )
    words = vocabulary().category
    return {
        value: saved.get(m.category_key(value)) or words.parse(value) or Category.UNCLASSIFIED
        for value in values
    }


@dataclass
class ReportPage:
    lines: list[dict]
    number: int
    pages: int
    kept: int

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages

    @property
    def truncated(self) -> bool:
        """Whether the report has more lines than the job keeps for the page."""
        return self.kept >= storage.REPORT_KEEP


def report_page(*, job: ImportJob, number: int) -> ReportPage:
    """One page of the report lines kept on the job (the first storage.REPORT_KEEP)."""
    kept = job.report or []
    pages = max(1, -(-len(kept) // REPORT_PAGE_SIZE))
    number = min(max(1, number), pages)
    start = (number - 1) * REPORT_PAGE_SIZE
    return ReportPage(kept[start : start + REPORT_PAGE_SIZE], number, pages, len(kept))


def report_lines(*, job: ImportJob):
    """The full report as CSV rows, header first."""
    return storage.report_lines(job)
