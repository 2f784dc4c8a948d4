"""What the browser tests ask of a page about focus and contrast: every element reached by Tab
shows a visible focus ring, and text reads at a WCAG contrast ratio."""

# How an element shows the focus: its outline, and its box-shadow.
STYLE_OF = """
(el) => {
  const s = getComputedStyle(el);
  return {
    ring: `${s.outlineStyle} ${s.outlineWidth} | ${s.boxShadow}`,
    visible: s.outlineStyle !== "none" && parseFloat(s.outlineWidth) >= 2,
    name: `${el.tagName.toLowerCase()}${el.id ? "#" + el.id : ""}[` +
      `${(el.getAttribute("aria-label") || el.textContent || el.value || "").trim().slice(0, 40)}]`,
  };
}
"""

# WCAG's contrast ratio of an element's text on the background it shows on.
CONTRAST = """
(el) => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  let back = el;
  let bg = [255, 255, 255];
  while (back) {
    const c = rgb(getComputedStyle(back).backgroundColor);
    if (c.length === 3 || (c.length === 4 && c[3] > 0)) { bg = c.slice(0, 3); break; }
    back = back.parentElement;
  }
  const style = getComputedStyle(el);
  if (parseFloat(style.opacity) < 1) return 0;
  const a = lum(rgb(style.color)), b = lum(bg);
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}
"""


def tab_through(page, limit: int = 150) -> list[dict]:
    """Press Tab from the top until the focus leaves the page or comes back round; each
    element reached with its focused style and its style once the focus has left it."""
    page.evaluate("() => { document.activeElement?.blur(); window.scrollTo(0, 0); }")
    seen = []
    first = None
    for _ in range(limit):
        page.keyboard.press("Tab")
        handle = page.evaluate_handle("() => document.activeElement")
        if page.evaluate("(el) => el === document.body || el === null", handle):
            break
        if first is not None and page.evaluate("([a, b]) => a === b", [handle, first]):
            break
        first = first or handle
        focused = page.evaluate(STYLE_OF, handle)
        seen.append({"handle": handle, **focused})
    for entry in seen:
        # Unfocused: the same element's style with the focus elsewhere (on the body).
        page.evaluate("() => document.activeElement?.blur()")
        entry["unfocused"] = page.evaluate(STYLE_OF, entry["handle"])["ring"]
    return seen


def assert_focus_always_shows(page, what: str) -> int:
    reached = tab_through(page)
    assert reached, f"nothing on {what} takes the focus"
    hidden = [e["name"] for e in reached if not e["visible"] or e["ring"] == e["unfocused"]]
    assert not hidden, f"no visible focus on {what}: {hidden}"
    return len(reached)
