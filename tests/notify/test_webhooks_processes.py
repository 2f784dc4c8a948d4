"""Webhook workers as real processes against a real receiver on loopback: a worker killed with
`kill -9` mid-delivery loses nothing (the delivery is sent again, with the same id and body,
once its lease has run out), and mail goes out while a receiver hangs (serve runs webhooks in
a worker of their own)."""

import json
import signal

import pytest
from liveserver import (
    DEADLINE,
    cli,
    free_port,
    poll,
    run_python,
    start_serve,
    stop,
    wait_for_health,
)
from standardwebhooks import Webhook
from test_worker_processes import BOOK, owner, site, start_worker  # noqa: F401 (site: a fixture)
from webhook_receiver import Receiver, hmac_verify

pytestmark = pytest.mark.slow

SUBSCRIBE = """
from bookwithme.directory.models import Person
from bookwithme.notify import webhooks
_subscription, secret = webhooks.create(Person.objects.get(email="alex@example.org"), url=url)
print(secret)
"""

DELIVERIES = """
import json
from bookwithme.notify.models import WebhookDelivery
rows = WebhookDelivery.objects.order_by("sequence", "booking_id").values(
    "id", "state", "attempts", "event")
print(json.dumps([{**r, "id": str(r["id"])} for r in rows]))
"""

LEASE_RUNS_OUT = """
from datetime import timedelta
from django.utils import timezone
from bookwithme.notify.models import WebhookDelivery
WebhookDelivery.objects.filter(state="sending").update(
    leased_until=timezone.now() - timedelta(seconds=1))
"""

# A second booking, a day after the first.
BOOK_ANOTHER = BOOK.replace("timedelta(days=7)", "timedelta(days=8)").replace(
    "zoe@example.org", "ann@example.org"
)


def subscribe(env, url: str) -> str:
    return run_python(env, f"url = {url!r}\n" + SUBSCRIBE).strip()


def deliveries(env) -> list[dict]:
    return json.loads(run_python(env, DELIVERIES))


def test_a_webhooks_worker_killed_mid_delivery_loses_nothing(site):  # noqa: F811
    with Receiver() as receiver:
        receiver.hang_first = True
        env = dict(site)
        owner(env)
        secret = subscribe(env, receiver.url)
        run_python(env, BOOK)
        run_python(env, BOOK_ANOTHER)
        fanned = cli(env, "worker", "--queue", "mail", "--batch")  # the fan-outs (and mails)
        assert fanned.returncode == 0, fanned.stderr
        assert len(deliveries(env)) == 2

        worker = start_worker(env, "--queue", "webhooks")
        try:
            assert receiver.asked.wait(DEADLINE), "the worker never sent"
            worker.send_signal(signal.SIGKILL)  # mid-delivery: the receiver has it, no answer
            worker.wait(timeout=10)
        finally:
            if worker.poll() is None:
                worker.kill()
        (in_flight,) = receiver.ids()
        states = {r["id"]: r["state"] for r in deliveries(env)}
        assert states[in_flight] == "sending"

        run_python(env, LEASE_RUNS_OUT)
        done = cli(env, "worker", "--queue", "webhooks", "--batch")
        assert done.returncode == 0, done.stderr

        rows = deliveries(env)
        assert {r["state"] for r in rows} == {"delivered"}
        # Each arrived, signed; the one in flight again, with its id and body.
        assert sorted(set(receiver.ids())) == sorted(r["id"] for r in rows)
        assert receiver.ids().count(in_flight) == 2
        bodies = [body for headers, body in receiver.received if headers["webhook-id"] == in_flight]
        assert bodies[0] == bodies[1]
        for headers, body in receiver.received:
            Webhook(secret).verify(body, headers)
            assert hmac_verify(secret, headers, body)


def test_mail_goes_out_while_a_webhook_receiver_hangs(site, smtp):  # noqa: F811
    with Receiver() as receiver:
        receiver.hang = True
        env = {**site, "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"}
        env["BOOKWITHME_WEBHOOK_TIMEOUT"] = "60"  # the longest a receiver may take
        owner(env)
        subscribe(env, receiver.url)
        port = free_port()
        proc = start_serve(env, port, "--workers", "1")
        try:
            wait_for_health(port, proc)
            run_python(env, BOOK)
            assert receiver.asked.wait(DEADLINE), "the webhooks worker never sent"
            poll(lambda: len(smtp.inbox.envelopes) >= 2, "two mails")
            assert sorted(e.rcpt_tos[0] for e in smtp.inbox.envelopes) == [
                "alex@example.org",
                "zoe@example.org",
            ]
            # All while the receiver still holds the delivery.
            assert [r["state"] for r in deliveries(env)] == ["sending"]
        finally:
            receiver.release.set()
            stop(proc)
