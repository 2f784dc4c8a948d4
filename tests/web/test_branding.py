"""A person's branding: the photo (checked, re-encoded, served safely, removable) and the
accent colour (contrast checked, applied by a stylesheet of ours); the public pages show the
person and not the product."""

import json
from datetime import UTC, datetime
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from dom import dom, has_class, one, text
from makers import auth, make_person, make_token, make_type
from PIL import Image

from bookwithme.booking import services
from bookwithme.directory import colors, photos
from bookwithme.directory.models import Person, update_profile

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

# A Monday morning in Paris, inside the default working hours, after the frozen "now".
START = datetime(2026, 6, 1, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tmp_path


@pytest.fixture
def alex():
    return make_person(name="Alex Martin", page_slug="alex")


@pytest.fixture
def signed_in(client, alex):
    client.force_login(alex)
    return client


def picture(fmt="JPEG", size=(640, 480), color=(200, 30, 30), **save) -> bytes:
    out = BytesIO()
    Image.new("RGB", size, color).save(out, fmt, **save)
    return out.getvalue()


def with_exif(orientation: int = 6) -> bytes:
    """A JPEG whose EXIF says: turn me (6: 90° clockwise), and says who took it."""
    exif = Image.Exif()
    exif[0x0112] = orientation
    exif[0x013B] = "Secret Photographer"  # Artist
    out = BytesIO()
    # Wider than tall, red on the left half: once turned, red is at the top.
    image = Image.new("RGB", (400, 200), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, 200, 200))
    image.save(out, "JPEG", exif=exif.tobytes(), quality=95)
    return out.getvalue()


def upload(client, data: bytes, name="me.jpg", content_type="image/jpeg"):
    file = SimpleUploadedFile(name, data, content_type=content_type)
    return client.post("/app/profile/photo", {"photo": file})


def photo_errors(response) -> str:
    return text(one(dom(response), "//form[@id='photo-form']//ul[@class='errorlist']"))


# --- the photo -----------------------------------------------------------------------------


def test_a_photo_is_stored_square_small_and_reencoded_without_exif(signed_in, alex, data_dir):
    response = upload(signed_in, with_exif())

    assert response.status_code == 302
    alex.refresh_from_db()
    stored = photos.data_of(alex.photo)
    assert photos.is_name(alex.photo) and stored is not None
    image = Image.open(BytesIO(stored))
    assert image.format == "WEBP"
    assert image.size == (photos.SIZE, photos.SIZE)
    assert not image.getexif() and "exif" not in image.info and "icc_profile" not in image.info
    assert b"Secret Photographer" not in stored
    # The EXIF orientation was applied: the red half is now at the top.
    top, bottom = image.convert("RGB").getpixel((128, 20)), image.getpixel((128, 235))
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_png_and_webp_are_taken_too(alex):
    for data in (picture("PNG"), picture("WEBP")):
        name = photos.replace(alex, BytesIO(data))
        assert Image.open(BytesIO(photos.data_of(name))).size == (256, 256)


def test_the_photo_is_served_with_its_type_fixed_and_cached_for_ever(client, signed_in, alex):
    upload(signed_in, picture())
    alex.refresh_from_db()

    response = client.get(f"/media/photos/{alex.photo}")

    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )
    assert Image.open(BytesIO(response.content)).format == "WEBP"


def test_a_new_photo_gets_a_new_address_and_the_old_file_goes(
    signed_in, alex, data_dir, django_capture_on_commit_callbacks
):
    upload(signed_in, picture(color=(1, 2, 3)))
    alex.refresh_from_db()
    first = alex.photo

    with django_capture_on_commit_callbacks(execute=True):
        upload(signed_in, picture(color=(9, 9, 9)))
    alex.refresh_from_db()

    assert alex.photo != first
    assert photos.data_of(first) is None
    assert signed_in.get(f"/media/photos/{first}").status_code == 404


def test_a_removed_photo_is_gone(
    client, signed_in, alex, data_dir, django_capture_on_commit_callbacks
):
    upload(signed_in, picture())
    alex.refresh_from_db()
    name = alex.photo

    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in.post("/app/profile/photo/remove")

    assert response.status_code == 302
    alex.refresh_from_db()
    assert alex.photo == ""
    assert photos.data_of(name) is None
    assert client.get(f"/media/photos/{name}").status_code == 404
    assert one(dom(client.get("/alex")), f"//span[{has_class('avatar')}]").text == "AM"


