"""manage.py generate_problems and detect_trends."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from analytics.models import AnalysisRun
from complaints.models import PreventiveAction, Problem

JSON_KEYS = {
    "kind",
    "dimension",
    "key",
    "granularity",
    "period_start",
    "period_end",
    "observed",
    "expected",
    "threshold",
    "score",
    "p_value",
    "q_value",
    "method",
    "problem_ids",
}


def run(name: str, *args: str) -> str:
    out = StringIO()
    call_command(name, *args, stdout=out)
    return out.getvalue()


def test_generate_problems_writes_exactly_the_rows_asked_for_and_prints_the_truth(
    centre, learner, other_learner
):
    out = run(
        "generate_problems",
        "--centre",
        "harbour",
        "--rows",
        "1500",
        "--seed",
        "3",
        "--days",
        "300",
        "--no-analysis",
    )
    assert Problem.objects.filter(centre=centre).count() == 1500
    assert set(Problem.objects.values_list("learner__username", flat=True)) == {"lena", "olly"}
    assert "Generated 1500 problem(s)" in out
    assert "spike " in out
    assert "cluster " in out
    assert PreventiveAction.objects.filter(centre=centre).count() >= 1
    assert not AnalysisRun.objects.exists()


def test_generate_problems_gives_the_same_log_for_the_same_seed(
    centre, learner, other_centre, other_centre_learner
):
    args = ["--rows", "300", "--seed", "9", "--days", "60", "--no-analysis"]
    run("generate_problems", "--centre", "harbour", *args)
    run("generate_problems", "--centre", "elsewhere", *args)
    first = list(
        Problem.objects.filter(centre=centre)
        .order_by("number")
        .values_list("received_at", "product", "description")
    )
    second = list(
        Problem.objects.filter(centre=other_centre)
        .order_by("number")
        .values_list("received_at", "product", "description")
    )
    assert first == second


def test_generate_problems_refuses_unknown_centres_and_learners(centre, learner):
    with pytest.raises(CommandError, match="No centre has the slug"):
        run("generate_problems", "--centre", "nowhere", "--rows", "10", "--seed", "1")
    with pytest.raises(CommandError, match="Not learners at harbour: zed"):
        run(
            "generate_problems",
            "--centre",
            "harbour",
            "--rows",
            "10",
            "--seed",
            "1",
            "--learner",
            "zed",
        )


def test_detect_trends_json_has_one_documented_object_per_signal(centre, learner, other_learner):
    run(
        "generate_problems",
        "--centre",
        "harbour",
        "--rows",
        "3000",
        "--seed",
        "11",
        "--days",
        "365",
        "--no-analysis",
    )
    signals = json.loads(run("detect_trends", "--centre", "harbour", "--json"))
    spikes = [s for s in signals if s["kind"] == "spike"]
    recurring = [s for s in signals if s["kind"] == "recurring"]
    assert spikes
    assert recurring
    for signal in signals:
        assert set(signal) >= JSON_KEYS
    spike = spikes[0]
    assert spike["observed"] == len(spike["problem_ids"])
    assert spike["observed"] > spike["expected"]
    assert all(isinstance(i, int) for i in recurring[0]["problem_ids"])
    assert AnalysisRun.objects.get().trigger == "command"


def test_detect_trends_prints_a_summary_and_one_line_per_signal(centre, learner):
    run(
        "generate_problems", "--centre", "harbour", "--rows", "2000", "--seed", "5", "--no-analysis"
    )
    out = run("detect_trends", "--centre", "harbour")
    assert out.startswith("Analysed 2000 problem(s) in ")
    assert "spike " in out


def test_detect_trends_refuses_an_unknown_centre(db):
    with pytest.raises(CommandError, match="No centre has the slug"):
        run("detect_trends", "--centre", "nowhere")
