"""axe-core on every page the browser journeys open (issue 8, item 7).

Every browser context of a journey gets axe-core (4.14.1, from the npm registry, committed
under vendor/axe-core, so no network is needed) as an init script, which Chromium runs in
each document whatever the page's Content Security Policy says. Before each action a journey
takes (a goto, a click, a key press, a fill...) and when the journey ends, the current
document of that page is audited once against WCAG 2.2 level A and AA. Auditing before
the next action, rather than on the page's load event, means a journey that clicks on at
once cannot leave a page unaudited, and the audit never races the journey's own steps.

A journey fails, naming the page, the rule and the elements, on any violation.
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Keyboard, Locator, Page

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_VERSION = "4.14.1"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"

# axe-core's tags for WCAG 2.0, 2.1 and 2.2 at levels A and AA (2.2 added AA rules only).
WCAG_22_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

# The actions after which a page may have changed document: each is checked first.
PAGE_ACTIONS = ("goto", "reload", "go_back", "go_forward", "click", "fill", "press", "check")
LOCATOR_ACTIONS = (
    "click",
    "dblclick",
    "fill",
    "press",
    "press_sequentially",
    "check",
    "uncheck",
    "set_checked",
    "select_option",
    "set_input_files",
    "tap",
)
KEYBOARD_ACTIONS = ("press", "type", "insert_text", "down")

_STATE = """() => ({
  url: location.href,
  html: document.contentType === 'text/html',
  ready: document.readyState,
  audited: window.__casebookAudited === true,
})"""

_RUN = """(tags) => {
  window.__casebookAudited = true;
  return axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})
    .then(r => r.violations.map(v => ({
      rule: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map(n => n.target.join(' ')),
    })));
}"""


@dataclass(frozen=True)
class Violation:
    url: str
    rule: str
    impact: str
    help: str
    targets: tuple[str, ...]

    def __str__(self) -> str:
        shown = ", ".join(self.targets[:3]) + (" ..." if len(self.targets) > 3 else "")
        return f"{self.url}: {self.rule} ({self.impact}) {self.help} -> {shown}"


@dataclass
class Auditor:
    """What the journeys' pages were audited for, and what was found."""

    violations: list[Violation] = field(default_factory=list)
    audited: list[str] = field(default_factory=list)
    _pages: dict[int, Page] = field(default_factory=dict)

    def watch(self, context) -> None:
        context.add_init_script(path=str(AXE))
        context.on("page", self._register)

    def _register(self, page: Page) -> None:
        self._pages[id(page._impl_obj)] = page

    def page_of_keyboard(self, keyboard: Keyboard) -> Page | None:
        return self._pages.get(id(keyboard._impl_obj._page))

    def audit(self, page: Page) -> None:
        """Audit the page's current document unless it was audited already."""
        if page.is_closed() or id(page._impl_obj) not in self._pages:
            return
        for _attempt in range(3):
            try:
                state = page.evaluate(_STATE)
                if state["audited"] or not state["html"] or state["url"] == "about:blank":
                    return
                if state["ready"] != "complete":
                    page.wait_for_load_state("load")
                    continue
                found = page.evaluate(_RUN, WCAG_22_AA)
            except PlaywrightError as exc:
                # The document went away under us (a navigation still committing): look
                # again at the one that replaced it.
                if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                    raise
                page.wait_for_load_state("load")
                continue
            self.audited.append(state["url"])
            self.violations.extend(
                Violation(
                    url=state["url"],
                    rule=v["rule"],
                    impact=v["impact"] or "",
                    help=v["help"],
                    targets=tuple(v["targets"]),
                )
                for v in found
            )
            return

    def audit_open_pages(self) -> None:
        for page in list(self._pages.values()):
            self.audit(page)

    def report(self) -> str:
        return "\n".join(str(v) for v in self.violations)


def _before(auditor: Auditor, page_of, method):
    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        page = page_of(self)
        if page is not None:
            auditor.audit(page)
        return method(self, *args, **kwargs)

    return wrapper


def audit_before_actions(auditor: Auditor, monkeypatch) -> None:
    """Make every action of a journey audit the page it acts on first."""
    for name in PAGE_ACTIONS:
        monkeypatch.setattr(Page, name, _before(auditor, lambda p: p, getattr(Page, name)))
    for name in LOCATOR_ACTIONS:
        monkeypatch.setattr(
            Locator, name, _before(auditor, lambda loc: loc.page, getattr(Locator, name))
        )
    for name in KEYBOARD_ACTIONS:
        monkeypatch.setattr(
            Keyboard, name, _before(auditor, auditor.page_of_keyboard, getattr(Keyboard, name))
        )


def axe_sha256() -> str:
    return hashlib.sha256(AXE.read_bytes()).hexdigest()
