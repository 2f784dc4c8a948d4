"""Servers that misbehave on purpose, on loopback, for the fenced outbound client: a tarpit
that trickles a byte a second (after its headers, or its headers themselves), redirects, a
body that inflates, a port that speaks no HTTP; over plain HTTP or TLS (a self-signed
certificate made here).

Its fixtures are made available to every test by tests/conftest.py.
"""

import datetime
import gzip
import ipaddress
import socket
import socketserver
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

FEED = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//tests//EN\r\nEND:VCALENDAR\r\n"
TRICKLE_EVERY = 1.0  # seconds between two bytes of a tarpit
TRICKLE_BYTES = 600  # ten minutes of them: only a deadline ends the exchange


class HostileHandler(BaseHTTPRequestHandler):
    server: "HostileServer"
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # quiet
        pass

    def do_GET(self):
        self.server.hits.append(self.path)
        path = urlsplit(self.path).path
        if path == "/tarpit":
            self.send_response(200)
            self.send_header("Content-Type", "text/calendar")
            self.send_header("Content-Length", str(TRICKLE_BYTES))
            self.end_headers()
            return self._trickle(b"B" * TRICKLE_BYTES)
        if path == "/tarpit-headers":
            head = f"HTTP/1.1 200 OK\r\nX-Slow: {'s' * TRICKLE_BYTES}\r\n\r\n"
            return self._trickle(head.encode())
        if path == "/redirect":
            target = parse_qs(urlsplit(self.path).query)["to"][0]
            return self._send(302, b"", location=target)
        if path == "/loop":
            return self._send(302, b"", location="/loop")
        if path == "/inflating":
            # A few kB on the wire that inflate to 8 MB.
            return self._send(200, gzip.compress(b"\0" * (8 * 1024 * 1024)), encoding="gzip")
        return self._send(200, FEED)

    do_PROPFIND = do_REPORT = do_GET  # CalDAV asks with these

    def _send(self, status, body, location=None, encoding=None):
        self.send_response(status)
        self.send_header("Content-Type", "text/calendar")
        self.send_header("Content-Length", str(len(body)))
        if location:
            self.send_header("Location", location)
        if encoding:
            self.send_header("Content-Encoding", encoding)
        self.end_headers()
        self.wfile.write(body)

    def _trickle(self, data: bytes):
        self.close_connection = True
        for i in range(len(data)):
            try:
                self.wfile.write(data[i : i + 1])
                self.wfile.flush()
            except OSError:  # the client gave up: the point of the exercise
                return
            if self.server.stopping.wait(TRICKLE_EVERY):
                return


class HostileServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, 0), HostileHandler)
        if tls is not None:
            # The handshake happens in the handler's thread, not in the accepting one.
            self.socket = tls.wrap_socket(
                self.socket, server_side=True, do_handshake_on_connect=False
            )
        self.scheme = "https" if tls else "http"
        self.host = host
        self.hits: list[str] = []
        self.stopping = threading.Event()

    @property
    def port(self) -> int:
        return self.server_address[1]

    def handle_error(self, request, client_address):
        pass  # clients hang up on it mid-answer, or refuse its certificate: on purpose

    def url(self, path: str = "/", host: str | None = None) -> str:
        host = host or self.host
        netloc = f"[{host}]" if ":" in host else host
        return f"{self.scheme}://{netloc}:{self.port}{path}"


class NoHttp(socketserver.ThreadingTCPServer):
    """A port that answers, but not in HTTP (an SSH or database port, say)."""

    daemon_threads = True

    def __init__(self):
        class Banner(socketserver.BaseRequestHandler):
            def handle(self):
                self.request.sendall(b"SSH-2.0-OpenSSH_9.6\r\n")

        super().__init__(("127.0.0.1", 0), Banner)

    @property
    def port(self) -> int:
        return self.server_address[1]


@pytest.fixture
def no_connections(monkeypatch):
    """Fails any attempt to connect anywhere; yields the (empty) list of attempts. For the
    refusals that must come before any connection, to addresses no test may reach."""
    attempts: list = []

    def refuse(sock, address):
        attempts.append(address)
        raise AssertionError(f"a connection was attempted to {address}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    return attempts


@pytest.fixture
def hostile_is_public(monkeypatch):
    """127.0.0.1 stands in for a public server (the hostile one, say, that redirects): every
    other address is judged as usual."""
    from bookwithme import outbound

    judge = outbound.forbidden_reason
    monkeypatch.setattr(
        outbound, "forbidden_reason", lambda a: None if a == "127.0.0.1" else judge(a)
    )


def _serving(server):
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


def _stop(server) -> None:
    if hasattr(server, "stopping"):
        server.stopping.set()
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def _hostile_server():
    server = _serving(HostileServer())
    yield server
    _stop(server)


@pytest.fixture
def hostile(_hostile_server):
    """The misbehaving HTTP server on 127.0.0.1, its record of requests emptied."""
    _hostile_server.hits.clear()
    return _hostile_server


@pytest.fixture(scope="session")
def hostile_v6():
    """The same server on ::1."""
    try:
        server = HostileServer("::1")
    except OSError as e:
        pytest.skip(f"no IPv6 loopback here: {e}")
    _serving(server)
    yield server
    _stop(server)


@pytest.fixture
def elsewhere():
    """Another server, on 127.0.0.2: a second host, for redirects."""
    server = _serving(HostileServer("127.0.0.2"))
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def no_http():
    server = _serving(NoHttp())
    yield server
    _stop(server)


def self_signed(folder: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 (its own CA) and its key, as PEM files."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    names = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture(scope="session")
def hostile_tls(tmp_path_factory):
    """The misbehaving server over TLS on 127.0.0.1; `.ca` is the certificate to trust."""
    cert, key = self_signed(tmp_path_factory.mktemp("tls"))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server = _serving(HostileServer(tls=context))
    server.ca = cert  # type: ignore[attr-defined]
    yield server
    _stop(server)
