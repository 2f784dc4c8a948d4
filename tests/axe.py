"""axe-core's accessibility checks on a page the browser tests show.

axe-core comes from the npm registry, pinned in package-lock.json (`make test` runs `npm ci`
when it is missing), and is injected by the test, never served by the site.

The site's CSP forbids inline script, and `add_script_tag(path=...)` injects the file's text
inline, so the browser context of a page checked this way must be made with
`bypass_csp=True` (see `context`). The CSP itself is held by test_content_security.py, in
contexts that do not bypass it.
"""

from pathlib import Path

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"

# WCAG 2.0, 2.1 and 2.2 A and AA, and axe's best practices: every rule a page should pass.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def context(browser, **options):
    """A browser context whose pages axe can be injected into (CSP bypassed, see above)."""
    return browser.new_context(bypass_csp=True, **options)


def violations(page) -> list[dict]:
    """Every violation axe finds on the page as it stands, of any impact."""
    if not AXE.exists():
        raise AssertionError(f"{AXE} is missing: run `npm ci` (or `make test`) first")
    if not page.evaluate("() => Boolean(window.axe)"):
        page.add_script_tag(path=str(AXE))
    return page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
        ".then((r) => r.violations)",
        TAGS,
    )


def summary(found: list[dict]) -> str:
    """One line per violation and node, for an assertion's message."""
    lines = []
    for violation in found:
        for node in violation["nodes"]:
            where = f"{violation['id']} ({violation['impact']}): {node['target']}"
            lines.append(f"{where} {node['failureSummary']}")
    return "\n".join(lines)
