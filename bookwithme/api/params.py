"""Checks on query parameters shared by several routes."""

from datetime import date

from bookwithme.api.errors import ApiError
from bookwithme.calendars.ical import FIRST_YEAR, LAST_YEAR

FIRST_DATE, LAST_DATE = date(FIRST_YEAR, 1, 1), date(LAST_YEAR, 12, 31)


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
