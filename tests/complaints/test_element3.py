"""complaints/element3.py: the effectiveness card and the element 3 checklist in words, from
plain values, without a database."""

import datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from complaints.element3 import OUTCOMES, EffectCard, Window, effect_card, element3_steps

F6 = Path(__file__).resolve().parents[2] / "portfolio" / "data" / "units" / "f6.yaml"
DAY = datetime.date(2025, 3, 3)


def test_the_outcomes_are_the_units_words_exactly():
    unit = yaml.safe_load(F6.read_text(encoding="utf-8"))
    element = next(e for e in unit["elements"] if e["number"] == 3)
    assert {o["code"]: o["text"] for o in element["outcomes"]} == OUTCOMES


@pytest.mark.parametrize(
    ("ratio", "low", "high", "words"),
    [
        (0.42, 0.22, 0.77, "down 58% (95% CI 23–78%)"),
        (0.8, 0.55, 1.15, "down 20% (95% CI −15% to 45%)"),
        (1.5, 1.1, 2.1, "up 50% (95% CI 10–110%)"),
        (1.2, 0.9, float("inf"), "up 20% (95% CI −10% to ∞)"),
        (1.0, 0.7, 1.4, "down 0% (95% CI −40% to 30%)"),
    ],
)
def test_the_change_is_worded_from_the_rate_ratio_and_its_interval(ratio, low, high, words):
    card = EffectCard(state="measured", rate_ratio=ratio, ci_low=low, ci_high=high)
    assert card.change == words


@pytest.mark.parametrize(
    "values", [(None, None, None), (float("inf"), 1.0, float("inf")), (float("nan"),) * 3]
)
def test_an_undefined_ratio_has_no_change_words(values):
    ratio, low, high = values
    assert EffectCard(state="measured", rate_ratio=ratio, ci_low=low, ci_high=high).change is None


@pytest.mark.parametrize(
    ("p", "text"), [(0.0004, "< 0.001"), (0.0031, "0.003"), (0.042, "0.042"), (0.41, "0.41")]
)
def test_p_values_are_worded_as_the_engine_words_them(p, text):
    assert EffectCard(state="measured", p_value=p).p_text == text


def test_a_window_gives_its_rate_a_week_and_its_span():
    window = Window("Before", DAY, DAY + datetime.timedelta(weeks=26), 60)
    assert window.rate == "2.3 a week"
    assert window.detail == "60 problems in 26 weeks, 3 Mar 2025 – 31 Aug 2025"


def test_a_window_without_counts_has_no_rate():
    window = Window("After", DAY, DAY + datetime.timedelta(weeks=1), None)
    assert window.rate is None
    assert window.detail.startswith("1 week so far")


def row(verdict, **more):
    return SimpleNamespace(
        verdict=verdict,
        computed_at=None,
        summary="…",
        before_start=DAY,
        before_end=DAY + datetime.timedelta(weeks=26),
        after_start=DAY + datetime.timedelta(weeks=32),
        after_end=DAY + datetime.timedelta(weeks=44),
        count_before=60,
        count_after=12,
        rate_ratio=0.42,
        ci_low=0.22,
        ci_high=0.77,
        p_value=0.003,
        adjusted_for_volume=True,
        weekly=[{"start": "2025-03-03", "days": 7, "count": 2, "phase": "guard"}],
        **more,
    )


def test_the_card_says_why_there_is_no_result():
    assert effect_card(implemented=False, measurement=None).state == "not_implemented"
    card = effect_card(implemented=True, measurement=None, next_analysis="Tonight.")
    assert (card.state, card.next_analysis, card.weak) == ("not_measured", "Tonight.", False)


@pytest.mark.parametrize(
    ("verdict", "label", "weak", "tone"),
    [
        ("effective", "Effective", False, "success"),
        ("no_clear_change", "No clear change", True, "warning"),
        ("worse", "More problems since", True, "danger"),
        ("too_early", "Too early to tell", True, "secondary"),
    ],
)
def test_each_verdict_has_its_label_words_and_weight(verdict, label, weak, tone):
    card = effect_card(implemented=True, measurement=row(verdict))
    assert (card.verdict_label, card.weak, card.tone) == (label, weak, tone)
    assert card.verdict_words
    assert card.weeks[0].phase_label == "Left out (before)"


def action(**fields):
    values = {
        "is_organisations": False,
        "is_approved": True,
        "proposal": "A check",
        "authority": "Team leader",
        "decision": "approved",
        "decision_on": DAY,
        "agreed": "",
        "implemented_on": DAY,
        "description": "A 4 pm check",
        "monitoring_plan": "Weekly counts",
        "organisation_change": "",
        "how_actioned": "",
        "get_decision_display": lambda: "Approved",
        **fields,
    }
    return SimpleNamespace(**values)


def steps_for(a, *, communications=(), adjustments=(), verdict="effective"):
    card = effect_card(implemented=bool(a.implemented_on), measurement=row(verdict))
    return {
        s.code: s
        for s in element3_steps(
            a, communications=communications, adjustments=adjustments, card=card
        )
    }


def test_a_complete_own_change_shows_3_1_to_3_4_and_not_3_5():
    told = SimpleNamespace(sent_on=DAY, audience="customers", get_channel_display=lambda: "E-mail")
    steps = steps_for(action(), communications=[told])
    assert [steps[c].state for c in ["3.1", "3.2", "3.3", "3.4", "3.5"]] == [
        "done",
        "done",
        "done",
        "done",
        "not_applicable",
    ]


def test_a_weak_result_without_an_adjustment_leaves_3_4_to_do():
    step = steps_for(action(), verdict="no_clear_change")["3.4"]
    assert step.state == "missing"
    assert "The result is weak: record what you adjusted, and why." in step.missing
    adjusted = SimpleNamespace(made_on=DAY, what="Moved to 2 pm")
    assert steps_for(action(), adjustments=[adjusted], verdict="worse")["3.4"].state == "done"


def test_an_organisations_change_shows_3_5_and_not_3_1():
    steps = steps_for(
        action(
            is_organisations=True,
            decision="",
            authority="",
            proposal="",
            organisation_change="New returns rules",
            how_actioned="Briefed the team",
        )
    )
    assert steps["3.1"].state == "not_applicable"
    assert steps["3.5"].state == "done"
