"""Retention (booking/retention.py, notify/retention.py): an attendee's data is erased once their
booking ended more than BOOKWITHME_RETENTION_DAYS ago (or their organization's shorter period),
its times kept so busy time stays true; the emails sent about it go with it. Both engines; the
clock frozen a day either side of the limit."""

import os
import subprocess
import sys
from datetime import timedelta
from io import StringIO

import pytest
from django.core.cache import caches
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from makers import NOW, ended, make_org, make_person, make_type, org_admin_form

from bookwithme.booking import retention, services
from bookwithme.booking.availability import Days, is_offered, offer
from bookwithme.booking.errors import SlotUnavailable
from bookwithme.booking.models import Booking
from bookwithme.directory.models import AuditEntry
from bookwithme.management.commands import worker
from bookwithme.notify import retention as outbox_retention
from bookwithme.notify.models import OutboxMessage

pytestmark = pytest.mark.usefixtures("frozen")

DAY = timedelta(days=1)
LIMIT = NOW - timedelta(days=365)  # the default period's edge
ATTENDEE_FIELDS = (
    "attendee_name",
    "attendee_email",
    "attendee_time_zone",
    "notes",
    "answers",
    "guests",
)
KEPT_FIELDS = ("start", "end", "blocked_start", "blocked_end", "status", "meeting_type_id")


@pytest.fixture
def alex(db):
    return make_person(name="Alex Martin", email="alex@example.org", time_zone="Europe/Paris")


@pytest.fixture
def call(alex):
    return make_type(alex, title="Call", slug="call")


def fields(booking, names=ATTENDEE_FIELDS + KEPT_FIELDS):
    booking.refresh_from_db()
    return {name: getattr(booking, name) for name in names}


def assert_erased(booking, owner):
    booking.refresh_from_db()
    assert booking.attendee_name == "(erased)"
    assert booking.attendee_email == f"erased-{booking.pk}@invalid"
    assert booking.attendee_time_zone == owner.time_zone
    assert (booking.notes, booking.answers, booking.guests) == ("", {}, [])
    assert booking.cancel_reason == ""
    assert booking.is_erased


def test_a_booking_ended_a_day_inside_the_period_is_kept_whole_one_a_day_past_it_is_erased(call):
    inside = ended(call, LIMIT + DAY)
    past = ended(call, LIMIT - DAY, email="max@example.org")
    before_inside, before_past = fields(inside), fields(past)

    assert retention.erase_expired() == 1

    assert fields(inside) == before_inside
    assert_erased(past, call.owner)
    assert fields(past, KEPT_FIELDS) == {k: before_past[k] for k in KEPT_FIELDS}


def test_the_erased_name_is_in_the_organizers_language(call):
    call.owner.language = "fr"
    call.owner.save(update_fields=["language"])
    past = ended(call, LIMIT - DAY)
    retention.erase_expired()
    past.refresh_from_db()
    assert past.attendee_name == "(effacé)"
    assert past.attendee_email == f"erased-{past.pk}@invalid"


def test_busy_time_and_the_days_slots_are_the_same_after_erasing(call):
    start = NOW + timedelta(hours=4)  # Monday 12:00 in Paris
    attendee = services.Attendee("Zoé Durand", "zoe@example.org", "Europe/Paris", notes="hi")
    booking = services.book(call, start, attendee).booking
    day = Days(start.date(), start.date(), start.tzinfo)
    slots_before = offer(call, day).starts
    assert start not in slots_before

    # A year and more after it ended, seen from the frozen day: the same slots.
    assert retention.erase_expired(now=booking.end + timedelta(days=366)) == 1
    assert_erased(booking, call.owner)
    for cache in caches.all():
        cache.clear()
    assert offer(call, day).starts == slots_before
    assert not is_offered(call, start)
    with pytest.raises(SlotUnavailable):
        services.book(call, start, services.Attendee("Max", "max@example.org", "UTC"))


def test_an_organizations_shorter_period_applies_to_its_own_bookings_only(call):
    strict = make_org(name="Strict", domain="strict.example")
    strict.retention_days = 30
    strict.save(update_fields=["retention_days"])
    sam = make_person(org=strict, name="Sam", time_zone="Asia/Tokyo")
    theirs = ended(make_type(sam, title="Chat", slug="chat"), NOW - 31 * DAY)
    ours = ended(call, NOW - 31 * DAY, email="max@example.org")
    kept_of_theirs = ended(theirs.meeting_type, NOW - 29 * DAY, email="lea@example.org")
    before_ours, before_kept = fields(ours), fields(kept_of_theirs)

    assert retention.erase_expired() == 1

    assert_erased(theirs, sam)
    assert theirs.attendee_time_zone == "Asia/Tokyo"
    assert fields(ours) == before_ours
    assert fields(kept_of_theirs) == before_kept


