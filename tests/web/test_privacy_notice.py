"""The privacy notice: the booking form's line on what is kept and for how long, its link to the
organization's notice (its own address, or its text on a page of ours), the consent box, and
the settings behind them (`org-config`, the admin, the organizer app)."""

import getpass
from datetime import datetime
from io import StringIO

import makers
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from dom import dom, one, text
from makers import NOW, make_link, make_org, make_person, org_admin_form
from pytest_django.asserts import assertNotContains

from bookwithme.booking import services
from bookwithme.booking.models import MeetingType
from bookwithme.directory.changes import text_digest
from bookwithme.directory.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"
NOTICE = "We keep what you type.\n\nAsk dpo@acme.test to see it.\nOr to erase it."
KEPT_365 = "Your name, email and answers are kept for 365 days after the meeting, then erased."


def make_type(owner, **fields):
    fields.setdefault("slug", "intro")
    return makers.make_type(owner, **fields)


def alex(**org_fields) -> tuple:
    """Alex's page (`/alex`) and a public type of theirs, in an organization set so."""
    org = make_org(domain="acme.test")
    for name, value in org_fields.items():
        setattr(org, name, value)
    org.save()
    owner = make_person(org=org, page_slug="alex", name="Alex Martin")
    return owner, make_type(owner)


def line(response):
    """The privacy line of a page."""
    return one(dom(response), "//p[@data-privacy-line]")


def notice_link(response) -> str | None:
    links = line(response).xpath(".//a")
    return links[0].get("href") if links else None


# --- the line under the booking form -------------------------------------------------------


def test_the_line_says_the_sites_period_by_default(client):
    alex()
    response = client.get("/alex/intro")
    assert text(line(response)) == KEPT_365
    # Inside the form, under its button: read when the details are typed.
    assert one(dom(response), "//form[@data-book-form]//p[@data-privacy-line]") is not None


def test_the_line_says_an_organizations_shorter_period(client):
    alex(retention_days=30)
    assert text(line(client.get("/alex/intro"))) == (
        "Your name, email and answers are kept for 30 days after the meeting, then erased."
    )


def test_the_line_says_one_day_in_the_singular(client):
    alex(retention_days=1)
    assert text(line(client.get("/alex/intro"))).startswith(
        "Your name, email and answers are kept for 1 day after"
    )


def test_the_sites_shorter_period_wins_over_the_organizations(client, settings):
    settings.BOOKWITHME_RETENTION_DAYS = 20
    alex(retention_days=30)
    assert "kept for 20 days" in text(line(client.get("/alex/intro")))


def test_with_no_period_the_line_says_the_data_stays_until_erased(client, settings):
    settings.BOOKWITHME_RETENTION_DAYS = 0
    alex()
    assert text(line(client.get("/alex/intro"))) == (
        "Your name, email and answers are kept until the organizer erases them."
    )


def test_the_line_is_in_french_with_the_plural(client):
    alex(retention_days=30)
    response = client.get("/alex/intro", HTTP_ACCEPT_LANGUAGE="fr")
    assert text(line(response)) == (
        "Votre nom, votre e-mail et vos réponses sont conservés 30 jours après le rendez-vous, "
        "puis effacés."
    )


def test_the_notice_link_is_in_french_too(client):
    alex(privacy_notice_url="https://acme.test/privacy")
    response = client.get("/alex/intro", HTTP_ACCEPT_LANGUAGE="fr")
    assert text(one(dom(response), "//a[@data-privacy-notice]")) == "Politique de confidentialité"


def test_the_line_links_to_the_organizations_own_notice(client):
    alex(privacy_notice_url="https://acme.test/privacy", privacy_notice_text="Ignored")
    response = client.get("/alex/intro")
    assert text(line(response)) == f"{KEPT_365} Privacy notice"
    link = one(dom(response), "//a[@data-privacy-notice]")
    assert link.get("href") == "https://acme.test/privacy"
    # A new tab: the visitor keeps the form they are filling in.
    assert (link.get("target"), link.get("rel")) == ("_blank", "noopener")


def test_the_line_links_to_the_notice_page_when_there_is_only_a_text(client):
    alex(privacy_notice_text=NOTICE)
    assert notice_link(client.get("/alex/intro")) == "/alex/-/privacy"


