"""The curl examples in docs/api.md run, as written, with real curl against a live server:
each ends with the status its comment expects (issue 9, item 6)."""

from __future__ import annotations

import datetime
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone

from accounts.models import Role
from accounts.services import api_token_create
from analytics.models import AnalysisRun
from tests.accounts.factories import CentreFactory, member
from tests.complaints.factories import ProblemFactory

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "api.md"
BLOCK = re.compile(r"```bash\n# expect (\d{3})\n(.*?)```", re.DOTALL)


def examples() -> list[tuple[int, str]]:
    return [(int(status), body.strip()) for status, body in BLOCK.findall(GUIDE.read_text())]


def test_every_bash_block_of_the_guide_is_an_example_with_its_expected_status():
    found = examples()
    assert len(found) == GUIDE.read_text().count("```bash") == 12
    assert all(command.startswith("curl ") for _, command in found)


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_guides_curl_examples_answer_as_documented(live_server, transactional_db, eager_jobs):
    centre = CentreFactory(name="Harbour Energy", slug="harbour")
    learner = member(centre=centre, role=Role.LEARNER, username="lena")
    admin = member(centre=centre, role=Role.CENTRE_ADMIN, username="ada")
    _, key = api_token_create(centre=centre, name="CRM", scope="write", by=admin)
    problem = ProblemFactory(
        centre=centre,
        learner=learner,
        number=900,
        received_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 0)),
    )
    run = AnalysisRun.objects.create(
        centre=centre, trigger="manual", status=AnalysisRun.Status.SUCCEEDED
    )
    env = {
        **os.environ,
        "CASEBOOK": live_server.url,
        "TOKEN": key,
        "PROBLEM": str(problem.pk),
        "RUN": str(run.pk),
    }

    answered = []
    for expected, command in examples():
        result = subprocess.run(  # noqa: S603 - the guide's own commands, run by bash
            ["bash", "-c", command + ' -o /dev/null -w "%{http_code}"'],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert result.returncode == 0, f"{command}\n{result.stderr}"
        answered.append((int(result.stdout), expected))
    assert [got for got, _ in answered] == [expected for _, expected in answered]