def test_a_longer_period_of_an_organization_does_not_keep_data_past_the_sites(call):
    call.owner.organization.retention_days = 3650
    call.owner.organization.save(update_fields=["retention_days"])
    past = ended(call, LIMIT - DAY)
    assert retention.erase_expired() == 1
    assert_erased(past, call.owner)


def test_zero_keeps_forever_unless_an_organization_sets_its_own(settings, call):
    settings.BOOKWITHME_RETENTION_DAYS = 0
    ancient = ended(call, NOW - timedelta(days=3650))
    before = fields(ancient)
    assert retention.erase_expired() == 0
    assert fields(ancient) == before

    call.owner.organization.retention_days = 3000
    call.owner.organization.save(update_fields=["retention_days"])
    assert retention.erase_expired() == 1
    assert_erased(ancient, call.owner)


def message(booking, state, *, made, sent=None, kind=OutboxMessage.Kind.CONFIRMED):
    return OutboxMessage.objects.create(
        booking=booking,
        kind=kind,
        recipient=OutboxMessage.Recipient.ATTENDEE,
        sequence=0,
        to_email=booking.attendee_email,
        state=state,
        created_at=made,
        sent_at=sent,
    )


def test_sent_and_failed_emails_past_the_period_go_pending_ones_stay(call):
    old = ended(call, LIMIT - DAY)
    recent = ended(call, LIMIT + 2 * DAY, email="max@example.org")
    made = LIMIT - 2 * DAY
    S = OutboxMessage.State
    gone = [
        message(old, S.SENT, made=made, sent=made),
        message(old, S.FAILED, made=made, kind=OutboxMessage.Kind.CANCELLED),
    ]
    stays = [
        message(old, S.PENDING, made=made, kind=OutboxMessage.Kind.REMINDER),
        message(recent, S.SENT, made=LIMIT + DAY, sent=LIMIT + DAY),
        # Made before the limit, but sent after it: its age counts from the sending.
        message(old, S.SENT, made=made, sent=LIMIT + DAY, kind=OutboxMessage.Kind.RESCHEDULED),
    ]

    assert outbox_retention.forget_old_messages() == 2

    left = set(OutboxMessage.objects.values_list("pk", flat=True))
    assert left == {m.pk for m in stays}
    assert not left & {m.pk for m in gone}


def test_an_organizations_period_deletes_only_its_own_emails(call):
    strict = make_org(name="Strict", domain="strict.example")
    strict.retention_days = 30
    strict.save(update_fields=["retention_days"])
    sam = make_person(org=strict, name="Sam")
    theirs = ended(make_type(sam, title="Chat", slug="chat"), NOW - 40 * DAY)
    ours = ended(call, NOW - 40 * DAY, email="max@example.org")
    sent = NOW - 35 * DAY
    message(theirs, OutboxMessage.State.SENT, made=sent, sent=sent)
    kept = message(ours, OutboxMessage.State.SENT, made=sent, sent=sent)
    assert outbox_retention.forget_old_messages() == 1
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == [kept.pk]


def test_the_workers_sweep_erases_once_and_a_second_run_changes_nothing(call):
    past = ended(call, LIMIT - DAY)
    inside = ended(call, LIMIT + DAY, email="max@example.org")
    message(past, OutboxMessage.State.SENT, made=LIMIT - DAY, sent=LIMIT - DAY)
    pending = message(
        past, OutboxMessage.State.PENDING, made=LIMIT - DAY, kind=OutboxMessage.Kind.REMINDER
    )
    sweeps = worker.sweeps({"mail"})
    assert retention.sweep in sweeps and outbox_retention.sweep in sweeps

    worker.sweep(sweeps, only_overdue=False)
    assert_erased(past, call.owner)
    after_first = (fields(past, (*ATTENDEE_FIELDS, "updated_at")), fields(inside))
    messages = list(OutboxMessage.objects.values_list("pk", flat=True))
    assert messages == [pending.pk]

    assert retention.sweep() == 0
    assert outbox_retention.sweep() == 0
    worker.sweep(sweeps, only_overdue=False)
    assert (fields(past, (*ATTENDEE_FIELDS, "updated_at")), fields(inside)) == after_first
    assert list(OutboxMessage.objects.values_list("pk", flat=True)) == messages