def test_the_line_has_no_link_without_a_notice(client):
    alex()
    assert notice_link(client.get("/alex/intro")) is None


def test_a_private_links_page_says_the_same(client):
    owner, _ = alex(retention_days=30, privacy_notice_text=NOTICE)
    token = make_link(make_type(owner, slug="secret", visibility="private"))
    response = client.get(f"/l/{token}")
    assert "kept for 30 days" in text(line(response))
    assert notice_link(response) == "/alex/-/privacy"


# --- the notice's own page -----------------------------------------------------------------


def test_the_notice_page_shows_the_organization_its_text_and_the_period(client):
    alex(privacy_notice_text=NOTICE, retention_days=90, name="Acme Corp")
    response = client.get("/alex/-/privacy")
    assert response.status_code == 200
    page = dom(response)
    assert text(one(page, "//h1")) == "Privacy notice"
    assert "Acme Corp" in text(one(page, "//section[@data-privacy-page]"))
    # Paragraphs kept, and a single line break within one.
    paragraphs = one(page, "//*[@data-notice-text]").xpath("./p")
    assert [text(p) for p in paragraphs] == [
        "We keep what you type.",
        "Ask dpo@acme.test to see it. Or to erase it.",
    ]
    assert len(paragraphs[1].xpath("./br")) == 1
    assert "kept for 90 days" in text(line(response))
    assert notice_link(response) is None  # no link to itself


def test_the_notice_page_escapes_the_text(client):
    alex(privacy_notice_text=f"Read this {SCRIPT}", name=f"Acme {SCRIPT}")
    response = client.get("/alex/-/privacy")
    assert response.status_code == 200
    assertNotContains(response, SCRIPT)
    assert SCRIPT in text(one(dom(response), "//*[@data-notice-text]"))


def test_the_notice_page_sends_an_organization_with_an_address_there(client):
    alex(privacy_notice_url="https://acme.test/privacy", privacy_notice_text=NOTICE)
    response = client.get("/alex/-/privacy")
    assert (response.status_code, response["Location"]) == (302, "https://acme.test/privacy")


def test_there_is_no_notice_page_without_a_text(client):
    alex(privacy_notice_text="  \n ")
    response = client.get("/alex/-/privacy")
    assert response.status_code == 404
    assert text(one(dom(response), "//h1")) == "Page not found"


@pytest.mark.parametrize(
    "refusal",
    [{"page_published": False}, {"has_licence": False}],
    ids=["unpublished", "no-licence"],
)
def test_the_notice_page_of_a_switched_off_page_is_not_found(client, refusal):
    owner, _ = alex(privacy_notice_text=NOTICE)
    type(owner).objects.filter(pk=owner.pk).update(**refusal)
    response = client.get("/alex/-/privacy")
    assert response.status_code == 404
    assertNotContains(response, "We keep what you type", status_code=404)


def test_the_notice_page_of_a_page_refused_by_the_sharing_policy_is_not_found(client):
    alex(privacy_notice_text=NOTICE, anonymous_sharing="none")
    assert client.get("/alex/-/privacy").status_code == 404


def test_a_type_called_privacy_keeps_its_address(client):
    owner, _ = alex(privacy_notice_text=NOTICE)
    make_type(owner, slug="privacy", title="Privacy review")
    assert text(one(dom(client.get("/alex/privacy")), "//h1")) == "Privacy review"
    assert text(one(dom(client.get("/alex/-/privacy")), "//h1")) == "Privacy notice"


def test_the_notice_page_is_in_french(client):
    alex(privacy_notice_text=NOTICE)
    response = client.get("/alex/-/privacy", HTTP_ACCEPT_LANGUAGE="fr")
    assert text(one(dom(response), "//h1")) == "Politique de confidentialité"
    assert "conservés 365 jours" in text(line(response))


# --- the consent box -----------------------------------------------------------------------


