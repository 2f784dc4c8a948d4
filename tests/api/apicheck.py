"""Checks shared by the API tests: the error shape, success, and a grid of expected starts."""

API = "/api/v1"


def assert_error(response, status: int, code: str) -> dict:
    """The response is `status` with the API's error body `{"error": code, ...}`."""
    assert response.status_code == status, (response.status_code, response.content[:800])
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["error"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip(), body
    if code == "validation":
        assert isinstance(body["fields"], dict) and body["fields"], body
        for name, messages in body["fields"].items():
            assert isinstance(name, str) and name
            assert messages and all(isinstance(m, str) and m.strip() for m in messages), body
    return body


def ok(response, status=200):
    """The response is `status`; its JSON body (None when empty)."""
    assert response.status_code == status, (response.status_code, response.content[:800])
    return response.json() if response.content else None


def grid(day, first, last, offset="+02:00", step=30):
    """Starts from `first` to `last` (HH:MM, inclusive) every `step` minutes, written in ISO."""
    h, m = map(int, first.split(":"))
    end_h, end_m = map(int, last.split(":"))
    found, minute = [], h * 60 + m
    while minute <= end_h * 60 + end_m:
        found.append(f"{day}T{minute // 60:02d}:{minute % 60:02d}:00{offset}")
        minute += step
    return found
