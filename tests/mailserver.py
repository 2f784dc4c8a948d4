"""A real SMTP server for the tests (aiosmtpd on loopback) and a way to run the booking changes'
fan-outs as a worker would; the fixtures of tests/notify and tests/privacy."""

import email
import email.policy

import pytest
from aiosmtpd.controller import Controller
from django_tasks_db.models import DBTaskResult
from liveserver import free_port

FAN_OUT = "bookwithme.notify.tasks.fan_out"


class Inbox:
    """What a real SMTP server on loopback received: one parsed message per delivery."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 OK"

    @property
    def messages(self):
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]

    def to(self, address):
        return [
            m for e, m in zip(self.envelopes, self.messages, strict=True) if address in e.rcpt_tos
        ]


class SmtpServer:
    def __init__(self):
        self.inbox = Inbox()
        self.port = free_port()
        self.controller = None

    def start(self):
        self.controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp(settings):
    """A real SMTP server (aiosmtpd) on loopback, which Django's SMTP backend sends to."""
    server = SmtpServer()
    server.start()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5},
        }
    }
    yield server
    server.stop()


@pytest.fixture
def fan_out():
    """Run the booking changes' waiting fan-outs as a worker would, and nothing else: the
    deliveries, writes and syncs they enqueue stay waiting. How many ran."""

    def run() -> int:
        waiting = list(DBTaskResult.objects.filter(task_path=FAN_OUT, status="READY"))
        for result in waiting:
            result.claim("test")
            result.task.call(*result.args_kwargs["args"], **result.args_kwargs["kwargs"])
            result.set_successful(None)
        return len(waiting)

    return run