def test_a_type_that_asks_consent_shows_a_required_box_with_the_notice(client):
    _, mt = alex(privacy_notice_url="https://acme.test/privacy")
    MeetingType.objects.filter(pk=mt.pk).update(ask_consent=True)
    page = dom(client.get("/alex/intro"))
    box = one(page, "//form[@data-book-form]//input[@name='consent']")
    assert box.get("type") == "checkbox" and box.get("required") is not None
    label = one(page, f"//label[@for='{box.get('id')}']")
    assert text(label) == "I agree that my data is processed as the privacy notice says"
    assert one(page, "//a[@data-consent-notice]").get("href") == "https://acme.test/privacy"
    # The API's errors for `consent` land under the box (book.js: `<id>-errors`).
    assert one(page, f"//ul[@id='{box.get('id')}-errors']") is not None


def test_without_a_notice_the_box_points_to_the_line_below(client):
    _, mt = alex()
    MeetingType.objects.filter(pk=mt.pk).update(ask_consent=True)
    page = dom(client.get("/alex/intro"))
    assert text(one(page, "//label[@for='book-consent']")) == (
        "I agree that my data is processed as said below"
    )
    assert page.xpath("//a[@data-consent-notice]") == []


def test_a_type_that_does_not_ask_shows_no_box(client):
    alex(privacy_notice_url="https://acme.test/privacy")
    assert dom(client.get("/alex/intro")).xpath("//input[@name='consent']") == []


def test_the_box_is_in_french(client):
    _, mt = alex(privacy_notice_text=NOTICE)
    MeetingType.objects.filter(pk=mt.pk).update(ask_consent=True)
    page = dom(client.get("/alex/intro", HTTP_ACCEPT_LANGUAGE="fr"))
    assert text(one(page, "//label[@for='book-consent']")) == (
        "J\u2019accepte que mes données soient traitées comme l\u2019indique la politique de "
        "confidentialité"
    )


# --- the organizer app ---------------------------------------------------------------------


def test_the_type_form_sets_ask_consent(client):
    owner, mt = alex()
    client.force_login(owner)
    page = dom(client.get(f"/app/types/{mt.pk}/"))
    box = one(page, "//input[@name='ask_consent']")
    assert box.get("type") == "checkbox" and box.get("checked") is None


def test_the_bookings_page_shows_when_consent_was_given(client):
    owner, mt = alex()
    MeetingType.objects.filter(pk=mt.pk).update(ask_consent=True)
    mt.refresh_from_db()
    attendee = services.Attendee(
        name="Sam Doe", email="sam@example.org", time_zone="Europe/Paris", consent=True
    )
    booking = services.book(mt, datetime.fromisoformat("2026-06-01T10:00:00+02:00"), attendee)
    assert booking.booking.consent_at == NOW
    client.force_login(owner)
    item = one(dom(client.get("/app/bookings")), f"//li[@id='booking-{booking.booking.pk}']")
    facts = dict(
        zip(
            [text(dt) for dt in item.xpath(".//dt")],
            [text(dd) for dd in item.xpath(".//dd")],
            strict=True,
        )
    )
    assert facts["Agreed to the privacy notice"] == "Monday, June 1, 2026, 8:00 AM"


# --- the settings: org-config --------------------------------------------------------------


@pytest.fixture
def ops(monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "ops")


def run(*args: str) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


def audit() -> list[tuple]:
    return list(
        AuditEntry.objects.order_by("pk").values_list(
            "actor", "target", "setting", "before", "after"
        )
    )


def test_org_config_sets_shows_and_unsets_the_address_audited(ops):
    org = make_org(domain="acme.test")
    url = "https://acme.test/privacy"
    assert run("org-config", "set", "acme.test", "--privacy-url", url) == (
        f"PrivacyNoticeUrl: (unset) -> {url}\n"
    )
    org.refresh_from_db()
    assert org.privacy_notice_url == url
    assert f"PrivacyNoticeUrl   : {url}\n" in run("org-config", "show", "acme.test")
    assert run("org-config", "set", "acme.test", "--privacy-url", url) == "No change.\n"

    run("org-config", "set", "acme.test", "--privacy-url", "unset")
    org.refresh_from_db()
    assert org.privacy_notice_url == ""
    assert audit() == [
        ("command line (ops)", "organization acme.test", "privacy_notice_url", "", url),
        ("command line (ops)", "organization acme.test", "privacy_notice_url", url, ""),
    ]


