from unittest import mock

from django.db.utils import OperationalError


def test_healthz_answers_200_while_the_database_is_up(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"
    assert "no-cache" in response["Cache-Control"]


def test_healthz_says_503_when_the_database_is_down(client, db):
    with mock.patch("django.db.backends.utils.CursorWrapper.execute", side_effect=OperationalError):
        response = client.get("/healthz")
    assert response.status_code == 503


def test_healthz_refuses_writes(client, db):
    assert client.post("/healthz").status_code == 405
