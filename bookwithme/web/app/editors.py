"""The app's editors of repeatable rows: weekly hours with date overrides, a type's questions.

Each reads its posted rows into the JSON the services take and validate (`Rows` makes an editor
the widget of a form field), and turns JSON back into rows to show, so a form with a mistake
comes back as it was typed. Rows added in the browser (static/web/rows.js) get fresh keys; rows
keep the order they were posted in.

Posted names, for a prefix P (the same editor serves working hours and a type's own hours):
`P-mon-from` / `P-mon-to` (repeated, one pair per interval) for each weekday;
`P-ov-K-date`, `P-ov-K-off`, `P-ov-K-from` / `P-ov-K-to` for the override row K;
`q-K-id`, `q-K-label`, `q-K-kind`, `q-K-required`, `q-K-options` (one option a line, read for
the choice kinds only) for the question row K; questions keep the order their rows are posted
in, which the editor's up and down buttons change.
"""

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils.dates import WEEKDAYS
from django.utils.text import slugify

from bookwithme.booking.models import CHOICE_KINDS, QUESTION_ID_RE, QUESTION_KIND_LABELS
from bookwithme.slots import DAY_NAMES

QUESTION_KINDS = list(QUESTION_KIND_LABELS.items())
# A time input cannot show 24:00: the end of the day is shown, and read back, as 23:59.
END_OF_DAY, LAST_MINUTE = "24:00", "23:59"
_WITH_SECONDS = re.compile(r"[0-9]{2}:[0-9]{2}:00(\.0+)?")


class Rows(forms.Widget):
    """An editor's rows read as one value, `read(posted data)`; its template shows them."""

    def __init__(self, read: Callable[[QueryDict], Any]):
        super().__init__()
        self.read = read

    def value_from_datadict(self, data, files, name) -> Any:
        return self.read(data)


def _row_keys(post: QueryDict, pattern: str) -> list[str]:
    return [m[1] for name in post if (m := re.fullmatch(pattern, name))]


def _time_in(value: str, *, end: bool) -> str:
    value = value.strip()
    if _WITH_SECONDS.fullmatch(value):
        value = value[:5]
    return END_OF_DAY if end and value == LAST_MINUTE else value


def _time_out(value: Any) -> str:
    return LAST_MINUTE if value == END_OF_DAY else str(value)


def _intervals_in(post: QueryDict, name: str) -> list[list[str]]:
    starts, ends = post.getlist(f"{name}-from"), post.getlist(f"{name}-to")
    pairs = []
    for start, end in zip_longest(starts, ends, fillvalue=""):
        pair = [_time_in(start, end=False), _time_in(end, end=True)]
        if any(pair):  # an empty row is no interval
            pairs.append(pair)
    return pairs


def _intervals_out(intervals: Any) -> list[tuple[str, str]]:
    return [
        (str(pair[0]), _time_out(pair[1]))
        for pair in intervals or []
        if isinstance(pair, list | tuple) and len(pair) == 2
    ]


def read_hours(post: QueryDict, prefix: str = "hours") -> dict[str, Any]:
    """`{weekly, overrides}` as posted; an empty day is closed, a date marked off has []."""
    weekly = {day: _intervals_in(post, f"{prefix}-{day}") for day in DAY_NAMES}
    overrides = []
    for key in _row_keys(post, rf"{re.escape(prefix)}-ov-(\w+)-date"):
        row = f"{prefix}-ov-{key}"
        date = post.get(f"{row}-date", "").strip()
        off = f"{row}-off" in post
        intervals = _intervals_in(post, row)
        if date or intervals or off:
            overrides.append({"date": date, "intervals": [] if off else intervals})
    return {"weekly": weekly, "overrides": overrides}


@dataclass
class Day:
    name: str  # what its inputs' names start with
    label: str
    intervals: list[tuple[str, str]]


@dataclass
class Override:
    name: str
    date: str
    off: bool
    intervals: list[tuple[str, str]]


@dataclass
class HoursEditor:
    prefix: str
    days: list[Day]
    overrides: list[Override]

    @property
    def new_override(self) -> str:
        """The names of a row added in the browser, which puts a fresh key for __key__."""
        return f"{self.prefix}-ov-__key__"


def hours_editor(hours: dict[str, Any], prefix: str = "hours") -> HoursEditor:
    """The rows to show for `{weekly, overrides}` (stored, or as posted)."""
    weekly = hours.get("weekly") or {}
    days = [
        Day(f"{prefix}-{day}", str(WEEKDAYS[i]), _intervals_out(weekly.get(day)))
        for i, day in enumerate(DAY_NAMES)
    ]
    overrides = [
        Override(
            f"{prefix}-ov-{i}",
            str(o.get("date", "")),
            not o.get("intervals"),
            _intervals_out(o.get("intervals")),
        )
        for i, o in enumerate(hours.get("overrides") or [])
        if isinstance(o, dict)
    ]
    return HoursEditor(prefix, days, overrides)


def read_questions(post: QueryDict) -> list[dict[str, Any]]:
    """The questions as posted; a row whose label is cleared is removed.

    A question keeps its id (answers given earlier stay linked to it); a new one gets an id
    made from its label.
    """
    questions: list[dict[str, Any]] = []
    for key in _row_keys(post, r"q-(\w+)-label"):
        label = post.get(f"q-{key}-label", "").strip()
        if not label:
            continue
        question = {
            "id": post.get(f"q-{key}-id", "").strip(),
            "label": label,
            "kind": post.get(f"q-{key}-kind", "text"),
            "required": f"q-{key}-required" in post,
        }
        if question["kind"] in CHOICE_KINDS:
            question["options"] = _options_in(post.get(f"q-{key}-options", ""))
        questions.append(question)
    taken = {q["id"] for q in questions if q["id"]}
    for q in questions:
        if not q["id"]:
            q["id"] = _new_question_id(q["label"], taken)
            taken.add(q["id"])
    return questions


def _options_in(text: str) -> list[str]:
    """One option a line; blank lines are none."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _new_question_id(label: str, taken: set[str]) -> str:
    base = slugify(label)[:40].strip("-_")
    if not QUESTION_ID_RE.fullmatch(base):
        base = f"q-{secrets.token_hex(3)}"
    qid, n = base, 2
    while qid in taken:
        suffix = f"-{n}"
        qid, n = base[: 40 - len(suffix)] + suffix, n + 1
    return qid


def question_rows(questions: Any) -> list[dict[str, Any]]:
    """The rows to show, keyed by position."""
    return [
        {
            "key": str(i),
            "id": q.get("id", ""),
            "label": q.get("label", ""),
            "kind": q.get("kind", "text"),
            "required": bool(q.get("required")),
            "options": "\n".join(str(o) for o in q.get("options") or []),
        }
        for i, q in enumerate(questions or [])
        if isinstance(q, dict)
    ]
