"""`bookwithme demo`: a demo organization, an admin and an organizer ready to be booked.

Running it again reuses what exists and changes none of it, except that it resets the two
demo passwords (so the printed logins work) and makes a fresh private link and API token:
their earlier tokens are stored as hashes only and cannot be printed again.
"""

from dataclasses import replace
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bookwithme.booking import meeting_types
from bookwithme.booking.availability import Days, offer
from bookwithme.booking.models import Booking, MeetingType, WorkingHours
from bookwithme.booking.services import Attendee, book, create_link
from bookwithme.directory.models import Organization, Person
from bookwithme.management.commands.token import create_api_token

DOMAIN = "demo.example"
# Known on purpose: the demo prints them, and nothing but demo data sits behind them.
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@demo.example", "demo-admin"
ALEX_EMAIL, ALEX_PASSWORD = "alex@demo.example", "demo-alex"
ALEX_SLUG = "alex"
# A visitor who booked twice, so that the app's bookings and `privacy export` have something
# to show.
VISITOR = Attendee(
    name="Jordan Lee",
    email="jordan@visitor.example",
    time_zone="America/Montreal",
    language="en",
)
_MORNING_AND_AFTERNOON = [["09:00", "12:00"], ["13:00", "17:30"]]
WEEKLY = {day: _MORNING_AND_AFTERNOON for day in ("mon", "tue", "wed", "thu", "fri")}
MEETING_TYPES = [
    {
        "slug": "intro",
        "title": "Intro call",
        "description": "A quick first call to see how I can help.",
        "duration_minutes": 15,
        "online_meeting": True,
    },
    {
        "slug": "review",
        "title": "Project review",
        "description": "We go through your project together and agree on next steps.",
        "duration_minutes": 45,
        # The visitor chooses how long, 45 minutes unless they say otherwise.
        "durations_minutes": [30, 45, 60],
        "buffer_after_minutes": 15,
        # The visitor may bring two colleagues, and move or cancel until a day before.
        "max_guests": 2,
        "cancel_notice_minutes": 24 * 60,
        "reschedule_notice_minutes": 24 * 60,
        # Online, so a link is generated for each booking: the attendee knows how to join.
        "online_meeting": True,
        "questions": [
            {
                "id": "topic",
                "label": "What would you like to discuss?",
                "kind": "long_text",
                "required": False,
            }
        ],
    },
    {
        "slug": "consulting",
        "title": "Consulting session",
        "description": "An hour of focused work on your question, by invitation.",
        "duration_minutes": 60,
        "visibility": MeetingType.Visibility.PRIVATE,
        "online_meeting": True,
        # Each booking waits for Alex's approval (the dashboard lists them first).
        "requires_approval": True,
    },
]


def migrate_if_needed() -> None:
    # `demo` is often the first command run on a fresh data dir.
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        call_command("migrate", interactive=False, verbosity=0)


def demo_person(email: str, password: str, organization: Organization, **fields) -> Person:
    person = Person.objects.filter(email=email).first()
    if person is None:
        person = Person.objects.create_user(email, password, organization=organization, **fields)
    else:
        person.set_password(password)
        person.save(update_fields=["password"])
    return person


def demo_meeting_type(owner: Person, fields: dict) -> MeetingType:
    existing = MeetingType.objects.live().filter(owner=owner, slug=fields["slug"]).first()
    if existing is not None:
        return existing
    return meeting_types.save(MeetingType(owner=owner), fields)


def demo_bookings(types: dict[str, MeetingType]) -> None:
    """The visitor's two upcoming bookings with Alex: an intro call on the first day with free
    time, then a project review with an answer and a guest the next working day after it."""
    owner_zone = ZoneInfo(types["intro"].owner.time_zone)
    today = timezone.now().astimezone(owner_zone).date()
    days = Days(today + timedelta(days=1), today + timedelta(days=21), owner_zone)
    intro = offer(types["intro"], days).starts
    review = [
        s for s in offer(types["review"], days).starts if intro and s.date() > intro[0].date()
    ]
    if not intro or not review:
        return  # nothing free in three weeks: no demo bookings
    book(types["intro"], intro[0], VISITOR)
    book(
        types["review"],
        review[0],
        replace(
            VISITOR,
            answers={"topic": "The launch plan for our new booking page."},
            guests=("casey@visitor.example",),
        ),
    )


class Command(BaseCommand):
    help = "Create a demo organization, an admin and an organizer; print logins and URLs."

    def handle(self, **options):
        migrate_if_needed()
        squatter = Person.objects.filter(page_slug=ALEX_SLUG).exclude(email=ALEX_EMAIL).first()
        if squatter is not None:
            raise CommandError(
                f"The page address /{ALEX_SLUG} already belongs to {squatter.email}."
            )
        with transaction.atomic():
            org, _ = Organization.objects.get_or_create(domain=DOMAIN, defaults={"name": "Demo"})
            demo_person(
                ADMIN_EMAIL,
                ADMIN_PASSWORD,
                org,
                name="Demo Admin",
                is_staff=True,
                is_superuser=True,
                is_org_admin=True,
            )
            alex = demo_person(
                ALEX_EMAIL,
                ALEX_PASSWORD,
                org,
                name="Alex Martin",
                has_licence=True,
                time_zone="Europe/Paris",
                page_slug=ALEX_SLUG,
            )
            WorkingHours.objects.get_or_create(person=alex, defaults={"weekly": WEEKLY})
            types = {fields["slug"]: demo_meeting_type(alex, fields) for fields in MEETING_TYPES}
            _, link_token = create_link(types["consulting"], expires_in_days=90, single_use=False)
            api_token = create_api_token(alex)
        if not Booking.objects.filter(attendee_email=VISITOR.email).exists():
            demo_bookings(types)

        base_url = settings.BOOKWITHME_BASE_URL.rstrip("/")
        for line in (
            f"Demo organization: {org.name} ({org.domain})",
            f"Admin:        {ADMIN_EMAIL}  password: {ADMIN_PASSWORD}  ({base_url}/admin/)",
            f"Organizer:    {ALEX_EMAIL}  password: {ALEX_PASSWORD}  ({base_url}/app/)",
            f"Page:         {base_url}/{alex.page_slug}",
            f"Private link: {base_url}/l/{link_token}  ({types['consulting'].title}, 90 days)",
            f"API token:    {api_token}  (acts for {ALEX_EMAIL})",
        ):
            self.stdout.write(line)
