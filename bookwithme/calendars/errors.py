"""Input the calendars layer cannot use, said field by field (the API answers 422)."""

from django.utils.translation import gettext_lazy as _


class InputError(ValueError):
    """`fields` says which input is wrong and why; `message` sums it up."""

    default_message = _("Some fields are not valid.")

    def __init__(self, fields: dict[str, list[str]], message: str | None = None):
        self.fields = fields
        self.message = str(message or self.default_message)
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in fields.items()))
