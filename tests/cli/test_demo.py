from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from bookwithme.booking.models import Link, MeetingType, WorkingHours, validate_questions
from bookwithme.directory.models import ApiToken, Organization, Person
from bookwithme.tokens import hash_token

pytestmark = pytest.mark.django_db

BASE_URL = "https://book.example.org"


@pytest.fixture(autouse=True)
def demo_settings(settings):
    settings.BOOKWITHME_BASE_URL = BASE_URL


def run_demo() -> dict[str, str]:
    """The demo's printed lines, by their label ("Page", "API token", ...)."""
    out = StringIO()
    call_command("demo", stdout=out)
    return dict(line.split(":", 1) for line in out.getvalue().splitlines())


def counts() -> dict[str, int]:
    return {
        "organizations": Organization.objects.count(),
        "people": Person.objects.count(),
        "meeting types": MeetingType.objects.count(),
        "working hours": WorkingHours.objects.count(),
    }


def test_demo_creates_an_organization_an_admin_and_an_organizer():
    run_demo()

    org = Organization.objects.get()
    assert (org.name, org.domain) == ("Demo", "demo.example")
    admin = Person.objects.get(email="admin@demo.example")
    assert admin.is_superuser and admin.is_staff
    assert admin.check_password("demo-admin")
    alex = Person.objects.get(email="alex@demo.example")
    assert (alex.name, alex.time_zone, alex.page_slug) == ("Alex Martin", "Europe/Paris", "alex")
    assert alex.organization == org and alex.page_published
    assert alex.check_password("demo-alex")
    weekly = WorkingHours.objects.get(person=alex).weekly
    assert set(weekly) == {"mon", "tue", "wed", "thu", "fri"}
    assert all(day == [["09:00", "12:00"], ["13:00", "17:30"]] for day in weekly.values())
    WorkingHours.objects.get(person=alex).as_hours()  # the slot engine accepts them


def test_demo_meeting_types_are_as_described_and_valid():
    run_demo()

    types = {mt.slug: mt for mt in MeetingType.objects.filter(owner__email="alex@demo.example")}
    assert set(types) == {"intro", "review", "consulting"}
    intro, review, consulting = types["intro"], types["review"], types["consulting"]
    assert (intro.title, intro.duration_minutes, intro.online_meeting) == ("Intro call", 15, True)
    assert (review.title, review.duration_minutes, review.buffer_after_minutes) == (
        "Project review",
        45,
        15,
    )
    assert review.questions == [
        {
            "id": "topic",
            "label": "What would you like to discuss?",
            "kind": "long_text",
            "required": False,
        }
    ]
    assert (consulting.title, consulting.duration_minutes) == ("Consulting session", 60)
    # Two booking rules shown (issue 17): several lengths, and approval.
    assert review.lengths == [30, 45, 60] and not review.requires_approval
    assert consulting.requires_approval
    public = MeetingType.objects.public().values_list("slug", flat=True)
    assert sorted(public) == ["intro", "review"]
    for mt in types.values():
        # `questions` is checked apart: the model refuses an empty list as blank.
        mt.full_clean(exclude=["questions"])
        validate_questions(mt.questions)


def test_demo_prints_logins_and_urls_that_work():
    printed = run_demo()

    assert "admin@demo.example" in printed["Admin"] and "demo-admin" in printed["Admin"]
    assert "alex@demo.example" in printed["Organizer"] and "demo-alex" in printed["Organizer"]
    assert printed["Page"].strip() == f"{BASE_URL}/alex"
    link_url = printed["Private link"].split()[0]
    assert link_url.startswith(f"{BASE_URL}/l/")
    link = Link.objects.get(token_hash=hash_token(link_url.removeprefix(f"{BASE_URL}/l/")))
    assert link.meeting_type.slug == "consulting" and not link.single_use
    assert link.state() == Link.State.ACTIVE
    expected_expiry = timezone.now() + timedelta(days=90)
    assert abs(link.expires_at - expected_expiry) < timedelta(minutes=1)
    api_token = printed["API token"].split()[0]
    assert api_token.startswith("bwm_")
    stored = ApiToken.objects.get(token_hash=hash_token(api_token))
    assert (stored.person.email, stored.app) == ("alex@demo.example", "PersonalBookings")


def test_demo_twice_reuses_what_exists():
    first = run_demo()
    before = counts()
    alex = Person.objects.get(email="alex@demo.example")
    alex.name = "Alexandra Martin"
    alex.save()

    second = run_demo()

    assert counts() == before
    assert before == {"organizations": 1, "people": 2, "meeting types": 3, "working hours": 1}
    assert Person.objects.get(email="alex@demo.example").name == "Alexandra Martin"
    # Earlier tokens cannot be printed again: each run prints a fresh link and API token.
    assert second["Private link"] != first["Private link"]
    assert second["API token"] != first["API token"]
    assert Link.objects.count() == 2
    assert Person.objects.get(email="alex@demo.example").check_password("demo-alex")


def test_demo_resets_the_printed_passwords():
    run_demo()
    admin = Person.objects.get(email="admin@demo.example")
    admin.set_password("changed meanwhile")
    admin.save()

    run_demo()

    assert Person.objects.get(email="admin@demo.example").check_password("demo-admin")


def test_demo_refuses_when_someone_else_has_the_alex_page():
    Person.objects.create_user("other@elsewhere.test", page_slug="alex")

    with pytest.raises(CommandError, match=r"/alex already belongs to other@elsewhere\.test"):
        run_demo()

    assert not Organization.objects.exists()
    assert Person.objects.count() == 1
