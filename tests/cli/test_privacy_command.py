"""`bookwithme privacy export EMAIL [--output FILE]` and `privacy erase EMAIL [--yes]`."""

import json
import os
import stat
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from makers import NOW, ended, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.models import Booking
from bookwithme.directory.models import AuditEntry

pytestmark = pytest.mark.usefixtures("frozen")

ZOE = "zoe@example.org"


@pytest.fixture
def bookings(db):
    alex = make_person(name="Alex Martin", email="alex@example.org")
    intro = make_type(alex, slug="intro")
    upcoming = services.Attendee("Zoé Durand", ZOE, "Europe/Paris", notes="Plans")
    return [
        ended(intro, NOW - timedelta(days=2)),
        services.book(intro, NOW + timedelta(hours=4), upcoming).booking,
    ]


def run(*args) -> str:
    out = StringIO()
    call_command("privacy", *args, stdout=out)
    return out.getvalue()


def test_export_prints_one_json_document(bookings):
    document = json.loads(run("export", "  ZOE@Example.org "))
    assert document["email"] == ZOE
    assert sorted(b["id"] for b in document["as_attendee"]) == sorted(b.pk for b in bookings)
    assert AuditEntry.objects.filter(setting="privacy export").count() == 1


def test_export_writes_a_file_only_its_owner_reads_and_never_over_another(bookings, tmp_path):
    path = tmp_path / "zoe.json"
    said = run("export", ZOE, "--output", str(path))
    assert said == f"Wrote the data held about {ZOE} (2 bookings as attendee) to {path}.\n"
    assert json.loads(path.read_text())["email"] == ZOE
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    with pytest.raises(CommandError, match="exists already"):
        run("export", ZOE, "--output", str(path))


def test_erase_says_what_it_will_do_asks_and_a_no_changes_nothing(bookings, monkeypatch):
    asked = []
    monkeypatch.setattr("builtins.input", lambda question: asked.append(question) or "no")
    with pytest.raises(CommandError, match="Nothing erased"):
        run("erase", ZOE)
    assert asked == [
        f"Erase {ZOE} from 2 bookings as attendee (1 upcoming, to be cancelled with a notice to "
        "their organizers) and from the guests of 0 bookings. Type yes to go on: "
    ]
    assert Booking.objects.filter(attendee_email=ZOE).count() == 2


def test_erase_yes_erases_and_says_so(bookings):
    said = run("erase", ZOE, "--yes")
    assert said == (
        f"Erased {ZOE}: 2 bookings as attendee (1 cancelled, their organizers told), "
        "0 bookings as guest, 0 email records scrubbed.\n"
    )
    assert not Booking.objects.filter(attendee_email=ZOE).exists()
    assert run("erase", ZOE, "--yes") == f"Nothing is held about {ZOE} as an attendee or a guest.\n"


def test_erasing_a_persons_address_says_the_account_is_kept(bookings):
    said = run("erase", "alex@example.org", "--yes")
    assert "is also a person's account" in said and "not erased" in said


def test_a_bad_address_is_one_clear_line(db):
    with pytest.raises(CommandError, match="is not a valid email address"):
        run("export", "not-an-address")
