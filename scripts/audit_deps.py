"""Audit the locked dependencies for known vulnerabilities with pip-audit (issue 8, item 3).

Fails on any vulnerability not reviewed in requirements/audit-reviewed.txt (one advisory id
per line, with the reason it does not affect Casebook). pip-audit asks PyPI's advisory data
(or OSV with CASEBOOK_AUDIT_SERVICE=osv); when neither can be reached (an offline machine,
or a registry mirror without PyPI's JSON API) the dependencies are NOT audited: this says so
loudly and fails only when CASEBOOK_REQUIRE_AUDIT=1, so a machine without the network can
still run `make lint`.

    .venv/bin/python scripts/audit_deps.py [requirements/base.txt requirements/dev.txt]
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REVIEWED = ROOT / "requirements" / "audit-reviewed.txt"
LOCKS = ("requirements/base.txt", "requirements/dev.txt")


def reviewed_ids() -> set[str]:
    ids = set()
    for line in REVIEWED.read_text(encoding="utf-8").splitlines():
        advisory = line.split("#", 1)[0].strip()
        if advisory:
            ids.add(advisory)
    return ids


def audit(lock: str, service: str) -> dict:
    # Our own interpreter running pip-audit on our own lock files: no outside input.
    done = subprocess.run(  # noqa: S603
        [
            sys.executable,
            "-m",
            "pip_audit",
            "--requirement",
            str(ROOT / lock),
            "--no-deps",
            "--disable-pip",
            "--progress-spinner",
            "off",
            "--vulnerability-service",
            service,
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    try:
        return json.loads(done.stdout)
    except json.JSONDecodeError:
        # pip-audit could not even start asking (no name resolution for the service).
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1]}


def main(locks: list[str]) -> int:
    service = os.environ.get("CASEBOOK_AUDIT_SERVICE", "pypi")
    allowed = reviewed_ids()
    unreviewed, unaudited, audited = [], [], 0
    for lock in locks:
        report = audit(lock, service)
        if "error" in report:
            unaudited.append(f"{lock}: {report['error']}")
            continue
        for dependency in report["dependencies"]:
            if "skip_reason" in dependency:
                unaudited.append(f"{lock}: {dependency['skip_reason']}")
                continue
            audited += 1
            for vuln in dependency.get("vulns", []):
                names = {vuln["id"], *vuln.get("aliases", [])}
                if not names & allowed:
                    fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed release"
                    unreviewed.append(
                        f"{dependency['name']} {dependency['version']}: {vuln['id']} "
                        f"(fixed in {fixed})"
                    )
    for line in unreviewed:
        print(f"VULNERABLE {line}")
    print(f"pip-audit ({service}): {audited} locked packages audited, {len(unreviewed)} unreviewed")
    if unaudited:
        print(
            f"WARNING: {len(unaudited)} packages could NOT be audited: the advisory service "
            f"'{service}' did not answer for them (first: {unaudited[0]})."
        )
        if os.environ.get("CASEBOOK_REQUIRE_AUDIT") == "1":
            return 1
    return 1 if unreviewed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(LOCKS)))