def test_only_the_names_of_photos_someone_has_are_served(client, alex, data_dir):
    name = photos.store(BytesIO(picture()))  # stored, but nobody's photo

    assert client.get(f"/media/photos/{name}").status_code == 404
    for path in ("..%2F..%2Fsecret_key", "x.webp", "../bookwithme.sqlite3", "%2e%2e"):
        assert client.get(f"/media/photos/{path}").status_code == 404, path


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"just some words, no picture", "notes.jpg", "not a photo we can read"),
        (
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "me.svg",
            "not a photo we can read",
        ),
        (picture("GIF"), "me.gif", "JPEG, PNG or WebP"),
        (
            picture() + b"<html><script>alert(document.cookie)</script></html>",
            "me.jpg",
            "web page code",
        ),
        (picture()[:600], "cut.jpg", "not a photo we can read"),
        (b"", "empty.jpg", "Choose a photo"),
    ],
    ids=["text", "svg", "gif", "polyglot", "truncated", "empty"],
)
def test_a_bad_upload_is_refused_with_a_clear_message(signed_in, alex, data, name, message):
    response = upload(signed_in, data, name=name)

    assert response.status_code == 200
    assert message in photo_errors(response)
    alex.refresh_from_db()
    assert alex.photo == ""


def test_a_photo_over_5_mb_is_refused(signed_in, alex, monkeypatch):
    monkeypatch.setattr(photos, "MAX_BYTES", 1000)
    response = upload(signed_in, picture(size=(800, 800)))

    assert "larger than 5 MB" in photo_errors(response)
    # Even when the size is not told: only MAX_BYTES + 1 are ever read.
    with pytest.raises(ValidationError):
        photos.store(BytesIO(picture(size=(800, 800))))


def test_a_picture_of_too_many_pixels_is_refused_before_it_is_decoded(signed_in, monkeypatch):
    monkeypatch.setattr(photos, "MAX_PIXELS", 100 * 100)

    response = upload(signed_in, picture(fmt="PNG", size=(101, 100)), name="big.png")

    assert "too many pixels" in photo_errors(response)


def test_the_photo_pages_need_a_signed_in_post(client, alex):
    assert upload(client, picture()).status_code == 302  # to the sign-in page
    alex.refresh_from_db()
    assert alex.photo == ""
    client.force_login(alex)
    assert client.get("/app/profile/photo").status_code == 405


# --- the accent colour ---------------------------------------------------------------------


def test_contrast_is_computed_as_wcag_says():
    assert colors.contrast(colors.parse("#000000"), colors.parse("#ffffff")) == pytest.approx(21)
    assert colors.contrast(colors.parse("#767676"), colors.parse("#ffffff")) == pytest.approx(
        4.54, abs=0.01
    )


@pytest.mark.parametrize("color", ["#ffff00", "#7fb3ff", "#888888", "#f5f6f8"])
def test_a_low_contrast_accent_is_refused(alex, color):
    with pytest.raises(ValidationError) as refused:
        update_profile(alex, {"accent_color": color})

    message = refused.value.message_dict["accent_color"][0]
    assert "too light" in message and "4.5 to 1" in message
    alex.refresh_from_db()
    assert alex.accent_color == ""


def test_a_low_contrast_accent_is_refused_in_the_app(signed_in, alex):
    data = {
        "name": "Alex Martin",
        "time_zone": "Europe/Paris",
        "page_slug": "alex",
        "page_published": "on",
        "language": "en",
        "accent_color": "#9ec5ff",
    }
    response = signed_in.post("/app/profile", data)

    assert response.status_code == 200
    errors = text(
        one(dom(response), "//*[@id='id_accent_color_error' or @id='id_accent_color']/..")
    )
    assert "too light" in errors
    alex.refresh_from_db()
    assert alex.accent_color == ""


@pytest.mark.parametrize("written", ["#1A5FB4", "1a5fb4", " #1a5fb4 "])
def test_an_accent_is_kept_in_one_writing(alex, written):
    update_profile(alex, {"accent_color": written})
    alex.refresh_from_db()
    assert alex.accent_color == "#1a5fb4"


@pytest.mark.parametrize(
    "color", ["#1a5fb4", "#b00020", "#146c43", "#5b2a86", "#000000", "#3b4fd8"]
)
def test_every_shade_of_an_accepted_accent_reads_at_4_5_to_1(color):
    colors.validate_accent_color(color)
    shades = colors.palette(color)
    white, page = colors.parse("#ffffff"), colors.parse(colors.PAGE)
    accent, strong, soft, hover = (
        colors.parse(c) for c in (shades.accent, shades.strong, shades.soft, shades.hover)
    )
    for fore, back in [
        (white, accent),
        (white, strong),
        (accent, page),
        (accent, soft),
        (strong, soft),
        (strong, hover),
    ]:
        assert colors.contrast(fore, back) >= 4.5, (color, fore, back)


