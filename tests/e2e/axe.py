"""Accessibility checks with axe-core (vendored in tests/e2e/vendor/, see its README) on a Playwright page.

    context = browser.new_context(bypass_csp=True)   # the apps' CSP forbids the injected script
    page = context.new_page(); page.goto(url)
    assert_accessible(page)                          # WCAG 2.0/2.1/2.2 A and AA rules

A failure lists each violation with its rule, impact, help text and the elements it found, so it can be
fixed from the message alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
# Chromium runs no timers on a page without JavaScript, and axe waits on setTimeout: for the audit only,
# timers become microtasks (cancellable), and axe's source is evaluated since a script tag would not run.
NO_JS_TIMERS = """() => {
  let next = 1; const live = new Set();
  window.setTimeout = (fn, ms, ...args) => {
    const id = next++; live.add(id);
    Promise.resolve().then(() => { if (live.delete(id)) fn(...args); });
    return id;
  };
  window.clearTimeout = (id) => { live.delete(id); };
}"""


def axe_violations(page: Any, *, tags: list[str] | None = None, javascript: bool = True) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; returns axe's violations (rule id, impact, help, nodes).
    javascript=False for a page whose context has JavaScript disabled."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        if javascript:
            page.add_script_tag(path=str(AXE))
        else:
            page.evaluate(NO_JS_TIMERS)
            page.evaluate(AXE.read_text() + "\n;void 0")
    result = page.evaluate(
        "async (tags) => await window.axe.run(document, "
        "{runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        tags or WCAG_TAGS,
    )
    assert result["passes"], f"axe checked no rule on {page.url}: is the page empty?"
    return result["violations"]


def describe(violations: list[dict[str, Any]], *, max_nodes: int = 5) -> str:
    lines = []
    for violation in violations:
        lines.append(f"- {violation['id']} ({violation.get('impact')}): {violation['help']} [{violation['helpUrl']}]")
        for node in violation["nodes"][:max_nodes]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary[:300]}")
            lines.append(f"      {node.get('html', '')[:200]}")
        if len(violation["nodes"]) > max_nodes:
            lines.append(f"    ... and {len(violation['nodes']) - max_nodes} more")
    return "\n".join(lines)


def assert_accessible(page: Any, *, tags: list[str] | None = None, javascript: bool = True) -> None:
    violations = axe_violations(page, tags=tags, javascript=javascript)
    assert not violations, f"{page.url} has {len(violations)} accessibility violation(s):\n{describe(violations)}"
