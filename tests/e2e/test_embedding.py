"""The booking page on another site, through static/web/embed.js: an inline frame as tall as
its content, a pop-up opened and closed with the keyboard, a floating button; and axe-core on
the embedded page and on a branded one.

The frame and the pop-up at 375 and 1280 px, in English and French (the host's page in the
visitor's language, the booking page in the browser's). The host is a page of its own on
another port (another origin), as an organizer's website is.
"""

import time
from io import BytesIO

import pytest
from axe import context, summary, violations
from browser import DESKTOP, PHONE, other_site
from liveserver import DEADLINE
from makers import make_person, make_type
from PIL import Image
from playwright.sync_api import expect

from bookwithme.directory import photos
from bookwithme.directory.models import update_profile

pytestmark = pytest.mark.django_db(transaction=True)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# How far the frame may be from its content's height: a rounding, no more.
PIXELS = 3
CASES = [
    pytest.param(PHONE, "en-US", id="phone-en"),
    pytest.param(DESKTOP, "en-US", id="desktop-en"),
    pytest.param(PHONE, "fr-FR", id="phone-fr"),
    pytest.param(DESKTOP, "fr-FR", id="desktop-fr"),
]
# The pop-up's close button, named by embed.js in the host page's language.
CLOSE = {"en-US": "Close", "fr-FR": "Fermer"}


@pytest.fixture
def camille(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    person = make_person(
        name="Camille Dubois",
        time_zone="Europe/Paris",
        page_slug="camille",
        weekly={day: [["09:00", "17:00"]] for day in WEEKDAYS},
    )
    make_type(person, title="Premier échange", slug="premier-echange", duration_minutes=30)
    make_type(person, title="Suivi", slug="suivi", duration_minutes=60)
    return person


@pytest.fixture
def branded(camille):
    """Camille with a green accent and a photo."""
    update_profile(camille, {"accent_color": "#0b6e4f"})
    out = BytesIO()
    Image.new("RGB", (300, 200), (180, 120, 90)).save(out, "JPEG")
    photos.replace(camille, BytesIO(out.getvalue()))
    return camille


@pytest.fixture
def host(site):
    """Another site using embed.js: host(page, snippet, lang) opens its page holding `snippet`,
    in that language."""
    shown = {}

    def page_html() -> str:
        return (
            f'<!doctype html><html lang="{shown["lang"]}"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>Host</title></head><body><main><h1>My website</h1>{shown['snippet']}"
            f'<p id="after">After the booking page.</p></main>'
            f'<script src="{site}/static/web/embed.js" defer></script></body></html>'
        )

    with other_site(page_html) as address:

        def open_host(page, snippet: str, lang: str = "en") -> None:
            shown["snippet"] = snippet
            shown["lang"] = lang
            page.goto(address)

        yield open_host


def embedded_frame(page):
    """The booking page's frame, once it has loaded in embed mode (polled: the host's script
    makes the frame when it runs)."""
    deadline = time.monotonic() + DEADLINE
    while not (frames := [f for f in page.frames if "embed=1" in f.url]):
        assert time.monotonic() < deadline, "no frame in embed mode"
        page.wait_for_timeout(50)
    frames[-1].wait_for_load_state()
    return frames[-1]


def frame_fits_its_content(page, frame) -> None:
    """Waits until the frame's height on the host is its content's height (within PIXELS)."""
    content = frame.evaluate("() => document.documentElement.getBoundingClientRect().height")
    page.wait_for_function(
        "([content, pixels]) => Math.abs("
        "document.querySelector('iframe').getBoundingClientRect().height - content) <= pixels",
        arg=[content, PIXELS],
    )


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_inline_frame_takes_its_contents_height(
    site, browser, camille, host, shots, viewport, locale
):
    page = browser.new_page(viewport=viewport, locale=locale)
    host(
        page,
        f'<a href="{site}/camille" data-bookwithme="inline">Book time with Camille</a>',
        lang=locale[:2],
    )

    frame = embedded_frame(page)
    expect(frame.locator(".type-card").first).to_be_visible()
    expect(frame.locator("html")).to_have_attribute("lang", locale[:2])
    frame_fits_its_content(page, frame)
    assert frame.evaluate("() => document.querySelector('.topbar, footer')") is None
    small = page.locator("iframe").bounding_box()["height"]

    # A taller page in the same frame (the picker's), and the frame grows to it.
    frame.locator(".type-card").first.click()
    page.wait_for_function("() => document.querySelector('iframe').offsetHeight > 0")
    frame = embedded_frame(page)
    expect(frame.locator(".time").first).to_be_visible()
    frame_fits_its_content(page, frame)
    assert page.locator("iframe").bounding_box()["height"] > small + 100
    assert "embed=1" in frame.url  # the page's links stay in embed mode
    # Nothing scrolls inside the frame: it shows the whole page.
    assert frame.evaluate(
        "() => document.documentElement.scrollHeight <= window.innerHeight + 1"
    ), "the frame scrolls"
    expect(page.locator("#after")).to_be_visible()
    shots(page, "inline")
    page.close()


@pytest.mark.parametrize(("viewport", "locale"), CASES)
def test_the_pop_up_opens_and_closes_with_the_keyboard(
    site, browser, camille, host, shots, viewport, locale
):
    page = browser.new_page(viewport=viewport, locale=locale)
    host(
        page,
        f'<a id="book" href="{site}/camille/premier-echange" data-bookwithme="popup">'
        "Book a first call</a>",
        lang=locale[:2],
    )
    link = page.locator("#book")
    expect(link).to_have_attribute("aria-haspopup", "dialog")

    link.focus()
    page.keyboard.press("Enter")
    dialog = page.locator("dialog[open]")
    expect(dialog).to_be_visible()
    close = dialog.get_by_role("button", name=CLOSE[locale])
    expect(close).to_be_focused()
    frame = embedded_frame(page)
    expect(frame.locator(".time").first).to_be_visible()
    expect(frame.locator("html")).to_have_attribute("lang", locale[:2])
    shots(page, "pop-up")

    page.keyboard.press("Escape")
    expect(page.locator("dialog")).to_have_count(0)
    expect(link).to_be_focused()

    # Escape pressed inside the booking page (another origin) closes it too.
    page.keyboard.press("Enter")
    expect(page.locator("dialog[open]")).to_be_visible()
    frame = embedded_frame(page)
    expect(frame.locator(".time").first).to_be_visible()
    frame.locator(".time").first.focus()
    page.keyboard.press("Escape")
    expect(page.locator("dialog")).to_have_count(0)
    expect(link).to_be_focused()

    # The close button, with the keyboard.
    page.keyboard.press("Enter")
    expect(page.locator("dialog[open]").get_by_role("button", name=CLOSE[locale])).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("dialog")).to_have_count(0)
    page.close()


