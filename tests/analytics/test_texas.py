"""The real Texas complaint log, imported as a company export and analysed: the Hurricane
Harvey rise in Homeowners complaints from mid-September 2017 is flagged, and the
Harvey-tagged complaints are grouped as a repeated problem.

Data: tests/data/analytics/tx_tdi_complaints_harvey.csv (see tests/data/README.md).
"""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from analytics.models import AnalysisSettings, RecurringCandidate, Signal
from complaints.models import Problem

HARVEY = Path(__file__).resolve().parents[1] / "data" / "analytics" / "tx_tdi_complaints_harvey.csv"
ROWS = 8950


@pytest.fixture
def texas(centre, learner, settings, tmp_path):
    settings.PRIVATE_STORAGE_ROOT = tmp_path / "private"
    out = StringIO()
    call_command("import_problems", str(HARVEY), "--centre", "harbour", stdout=out)
    assert f"imported {ROWS}" in out.getvalue()
    return centre


def test_the_harvey_rise_in_homeowners_complaints_is_flagged_from_september_2017(texas):
    out = StringIO()
    call_command("detect_trends", "--centre", "harbour", "--json", stdout=out)
    spikes = [
        s
        for s in json.loads(out.getvalue())
        if s["kind"] == "spike" and s["dimension"] == "product" and s["key"] == "Homeowners"
    ]
    starts = sorted(datetime.date.fromisoformat(s["period_start"]) for s in spikes)
    in_harvey = [d for d in starts if datetime.date(2017, 9, 4) <= d <= datetime.date(2017, 9, 30)]
    assert in_harvey, f"Homeowners signals: {starts}"
    before = [d for d in starts if d < datetime.date(2017, 8, 1)]
    assert len(before) <= 1, before


def _harvey_coverage(centre) -> tuple[int, int, int]:
    """(Harvey groups, tagged complaints in groups that are mostly Harvey, tagged complaints)."""
    tagged = set(
        Problem.objects.filter(
            centre=centre, product="Homeowners", description__icontains="Hurricane Harvey"
        ).values_list("pk", flat=True)
    )
    grouped, harvey_groups = set(), 0
    for candidate in RecurringCandidate.objects.filter(centre=centre, product="Homeowners"):
        if not any("harvey" in w.lower() for w in candidate.shared_words):
            continue
        harvey_groups += 1
        members = set(candidate.incidents.values_list("pk", flat=True))
        if len(members & tagged) >= 0.8 * len(members):  # a group that is about Harvey
            grouped |= members & tagged
    return harvey_groups, len(grouped), len(tagged)


def test_the_harvey_tagged_complaints_are_grouped_over_the_whole_export(texas):
    """A historical export analysed over all of it (the centre's grouping horizon set to
    cover its 18 months): most Harvey-tagged complaints sit in groups that name Harvey."""
    AnalysisSettings.objects.update_or_create(centre=texas, defaults={"group_horizon_days": 730})
    call_command("detect_trends", "--centre", "harbour", stdout=StringIO())
    groups, grouped, tagged = _harvey_coverage(texas)
    assert tagged > 500
    assert groups
    assert grouped >= 0.7 * tagged, f"{grouped} of {tagged}"
    assert Signal.objects.filter(centre=texas).exists()


def test_with_the_default_horizon_harvey_groups_are_still_proposed(texas):
    """The default full pass re-groups the last year of the log (Jul 2017 to Jun 2018 here),
    where Harvey is a third of Homeowners complaints and only its bursts stand out."""
    call_command("detect_trends", "--centre", "harbour", stdout=StringIO())
    groups, grouped, tagged = _harvey_coverage(texas)
    assert groups
    assert grouped >= 0.3 * tagged, f"{grouped} of {tagged}"
