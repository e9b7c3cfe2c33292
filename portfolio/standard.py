"""The unit standard as data: checking a unit's data file and loading it into the database.

A unit file (see `data/units/f6.yaml`) holds the standard word for word. `standard_validate`
is pure: it takes the parsed document and returns every defect it finds, each named by its
path in the document (`elements[1].outcomes[2].text`, indexes counted from 0 as in the file's
lists). `standard_load` refuses a file with any defect before writing a row.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.db import IntegrityError, transaction

from portfolio.models import Element, EvidenceType, KnowledgeItem, Outcome, RangeItem, Unit

DEFAULT_UNIT_PATH = Path(__file__).resolve().parent / "data" / "units" / "f6.yaml"


class StandardError(ValueError):
    """A unit file that cannot be loaded; the message names the file and what is wrong."""


@dataclass(frozen=True)
class Defect:
    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


# Field name -> (required, max length or None). Lengths mirror the model fields, so a file
# that validates also fits the database on every backend (SQLite does not enforce them).
_UNIT_TEXT = {
    "code": (True, 20),
    "title": (True, 300),
    "qualification": (False, 300),
    "source": (False, 300),
    "about": (True, None),
    "nos_reference": (False, None),
    "evidence_requirements": (True, None),
    "simulation_rule": (True, None),
    "knowledge_intro": (True, None),
    "knowledge_declaration": (True, None),
}
_UNIT_KEYS = {*_UNIT_TEXT, "version", "elements", "knowledge", "range", "evidence_types"}
_FLAGS = ("is_evidence_type", "may_evidence_performance", "dated")


class _Checker:
    """Collects defects while walking the document; each check says what it expected."""

    def __init__(self) -> None:
        self.defects: list[Defect] = []

    def add(self, path: str, message: str) -> None:
        self.defects.append(Defect(path, message))

    def mapping(self, value: Any, path: str, *, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.add(path or "(document)", f"must be a mapping, not {_type_name(value)}")
            return None
        for key in sorted(set(value) - allowed, key=str):
            self.add(_join(path, str(key)), "is not a known field")
        return value

    def items(self, parent: dict, key: str, path: str) -> list:
        """A required, non-empty list; returns [] when it is not one (already reported)."""
        field = _join(path, key)
        if key not in parent:
            self.add(field, "is missing")
            return []
        value = parent[key]
        if not isinstance(value, list):
            self.add(field, f"must be a list, not {_type_name(value)}")
            return []
        if not value:
            self.add(field, "is empty")
        return value

    def text(
        self, parent: dict, key: str, path: str, *, required: bool = True, max_length=None
    ) -> str | None:
        field = _join(path, key)
        if key not in parent:
            if required:
                self.add(field, "is missing")
            return None
        value = parent[key]
        if not isinstance(value, str):
            self.add(field, f"must be text, not {_type_name(value)} (quote it in the file)")
            return None
        if not value.strip():
            self.add(field, "is empty")
            return None
        if value != value.strip():
            # Wording is compared and shown exactly; stray whitespace is a copying slip.
            self.add(field, "has leading or trailing whitespace (use |- for a text block)")
        if max_length is not None and len(value) > max_length:
            self.add(field, f"is longer than {max_length} characters")
        return value

    def number(self, parent: dict, key: str, path: str) -> int | None:
        field = _join(path, key)
        value = parent.get(key)
        if key not in parent:
            self.add(field, "is missing")
        elif isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.add(field, f"must be a whole number from 1, not {value!r}")
        else:
            return value
        return None

    def flag(self, parent: dict, key: str, path: str) -> None:
        if key in parent and not isinstance(parent[key], bool):
            self.add(_join(path, key), f"must be true or false, not {_type_name(parent[key])}")

    def unique(self, seen: dict[str, str], code: str | None, path: str, what: str) -> None:
        if code is None:
            return
        if code in seen:
            self.add(path, f"duplicate {what} code {code!r} (first at {seen[code]})")
        else:
            seen[code] = path


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _type_name(value: Any) -> str:
    return {dict: "a mapping", list: "a list", type(None): "empty"}.get(
        type(value), type(value).__name__
    )


def standard_validate(document: Any) -> list[Defect]:
    """Every defect in a parsed unit file, so one run shows the author all there is to fix."""
    check = _Checker()
    unit = check.mapping(document, "", allowed=_UNIT_KEYS)
    if unit is None:
        return check.defects
    for key, (required, max_length) in _UNIT_TEXT.items():
        check.text(unit, key, "", required=required, max_length=max_length)
    check.number(unit, "version", "")
    _validate_elements(check, unit)
    _validate_knowledge(check, unit)
    _validate_range(check, unit)
    _validate_evidence_types(check, unit)
    return check.defects


def _validate_elements(check: _Checker, unit: dict) -> None:
    numbers: dict[str, str] = {}
    codes: dict[str, str] = {}
    for i, raw in enumerate(check.items(unit, "elements", "")):
        path = f"elements[{i}]"
        element = check.mapping(raw, path, allowed={"number", "title", "outcomes"})
        if element is None:
            continue
        number = check.number(element, "number", path)
        if number is not None:
            check.unique(numbers, str(number), f"{path}.number", "element")
        check.text(element, "title", path, max_length=300)
        for j, raw_outcome in enumerate(check.items(element, "outcomes", path)):
            opath = f"{path}.outcomes[{j}]"
            outcome = check.mapping(raw_outcome, opath, allowed={"code", "text"})
            if outcome is None:
                continue
            code = check.text(outcome, "code", opath, max_length=10)
            check.text(outcome, "text", opath)
            check.unique(codes, code, f"{opath}.code", "outcome")
            if None not in (code, number) and not re.fullmatch(rf"{number}\.\d+", code):
                check.add(
                    f"{opath}.code",
                    f"outcome code {code!r} must be {number}.<n>, for element {number}",
                )


def _validate_knowledge(check: _Checker, unit: dict) -> None:
    codes: dict[str, str] = {}
    groups: dict[str, str] = {}
    for i, raw in enumerate(check.items(unit, "knowledge", "")):
        path = f"knowledge[{i}]"
        group = check.mapping(raw, path, allowed={"group", "group_text", "items"})
        if group is None:
            continue
        _check_group(check, group, path, KnowledgeItem.Group.values, groups)
        for j, raw_item in enumerate(check.items(group, "items", path)):
            ipath = f"{path}.items[{j}]"
            item = check.mapping(
                raw_item, ipath, allowed={"code", "text", "closing_text", "aspects"}
            )
            if item is None:
                continue
            code = check.text(item, "code", ipath, max_length=10)
            check.text(item, "text", ipath)
            if "closing_text" in item:
                check.text(item, "closing_text", ipath)
            check.unique(codes, code, f"{ipath}.code", "knowledge item")
            if "aspects" in item:
                _validate_aspects(check, item, ipath, code, codes)


def _validate_aspects(
    check: _Checker, item: dict, path: str, parent_code: str | None, codes: dict[str, str]
) -> None:
    for k, raw in enumerate(check.items(item, "aspects", path)):
        apath = f"{path}.aspects[{k}]"
        aspect = check.mapping(raw, apath, allowed={"code", "text"})
        if aspect is None:
            continue
        code = check.text(aspect, "code", apath, max_length=10)
        check.text(aspect, "text", apath)
        check.unique(codes, code, f"{apath}.code", "knowledge item")
        if code is not None and parent_code is not None and not code.startswith(f"{parent_code}."):
            check.add(f"{apath}.code", f"aspect code {code!r} must start with {parent_code!r}.")


def _validate_range(check: _Checker, unit: dict) -> None:
    codes: dict[str, str] = {}
    groups: dict[str, str] = {}
    for i, raw in enumerate(check.items(unit, "range", "")):
        path = f"range[{i}]"
        group = check.mapping(raw, path, allowed={"group", "group_text", "items"})
        if group is None:
            continue
        _check_group(check, group, path, RangeItem.Group.values, groups)
        for j, raw_item in enumerate(check.items(group, "items", path)):
            ipath = f"{path}.items[{j}]"
            item = check.mapping(raw_item, ipath, allowed={"code", "text", "criteria"})
            if item is None:
                continue
            code = check.text(item, "code", ipath, max_length=50)
            check.text(item, "text", ipath)
            check.unique(codes, code, f"{ipath}.code", "range item")
            _validate_criteria(check, item, f"{ipath}.criteria")


def _validate_criteria(check: _Checker, item: dict, path: str) -> None:
    # Coverage can only count a range item whose criteria name at least one recorded fact.
    if "criteria" not in item:
        check.add(path, "is missing")
        return
    criteria = item["criteria"]
    if not isinstance(criteria, dict) or not criteria:
        check.add(path, "must be a non-empty mapping of fact to a list of values")
        return
    for fact, values in criteria.items():
        if not isinstance(fact, str) or not re.fullmatch(r"[a-z_]+\.[a-z_]+", fact):
            check.add(path, f"fact {fact!r} must be named <record>.<field>")
        if (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) and v for v in values)
        ):
            check.add(f"{path}.{fact}", "must be a non-empty list of text values")


def _check_group(
    check: _Checker, group: dict, path: str, allowed: list[str], seen: dict[str, str]
) -> None:
    name = check.text(group, "group", path)
    if name is not None and name not in allowed:
        check.add(f"{path}.group", f"{name!r} is not one of {', '.join(allowed)}")
    check.unique(seen, name, f"{path}.group", "group")
    check.text(group, "group_text", path)


def _validate_evidence_types(check: _Checker, unit: dict) -> None:
    codes: dict[str, str] = {}
    for i, raw in enumerate(check.items(unit, "evidence_types", "")):
        path = f"evidence_types[{i}]"
        evidence_type = check.mapping(raw, path, allowed={"code", "name", *_FLAGS})
        if evidence_type is None:
            continue
        code = check.text(evidence_type, "code", path, max_length=10)
        check.text(evidence_type, "name", path, max_length=100)
        check.unique(codes, code, f"{path}.code", "evidence type")
        for flag in _FLAGS:
            check.flag(evidence_type, flag, path)


def _read(path: Path) -> tuple[bytes, dict]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise StandardError(f"{path}: cannot read the unit file ({exc.strerror}).") from exc
    try:
        document = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise StandardError(f"{path}: is not valid YAML: {exc}") from exc
    defects = standard_validate(document)
    if defects:
        listed = "\n".join(f"  {defect}" for defect in defects)
        raise StandardError(f"{path}: {len(defects)} problem(s) in the unit file:\n{listed}")
    return raw, document


@transaction.atomic
def standard_load(*, path: Path | str) -> Unit:
    """Load a unit file once; loading it again is a no-op, and changed wording needs a new
    version because signed records point at the wording they were signed against."""
    path = Path(path)
    raw, document = _read(path)
    checksum = hashlib.sha256(raw).hexdigest()
    code, version = document["code"], document["version"]
    existing = Unit.objects.filter(code=code, version=version).first()
    if existing is None:
        try:
            # A savepoint, so a concurrent load of the same file can lose the race cleanly.
            with transaction.atomic():
                return _unit_create(document, checksum=checksum)
        except IntegrityError:
            existing = Unit.objects.get(code=code, version=version)
    if existing.checksum != checksum:
        raise StandardError(
            f"{path}: unit {code} v{version} is already loaded with different content. "
            f"Records signed against v{version} point at its wording, so do not change it: "
            f"raise `version` in the file to load the new wording alongside."
        )
    return existing


def _unit_create(document: dict, *, checksum: str) -> Unit:
    unit = Unit.objects.create(
        checksum=checksum,
        version=document["version"],
        **{key: document.get(key, "") for key in _UNIT_TEXT},
    )
    _elements_create(unit, document["elements"])
    _knowledge_create(unit, document["knowledge"])
    _range_create(unit, document["range"])
    EvidenceType.objects.bulk_create(
        EvidenceType(unit=unit, order=order, **evidence_type)
        for order, evidence_type in enumerate(document["evidence_types"], start=1)
    )
    return unit


def _elements_create(unit: Unit, elements: list[dict]) -> None:
    created = Element.objects.bulk_create(
        Element(unit=unit, number=element["number"], title=element["title"]) for element in elements
    )
    outcomes = [
        (element, outcome)
        for element, data in zip(created, elements, strict=True)
        for outcome in data["outcomes"]
    ]
    Outcome.objects.bulk_create(
        Outcome(unit=unit, element=element, code=o["code"], text=o["text"], order=order)
        for order, (element, o) in enumerate(outcomes, start=1)
    )


def _knowledge_create(unit: Unit, groups: list[dict]) -> None:
    # One running order across items and aspects, so ordering by `order` gives the record's
    # grid: ... 1, 2, 2.i ... 2.v, 3 ...
    rows: list[tuple[KnowledgeItem, list[dict]]] = []
    order = 0
    for group in groups:
        for item in group["items"]:
            order += 1
            row = KnowledgeItem(
                unit=unit,
                group=group["group"],
                group_text=group["group_text"],
                code=item["code"],
                text=item["text"],
                closing_text=item.get("closing_text", ""),
                order=order,
            )
            rows.append((row, item.get("aspects", [])))
            order += len(item.get("aspects", []))
    KnowledgeItem.objects.bulk_create(row for row, _ in rows)
    KnowledgeItem.objects.bulk_create(
        KnowledgeItem(
            unit=unit,
            parent=parent,
            group=parent.group,
            group_text=parent.group_text,
            code=aspect["code"],
            text=aspect["text"],
            order=parent.order + n,
        )
        for parent, aspects in rows
        for n, aspect in enumerate(aspects, start=1)
    )


def _range_create(unit: Unit, groups: list[dict]) -> None:
    items = [(group, item) for group in groups for item in group["items"]]
    RangeItem.objects.bulk_create(
        RangeItem(
            unit=unit,
            group=group["group"],
            group_text=group["group_text"],
            code=item["code"],
            text=item["text"],
            criteria=item["criteria"],
            order=order,
        )
        for order, (group, item) in enumerate(items, start=1)
    )
