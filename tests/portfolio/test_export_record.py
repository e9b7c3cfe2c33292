"""`manage.py export_record`: the same PDFs as the records page, written to a file for a
centre's batch use; bad input is refused with a clear message and writes nothing."""

import pytest
from django.core.management import CommandError, call_command

from tests.portfolio.printing_helpers import pdf_words


def text_of(path) -> str:
    return pdf_words(path.read_bytes())


def test_the_command_writes_the_achievement_record(enrolment, tmp_path, capsys):
    out = tmp_path / "record.pdf"
    call_command("export_record", learner=enrolment.learner.username, out=str(out))
    assert out.read_bytes().startswith(b"%PDF")
    text = text_of(out)
    assert "Evidence achievement record" in text
    assert "respond positively to customers' problems" in text
    assert "DRAFT" in text
    assert "(DRAFT: not fully signed)" in capsys.readouterr().out
    assert [p.name for p in tmp_path.iterdir()] == ["record.pdf"]


def test_the_command_writes_the_knowledge_record(enrolment, tmp_path):
    out = tmp_path / "knowledge.pdf"
    call_command(
        "export_record", learner=enrolment.learner.username, out=str(out), part="knowledge"
    )
    text = text_of(out)
    assert "Knowledge evidence record" in text
    assert "major competitors of your organisation" in text


def test_an_unknown_learner_is_refused_and_nothing_written(db, tmp_path):
    with pytest.raises(CommandError, match="No enrolment for learner 'nobody'"):
        call_command("export_record", learner="nobody", out=str(tmp_path / "x.pdf"))
    assert not list(tmp_path.iterdir())


def test_a_missing_folder_is_refused(enrolment, tmp_path):
    with pytest.raises(CommandError, match="is not a folder: nothing written"):
        call_command(
            "export_record",
            learner=enrolment.learner.username,
            out=str(tmp_path / "missing" / "x.pdf"),
        )


def test_an_unknown_part_is_refused(enrolment, tmp_path):
    with pytest.raises(CommandError, match="invalid choice"):
        call_command(
            "export_record",
            "--learner",
            enrolment.learner.username,
            "--out",
            str(tmp_path / "x.pdf"),
            "--part",
            "everything",
        )
