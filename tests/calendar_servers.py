"""Real calendar servers for tests, on loopback: Radicale and Xandikos (CalDAV) as
subprocesses with their storage in a temporary folder, and a small threaded HTTP server for
ICS feeds (ETags and 304s, an oversize feed, a slow one).

Fixtures are imported by the test modules that use them (`from calendar_servers import ...`).
"""

import contextlib
import hashlib
import socket
import subprocess
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import caldav
import pytest
from liveserver import DEADLINE, free_port, kill_tree, poll

USER, PASSWORD = "alice", "s3cret-pw"


def vcalendar(*events: str) -> str:
    """An iCalendar document holding the given VEVENT bodies (lines between BEGIN/END)."""
    body = "".join(f"BEGIN:VEVENT\r\n{e.strip()}\r\nEND:VEVENT\r\n" for e in events)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\n{body}END:VCALENDAR\r\n"


def vevent(uid: str, *lines: str) -> str:
    return "\r\n".join([f"UID:{uid}", "DTSTAMP:20260101T000000Z", *lines])


def one_event(uid: str, start: str, end: str, *lines: str) -> str:
    """A document of one event from `start` to `end` (iCalendar date-times, e.g. ...T080000Z)."""
    return vcalendar(vevent(uid, f"DTSTART:{start}", f"DTEND:{end}", *lines))


def _wait_for_port(port: int, proc: subprocess.Popen, log: Path) -> None:
    def listening() -> bool:
        if proc.poll() is not None:
            raise AssertionError(f"calendar server exited: {log.read_text()[-2000:]}")
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    poll(listening, lambda: f"calendar server did not listen: {log.read_text()[-2000:]}")


class DavServer:
    """A CalDAV server process; `stop()` and `start()` again keep its port and storage."""

    kind = ""
    username: str | None = None
    password: str | None = None

    def __init__(self, root: Path):
        self.root = root
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.url = f"http://127.0.0.1:{self.port}/"

    def command(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> "DavServer":
        log = self.root / "server.log"
        with open(log, "a") as out:
            # A session of its own: `stop` kills whatever the server started too.
            self.proc = subprocess.Popen(
                self.command(), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        try:
            _wait_for_port(self.port, self.proc, log)
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                self.proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=DEADLINE)
            kill_tree(self.proc)
        self.proc = None

    def client(self) -> caldav.DAVClient:
        return caldav.DAVClient(
            url=self.url,
            username=self.username,
            password=self.password,
            auth_type="basic" if self.username else None,
            timeout=10,
            enable_rfc6764=False,
        )

    def new_calendar(self, name: str = "Work") -> str:
        """A fresh calendar of the test user; its URL."""
        with self.client() as client:
            calendar = client.principal().make_calendar(name=name, cal_id=uuid.uuid4().hex[:12])
            return str(calendar.url)

    def put(self, calendar_url: str, name: str, ics: str) -> None:
        with self.client() as client:
            r = client.put(f"{calendar_url}{name}.ics", ics, {"Content-Type": "text/calendar"})
            assert r.status in (201, 204), (r.status, r.raw)

    def delete(self, calendar_url: str, name: str) -> None:
        with self.client() as client:
            assert client.delete(f"{calendar_url}{name}.ics").status in (200, 204)


class Radicale(DavServer):
    kind = "radicale"
    username, password = USER, PASSWORD

    def __init__(self, root: Path):
        super().__init__(root)
        self.users = root / "users"
        self.users.write_text(f"{USER}:{PASSWORD}\n")

    def command(self) -> list[str]:
        return [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            f"--storage-filesystem-folder={self.root / 'storage'}",
            "--auth-type=htpasswd",
            f"--auth-htpasswd-filename={self.users}",
            "--auth-htpasswd-encryption=plain",
            "--auth-delay=0",
            f"--server-hosts=127.0.0.1:{self.port}",
            "--logging-level=warning",
        ]


class Xandikos(DavServer):
    kind = "xandikos"

    def command(self) -> list[str]:
        return [
            str(Path(sys.executable).parent / "xandikos"),
            "serve",
            "-d",
            str(self.root / "storage"),
            "--state-dir",
            str(self.root / "state"),
            "--defaults",
            "--no-detect-systemd",
            "-l",
            "127.0.0.1",
            "-p",
            str(self.port),
        ]


@pytest.fixture(scope="session")
def radicale(tmp_path_factory):
    server = Radicale(tmp_path_factory.mktemp("radicale")).start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def xandikos(tmp_path_factory):
    server = Xandikos(tmp_path_factory.mktemp("xandikos")).start()
    yield server
    server.stop()


@pytest.fixture(params=["radicale", "xandikos"])
def dav_server(request):
    """Each CalDAV test runs against both servers."""
    return request.getfixturevalue(request.param)


# --- ICS feeds -----------------------------------------------------------------------------


class FeedHandler(BaseHTTPRequestHandler):
    server: "FeedServer"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        feeds = self.server
        name = self.path.strip("/")
        feeds.requests.append((name, dict(self.headers)))
        if name == "slow.ics":
            time.sleep(feeds.delay)
            return self._send(200, vcalendar())
        if name == "big.ics":
            return self._send(200, feeds.big)
        if name == "big-unsized.ics":
            # No Content-Length: the reader must count as it goes.
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Connection", "close")
            self.end_headers()
            for i in range(0, len(feeds.big), 65536):
                try:
                    self.wfile.write(feeds.big[i : i + 65536])
                except OSError:
                    return
            return
        if name in feeds.failing:
            return self._send(503, b"down for maintenance", "text/plain")
        if name == "page.html":
            return self._send(200, b"<html><body>Hello</body></html>", "text/html")
        body = feeds.feeds.get(name)
        if body is None:
            return self._send(404, b"no such feed", "text/plain")
        etag = f'"{hashlib.sha1(body).hexdigest()}"'  # noqa: S324 - an ETag, not security
        if feeds.etags and self.headers.get("If-None-Match") == etag:
            feeds.not_modified += 1
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self._send(200, body, etag=etag if feeds.etags else None)

    def _send(self, status, body, content_type="text/calendar", etag=None):
        body = body.encode() if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if etag:
            self.send_header("ETag", etag)
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(body)


class FeedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), FeedHandler)
        self.feeds: dict[str, bytes] = {}
        self.requests: list[tuple[str, dict]] = []
        self.not_modified = 0
        self.etags = True
        self.failing: set[str] = set()
        self.delay = 3.0
        self.big = b""

    def url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/{name}"

    def publish(self, name: str, ics: str | bytes) -> str:
        self.feeds[name] = ics.encode() if isinstance(ics, str) else ics
        return self.url(name)


@pytest.fixture(scope="session")
def _feed_server():
    server = FeedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def feeds(_feed_server):
    """The feed server, with its feeds and counters reset for the test."""
    _feed_server.feeds.clear()
    _feed_server.requests.clear()
    _feed_server.not_modified = 0
    _feed_server.etags = True
    _feed_server.failing.clear()
    return _feed_server
