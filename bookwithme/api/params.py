"""Query parameters shared by several routes, and their checks."""

import re
from datetime import date
from typing import Annotated, Any

from pydantic import BeforeValidator, WithJsonSchema

from bookwithme.api.errors import ApiError
from bookwithme.calendars.ical import FIRST_YEAR, LAST_YEAR

FIRST_DATE, LAST_DATE = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)
_ISO_DATE = r"^(19[0-9]{2}|2[0-9]{3})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"


def _iso_date(value: Any) -> Any:
    # Only `YYYY-MM-DD`: pydantic alone would also take `0` (as 1970-01-01) or a timestamp.
    if isinstance(value, str) and not re.fullmatch(_ISO_DATE, value):
        raise ValueError(f"Give a date as YYYY-MM-DD between {FIRST_DATE} and {LAST_DATE}.")
    return value


# A date in a query: YYYY-MM-DD within the years times can be converted in.
DateParam = Annotated[
    date,
    BeforeValidator(_iso_date),
    WithJsonSchema({"type": "string", "format": "date", "pattern": _ISO_DATE}),
]


def check_dates(first: date | None, last: date | None, *, max_days: int | None = None) -> None:
    """`from`/`to` in order, inside the years times can be converted in, at most `max_days`."""
    for name, value in (("from", first), ("to", last)):
        if value is not None and not FIRST_DATE <= value <= LAST_DATE:
            raise ApiError(
                422,
                "validation",
                "Some fields are not valid.",
                {name: [f"Give a date between {FIRST_DATE} and {LAST_DATE}."]},
            )
    if first and last and first > last:
        raise ApiError(422, "validation", "“from” is after “to”.", {"from": ["After “to”."]})
    if max_days and first and last and (last - first).days + 1 > max_days:
        raise ApiError(
            422,
            "validation",
            f"Ask for {max_days} days at most.",
            {"to": [f"At most {max_days} days after “from”."]},
        )