def test_the_floating_button_sits_in_a_corner_and_opens_the_pop_up(site, browser, camille, host):
    page = browser.new_page(viewport=DESKTOP)
    host(page, f'<a id="float" href="{site}/camille" data-bookwithme="float">Book a meeting</a>')
    button = page.locator("#float")

    expect(button).to_have_css("position", "fixed")
    box = button.bounding_box()
    assert box["x"] + box["width"] > DESKTOP["width"] - 40
    assert box["y"] + box["height"] > DESKTOP["height"] - 40

    button.click()
    frame = embedded_frame(page)
    expect(frame.locator(".type-card").first).to_be_visible()
    page.keyboard.press("Escape")
    expect(page.locator("dialog")).to_have_count(0)


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_axe_finds_nothing_on_the_embedded_and_the_branded_pages(
    site, browser, branded, viewport, shots
):
    ctx = context(browser, viewport=viewport, locale="en-US", timezone_id="America/Toronto")
    page = ctx.new_page()
    for path in (
        "/camille?embed=1",
        "/camille/premier-echange?embed=1",
        "/camille",
        "/camille/premier-echange",
    ):
        page.goto(f"{site}{path}")
        expect(page.locator("img[data-photo]")).to_be_visible()
        if "premier" in path:
            expect(page.locator(".time").first).to_be_visible()
            # The branded colours in every state: a day chosen, a time under the mouse.
            page.locator(".time").first.hover()
        found = violations(page)
        assert found == [], f"{path}:\n{summary(found)}"
        shots(page, path.strip("/").replace("/", "-").replace("?", "-"))
    ctx.close()
