"""Input the calendars layer cannot use, said field by field (the API answers 422)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


class InputError(ValidationError):
    """Django's ValidationError keyed by field names, with a one-line `summary` of it (the
    API's `message`): every door shows field errors one way, whichever layer raised them."""

    default_message = _("Some fields are not valid.")

    def __init__(self, fields: dict[str, list[str]], message: str | None = None):
        super().__init__(fields)
        self.summary = str(message or self.default_message)
