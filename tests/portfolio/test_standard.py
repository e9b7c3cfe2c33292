"""Unit F6 as data: its exact wording, its loader's idempotence, and refusal of bad files."""

import copy
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from complaints.models import Category, IdentifiedBy
from portfolio.models import KnowledgeItem, Outcome, RangeItem, Unit
from portfolio.standard import (
    DEFAULT_UNIT_PATH,
    StandardError,
    standard_load,
    standard_validate,
)


@pytest.fixture(scope="module")
def document() -> dict:
    return yaml.safe_load(DEFAULT_UNIT_PATH.read_bytes())


@pytest.fixture
def doc(document) -> dict:
    """A private copy of the real file's content, for a test to break."""
    return copy.deepcopy(document)


@pytest.fixture
def unit(db) -> Unit:
    return standard_load(path=DEFAULT_UNIT_PATH)


def write(tmp_path: Path, document: dict, name: str = "unit.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(document, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def knowledge_text(unit: Unit, code: str) -> str:
    return unit.knowledge_items.get(code=code).text


# The file ---------------------------------------------------------------------------------


def test_f6_file_has_no_defects(document):
    assert standard_validate(document) == []


def test_f6_range_criteria_use_the_values_problems_are_recorded_with(document):
    choices = {"problem.category": Category.values, "problem.identified_by": IdentifiedBy.values}
    for group in document["range"]:
        for item in group["items"]:
            for fact, values in item["criteria"].items():
                if fact in choices:
                    assert set(values) <= set(choices[fact]), item["code"]


# Loading: counts ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_loading_f6_creates_three_elements_and_sixteen_outcomes(unit):
    assert (unit.code, unit.version) == ("F6", 1)
    assert [e.number for e in unit.elements.all()] == [1, 2, 3]
    assert [e.outcomes.count() for e in unit.elements.all()] == [7, 4, 5]
    assert list(unit.outcomes.values_list("code", flat=True)) == [
        *(f"1.{n}" for n in range(1, 8)),
        *(f"2.{n}" for n in range(1, 5)),
        *(f"3.{n}" for n in range(1, 6)),
    ]


@pytest.mark.django_db
def test_loading_f6_creates_sixteen_knowledge_items_and_five_aspects_of_item_2(unit):
    top = unit.knowledge_items.filter(parent=None)
    assert list(top.values_list("code", flat=True)) == [
        "a", "b", "c", "d", *(str(n) for n in range(1, 13))
    ]  # fmt: skip
    groups = KnowledgeItem.Group
    assert [top.filter(group=g).count() for g in groups.values] == [4, 9, 3]
    item_2 = unit.knowledge_items.get(code="2")
    assert [(a.code, a.group) for a in item_2.aspects.order_by("order")] == [
        (code, groups.KNOW_AND_UNDERSTAND) for code in ("2.i", "2.ii", "2.iii", "2.iv", "2.v")
    ]
    assert unit.knowledge_items.count() == 21


@pytest.mark.django_db
def test_knowledge_items_are_ordered_as_on_the_record_with_aspects_under_item_2(unit):
    codes = list(unit.knowledge_items.values_list("code", flat=True))
    assert codes[4:12] == ["1", "2", "2.i", "2.ii", "2.iii", "2.iv", "2.v", "3"]


@pytest.mark.django_db
def test_loading_f6_creates_the_range_items_of_each_group(unit):
    counts = {g: unit.range_items.filter(group=g).count() for g in RangeItem.Group.values}
    assert counts == {"identified_by": 2, "problem_type": 3, "option_basis": 2, "viewpoint": 2}


@pytest.mark.django_db
def test_loading_f6_creates_the_nine_columns_of_the_key(unit):
    rows = unit.evidence_types.values_list(
        "code", "name", "is_evidence_type", "may_evidence_performance", "dated"
    )
    assert list(rows) == [
        ("EI", "Evidence Index No.", False, True, False),
        ("O", "Observation", True, True, False),
        ("P", "Personal Statement", True, True, False),
        ("WT", "Witness Testimony", True, True, False),
        ("S", "Simulation", True, False, False),
        ("APEL", "Accreditation of Prior Experience and Learning", True, True, False),
        ("Q&A", "Questions & Answers", True, True, True),
        ("EWE", "Expert Witness Evidence", True, True, False),
        ("PD", "Professional discussion", True, True, False),
    ]


# Loading: exact wording -------------------------------------------------------------------


@pytest.mark.django_db
def test_unit_wording_is_the_standards_own(unit):
    assert unit.title == "Monitor and solve customer service problems"
    assert unit.qualification == "Edexcel Level 3 NVQ in Management"
    assert unit.simulation_rule == (
        "Simulation is not allowed for any performance evidence within this unit."
    )
    assert unit.knowledge_declaration == (
        "The candidate has satisfied the assessor and internal verifier that the performance "
        "evidence and criteria, the range, and knowledge and understanding requirements have "
        "been achieved."
    )
    assert unit.nos_reference == (
        "NB This is unit 4 from the Customer Service National Occupational Standards at Level 3."
    )
    assert unit.about.startswith("Your job involves delivering and organising excellent")
    assert unit.about.count("\n\n") == 3
    assert unit.evidence_requirements.startswith(unit.simulation_rule)
    assert "<p>" not in unit.knowledge_intro
    assert unit.knowledge_intro.endswith(
        "You need to show that you know, understand and can apply in practice:"
    )
    assert len(unit.checksum) == 64


@pytest.mark.django_db
def test_element_titles_and_sampled_outcomes_are_word_for_word(unit):
    assert list(unit.elements.values_list("title", flat=True)) == [
        "Solve immediate customer service problems",
        "Identify repeated customer service problems and options for solving them",
        "Take action to avoid the repetition of customer service problems",
    ]
    texts = dict(unit.outcomes.values_list("code", "text"))
    assert texts["1.1"] == (
        "respond positively to customers' problems according to organisational guidelines"
    )
    assert texts["1.6"] == (
        "solve problems within service systems and procedures that might affect customers "
        "before they become aware of them"
    )
    assert texts["2.2"] == (
        "identify the options for dealing with repeated problems and consider the advantages "
        "and disadvantages of each option"
    )
    assert texts["3.4"] == (
        "monitor the solutions you have implemented and make any suitable changes to ensure "
        "that no further problems occur"
    )
    assert Outcome.objects.get(code="2.2").element.number == 2


@pytest.mark.django_db
def test_sampled_knowledge_items_are_word_for_word(unit):
    assert knowledge_text(unit, "a") == "major competitors of your organisation"
    assert knowledge_text(unit, "12") == (
        "how to negotiate with and reassure customers while their problems are being solved"
    )
    item_2 = unit.knowledge_items.get(code="2")
    assert item_2.text == "the specific aspects of:"
    assert item_2.closing_text == (
        "that affect the way the products or services you deal with can be delivered to your "
        "customers"
    )
    assert unit.knowledge_items.get(code="a").group_text == (
        "You will be expected to show you are aware of:"
    )
    aspects = unit.knowledge_items.get(code="2").aspects.order_by("order")
    assert list(aspects.values_list("text", flat=True)) == [
        "health and safety",
        "data protection",
        "equal opportunities",
        "disability discrimination",
        "legislation and regulations",
    ]


@pytest.mark.django_db
def test_one_range_item_per_group_is_word_for_word_with_its_criteria(unit):
    def row(code):
        item = unit.range_items.get(code=code)
        return item.group_text, item.text, item.criteria

    assert row("identified_by_customer") == (
        "Your evidence must include examples of:",
        "problems which are identified by your customers",
        {"problem.identified_by": ["customer"]},
    )
    assert row("identified_first_by_learner_or_colleague")[2] == {
        "problem.identified_by": ["learner", "colleague"]
    }
    assert row("system_failure") == (
        "The problems included in your evidence must include examples of:",
        "a problem resulting from system or procedure failures",
        {"problem.category": ["system_failure"]},
    )
    assert row("authorised_exception") == (
        "They must include examples using:",
        "agreed/authorised exceptions to usual practice.",
        {"option.basis": ["authorised_exception"]},
    )
    assert row("viewpoint_organisation") == (
        "You must show that you have considered the options for solving problems from your "
        "customer and the organisation's point of view.",
        "the organisation",
        {"option.viewpoint": ["organisation"]},
    )


# Idempotence and versions ------------------------------------------------------------------


@pytest.mark.django_db
def test_reloading_the_same_file_returns_the_existing_unit_without_writing(unit):
    with CaptureQueriesContext(connection) as queries:
        again = standard_load(path=DEFAULT_UNIT_PATH)
    assert again.pk == unit.pk
    writes = [q["sql"] for q in queries if not q["sql"].lstrip().upper().startswith("SELECT")]
    assert [sql for sql in writes if "SAVEPOINT" not in sql.upper()] == []
    assert Unit.objects.count() == 1
    assert Outcome.objects.count() == 16


@pytest.mark.django_db
def test_changed_wording_under_the_same_version_is_refused(unit, doc, tmp_path):
    doc["elements"][0]["outcomes"][0]["text"] = "respond to customers' problems"
    path = write(tmp_path, doc)
    with pytest.raises(StandardError, match="raise `version`") as refused:
        standard_load(path=path)
    assert str(path) in str(refused.value)
    assert unit.outcomes.get(code="1.1").text.startswith("respond positively")
    assert Unit.objects.count() == 1


@pytest.mark.django_db
def test_a_version_bump_loads_alongside_the_old_version(unit, doc, tmp_path):
    doc["version"] = 2
    doc["elements"][0]["outcomes"][0]["text"] = "respond to customers' problems"
    v2 = standard_load(path=write(tmp_path, doc))
    assert list(Unit.objects.values_list("code", "version")) == [("F6", 2), ("F6", 1)]
    assert v2.outcomes.get(code="1.1").text == "respond to customers' problems"
    assert unit.outcomes.get(code="1.1").text.startswith("respond positively")
    assert v2.knowledge_items.count() == unit.knowledge_items.count() == 21


# Bad files --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_file_missing_a_field_is_refused_naming_the_field(doc, tmp_path):
    del doc["elements"][1]["outcomes"][2]["text"]
    path = write(tmp_path, doc)
    with pytest.raises(StandardError) as refused:
        standard_load(path=path)
    message = str(refused.value)
    assert str(path) in message
    assert "elements[1].outcomes[2].text: is missing" in message
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_a_duplicate_outcome_code_is_refused(doc, tmp_path):
    doc["elements"][0]["outcomes"][3]["code"] = "1.3"
    path = write(tmp_path, doc)
    with pytest.raises(StandardError, match=r"elements\[0\]\.outcomes\[3\]\.code") as refused:
        standard_load(path=path)
    assert "duplicate outcome code '1.3'" in str(refused.value)
    assert str(path) in str(refused.value)
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_malformed_yaml_is_refused(tmp_path):
    path = tmp_path / "broken.yaml"
    path.write_text("code: F6\nelements: [\n  - number: 1\n", "utf-8")
    with pytest.raises(StandardError, match="not valid YAML") as refused:
        standard_load(path=path)
    assert str(path) in str(refused.value)
    assert "line" in str(refused.value)
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_a_missing_file_is_refused(tmp_path):
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(StandardError, match="cannot read") as refused:
        standard_load(path=path)
    assert str(path) in str(refused.value)
    assert Unit.objects.count() == 0


@pytest.mark.django_db
def test_a_defect_late_in_the_file_leaves_no_rows_at_all(doc, tmp_path):
    doc["evidence_types"][8]["dated"] = "yes"
    with pytest.raises(StandardError, match=r"evidence_types\[8\]\.dated"):
        standard_load(path=write(tmp_path, doc))
    assert Unit.objects.count() == 0
    assert Outcome.objects.count() == 0


# Validation (pure: no database) ------------------------------------------------------------


def paths(document) -> list[str]:
    return [defect.path for defect in standard_validate(document)]


def test_validation_reports_an_outcome_code_outside_its_element(doc):
    doc["elements"][2]["outcomes"][0]["code"] = "2.9"
    [defect] = standard_validate(doc)
    assert defect.path == "elements[2].outcomes[0].code"
    assert "element 3" in defect.message


def test_validation_reports_an_unquoted_outcome_code_as_the_wrong_type(doc):
    doc["elements"][0]["outcomes"][0]["code"] = 1.1
    assert "must be text, not float" in str(standard_validate(doc)[0])


def test_validation_reports_empty_text_and_stray_whitespace(doc):
    doc["elements"][0]["outcomes"][5]["text"] = "  "
    doc["knowledge"][0]["items"][0]["text"] += "\n"
    assert paths(doc) == ["elements[0].outcomes[5].text", "knowledge[0].items[0].text"]


def test_validation_reports_duplicate_knowledge_range_and_evidence_type_codes(doc):
    doc["knowledge"][1]["items"][1]["aspects"][4]["code"] = "2.i"
    doc["range"][3]["items"][1]["code"] = "system_failure"
    doc["evidence_types"][8]["code"] = "EI"
    defects = [str(d) for d in standard_validate(doc)]
    assert defects == [
        "knowledge[1].items[1].aspects[4].code: duplicate knowledge item code '2.i' "
        "(first at knowledge[1].items[1].aspects[0].code)",
        "range[3].items[1].code: duplicate range item code 'system_failure' "
        "(first at range[1].items[1].code)",
        "evidence_types[8].code: duplicate evidence type code 'EI' "
        "(first at evidence_types[0].code)",
    ]


def test_validation_reports_missing_and_unknown_top_level_fields(doc):
    del doc["title"]
    doc["versoin"] = 2
    assert sorted(paths(doc)) == ["title", "versoin"]


def test_validation_reports_a_version_that_is_not_a_whole_number(doc):
    doc["version"] = "1"
    assert [str(d) for d in standard_validate(doc)] == [
        "version: must be a whole number from 1, not '1'"
    ]


def test_validation_reports_an_unknown_group_and_empty_criteria(doc):
    doc["knowledge"][2]["group"] = "content"
    doc["range"][0]["items"][0]["criteria"] = {}
    assert paths(doc) == ["knowledge[2].group", "range[0].items[0].criteria"]


def test_validation_refuses_a_document_that_is_not_a_mapping():
    assert [str(d) for d in standard_validate(["F6"])] == [
        "(document): must be a mapping, not a list"
    ]


# The command ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_load_standard_command_loads_then_reports_unchanged(capsys):
    call_command("load_standard", str(DEFAULT_UNIT_PATH))
    call_command("load_standard", str(DEFAULT_UNIT_PATH))
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Loaded unit F6 v1: 3 elements, 16 outcomes, ")
    assert out[1] == "Unit F6 v1 is already loaded (unchanged)."
    assert Unit.objects.count() == 1


@pytest.mark.django_db
def test_load_standard_command_fails_with_the_problem_for_a_bad_file(doc, tmp_path):
    del doc["elements"][0]["title"]
    path = write(tmp_path, doc)
    with pytest.raises(CommandError, match=r"elements\[0\]\.title: is missing") as failed:
        call_command("load_standard", str(path))
    assert str(path) in str(failed.value)
    assert Unit.objects.count() == 0
