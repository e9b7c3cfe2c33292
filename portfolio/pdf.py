"""The PDF renderer for the signed records: HTML in, bytes out, no Django imports.

WeasyPrint would fetch any URL a template names (the network, any file the process can
read); the fetcher here serves only files under the static roots it is given, so a
record that quoted a learner's text cannot make the server read or send anything else.
"""

from __future__ import annotations

import mimetypes
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A base URL no resolver answers (RFC 6761 '.invalid'): relative and root-relative links
# in the templates resolve against it, and only this origin is ever served.
BASE_URL = "https://casebook.invalid/"


_thread = threading.local()


def _font_config() -> FontConfiguration:
    """This thread's font configuration, made on its first render and kept.

    WeasyPrint makes a new one for every document unless given one, and making one loads
    fontconfig's whole configuration and font list: about a quarter of a second a render
    (docs/benchmarks.md). The records use only installed fonts (no @font-face), so nothing
    is added to it. One a thread, as Pango's font maps are not shared across threads."""
    config = getattr(_thread, "font_config", None)
    if config is None:
        config = _thread.font_config = FontConfiguration()
    return config


class StaticOnlyFetcher(URLFetcher):
    """Serve `<static_url>path` from the static roots; refuse every other URL."""

    def __init__(self, *, static_roots: Sequence[Path], static_url: str = "/static/"):
        super().__init__(fail_on_errors=False)
        self.static_roots = [Path(root).resolve() for root in static_roots]
        self.static_url = "/" + static_url.strip("/") + "/"

    def fetch(self, url, headers=None):  # noqa: ARG002 - WeasyPrint's signature
        path = self.static_path(url)
        if path is None:
            raise ValueError(f"refused to fetch {url!r}: only the project's static files")
        mime_type, _ = mimetypes.guess_type(path.name)
        return URLFetcherResponse(
            url,
            body=path.read_bytes(),
            headers={"Content-Type": mime_type or "application/octet-stream"},
        )

    def static_path(self, url: str) -> Path | None:
        """The file a URL names inside a static root, or None when it names anything else."""
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}/" != BASE_URL or parts.query:
            return None
        if not parts.path.startswith(self.static_url):
            return None
        relative = unquote(parts.path[len(self.static_url) :])
        for root in self.static_roots:
            candidate = (root / relative).resolve()
            # resolve() follows '..' and symlinks first, so the check sees the real file.
            if candidate.is_relative_to(root) and candidate.is_file():
                return candidate
        return None


def render_pdf(
    html: str,
    *,
    title: str,
    author: str,
    static_roots: Sequence[Path] = (),
    static_url: str = "/static/",
    stylesheets: Sequence[Path] = (),
    on_laid_out: Callable[[int], None] | None = None,
) -> bytes:
    """Render print HTML to a tagged A4 PDF (the page size is the stylesheets') with metadata.

    The stylesheets are files read here, not links in the HTML: a link goes through the
    static files storage, whose names (hashed, in production) need not exist in the source
    folders the fetcher reads. ``on_laid_out(pages)`` is called between layout and writing,
    the two long steps, so a background job can report how far it has got."""
    fetcher = StaticOnlyFetcher(static_roots=static_roots, static_url=static_url)
    font_config = _font_config()
    styles = [
        CSS(filename=str(path), url_fetcher=fetcher, font_config=font_config)
        for path in stylesheets
    ]
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher).render(
        stylesheets=styles, font_config=font_config, pdf_tags=True
    )
    if on_laid_out is not None:
        on_laid_out(len(document.pages))
    document.metadata.title = title
    document.metadata.authors = [author]
    return document.write_pdf(pdf_tags=True)
