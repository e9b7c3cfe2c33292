"""The dependency audit in `make lint` (scripts/audit_deps.py): a known vulnerability fails
it unless reviewed, and packages the advisory service could not answer for are reported,
never passed over in silence."""

import importlib.util
from pathlib import Path

import pytest

SCRIPT = Path(__file__).parents[2] / "scripts" / "audit_deps.py"


@pytest.fixture
def audit_deps(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_file_location("audit_deps", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    reviewed = tmp_path / "audit-reviewed.txt"
    reviewed.write_text("# reviewed\nGHSA-aaaa-bbbb-cccc  # not our code path (2026-11-23)\n")
    monkeypatch.setattr(module, "REVIEWED", reviewed)
    monkeypatch.delenv("CASEBOOK_REQUIRE_AUDIT", raising=False)
    return module


def report(*dependencies):
    return {"dependencies": list(dependencies), "fixes": []}


def vulnerable(vuln_id, aliases=()):
    vuln = {"id": vuln_id, "aliases": list(aliases), "fix_versions": ["9.9"]}
    return {"name": "somepkg", "version": "1.0", "vulns": [vuln]}


def test_an_unreviewed_vulnerability_fails_the_audit_naming_it(audit_deps, monkeypatch, capsys):
    monkeypatch.setattr(audit_deps, "audit", lambda lock, service: report(vulnerable("PYSEC-1")))
    assert audit_deps.main(["requirements/base.txt"]) == 1
    assert "VULNERABLE somepkg 1.0: PYSEC-1 (fixed in 9.9)" in capsys.readouterr().out


def test_a_reviewed_vulnerability_passes_by_its_id_or_an_alias(audit_deps, monkeypatch):
    found = vulnerable("PYSEC-2", aliases=["GHSA-aaaa-bbbb-cccc"])
    monkeypatch.setattr(audit_deps, "audit", lambda lock, service: report(found))
    assert audit_deps.main(["requirements/base.txt"]) == 0


def test_a_clean_audit_passes_and_counts_the_packages(audit_deps, monkeypatch, capsys):
    clean = {"name": "django", "version": "5.2.8", "vulns": []}
    monkeypatch.setattr(audit_deps, "audit", lambda lock, service: report(clean))
    assert audit_deps.main(["requirements/base.txt"]) == 0
    assert "1 locked packages audited, 0 unreviewed" in capsys.readouterr().out


def test_packages_that_could_not_be_audited_are_reported_and_fail_when_required(
    audit_deps, monkeypatch, capsys
):
    skipped = {"name": "amqp", "skip_reason": "Dependency not found on PyPI: amqp (5.4.2)"}
    monkeypatch.setattr(audit_deps, "audit", lambda lock, service: report(skipped))
    assert audit_deps.main(["requirements/base.txt"]) == 0
    assert "1 packages could NOT be audited" in capsys.readouterr().out
    monkeypatch.setenv("CASEBOOK_REQUIRE_AUDIT", "1")
    assert audit_deps.main(["requirements/base.txt"]) == 1


def test_the_reviewed_list_in_the_repository_parses():
    spec = importlib.util.spec_from_file_location("audit_deps_real", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert all(i.split("-")[0] in {"PYSEC", "GHSA", "CVE"} for i in module.reviewed_ids())
