"""The coverage computation (portfolio.coverage), on plain data: no database."""

import datetime

import pytest

from portfolio.coverage import (
    CLAIMED,
    CONFIRMED,
    NONE,
    NOT_SHOWN,
    SHOWN,
    SUGGESTED,
    EvidenceIn,
    EvidenceTypeIn,
    KnowledgeIn,
    OutcomeIn,
    ProblemIn,
    RangeIn,
    coverage,
)

OUTCOMES = [
    OutcomeIn(11, "1.1", "respond positively", 1, "Solve"),
    OutcomeIn(12, "1.2", "solve within authority", 1, "Solve"),
    OutcomeIn(21, "2.1", "identify repeated problems", 2, "Identify"),
    OutcomeIn(23, "2.3", "work with others to determine an agreed way forward", 2, "Identify"),
]
KNOWLEDGE = [
    KnowledgeIn(100, "a", "major competitors", "aware_of", "You will be expected to show"),
    KnowledgeIn(102, "2", "the specific aspects of:", "know", "In addition", has_aspects=True),
    KnowledgeIn(121, "2.i", "health and safety", "know", "In addition", parent_id=102),
    KnowledgeIn(122, "2.ii", "data protection", "know", "In addition", parent_id=102),
    KnowledgeIn(107, "7", "the limits of your own authority", "know", "In addition"),
]
RANGE = [
    RangeIn(
        201,
        "identified_by_customer",
        "problems which are identified by your customers",
        "identified_by",
        "Your evidence must include examples of:",
        {"problem.identified_by": ["customer"]},
    ),
    RangeIn(
        202,
        "identified_first_by_learner_or_colleague",
        "problems which are identified first by you and/or by your colleagues",
        "identified_by",
        "Your evidence must include examples of:",
        {"problem.identified_by": ["learner", "colleague"]},
    ),
    RangeIn(
        211,
        "system_failure",
        "a problem resulting from system or procedure failures",
        "problem_type",
        "The problems included in your evidence must include examples of:",
        {"problem.category": ["system_failure"]},
    ),
    RangeIn(
        212,
        "resource_or_error",
        "a problem resulting from a shortage of resources or human error.",
        "problem_type",
        "The problems included in your evidence must include examples of:",
        {"problem.category": ["resource_or_error"]},
    ),
    RangeIn(
        221,
        "formal_procedure",
        "formal organisational procedures",
        "option_basis",
        "They must include examples using:",
        {"option.basis": ["formal_procedure"]},
    ),
]
TYPES = [
    EvidenceTypeIn("O", "Observation"),
    EvidenceTypeIn("P", "Personal Statement"),
    EvidenceTypeIn("S", "Simulation"),
    EvidenceTypeIn("Q&A", "Questions & Answers", dated=True),
]


def problem(pk, identified_by="customer", category="system_failure"):
    return ProblemIn(
        pk,
        f"HARBOUR-{pk:05d}",
        {"problem.identified_by": identified_by, "problem.category": category},
    )


def evidence(ei, type_code="P", **kwargs):
    kwargs.setdefault("may_evidence_performance", type_code != "S")
    return EvidenceIn(id=1000 + ei, ei=ei, title=f"Item {ei}", type_code=type_code, **kwargs)


def compute(*items):
    return coverage(
        outcomes=OUTCOMES,
        knowledge=KNOWLEDGE,
        range_items=RANGE,
        evidence_types=TYPES,
        evidence=items,
    )


def outcome_row(result, code):
    return next(r for b in result.elements for r in b.rows if r.outcome.code == code)


def knowledge_row(result, code):
    return next(r for g in result.knowledge for r in g.rows if r.item.code == code)


def range_row(result, code):
    return next(r for g in result.range for r in g.rows if r.item.code == code)


def texts(result):
    return [m.text for m in result.missing]


# Outcomes x evidence ----------------------------------------------------------------------


def test_a_learner_with_no_evidence_has_nothing_covered_and_everything_missing():
    result = compute()
    assert result.overall.covered == 0
    assert result.overall.total == 4 + 4 + 5  # outcomes, knowledge (2 by aspect), range
    assert "Outcome 2.3 has no confirmed evidence yet" in texts(result)
    assert "Knowledge item 7 has no evidence yet" in texts(result)


def test_outcomes_are_grouped_by_element_in_the_records_order():
    result = compute()
    assert [(b.number, [r.outcome.code for r in b.rows]) for b in result.elements] == [
        (1, ["1.1", "1.2"]),
        (2, ["2.1", "2.3"]),
    ]


def test_columns_are_the_evidence_items_in_ei_order():
    result = compute(evidence(3), evidence(1), evidence(2))
    assert [e.ei for e in result.evidence] == [1, 2, 3]


def test_a_confirmed_mapping_marks_its_cell_and_covers_the_outcome():
    result = compute(evidence(1), evidence(2, outcomes=frozenset({11})))
    row = outcome_row(result, "1.1")
    assert [c.state for c in row.cells] == [NONE, CONFIRMED]
    assert row.covered
    assert [e.ei for e in row.confirmed] == [2]


