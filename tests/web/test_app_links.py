"""Private links in the organizer app: making one (its URL shown once), the list, revoking."""

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from makers import NOW, make_link, make_person, make_type

from bookwithme.booking import services
from bookwithme.booking.errors import Invalid
from bookwithme.booking.models import Link
from bookwithme.tokens import hash_token

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]

SCRIPT = "<script>alert(1)</script>"


@pytest.fixture
def alex():
    return make_person()


@pytest.fixture
def mt(alex):
    return make_type(alex, title="Consulting", visibility="private")


def test_the_links_page_offers_a_90_day_link(signed_in, mt):
    html = signed_in.get(f"/app/types/{mt.pk}/links").content.decode()

    assert 'name="expires_in_days" value="90"' in html
    assert 'id="id_single_use"' in html and 'id="id_label"' in html
    assert "No links yet." in html


def test_a_new_link_is_shown_once_and_only_its_hash_is_kept(signed_in, mt, settings):
    settings.BOOKWITHME_BASE_URL = "https://book.example.org"

    response = signed_in.post(
        f"/app/types/{mt.pk}/links",
        {"expires_in_days": "7", "single_use": "on", "label": "For Sam"},
        follow=True,
    )

    assert response.redirect_chain == [(f"/app/types/{mt.pk}/links", 302)]
    html = response.content.decode()
    url = re.search(r'id="new-link-url" type="text" readonly value="([^"]+)"', html)[1]
    token = url.removeprefix("https://book.example.org/l/")
    assert token != url
    link = Link.objects.get(meeting_type=mt)
    assert link.token_hash == hash_token(token)
    assert (link.single_use, link.label) == (True, "For Sam")
    assert link.expires_at == NOW + timedelta(days=7)
    assert 'data-copy="#new-link-url"' in html
    # Shown once: the next visit lists the link without its token.
    again = signed_in.get(f"/app/types/{mt.pk}/links").content.decode()
    assert token not in again and "For Sam" in again


def test_the_list_never_shows_tokens(signed_in, mt):
    tokens = [make_link(mt) for _ in range(3)]

    html = signed_in.get(f"/app/types/{mt.pk}/links").content.decode()

    assert html.count('data-state="active"') == 3
    for token in tokens:
        assert token not in html


def test_the_list_tells_each_links_state(signed_in, mt):
    make_link(mt, label="fresh")
    used, _ = services.create_link(mt, single_use=True, label="spent")
    used.used_at = timezone.now()
    used.save()
    reused, _ = services.create_link(mt, single_use=False, label="shared")
    reused.used_at = timezone.now()
    reused.save()
    old, _ = services.create_link(mt, expires_in_days=1, label="old")
    old.expires_at = timezone.now() - timedelta(minutes=1)
    old.save()
    off, _ = services.create_link(mt, label="off")
    off.revoke()

    html = signed_in.get(f"/app/types/{mt.pk}/links").content.decode()

    for link_id, state, label in [
        (used.pk, "used", "Used"),
        (reused.pk, "active", "Active"),
        (old.pk, "expired", "Expired"),
        (off.pk, "revoked", "Revoked"),
    ]:
        row = html.split(f'id="link-{link_id}"')[1].split("</tr>")[0]
        assert f'<span class="badge {state}" data-state="{state}">{label}</span>' in row
        assert (f"/app/links/{link_id}/revoke" in row) == (state == "active")


@pytest.mark.parametrize(
    ("data", "field", "kwargs"),
    [
        ({"expires_in_days": "0"}, "expires_in_days", {"expires_in_days": 0}),
        ({"expires_in_days": "4000"}, "expires_in_days", {"expires_in_days": 4000}),
        ({"label": "x" * 201}, "label", {"label": "x" * 201}),
    ],
)
def test_bad_input_shows_the_services_message(signed_in, mt, data, field, kwargs):
    with pytest.raises(Invalid) as refused:
        services.create_link(mt, **kwargs)
    expected = refused.value.message_dict[field][0]

    response = signed_in.post(f"/app/types/{mt.pk}/links", data)

    assert response.status_code == 200
    assert expected in response.content.decode()
    assert not Link.objects.filter(meeting_type=mt).exists()


def test_a_blank_expiry_means_90_days(signed_in, mt):
    signed_in.post(f"/app/types/{mt.pk}/links", {"expires_in_days": ""})

    assert Link.objects.get(meeting_type=mt).expires_at == NOW + timedelta(days=90)


def test_revoking_switches_the_link_off(signed_in, mt, client):
    token = make_link(mt)
    link = Link.objects.get(token_hash=hash_token(token))

    response = signed_in.post(f"/app/links/{link.pk}/revoke", follow=True)

    assert response.redirect_chain == [(f"/app/types/{mt.pk}/links", 302)]
    assert "The link is revoked" in response.content.decode()
    link.refresh_from_db()
    assert link.revoked_at == NOW
    assert Client().get(f"/l/{token}").status_code == 404


def test_someone_elses_links_are_not_found(signed_in):
    theirs = make_type(make_person())
    token = make_link(theirs)
    link = Link.objects.get(token_hash=hash_token(token))

    assert signed_in.get(f"/app/types/{theirs.pk}/links").status_code == 404
    assert signed_in.post(f"/app/types/{theirs.pk}/links", {}).status_code == 404
    assert signed_in.post(f"/app/links/{link.pk}/revoke").status_code == 404
    link.refresh_from_db()
    assert link.revoked_at is None
    assert not Link.objects.filter(meeting_type=theirs).exclude(pk=link.pk).exists()


def test_links_need_the_csrf_token(alex, mt):
    token = make_link(mt)
    link = Link.objects.get(token_hash=hash_token(token))
    client = Client(enforce_csrf_checks=True)
    client.force_login(alex)

    assert client.post(f"/app/types/{mt.pk}/links", {"expires_in_days": "5"}).status_code == 403
    assert client.post(f"/app/links/{link.pk}/revoke").status_code == 403
    assert Link.objects.filter(meeting_type=mt).count() == 1
    link.refresh_from_db()
    assert link.revoked_at is None


def test_labels_and_titles_are_escaped(signed_in, alex):
    mt = make_type(alex, title=SCRIPT)
    make_link(mt, label=SCRIPT)

    html = signed_in.get(f"/app/types/{mt.pk}/links").content.decode()

    assert "<script>alert" not in html
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") >= 3
