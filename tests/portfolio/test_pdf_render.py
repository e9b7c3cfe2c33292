"""The PDF renderer: metadata, A4, and a fetcher that reads only the static files."""

import subprocess
from pathlib import Path

import pytest

from portfolio.pdf import BASE_URL, StaticOnlyFetcher, render_pdf

STATIC = Path(__file__).resolve().parents[2] / "static"


def pdfinfo(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdfinfo", path], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607


def test_render_pdf_sets_title_author_tags_and_a4(tmp_path):
    html = "<style>@page { size: A4 }</style><h1>Evidence achievement record</h1>"
    info = pdfinfo(render_pdf(html, title="Unit F6", author="Ann Assessor"), tmp_path)
    assert "Title:           Unit F6" in info
    assert "Author:          Ann Assessor" in info
    assert "Tagged:          yes" in info
    assert "595.276 x 841.89 pts (A4)" in info


@pytest.fixture
def fetcher():
    return StaticOnlyFetcher(static_roots=[STATIC])


def test_fetcher_serves_a_static_file(fetcher):
    response = fetcher.fetch(BASE_URL + "static/css/casebook.css")
    assert response.read() == (STATIC / "css" / "casebook.css").read_bytes()


@pytest.mark.parametrize(
    "url",
    [
        "http://example.com/x.png",
        "https://example.com/static/css/casebook.css",
        "file:///etc/passwd",
        f"file://{STATIC}/css/casebook.css",
        BASE_URL + "static/../pyproject.toml",
        BASE_URL + "static/%2e%2e/pyproject.toml",
        BASE_URL + "static/..%2f..%2f..%2fetc/passwd",
        BASE_URL + "pyproject.toml",
        BASE_URL + "static/css/",
    ],
)
def test_fetcher_refuses_the_network_and_files_outside_static(fetcher, url):
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(url)


def test_a_refused_image_does_not_stop_the_render(tmp_path):
    html = '<h1>Record</h1><img src="http://example.com/x.png"><img src="file:///etc/passwd">'
    assert render_pdf(html, title="t", author="a").startswith(b"%PDF")


def test_renders_in_one_thread_share_a_font_configuration_and_each_thread_has_its_own():
    import threading

    from portfolio.pdf import _font_config

    assert _font_config() is _font_config()
    other = []
    thread = threading.Thread(target=lambda: other.append(_font_config()))
    thread.start()
    thread.join(10)
    assert len(other) == 1
    assert other[0] is not _font_config()
