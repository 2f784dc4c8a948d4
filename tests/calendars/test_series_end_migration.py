"""Migration 0006 ends a series stored ending before its own start (UNTIL before DTSTART) with
its first occurrence, so the busy read finds it.

Run in a fresh data dir by a subprocess: it migrates the database back and forth, which the
test database shared by the other tests must not see.
"""

import json

from liveserver import cli, run_python, scratch_database, server_env

STORED_THE_OLD_WAY = """
import json
from datetime import UTC, datetime, timedelta
from django.core.management import call_command
from makers import make_person
from bookwithme.calendars.events import add_event
from bookwithme.calendars.models import Event

owner = make_person(time_zone="UTC")
start = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
until_before = add_event(owner, title="a", start=start, end=start + timedelta(hours=1),
                         rrule="FREQ=WEEKLY;UNTIL=20261101T000000Z")
weekly = add_event(owner, title="b", start=start, end=start + timedelta(hours=1),
                   rrule="FREQ=WEEKLY;COUNT=3")
call_command("migrate", "calendars", "0005", verbosity=0)
# As the series was stored before: its end taken from UNTIL alone.
Event.objects.filter(pk=until_before.pk).update(repeats_until=datetime(2026, 11, 1, 1, tzinfo=UTC))
print(json.dumps([owner.pk, until_before.pk, weekly.pk,
                  Event.objects.get(pk=weekly.pk).repeats_until.isoformat()]))
"""

READ_BACK = """
import json
from datetime import UTC, datetime
from bookwithme.calendars.busy import busy_spans
from bookwithme.calendars.models import Event
owner, until_before, weekly = ARGS[:3]
day = (datetime(2026, 12, 7, tzinfo=UTC), datetime(2026, 12, 8, tzinfo=UTC))
print(json.dumps({
    "ends": {e.pk: e.repeats_until.isoformat() for e in Event.objects.all()},
    "busy": sorted(busy_spans(owner, *day)),
}))
"""


def test_a_series_stored_ending_before_its_start_ends_with_its_first_occurrence(tmp_path):
    with scratch_database(tmp_path) as url:
        env = server_env(tmp_path, url)
        assert cli(env, "migrate", "--no-input").returncode == 0
        owner, until_before, weekly, weekly_end = json.loads(run_python(env, STORED_THE_OLD_WAY))
        assert cli(env, "migrate", "--no-input").returncode == 0
        found = json.loads(
            run_python(env, f"ARGS = {[owner, until_before, weekly]!r}\n" + READ_BACK)
        )
    assert found["ends"][str(until_before)] == "2026-12-07T09:00:00+00:00"  # its own end
    assert found["ends"][str(weekly)] == weekly_end  # a series past its start: untouched
    start = 1796630400.0  # 2026-12-07 08:00 UTC
    assert found["busy"] == [[start, start + 3600]] * 2  # both blocks at their first occurrence