def test_org_config_sets_and_shows_the_text_and_audits_only_its_digest(ops):
    org = make_org(domain="acme.test")
    out = run("org-config", "set", "acme.test", "--privacy-text", NOTICE + "\n")
    digest = text_digest(NOTICE)
    assert digest is not None and digest.startswith(f"{len(NOTICE)} characters, sha256 ")
    assert out == f"PrivacyNoticeText: (unset) -> {digest}\n"
    org.refresh_from_db()
    assert org.privacy_notice_text == NOTICE  # trimmed, its lines kept

    shown = run("org-config", "show", "acme.test").splitlines()
    at = shown.index("PrivacyNoticeText  :")
    assert shown[at + 1 :] == [
        "                     We keep what you type.",
        "",
        "                     Ask dpo@acme.test to see it.",
        "                     Or to erase it.",
    ]

    run("org-config", "set", "acme.test", "--privacy-text", "unset")
    org.refresh_from_db()
    assert org.privacy_notice_text == ""
    entries = audit()
    assert [(e[2], e[3], e[4]) for e in entries] == [
        ("privacy_notice_text", None, digest),
        ("privacy_notice_text", digest, None),
    ]
    assert not any("We keep" in str(value) for entry in entries for value in entry)


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--privacy-url", "ftp://acme.test/notice"], "https:// or http://"),
        (["--privacy-url", "not an address"], "https:// or http://"),
        (["--privacy-url", "https://acme.test/" + "a" * 500], "at most 500"),
        (["--privacy-text", "x" * 5001], "at most 5000"),
        (["--privacy-text", "bell\x07"], "control characters"),
        (["--privacy-url", "https://a.test", "--privacy-url", "https://b.test"], "two different"),
    ],
)
def test_org_config_refuses_a_bad_notice_and_changes_nothing(ops, flags, message):
    org = make_org(domain="acme.test")
    with pytest.raises(CommandError, match=message):
        run("org-config", "set", "acme.test", "--retention-days", "30", *flags)
    org.refresh_from_db()
    assert (org.retention_days, org.privacy_notice_url, org.privacy_notice_text) == (None, "", "")
    assert not AuditEntry.objects.exists()


# --- the settings: the admin ---------------------------------------------------------------


@pytest.fixture
def boss_client(client):
    org = make_org(domain="acme.test")
    boss = make_person(org=org, email="boss@acme.test")
    type(boss).objects.filter(pk=boss.pk).update(is_org_admin=True, is_staff=True)
    client.force_login(boss)
    return client, org, reverse("admin:directory_organization_change", args=[org.pk])


def test_an_organization_admin_sets_the_notice_in_the_admin_audited(boss_client):
    client, org, url = boss_client
    page = client.get(url)
    assert 'name="privacy_notice_url"' in page.text
    assert 'name="privacy_notice_text"' in page.text

    posted = org_admin_form(
        org, privacy_notice_url="https://acme.test/privacy", privacy_notice_text="One\r\n\r\nTwo"
    )
    assert client.post(url, posted).status_code == 302
    org.refresh_from_db()
    assert (org.privacy_notice_url, org.privacy_notice_text) == (
        "https://acme.test/privacy",
        "One\n\nTwo",
    )
    assert audit() == [
        (
            "admin (boss@acme.test)",
            "organization acme.test",
            "privacy_notice_url",
            "",
            "https://acme.test/privacy",
        ),
        (
            "admin (boss@acme.test)",
            "organization acme.test",
            "privacy_notice_text",
            None,
            text_digest("One\n\nTwo"),
        ),
    ]

    # The same text posted again, with the browser's line breaks: no change, no entry.
    assert client.post(url, org_admin_form(org, privacy_notice_text="One\r\n\r\nTwo")).status_code
    assert AuditEntry.objects.count() == 2


@pytest.mark.parametrize(
    "changes",
    [
        {"privacy_notice_url": "javascript:alert(1)"},
        {"privacy_notice_url": "ftp://acme.test/notice"},
        {"privacy_notice_text": "x" * 5001},
    ],
)
def test_the_admin_refuses_a_bad_notice(boss_client, changes):
    client, org, url = boss_client
    refused = client.post(url, org_admin_form(org, **changes))
    assert refused.status_code == 200  # the form again, with its error
    assert "errorlist" in refused.text
    org.refresh_from_db()
    assert (org.privacy_notice_url, org.privacy_notice_text) == ("", "")
    assert not AuditEntry.objects.exists()
