import pandas as pd

from analytics.engine.pareto import pareto_table


def test_the_pareto_table_orders_by_count_and_marks_the_vital_few_up_to_80_percent():
    values = pd.Series(["people"] * 50 + ["process"] * 30 + ["systems"] * 15 + ["policy"] * 5)
    rows = pareto_table(values)
    assert [r.value for r in rows] == ["people", "process", "systems", "policy"]
    assert [r.count for r in rows] == [50, 30, 15, 5]
    assert [round(r.cumulative_share, 2) for r in rows] == [0.5, 0.8, 0.95, 1.0]
    assert [r.vital_few for r in rows] == [True, True, False, False]


def test_blanks_are_left_out_unless_a_label_for_them_is_given():
    values = pd.Series(["process", "", None, "process", "people"])
    assert [r.value for r in pareto_table(values)] == ["process", "people"]
    labelled = pareto_table(values, missing="not recorded")
    assert ("not recorded", 2) in [(r.value, r.count) for r in labelled]


def test_an_empty_log_gives_an_empty_table():
    assert pareto_table(pd.Series([], dtype="string")) == []


def test_ties_are_ordered_by_value_so_the_table_is_stable():
    rows = pareto_table(pd.Series(["b", "a", "c", "a", "b", "c"]))
    assert [r.value for r in rows] == ["a", "b", "c"]


def test_ready_counts_give_the_same_table_as_the_values_they_count():
    from analytics.engine.pareto import pareto_from_counts

    values = pd.Series(["process"] * 7 + ["people"] * 2 + ["systems"] * 2 + ["policy"])
    assert pareto_from_counts({"people": 2, "process": 7, "systems": 2, "policy": 1, "x": 0}) == (
        pareto_table(values)
    )
