"""A person's branding on the public pages: their photo and their accent colour.

The photo is served from the database by `photo`: only a name a person holds now
(`Person.photo`, made by `directory.photos`), never a path from the request, with its content
type set here and `nosniff`. A new photo gets a new name, so each address is cached for ever.

The site's CSP allows no inline style, so the accent reaches the page as a stylesheet of our
own, `theme`, at an address made of the colour itself (`/media/theme/1a5fb4.css`): a few CSS
custom properties that site.css reads (`--accent`, ...), under `.branded`. The same colour is
the same file for everyone, cached for ever; a new colour is a new address.
"""

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

from bookwithme.directory import photos
from bookwithme.directory.colors import palette, validate_accent_color
from bookwithme.directory.models import Person

FOR_EVER = "public, max-age=31536000, immutable"


def photo_url(person: Person) -> str:
    return reverse("web:photo", args=[person.photo]) if person.photo else ""


def theme_url(person: Person) -> str:
    color = person.accent_color
    return reverse("web:theme", args=[color.removeprefix("#")]) if color else ""


@require_safe
def photo(request: HttpRequest, name: str) -> HttpResponse:
    # Only a photo someone has now: a removed one answers 404 even if its file lingered.
    if not photos.is_name(name) or not Person.objects.filter(photo=name).exists():
        raise Http404
    data = photos.data_of(name)
    if data is None:
        raise Http404
    response = HttpResponse(data, content_type=photos.CONTENT_TYPE)
    response["Cache-Control"] = FOR_EVER
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = "inline"
    return response


def stylesheet(color: str) -> str:
    """The custom properties site.css reads, for pages whose body is `.branded`."""
    shades = palette(color)
    return (
        ".branded {\n"
        f"  --accent: {shades.accent};\n"
        f"  --accent-strong: {shades.strong};\n"
        f"  --accent-soft: {shades.soft};\n"
        f"  --accent-hover: {shades.hover};\n"
        f"  --ring: {shades.ring};\n"
        f"  --focus: 0 0 0 3px {shades.accent}59;\n"
        "}\n"
    )


@require_safe
def theme(request: HttpRequest, color: str) -> HttpResponse:
    # Only a colour a person could have chosen: no stylesheet of ours reads badly.
    try:
        validate_accent_color(f"#{color}")
    except ValidationError:
        raise Http404 from None
    response = HttpResponse(stylesheet(f"#{color}"), content_type="text/css; charset=utf-8")
    response["Cache-Control"] = FOR_EVER
    response["X-Content-Type-Options"] = "nosniff"
    return response
