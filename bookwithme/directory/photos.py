"""A person's photo: checked, made square and small, stored, removed.

An upload is only ever read by Pillow and written again by it: what is stored is a new WebP
picture of `SIZE` pixels a side, EXIF turned into the picture's orientation and every other
byte of the upload (metadata, anything hidden after or inside it) left behind. It is stored in
the database (`Photo`, a few kilobytes), so every app machine of a site serves it. Names are
random (`Person.photo` holds the name, never a path from the upload), so a new photo has a
new address and the old one can be cached for ever.
"""

import secrets
import warnings
from io import BytesIO
from typing import IO

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from bookwithme.directory.models import Person, Photo

MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40 megapixel photo: well past any phone's, far short of a bomb
FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
SIZE = 256
SUFFIX = ".webp"
CONTENT_TYPE = "image/webp"
# What a picture that is also a web page or a script carries; no photo's bytes spell these.
MARKUP = (b"<script", b"<html", b"<!doctype", b"<?php", b"<iframe", b"<svg")

NOT_AN_IMAGE = _("This file is not a photo we can read. Upload a JPEG, PNG or WebP picture.")


def is_name(name: str) -> bool:
    """Whether `name` is one that `store` makes: a random token and the suffix, no path."""
    stem = name.removesuffix(SUFFIX)
    return (
        name.endswith(SUFFIX)
        and 16 <= len(stem) <= 32
        and all(c.isascii() and (c.isalnum() or c in "-_") for c in stem)
    )


def data_of(name: str) -> bytes | None:
    """The stored picture named `name`, if there is one."""
    if not is_name(name):
        return None
    found = Photo.objects.filter(name=name).values_list("data", flat=True).first()
    return bytes(found) if found is not None else None


def _read(upload: IO[bytes], size: int | None) -> bytes:
    if size is not None and size > MAX_BYTES:
        raise ValidationError(
            {"photo": [_("This file is larger than 5 MB. Upload a smaller photo.")]}
        )
    data = upload.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValidationError(
            {"photo": [_("This file is larger than 5 MB. Upload a smaller photo.")]}
        )
    if not data:
        raise ValidationError({"photo": [_("This file is empty. Choose a photo to upload.")]})
    return data


def _no_markup(data: bytes) -> None:
    """A picture that is also a web page or a script (a polyglot) is refused: what is stored
    would be clean anyway, but such a file is no honest photo."""
    lowered = data.lower()
    if any(mark in lowered for mark in MARKUP):
        raise ValidationError(
            {"photo": [_("This file holds web page code besides a picture. Upload a plain photo.")]}
        )


def _open(data: bytes) -> Image.Image:
    """The upload as a picture, checked whole by Pillow before anything is decoded."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(BytesIO(data))
            if probe.format not in FORMATS:
                raise ValidationError({"photo": [NOT_AN_IMAGE]})
            width, height = probe.size
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    {"photo": [_("This picture has too many pixels. Upload a smaller photo.")]}
                )
            probe.verify()
            image = Image.open(BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
        Image.DecompressionBombWarning,
    ):
        raise ValidationError({"photo": [NOT_AN_IMAGE]}) from None
    return image


def square(image: Image.Image) -> Image.Image:
    """Upright (EXIF), cropped to its centre square, `SIZE` a side, with no metadata."""
    image = ImageOps.exif_transpose(image)
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info else "RGB"
    image = ImageOps.fit(image.convert(mode), (SIZE, SIZE), Image.Resampling.LANCZOS)
    # A fresh picture of the pixels alone: no EXIF, ICC profile, XMP or comment comes along.
    return Image.frombytes(mode, image.size, image.tobytes())


def encode(image: Image.Image) -> bytes:
    out = BytesIO()
    image.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


def store(upload: IO[bytes], size: int | None = None) -> str:
    """Check, re-encode and store an upload; the new file's name. ValidationError under
    `photo` says plainly why a file is refused."""
    data = _read(upload, size)
    image = _open(data)
    _no_markup(data)
    picture = encode(square(image))
    name = secrets.token_urlsafe(16) + SUFFIX
    Photo.objects.create(name=name, data=picture)
    return name


def delete(name: str) -> None:
    """Remove a stored photo; nothing when it is already gone."""
    if name:
        Photo.objects.filter(name=name).delete()


def replace(person: Person, upload: IO[bytes], size: int | None = None) -> str:
    """Give the person the uploaded photo; the one it replaces is deleted once saved."""
    name = store(upload, size)
    _set(person, name)
    return name


def remove(person: Person) -> None:
    """Back to initials: the photo is deleted and its address answers 404."""
    _set(person, "")


def _set(person: Person, name: str) -> None:
    old = person.photo
    Person.objects.filter(pk=person.pk).update(photo=name)
    person.photo = name
    if old and old != name:
        transaction.on_commit(lambda: delete(old))