def test_the_every_minute_sweep_erases_at_most_once_an_hour(call, frozen):
    assert retention.sweep() == 0  # at the worker's start
    ended(call, LIMIT - DAY)
    assert retention.sweep(only_overdue=True) == 0  # a minute later: not yet
    retention._next_run = 0.0  # as an hour later
    assert retention.sweep(only_overdue=True) == 1


# --- the settings ---------------------------------------------------------------------------


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_org_config_sets_shows_and_unsets_the_period_with_an_audit_entry(db, monkeypatch):
    monkeypatch.setattr("getpass.getuser", lambda: "ops")
    org = make_org(domain="acme.test")
    assert run("org-config", "set", "acme.test", "--retention-days", "90") == (
        "RetentionDays: (unset) -> 90\n"
    )
    org.refresh_from_db()
    assert org.retention_days == 90
    shown = run("org-config", "show", "acme.test")
    assert "RetentionDays      : 90" in shown
    assert "SiteRetention      : 365 days (BOOKWITHME_RETENTION_DAYS)" in shown
    entry = AuditEntry.objects.get()
    assert (entry.actor, entry.setting, entry.before, entry.after) == (
        "command line (ops)",
        "retention_days",
        None,
        90,
    )

    run("org-config", "set", "acme.test", "--retention-days", "unset")
    org.refresh_from_db()
    assert org.retention_days is None


@pytest.mark.parametrize("value", ["0", "3651", "-5", "a year"])
def test_org_config_refuses_a_period_out_of_bounds(db, value):
    org = make_org(domain="acme.test")
    with pytest.raises(CommandError, match="from 1 to 3650"):
        run("org-config", "set", "acme.test", "--retention-days", value)
    org.refresh_from_db()
    assert org.retention_days is None
    assert not AuditEntry.objects.exists()


def test_org_config_sets_access_and_period_together_or_neither(db):
    org = make_org(domain="acme.test")
    with pytest.raises(CommandError, match="app name"):
        run("org-config", "set", "acme.test", "--retention-days", "30", "--allow-add", "bad app")
    org.refresh_from_db()
    assert org.retention_days is None
    run("org-config", "set", "acme.test", "--retention-days", "30", "--allow-add", "Outlook")
    org.refresh_from_db()
    assert (org.retention_days, org.app_allow_list) == (30, ["Outlook"])


def test_a_negative_site_period_is_refused_at_start(tmp_path):
    env = {
        **os.environ,
        "BOOKWITHME_DATA_DIR": str(tmp_path),
        "BOOKWITHME_RETENTION_DAYS": "-1",
    }
    env.pop("DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "import bookwithme.settings"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "BOOKWITHME_RETENTION_DAYS must be 0 (keep forever) or more" in done.stderr


def test_an_organization_admin_sets_the_period_in_the_admin_audited(client, db):
    org = make_org(domain="acme.test")
    boss = make_person(org=org, email="boss@acme.test")
    type(boss).objects.filter(pk=boss.pk).update(is_org_admin=True, is_staff=True)
    client.force_login(boss)
    url = reverse("admin:directory_organization_change", args=[org.pk])
    page = client.get(url)
    assert 'name="retention_days"' in page.text
    assert "days attendee data is kept" in page.text.lower()

    refused = client.post(url, org_admin_form(org, retention_days="0"))
    assert refused.status_code == 200  # the form again, with its error
    org.refresh_from_db()
    assert org.retention_days is None

    assert client.post(url, org_admin_form(org, retention_days="30")).status_code == 302
    org.refresh_from_db()
    assert org.retention_days == 30
    entry = AuditEntry.objects.get(setting="retention_days")
    assert (entry.actor, entry.before, entry.after) == ("admin (boss@acme.test)", None, 30)


def test_an_erased_booking_is_not_taken_for_a_change_whose_emails_went_missing(call):
    # A booking long over, whose emails the outbox forgot: erasing it is no change of the
    # booking, so the workers' sweep (which sends again the emails of a booking changed in
    # the last day that lacks them) leaves it alone.
    from bookwithme.notify import tasks

    past = ended(call, LIMIT - DAY)
    Booking.objects.filter(pk=past.pk).update(updated_at=past.end)
    assert retention.erase_expired() == 1
    assert tasks.resume() == 0
    assert not OutboxMessage.objects.exists()
