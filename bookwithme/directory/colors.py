"""A person's accent colour: checked for contrast, and the shades the public pages derive.

The public pages paint buttons, links and the selected day with the accent, white text on it
and it on the page's light backgrounds; WCAG asks 4.5:1 for text. So a colour is taken only
when it reads at 4.5:1 against the lightest of those (white) and the darkest (the page's grey
background, `PAGE`): the shades made from it are then held to the same ratio (`palette`).
"""

import re
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

HEX = re.compile(r"^#[0-9a-f]{6}$")
WHITE = "#ffffff"
# The public pages' background (site.css `--bg`): the darkest the accent is read on.
PAGE = "#f5f6f8"
MIN_CONTRAST = 4.5

Rgb = tuple[int, int, int]


def parse(value: str) -> Rgb:
    value = value.lower()
    if not HEX.match(value):
        raise ValueError(value)
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def hex_of(rgb: Rgb) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(rgb: Rgb) -> float:
    """WCAG 2's relative luminance."""

    def linear(channel: int) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: Rgb, b: Rgb) -> float:
    """WCAG 2's contrast ratio, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def mix(a: Rgb, b: Rgb, share_of_b: float) -> Rgb:
    return tuple(round(x + (y - x) * share_of_b) for x, y in zip(a, b, strict=True))  # type: ignore[return-value]


def validate_accent_color(value: str) -> None:
    """A colour written #rrggbb that white text reads on, and that reads on the page."""
    try:
        rgb = parse(value)
    except ValueError:
        raise ValidationError(
            _("Write the colour as # and six digits or letters a to f, such as #1a5fb4."),
            code="invalid",
        ) from None
    ratio = min(contrast(rgb, parse(WHITE)), contrast(rgb, parse(PAGE)))
    if ratio < MIN_CONTRAST:
        raise ValidationError(
            _(
                "This colour is too light: white text on it, and it on your page's "
                "background, would be hard to read (contrast %(ratio)s to 1; at least 4.5 "
                "to 1 is needed). Choose a darker colour."
            ),
            params={"ratio": f"{ratio:.1f}"},
            code="low_contrast",
        )


@dataclass(frozen=True)
class Palette:
    """The accent and what the pages derive from it (site.css's custom properties)."""

    accent: str  # buttons, links, the selected day: white text on it
    strong: str  # hover, text on `soft`
    soft: str  # the days that have times, the chosen time's box
    hover: str  # a day with times under the mouse: a little deeper than `soft`
    ring: str  # the focus ring, drawn around any element


def palette(value: str) -> Palette:
    """The shades of a valid accent: `strong` darker, `soft` light enough that the accent and
    `strong` both read on it at 4.5:1 (the accent reads on white, so a light enough tint
    always exists)."""
    accent = parse(value)
    strong = mix(accent, (0, 0, 0), 0.2)
    soft = mix(accent, (255, 255, 255), 0.9)
    share = 0.9
    while contrast(accent, soft) < MIN_CONTRAST and share < 1:
        share = min(1.0, share + 0.01)
        soft = mix(accent, (255, 255, 255), share)
    share = max(0.0, share - 0.06)
    hover = mix(accent, (255, 255, 255), share)
    while contrast(strong, hover) < MIN_CONTRAST and share < 1:
        share = min(1.0, share + 0.01)
        hover = mix(accent, (255, 255, 255), share)
    return Palette(
        accent=hex_of(accent),
        strong=hex_of(strong),
        soft=hex_of(soft),
        hover=hex_of(hover),
        ring=hex_of(strong),
    )
