"""The slot engine: pure, typed functions from opening hours and busy time to bookable slots.

No Django, no I/O: everything here is a value in, value out, so it can be tested
exhaustively and called from views, tasks and the bench alike. The pipeline is

    hours = WeeklyHours.from_json(weekly, overrides)      # organizer's wall-clock hours
    windows = open_windows(hours, tz, first, last)        # -> sorted UTC windows
    slots = find_slots(windows, busy, duration=...)       # -> bookable UTC intervals

See docs/slots.md for the rules, including how DST gaps and overlaps are resolved.
"""

from .finder import find_slots
from .hours import (
    DAY_NAMES,
    DayRanges,
    HoursError,
    HoursJSON,
    OverrideJSON,
    WeeklyHours,
    format_time,
    open_windows,
    parse_time,
)
from .intervals import Interval, clip, merge, subtract
from .walltime import MINUTES_PER_DAY, wall_to_utc

__all__ = [
    "DAY_NAMES",
    "MINUTES_PER_DAY",
    "DayRanges",
    "HoursError",
    "HoursJSON",
    "Interval",
    "OverrideJSON",
    "WeeklyHours",
    "clip",
    "find_slots",
    "format_time",
    "merge",
    "open_windows",
    "parse_time",
    "subtract",
    "wall_to_utc",
]
