import email
import email.policy
import socket
from unittest import mock

import pytest
from aiosmtpd.controller import Controller
from django.core.management import call_command


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


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


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
def run_worker():
    """Run every task that is due now, as `bookwithme worker --batch` does, then return."""

    def run():
        # The worker checks its connection between tasks and drops one left outside
        # autocommit, which the test's own transaction is: keep it for the test.
        with mock.patch("django_tasks_db.management.commands.db_worker.close_old_connections"):
            call_command("worker", batch=True, verbosity=0)

    return run
