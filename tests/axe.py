"""axe-core in the browser tests: inject the engine into a page, fail on serious findings.

The engine is npm's ``axe-core``, installed once by ``scripts/ensure-axe.sh`` into ``.tools``;
nothing is downloaded while the tests run. Rules: WCAG 2.0/2.1 A and AA plus axe's best
practices. Critical and serious findings fail; moderate and minor ones are left to review.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE_SCRIPT = Path(__file__).resolve().parents[1] / ".tools/axe/node_modules/axe-core/axe.min.js"
AXE_HINT = "run scripts/ensure-axe.sh first"
TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice")
FAILING = ("critical", "serious")

_RUN = """async ([tags, include]) => {
  const context = include ? {include: [[include]]} : document;
  const results = await axe.run(context, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => ({target: n.target.join(" "), summary: n.failureSummary})),
  }));
}"""

_OVERFLOW = "() => [document.scrollingElement.scrollWidth, window.innerWidth]"
# Colours are measured when nothing moves: a dialog fading in is not yet its final colour.
_SETTLED = "() => document.getAnimations().every((a) => a.playState !== 'running')"


def axe_findings(page: Any, include: str | None = None) -> list[dict[str, Any]]:
    """axe's critical and serious violations on the page as it is now (or only in the element
    ``include`` selects, shadow tree and all)."""
    page.wait_for_function(_SETTLED)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.add_script_tag(content=AXE_SCRIPT.read_text())
    violations: list[dict[str, Any]] = page.evaluate(_RUN, [list(TAGS), include])
    return [v for v in violations if v["impact"] in FAILING]


def describe(state: str, findings: list[dict[str, Any]]) -> str:
    """Findings as lines a person can act on: rule, impact, help, and each offending node."""
    lines = []
    for v in findings:
        lines.append(f"{state}: [{v['impact']}] {v['id']}: {v['help']}")
        lines.extend(f"    {n['target']}: {n['summary']}".replace("\n", " ")
                     for n in v["nodes"][:8])
    return "\n".join(lines)


def overflow(page: Any) -> str:
    """A message when the page is wider than the viewport (it scrolls sideways), else ''."""
    width, viewport = page.evaluate(_OVERFLOW)
    return f"page is {width}px wide in a {viewport}px viewport" if width > viewport else ""


_OUTLINE = """() => ({
  levels: [...document.querySelectorAll("h1, h2, h3, h4, h5, h6")]
    .filter((h) => h.getClientRects().length > 0).map((h) => Number(h.tagName[1])),
  landmarks: [...document.querySelectorAll("header, nav, main")].map((e) => e.localName),
})"""


def outline(page: Any, landmarks: tuple[str, ...]) -> list[str]:
    """What is wrong with the page's structure: not exactly one H1, a heading level skipped
    (H2 → H4), or one of ``landmarks`` (``header``, ``nav``, ``main``) missing."""
    found = page.evaluate(_OUTLINE)
    levels: list[int] = found["levels"]
    problems = []
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} H1 headings (one is expected)")
    for before, after in zip([0, *levels], levels, strict=False):
        if after > before + 1:
            problems.append(f"heading H{after} follows H{before}")
    problems.extend(f"no <{name}> landmark" for name in landmarks
                    if name not in found["landmarks"])
    return problems


class Audit:
    """Collects the findings of many page states, so one run reports all of them at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.states: list[str] = []

    def check(self, page: Any, state: str, *, phone: bool = False,
              include: str | None = None, landmarks: tuple[str, ...] | None = None) -> None:
        """Audit the page as it is now; with ``landmarks``, its heading outline too."""
        self.states.append(state)
        if found := axe_findings(page, include):
            self.problems.append(describe(state, found))
        if landmarks is not None:
            self.problems.extend(f"{state}: {p}" for p in outline(page, landmarks))
        if phone and (wide := overflow(page)):
            self.problems.append(f"{state}: {wide}")

    def assert_clean(self) -> None:
        assert not self.problems, "\n" + "\n".join(self.problems)
