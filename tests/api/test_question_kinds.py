"""Every kind of question through the public booking API: the organizer's options kept in
order, good answers stored as given, bad ones refused with 422 on the question's own field,
and the answers written out in the emails in the reader's language."""

import json
import subprocess
from pathlib import Path

import pytest
from apicheck import API, assert_error, ok
from django.conf import settings
from django.test.signals import setting_changed
from makers import auth, make_token, make_type

from bookwithme.booking.models import Booking
from bookwithme.notify import messages

START = "2026-06-01T10:00:00+02:00"
QUESTIONS = [
    {"id": "topic", "label": "Topic", "kind": "text", "required": False},
    {"id": "more", "label": "More", "kind": "long_text", "required": False},
    {"id": "phone", "label": "Phone", "kind": "phone", "required": False},
    {
        "id": "where",
        "label": "Where shall we meet?",
        "kind": "single_choice",
        "required": True,
        "options": ["Remote", "On site"],
    },
    {
        "id": "areas",
        "label": "Areas",
        "kind": "multiple_choice",
        "required": False,
        "options": ["Design", "Code", "Budget"],
    },
    {
        "id": "size",
        "label": "Team size",
        "kind": "dropdown",
        "required": False,
        "options": ["1-5", "6-20", "More"],
    },
    {"id": "consent", "label": "I agree", "kind": "checkbox", "required": True},
    {"id": "news", "label": "News", "kind": "checkbox", "required": False},
]
GOOD = {
    "topic": "Roadmap",
    "more": "Two\nlines",
    "phone": "+33 1 23 45 67 89",
    "where": "On site",
    "areas": ["Budget", "Design"],
    "size": "6-20",
    "consent": True,
    "news": False,
}


@pytest.fixture
def asks(alex):
    return make_type(alex, slug="asks", questions=QUESTIONS)


def book(client, answers, start=START):
    body = {
        "start": start,
        "name": "Eve Moreau",
        "email": "eve@example.org",
        "time_zone": "Europe/Paris",
        "answers": answers,
    }
    return client.post(
        f"{API}/pages/alex/asks/bookings", json.dumps(body), content_type="application/json"
    )


def test_the_page_shows_every_question_with_its_options_in_order(client, asks):
    assert ok(client.get(f"{API}/pages/alex/asks"))["questions"] == QUESTIONS


def test_good_answers_of_every_kind_are_stored(client, asks):
    booked = ok(book(client, GOOD), 201)
    stored = Booking.objects.get(pk=booked["id"]).answers
    # Multiple choices in the options' order, whatever order they were sent in.
    assert stored == {**GOOD, "areas": ["Design", "Budget"]}


def test_the_organizer_reads_the_answers_through_the_api(client, asks, alex):
    booked = ok(book(client, GOOD), 201)
    listed = ok(client.get(f"{API}/bookings", **auth(make_token(alex))))
    mine = next(b for b in listed if b["id"] == booked["id"])
    assert mine["answers"]["areas"] == ["Design", "Budget"]
    assert mine["answers"]["consent"] is True


def test_optional_questions_may_be_left_out(client, asks):
    booked = ok(book(client, {"where": "Remote", "consent": True}), 201)
    assert Booking.objects.get(pk=booked["id"]).answers == {"where": "Remote", "consent": True}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"where": "Mars"}, "answers.where"),
        ({"where": ""}, "answers.where"),
        ({"where": ["Remote"]}, "answers.where"),
        ({"areas": ["Design", "Sales"]}, "answers.areas"),
        ({"areas": "Design"}, "answers.areas"),
        ({"size": "Huge"}, "answers.size"),
        ({"consent": False}, "answers.consent"),
        ({"consent": "yes"}, "answers.consent"),
        ({"news": "no"}, "answers.news"),
        ({"phone": "call me"}, "answers.phone"),
        ({"topic": True}, "answers.topic"),
    ],
)
def test_a_bad_answer_answers_422_on_its_question(client, asks, changes, field):
    body = assert_error(book(client, {**GOOD, **changes}), 422, "validation")
    assert field in body["fields"], body
    assert not Booking.objects.exists()


@pytest.mark.parametrize("missing", ["where", "consent"])
def test_a_missing_required_answer_answers_422_on_its_question(client, asks, missing):
    answers = {k: v for k, v in GOOD.items() if k != missing}
    body = assert_error(book(client, answers), 422, "validation")
    assert list(body["fields"]) == [f"answers.{missing}"]


def test_an_unticked_required_box_says_to_tick_it(client, asks):
    body = assert_error(book(client, {**GOOD, "consent": False}), 422, "validation")
    assert body["fields"]["answers.consent"] == ["Tick this box to go on."]


@pytest.mark.parametrize(
    ("question", "field"),
    [
        ({"id": "a", "label": "A", "kind": "single_choice"}, "questions"),
        ({"id": "a", "label": "A", "kind": "dropdown", "options": []}, "questions"),
        ({"id": "a", "label": "A", "kind": "multiple_choice", "options": ["x", "x"]}, "questions"),
        ({"id": "a", "label": "A", "kind": "checkbox", "options": ["x"]}, "questions"),
        ({"id": "a", "label": "A", "kind": "dropdown", "options": ["two\nlines"]}, "questions"),
        ({"id": "a", "label": "A", "kind": "poll", "options": ["x"]}, "questions"),
    ],
)
def test_a_type_with_bad_options_answers_422(client, alex, question, field):
    body = {"title": "Asks", "duration_minutes": 30, "questions": [question]}
    response = client.post(
        f"{API}/meeting-types",
        json.dumps(body),
        content_type="application/json",
        **auth(make_token(alex)),
    )
    refused = assert_error(response, 422, "validation")
    assert any(name.startswith(field) for name in refused["fields"]), refused


def test_the_order_of_questions_is_kept_through_a_change(client, alex, asks):
    turned = list(reversed(QUESTIONS))
    changed = client.patch(
        f"{API}/meeting-types/{asks.pk}",
        json.dumps({"questions": turned}),
        content_type="application/json",
        **auth(make_token(alex)),
    )
    assert [q["id"] for q in ok(changed)["questions"]] == [q["id"] for q in turned]


@pytest.fixture
def french():
    """The catalogue compiled, as `make install` does, and loaded afresh."""
    mo = Path(settings.BASE_DIR) / "locale" / "fr" / "LC_MESSAGES" / "django.mo"
    po = mo.with_suffix(".po")
    if not mo.exists() or mo.stat().st_mtime < po.stat().st_mtime:
        subprocess.run(["msgfmt", "--check-format", "-o", str(mo), str(po)], check=True)
        setting_changed.send(
            sender=None, setting="LOCALE_PATHS", value=settings.LOCALE_PATHS, enter=False
        )


@pytest.mark.parametrize(("language", "yes", "no"), [("en", "Yes", "No"), ("fr", "Oui", "Non")])
def test_the_emails_show_choice_answers_in_the_readers_language(
    client, asks, alex, french, language, yes, no
):
    alex.language = language
    alex.save()
    booking = Booking.objects.get(pk=ok(book(client, GOOD), 201)["id"])
    message = messages.render("confirmed", "organizer", booking)
    text = message.body
    html = message.alternatives[0][0]
    for label, shown in [
        ("Where shall we meet?", "On site"),
        ("Areas", "Design, Budget"),
        ("Team size", "6-20"),
        ("I agree", yes),
        ("News", no),
    ]:
        assert f"{label}\n{shown}" in text, text
        assert f'{label}</th><td style="padding:.25rem 0;">{shown}</td>' in html, html