def test_a_suggestion_is_marked_but_covers_nothing():
    result = compute(evidence(1, suggested_outcomes=frozenset({11})))
    row = outcome_row(result, "1.1")
    assert [c.state for c in row.cells] == [SUGGESTED]
    assert not row.covered
    assert result.outcomes.covered == 0


def test_a_missing_outcome_with_a_suggestion_says_where_to_confirm_it():
    result = compute(evidence(4, suggested_outcomes=frozenset({11})))
    need = next(m for m in result.missing if m.text.startswith("Outcome 1.1"))
    assert "EI 4 suggests it" in need.detail
    assert [e.ei for e in need.evidence] == [4]


def test_simulation_never_covers_an_outcome_or_range_item_even_if_stored_before_the_rule():
    sim = evidence(1, "S", outcomes=frozenset({11}), range=frozenset({201}), problems=(problem(1),))
    result = compute(sim)
    assert not outcome_row(result, "1.1").covered
    assert not range_row(result, "identified_by_customer").covered


def test_simulation_may_support_knowledge():
    result = compute(evidence(1, "S", knowledge=frozenset({100})))
    assert knowledge_row(result, "a").covered


# Progress ---------------------------------------------------------------------------------


def test_progress_counts_covered_outcomes_per_element_and_overall():
    result = compute(evidence(1, outcomes=frozenset({11, 12, 21})))
    assert [(b.progress.covered, b.progress.total) for b in result.elements] == [(2, 2), (1, 2)]
    assert result.elements[0].progress.complete
    assert (result.outcomes.covered, result.outcomes.total) == (3, 4)
    assert result.outcomes.percent == 75


def test_percent_is_rounded_down_so_100_means_complete():
    result = compute(
        evidence(
            1,
            outcomes=frozenset({11, 12, 21, 23}),
            knowledge=frozenset({100, 121, 122, 107}),
            range=frozenset({201, 202, 211, 212}),
            problems=(
                problem(1, "customer", "system_failure"),
                problem(2, "colleague", "resource_or_error"),
            ),
        )
    )
    assert result.overall.covered == 12
    assert result.overall.percent == 92  # 12/13 = 92.3
    assert not result.overall.complete


def test_progress_of_nothing_is_zero_not_an_error():
    result = coverage(outcomes=[], knowledge=[], range_items=[], evidence_types=[], evidence=[])
    assert result.overall.percent == 0


# Knowledge x evidence types ---------------------------------------------------------------


def test_knowledge_cells_list_the_confirmed_evidence_of_each_type():
    result = compute(
        evidence(1, "O", knowledge=frozenset({107})),
        evidence(2, "P", knowledge=frozenset({107})),
        evidence(3, "O", knowledge=frozenset({107})),
        evidence(4, "P", suggested_knowledge=frozenset({107})),
    )
    row = knowledge_row(result, "7")
    assert {c.type.code: [e.ei for e in c.evidence] for c in row.cells} == {
        "O": [1, 3],
        "P": [2],
        "S": [],
        "Q&A": [],
    }


def test_item_2_is_a_heading_evidenced_by_its_aspects_and_not_counted_itself():
    result = compute(evidence(1, "Q&A", knowledge=frozenset({121}), date=datetime.date(2026, 3, 3)))
    assert knowledge_row(result, "2").is_heading
    assert knowledge_row(result, "2.i").covered
    assert result.knowledge_progress.total == 4
    assert "Knowledge item 2.ii (data protection) has no evidence yet" in texts(result)
    assert not any(t.startswith("Knowledge item 2 ") for t in texts(result))


def test_a_knowledge_suggestion_does_not_count():
    result = compute(evidence(1, suggested_knowledge=frozenset({107})))
    assert not knowledge_row(result, "7").covered
    need = next(m for m in result.missing if m.text.startswith("Knowledge item 7"))
    assert "EI 1 suggests it" in need.detail


# Range ------------------------------------------------------------------------------------


def test_a_range_item_is_covered_when_a_linked_problem_records_the_fact():
    result = compute(
        evidence(
            1, range=frozenset({201}), problems=(problem(1, "learner"), problem(2, "customer"))
        )
    )
    row = range_row(result, "identified_by_customer")
    assert row.covered
    assert row.checked
    [shown] = row.evidence
    assert shown.status == SHOWN
    assert [p.reference for p in shown.problems] == ["HARBOUR-00002"]


def test_any_of_the_criteria_values_counts():
    result = compute(evidence(1, range=frozenset({202}), problems=(problem(1, "colleague"),)))
    assert range_row(result, "identified_first_by_learner_or_colleague").covered


