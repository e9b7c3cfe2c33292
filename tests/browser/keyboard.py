"""Driving a page with the keyboard alone, as someone who cannot use a mouse does (issue 8,
item 7): Tab to each control, see where the focus is, type, choose, press Enter.

Every stop the Tab key makes is checked for WCAG 2.2's focus rules: the focus is visible
(2.4.7: an outline or a focus ring) and not hidden behind anything else on the page, such as
a sticky header (2.4.11).
"""

from __future__ import annotations

import pytest

# What the focused element is, how it is named, and whether its focus can be seen.
_FOCUSED = """async () => {
  // Styles that change with the focus take effect on the next frames (transitions, even
  // the near-zero ones of reduced motion): measure after them, as the eye would.
  await new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)));
  const el = document.activeElement;
  // At the end of the page the focus leaves the document (for the browser's own controls,
  // which headless Chromium has none of) and comes back in on the next Tab.
  if (!el || el === document.body || !document.hasFocus()) return null;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
  const ring = style.boxShadow && style.boxShadow !== 'none';
  // The focus is on a part inside the browser's own control (the calendar button of a date
  // field): the page's styles don't reach it and the browser draws its own ring there.
  const inner = !el.matches(':focus');
  const rect = el.getBoundingClientRect();
  const x = Math.min(Math.max(rect.left + Math.min(rect.width / 2, 20), 0), innerWidth - 1);
  const y = Math.min(Math.max(rect.top + rect.height / 2, 0), innerHeight - 1);
  const hit = document.elementFromPoint(x, y);
  const label = el.labels && el.labels.length ? el.labels[0].innerText : '';
  return {
    tag: el.tagName.toLowerCase(),
    name: el.getAttribute('name') || '',
    text: (el.getAttribute('aria-label') || label || el.innerText || el.value || '')
      .replace(/\\s+/g, ' ').trim(),
    visible_focus: outline || ring || inner,
    obscured: !(hit && (hit === el || el.contains(hit) || (el.labels && [...el.labels].includes(hit)))),
    covered_by: hit ? hit.outerHTML.slice(0, 80) : 'nothing (off screen)',
    selected: el.tagName === 'SELECT' ? el.options[el.selectedIndex].text.trim() : null,
  };
}"""


def focused(page) -> dict | None:
    """The focused element, once its focus styles have settled (up to half a second)."""
    for _ in range(10):
        now = page.evaluate(_FOCUSED)
        if now is None or (now["visible_focus"] and not now["obscured"]):
            return now
        page.wait_for_timeout(50)
    return now


def tab_to(page, *, name: str | None = None, text: str | None = None, limit: int = 120) -> dict:
    """Press Tab until the focus is on the control named ``name`` (its name attribute) or
    whose label or text starts with ``text`` (no press when it is there already, as on a
    field with autofocus); fail if the keyboard cannot reach it. Each stop on the way must
    show its focus and not be hidden."""
    seen = []
    for attempt in range(limit + 1):
        if attempt:
            page.keyboard.press("Tab")
        now = focused(page)
        if now is None:
            continue
        where = f"{now['tag']} {now['name'] or now['text'][:40]!r} on {page.url}"
        assert now["visible_focus"], f"the focus on {where} cannot be seen (WCAG 2.4.7)"
        assert not now["obscured"], (
            f"the focus on {where} is hidden by {now['covered_by']} (2.4.11)"
        )
        seen.append(where)
        if (name is not None and now["name"] == name) or (
            text is not None and now["text"].startswith(text)
        ):
            return now
    pytest.fail(
        f"{limit} presses of Tab never reached {name or text!r}; the stops were:\n"
        + "\n".join(seen[-30:])
    )


def type_into(page, text: str, *, name: str | None = None, label: str | None = None) -> None:
    tab_to(page, name=name, text=label)
    page.keyboard.type(text)


def choose(page, option: str, *, name: str) -> None:
    """Pick an option of a select by typing the start of its text, as a keyboard user does."""
    tab_to(page, name=name)
    page.keyboard.type(option)
    chosen = focused(page)["selected"]
    assert chosen.startswith(option), f"typing {option!r} on {name} chose {chosen!r}"


def press_button(page, text: str) -> None:
    tab_to(page, text=text)
    page.keyboard.press("Enter")