def test_the_accent_is_applied_by_a_stylesheet_of_ours_not_inline(client, alex):
    update_profile(alex, {"accent_color": "#1a5fb4"})
    make_type(alex, slug="intro")

    for path in ("/alex", "/alex/intro"):
        page = dom(client.get(path))
        sheet = one(page, "//link[@rel='stylesheet' and contains(@href, '/media/theme/')]")
        assert sheet.get("href") == "/media/theme/1a5fb4.css", path
        assert "branded" in page.xpath("//body/@class")[0]
        assert not page.xpath("//*[@style]") and not page.xpath("//style"), path

    css = client.get("/media/theme/1a5fb4.css")
    assert css["Content-Type"] == "text/css; charset=utf-8"
    assert css["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in css["Cache-Control"]
    assert "--accent: #1a5fb4;" in css.content.decode()


def test_no_stylesheet_is_made_for_a_colour_nobody_could_choose(client):
    for color in ("ffff00", "zzzzzz", "1a5fb4;}body{display:none", "1a5"):
        assert client.get(f"/media/theme/{color}.css").status_code == 404, color


def test_without_an_accent_the_pages_keep_the_sites_colours(client, alex):
    page = dom(client.get("/alex"))
    assert not page.xpath("//link[contains(@href, '/media/theme/')]")


# --- the public pages show the person, not the product --------------------------------------


def public_pages(client, alex) -> list[str]:
    meeting_type = make_type(alex, slug="intro")
    link = services.create_link(meeting_type)[1]
    attendee = services.Attendee("Sam Doe", "sam@example.org", "America/New_York")
    manage_token = services.book(meeting_type, START, attendee).manage_token
    return ["/alex", "/alex/intro", f"/l/{link}", f"/manage/{manage_token}"]


def test_the_public_pages_show_the_persons_photo_and_name_and_no_product_header(
    client, signed_in, alex
):
    upload(signed_in, picture())
    alex.refresh_from_db()
    anonymous = type(client)()

    for path in public_pages(client, alex):
        response = anonymous.get(path)
        page = dom(response)
        assert response.status_code == 200, path
        assert one(page, "//img[@data-photo]").get("src") == f"/media/photos/{alex.photo}", path
        assert "Alex Martin" in text(one(page, "//main")), path
        assert not page.xpath(f"//*[{has_class('brand')}]"), path
        assert "bookwithme" not in page.findtext(".//title"), path
        assert "Powered by bookwithme" in text(one(page, "//footer")), path


def test_without_a_photo_the_public_pages_show_the_initials(client, alex):
    for path in public_pages(client, alex):
        page = dom(client.get(path))
        assert one(page, f"//span[{has_class('avatar')}]").text == "AM", path
        assert not page.xpath("//img[@data-photo]"), path


def test_the_app_keeps_the_products_header(signed_in):
    page = dom(signed_in.get("/app/"))
    assert text(one(page, f"//*[{has_class('brand')}]")) == "bookwithme"


# --- the API -------------------------------------------------------------------------------


def test_the_api_shows_the_accent_and_the_photos_address(client, alex, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"
    token = make_token(alex)
    photos.replace(alex, BytesIO(picture()))

    me = client.get("/api/v1/me", **auth(token)).json()

    assert me["accent_color"] == ""
    assert me["photo_url"] == f"https://book.example.org/media/photos/{alex.photo}"


def test_the_api_sets_and_clears_the_accent(client, alex):
    token = make_token(alex)

    def patch(body):
        return client.patch(
            "/api/v1/me", json.dumps(body), content_type="application/json", **auth(token)
        )

    assert patch({"accent_color": "#1A5FB4"}).json()["accent_color"] == "#1a5fb4"
    assert patch({"accent_color": ""}).json()["accent_color"] == ""
    assert client.get("/api/v1/me", **auth(token)).json()["photo_url"] is None


def test_the_api_refuses_a_low_contrast_accent_in_its_error_shape(client, alex):
    token = make_token(alex)

    response = client.patch(
        "/api/v1/me",
        json.dumps({"accent_color": "#ffff00"}),
        content_type="application/json",
        **auth(token),
    )

    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "validation"
    assert "too light" in body["fields"]["accent_color"][0]
    assert Person.objects.get(pk=alex.pk).accent_color == ""


def test_the_api_refuses_an_accent_that_is_no_colour(client, alex):
    token = make_token(alex)
    for value in ("red", "#12345", None, 12):
        response = client.patch(
            "/api/v1/me",
            json.dumps({"accent_color": value}),
            content_type="application/json",
            **auth(token),
        )
        assert response.status_code == 422, value
        assert response.json()["error"] == "validation", value