def test_evidence_mapped_to_a_range_item_its_problems_do_not_show_is_not_counted():
    result = compute(
        evidence(1, range=frozenset({212}), problems=(problem(7, category="expectations_gap"),))
    )
    row = range_row(result, "resource_or_error")
    assert not row.covered
    [mapped] = row.not_shown
    assert mapped.status == NOT_SHOWN
    need = next(m for m in result.missing if "shortage of resources" in m.text)
    assert "EI 1 is mapped to" in need.detail
    assert "the problems it links to (HARBOUR-00007) do not show this" in need.detail
    assert [e.ei for e in need.evidence] == [1]


def test_evidence_mapped_to_a_problem_range_item_without_any_problem_is_not_counted():
    result = compute(evidence(1, range=frozenset({211})))
    row = range_row(result, "system_failure")
    assert not row.covered
    need = next(m for m in result.missing if "system or procedure failure" in m.text)
    assert "it links to no problem that shows this" in need.detail


def test_a_range_item_about_options_counts_on_the_confirmed_claim_and_says_it_is_unchecked():
    result = compute(evidence(1, range=frozenset({221})))
    row = range_row(result, "formal_procedure")
    assert row.covered
    assert not row.checked
    assert row.evidence[0].status == CLAIMED


def test_a_range_suggestion_does_not_count():
    result = compute(evidence(1, suggested_range=frozenset({201}), problems=(problem(1),)))
    assert not range_row(result, "identified_by_customer").covered


# What is missing, in the learner's words --------------------------------------------------


def test_missing_range_requirements_one_problem_can_meet_are_combined():
    result = compute(
        evidence(
            1,
            range=frozenset({201, 212}),
            problems=(problem(1, "customer", "resource_or_error"),),
        )
    )
    ranged = [m for m in result.missing if m.kind == "range"]
    assert [m.text for m in ranged] == [
        "You still need a problem identified first by you or a colleague that came from a "
        "system or procedure failure",
        "You still need an option using formal organisational procedures",
    ]
    assert "One example can meet both." in ranged[0].detail


def test_leftover_range_requirements_are_listed_alone():
    result = compute()
    ranged = [m.text for m in result.missing if m.kind == "range"]
    assert ranged == [
        "You still need a problem identified by a customer that came from a system or "
        "procedure failure",
        "You still need a problem identified first by you or a colleague that came from a "
        "shortage of resources or human error",
        "You still need an option using formal organisational procedures",
    ]


def test_a_problem_type_alone_reads_as_a_problem():
    result = compute(
        evidence(
            1,
            range=frozenset({201, 202, 211}),
            problems=(problem(1, "customer", "system_failure"), problem(2, "learner")),
        )
    )
    assert [m.text for m in result.missing if m.kind == "range"] == [
        "You still need a problem that came from a shortage of resources or human error",
        "You still need an option using formal organisational procedures",
    ]


def test_a_combined_option_reads_as_one_sentence():
    viewpoint = RangeIn(
        231,
        "viewpoint_customer",
        "your customer",
        "viewpoint",
        "You must show ...",
        {"option.viewpoint": ["customer"]},
    )
    result = coverage(
        outcomes=[], knowledge=[], range_items=[*RANGE, viewpoint], evidence_types=[], evidence=[]
    )
    assert texts(result)[-1] == (
        "You still need an option using formal organisational procedures, considered from "
        "your customer's point of view"
    )


def test_an_option_viewpoint_alone_reads_as_an_option():
    viewpoint = RangeIn(231, "viewpoint_customer", "your customer", "viewpoint", "", {})
    result = coverage(
        outcomes=[], knowledge=[], range_items=[viewpoint], evidence_types=[], evidence=[]
    )
    assert texts(result) == [
        "You still need an option, considered from your customer's point of view"
    ]


def test_an_unknown_range_code_falls_back_to_the_units_words():
    item = RangeIn(9, "new_thing", "something the unit added", "other", "Also:", {"x.y": ["z"]})
    result = coverage(outcomes=[], knowledge=[], range_items=[item], evidence_types=[], evidence=[])
    assert texts(result) == ["You still need an example of “something the unit added”"]


def test_missing_lists_outcomes_then_range_then_knowledge():
    kinds = [m.kind for m in compute().missing]
    assert kinds == sorted(kinds, key=["outcome", "range", "knowledge"].index)


def test_nothing_is_missing_when_everything_is_covered():
    result = compute(
        evidence(
            1,
            outcomes=frozenset({11, 12, 21, 23}),
            knowledge=frozenset({100, 121, 122, 107}),
            range=frozenset({201, 202, 211, 212, 221}),
            problems=(
                problem(1, "customer", "system_failure"),
                problem(2, "colleague", "resource_or_error"),
            ),
        )
    )
    assert result.missing == []
    assert result.overall.complete
    assert result.overall.percent == 100


@pytest.mark.parametrize("code", ["1.1", "1.2", "2.1", "2.3"])
def test_every_uncovered_outcome_is_named_in_the_missing_list(code):
    assert f"Outcome {code} has no confirmed evidence yet" in texts(compute())
