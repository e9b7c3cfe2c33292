"""The dashboard's SVG charts, read back with xml.etree: what they mark, name and say."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from xml.etree import ElementTree

import pandas as pd
import pytest

from analytics import charts
from analytics.engine.pareto import pareto_table

NS = {"svg": "http://www.w3.org/2000/svg"}
WEEKS = ["2 Mar", "9 Mar", "16 Mar", "23 Mar", "30 Mar", "6 Apr"]


def _parse(svg: str) -> ElementTree.Element:
    return ElementTree.fromstring(svg)  # noqa: S314 - our own output, not untrusted input


def _groups(root, cls: str):
    return [g for g in root.iter(f"{{{NS['svg']}}}g") if cls in g.get("class", "").split()]


def _texts(root) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{{{NS['svg']}}}text")]


def _line(**overrides) -> str:
    options = {
        "chart_id": "problems",
        "title": "Problems a week by product",
        "description": "Smart meters rose in the week of 23 March.",
        "x_labels": WEEKS,
        "series": [
            charts.Series("Smart meters", [4, 6, 5, 19, 7, 5], frozenset({3})),
            charts.Series("Billing & <payments>", [2, 3, None, 4, 2, 1]),
        ],
        "x_label": "Week starting",
        "y_label": "Problems",
    }
    options.update(overrides)
    return charts.line_chart(**options)


def test_a_chart_is_an_image_named_by_its_title_and_described_for_screen_readers():
    root = _parse(_line())
    assert root.get("role") == "img"
    title_id, desc_id = root.get("aria-labelledby").split()
    assert root.find(f"svg:title[@id='{title_id}']", NS).text == "Problems a week by product"
    assert root.find(f"svg:desc[@id='{desc_id}']", NS).text.startswith("Smart meters rose")


def test_a_chart_is_sized_by_its_viewbox_only_so_it_scales_to_a_phone():
    root = _parse(_line())
    assert re.fullmatch(r"0 0 420 \d+(\.\d+)?", root.get("viewBox"))
    assert root.get("width") is None
    assert root.get("height") is None


def test_a_chart_needs_no_script_and_no_outside_styles():
    svg = _line()
    assert "<script" not in svg
    assert "<style" not in svg
    assert "href=" not in svg
    assert " class=" not in svg.split(">", 1)[0].replace('class="cb-chart"', "")


def test_spikes_are_ringed_on_their_points_and_named_in_the_legend():
    root = _parse(_line())
    spikes = _groups(root, "spike")
    assert [(g.get("data-label"), g.get("data-value")) for g in spikes] == [("23 Mar", "19")]
    assert spikes[0].find("svg:circle[@fill='none']", NS) is not None
    legend = [g.get("data-label") for g in _groups(root, "legend-item")]
    assert legend == ["Smart meters", "Billing & <payments>", "Spike found by the analysis"]


def test_no_spike_means_no_ring_in_the_legend():
    series = [charts.Series("Smart meters", [1, 2, 3, 4, 5, 6])]
    root = _parse(_line(series=series))
    assert not _groups(root, "spike")
    assert "Spike found by the analysis" not in _texts(root)


def test_every_point_carries_its_value_and_a_gap_breaks_the_line():
    root = _parse(_line())
    billing = next(g for g in _groups(root, "series") if g.get("data-series").startswith("Bill"))
    values = [g.get("data-value") for g in _groups(billing, "point")]
    assert values == ["2", "3", "4", "2", "1"]
    path = billing.find("svg:path", NS).get("d")
    assert path.count("M") == 2  # the missing week lifts the pen


def test_series_differ_in_dash_and_marker_not_only_in_colour():
    root = _parse(_line())
    first, second = _groups(root, "series")
    assert first.find("svg:path", NS).get("stroke-dasharray") is None
    assert second.find("svg:path", NS).get("stroke-dasharray")
    markers = [
        [child.tag for child in _groups(line, "point")[0] if not child.tag.endswith("title")][0]
        for line in (first, second)
    ]
    assert markers == [f"{{{NS['svg']}}}circle", f"{{{NS['svg']}}}rect"]


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("colour", [*charts.PALETTE, charts.TEXT, charts.MUTED, charts.SPIKE])
def test_every_colour_has_aa_text_contrast_on_white(colour):
    assert (1.05) / (_luminance(colour) + 0.05) >= 4.5


def test_axis_labels_and_ticks_are_written_out():
    texts = _texts(_parse(_line()))
    assert "Week starting" in texts
    assert "Problems" in texts
    assert "2 Mar" in texts
    assert "0" in texts
    assert "20" in texts


def test_tick_labels_thin_out_rather_than_overlap():
    labels = [f"{d} Mar 2026" for d in range(1, 53)]
    series = [charts.Series("All", list(range(52)))]
    texts = _texts(_parse(_line(x_labels=labels, series=series)))
    shown = [t for t in texts if t in labels]
    assert 3 <= len(shown) <= 8


def test_a_chart_with_no_data_says_so():
    root = _parse(_line(series=[charts.Series("Smart meters", [None] * 6)]))
    assert "No data for this period." in _texts(root)
    assert root.get("role") == "img"


def test_percentages_are_plotted_on_a_0_to_100_axis():
    series = [charts.Series("First response within target", [90.0, 95.5, 100.0, 80, 70, 60])]
    texts = _texts(
        _parse(_line(series=series, y_format=charts.format_percent, y_max=100, y_label="Within"))
    )
    assert "100%" in texts
    assert "0%" in texts


def test_the_same_data_gives_the_same_svg_for_the_page_and_the_pdf():
    assert _line() == _line()


def _pareto(labels, counts) -> ElementTree.Element:
    return _parse(
        charts.pareto_chart(
            chart_id="causes",
            title="Root causes",
            description="Process causes most problems.",
            labels=labels,
            counts=counts,
        )
    )


def test_the_pareto_chart_orders_bars_and_marks_the_vital_few_as_the_engine_does():
    labels = ["People", "Process or procedure", "Systems", "Policy"]
    counts = [10, 60, 25, 5]
    root = _pareto(labels, counts)
    bars = _groups(root, "bar")
    assert [b.get("data-label") for b in bars] == [
        "Process or procedure",
        "Systems",
        "People",
        "Policy",
    ]
    values = pd.Series([label for label, n in zip(labels, counts, strict=True) for _ in range(n)])
    engine = pareto_table(values)
    assert ["vital" in b.get("class") for b in bars] == [row.vital_few for row in engine]
    line = [float(p.get("data-value")) for p in _groups(_groups(root, "cumulative")[0], "point")]
    assert line == pytest.approx([row.cumulative_share for row in engine])
    assert line[-1] == 1.0


def test_the_pareto_chart_writes_each_count_and_share_beside_its_label():
    texts = _texts(_pareto(["People", "Process"], [3, 1]))
    assert "People 3 · 75%" in texts
    assert "Process 1 · 25%" in texts


def test_the_rest_are_hatched_so_the_vital_few_do_not_rely_on_colour():
    root = _pareto(["A", "B", "C"], [90, 5, 5])
    fills = [b.find("svg:rect", NS).get("fill") for b in _groups(root, "bar")]
    assert fills[0].startswith("#")
    assert fills[1] == "url(#causes-rest)"
    assert root.find(".//svg:pattern[@id='causes-rest']", NS) is not None


def test_an_empty_pareto_chart_says_nothing_was_recorded():
    assert "Nothing recorded for this period." in _texts(_pareto([], []))


def _before_after(**overrides) -> ElementTree.Element:
    weeks = (
        [charts.Week(f"w{i}", 10, "before") for i in range(6)]
        + [charts.Week("g0", 14, "guard"), charts.Week("g1", 12, "guard")]
        + [charts.Week("l0", 7, "lag")]
        + [charts.Week(f"a{i}", 4, "after") for i in range(4)]
        + [charts.Week("a4", 1, "after", days=3)]
    )
    options = {
        "chart_id": "action-7",
        "title": "Second check on meter readings: before and after",
        "description": "Down 60%.",
        "weeks": weeks,
        "change_index": 8,
        "before_mean": 10.0,
        "after_mean": 4.0,
    }
    options.update(overrides)
    return _parse(charts.before_after_chart(**options))


def test_the_before_after_chart_draws_a_bar_a_week_in_its_phase():
    root = _before_after()
    bars = _groups(root, "bar")
    assert len(bars) == 14
    assert [b.get("class").split()[1] for b in bars][5:10] == [
        "before",
        "guard",
        "guard",
        "lag",
        "after",
    ]
    assert bars[-1].find("svg:title", NS).text == "Week of a4: 1 (3 days of data), after"


def test_the_before_after_chart_marks_the_change_and_both_mean_rates():
    root = _before_after()
    change = _groups(root, "change")[0]
    bars = _groups(root, "bar")
    change_x = float(change.find("svg:line", NS).get("x1"))
    lag_rect = bars[8].find("svg:rect", NS)
    assert float(lag_rect.get("x")) < change_x + 6 < float(lag_rect.get("x")) + 20
    assert "Change took effect" in _texts(root)
    means = {g.get("class").split()[1]: float(g.get("data-value")) for g in _groups(root, "mean")}
    assert means == {"before": 10.0, "after": 4.0}
    texts = _texts(root)
    assert "10 a week" in texts
    assert "4 a week" in texts
    assert "Before" in texts
    assert "After" in texts


def test_weeks_left_out_are_hatched_and_explained_in_the_legend():
    root = _before_after()
    guard = _groups(root, "guard")[0].find("svg:rect", NS)
    assert guard.get("fill") == "url(#action-7-left-out)"
    assert "Left out (guard and lag weeks)" in [
        g.get("data-label") for g in _groups(root, "legend-item")
    ]


def test_a_before_after_chart_without_a_mean_yet_leaves_the_line_out():
    root = _before_after(after_mean=None)
    assert [g.get("class") for g in _groups(root, "mean")] == ["mean before"]


def test_the_bar_chart_writes_each_value_above_its_bar():
    root = _parse(
        charts.bar_chart(
            chart_id="scores",
            title="Satisfaction scores",
            description="Most customers gave 4 or 5.",
            labels=["1", "2", "3", "4", "5"],
            values=[1, 0, 3, 9, 7],
            x_label="Score",
            y_label="Customers",
        )
    )
    bars = _groups(root, "bar")
    assert [(b.get("data-label"), b.get("data-value")) for b in bars][3] == ("4", "9")
    assert "9" in _texts(root)


@pytest.mark.parametrize(
    ("top", "ticks"),
    [(19, [0, 5, 10, 15, 20]), (100, [0, 25, 50, 75, 100]), (3, [0, 1, 2, 3]), (0, [0, 1])],
)
def test_ticks_are_round_numbers_up_to_the_largest_value(top, ticks):
    assert charts.nice_ticks(top) == ticks


def test_long_labels_wrap_and_very_long_ones_are_cut_with_an_ellipsis():
    assert charts.wrap("Customer expectations vs products", 12) == [
        "Customer",
        "expectations",
        "vs products",
    ]
    assert charts.wrap("a b c d e f g h", 1, max_lines=2)[-1].endswith("…")


def test_the_chart_package_imports_neither_django_nor_pandas_nor_the_rest_of_the_app():
    imported = set()
    for path in Path(charts.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
    roots = {name.split(".")[0] for name in imported}
    assert not roots & {"django", "pandas", "numpy"}
    assert {name for name in imported if name.startswith("analytics")} <= {
        "analytics.charts.svg",
        "analytics.charts.lines",
        "analytics.charts.bars",
        "analytics.charts.before_after",
    }


def test_given_ticks_replace_the_round_steps():
    series = [charts.Series("Mean score", [4.1, 3.9, None, 4.4, 4.0, 3.2])]
    root = _parse(_line(series=series, y_ticks=[0, 1, 2, 3, 4, 5], y_label="Mean score"))
    ticks = [t for t in _texts(root) if t.isdigit()]
    assert ticks == ["0", "1", "2", "3", "4", "5"]


def test_the_first_and_last_tick_labels_stay_inside_the_chart():
    labels = ["30 Dec 2025", "6 Jan 2026"]
    root = _parse(_line(x_labels=labels, series=[charts.Series("All", [1, 2])]))
    width = float(root.get("viewBox").split()[2])
    axis = _groups(root, "axis-x")[0]
    for text in axis.iter(f"{{{NS['svg']}}}text"):
        if text.text in labels:
            half = charts.svg.text_width(text.text) / 2
            assert half <= float(text.get("x")) <= width - half


def test_weeks_before_the_log_began_are_drawn_as_no_data_not_as_nought():
    weeks = [charts.Week("w0", 0, "before", days=0), charts.Week("w1", 3, "before", days=4)] + [
        charts.Week("a0", 2, "after")
    ]
    root = _before_after(weeks=weeks, change_index=2, before_mean=5.25, after_mean=2.0)
    empty = _groups(root, "no-data")
    assert len(empty) == 1
    assert empty[0].find("svg:title", NS).text == "Week of w0: no data (before the log starts)"
    assert empty[0].get("data-value") is None
    partial = _groups(root, "bar")[1]
    assert partial.find("svg:title", NS).text == "Week of w1: 3 (4 days of data), before"
