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


def axe_violations(page: Any, *, tags: list[str] | None = None) -> list[dict[str, Any]]:
    """Run axe on the page as it is now; returns axe's violations (rule id, impact, help, nodes)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
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


def assert_accessible(page: Any, *, tags: list[str] | None = None) -> None:
    violations = axe_violations(page, tags=tags)
    assert not violations, f"{page.url} has {len(violations)} accessibility violation(s):\n{describe(violations)}"
