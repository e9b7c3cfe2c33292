"""The PDF renderer: metadata, A4, a fetcher that reads only the static files, and the
collector paused while it lays out."""

import gc
import subprocess
import threading
import weakref
from pathlib import Path

import pytest

from portfolio.pdf import BASE_URL, StaticOnlyFetcher, collector_paused, render_pdf

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


def test_the_collector_is_paused_during_a_render_and_back_on_after():
    seen = []
    with collector_paused():
        seen.append(gc.isenabled())
    assert seen == [False]
    assert gc.isenabled()


def test_the_garbage_a_render_leaves_is_collected_as_the_pause_ends():
    class Node:
        pass

    with collector_paused():
        node = Node()
        node.self = node  # a reference cycle: only the cyclic collector can free it
        alive = weakref.ref(node)
        del node
        assert alive() is not None
    assert alive() is None


def test_nested_and_concurrent_renders_keep_the_collector_paused_until_the_last_ends():
    first_in, first_may_end = threading.Event(), threading.Event()
    seen = {}

    def first():
        with collector_paused():
            first_in.set()
            first_may_end.wait(5)
            seen["first, after the second ended"] = gc.isenabled()

    thread = threading.Thread(target=first)
    thread.start()
    first_in.wait(5)
    with collector_paused():
        with collector_paused():
            pass
        seen["second, after a nested pause"] = gc.isenabled()
    first_may_end.set()
    thread.join(5)
    assert seen == {"second, after a nested pause": False, "first, after the second ended": False}
    assert gc.isenabled()


def test_a_collector_switched_off_before_the_render_stays_off():
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_collector_comes_back_on_when_a_render_fails():
    with pytest.raises(RuntimeError), collector_paused():
        raise RuntimeError("layout failed")
    assert gc.isenabled()
