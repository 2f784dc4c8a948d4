"""A webhook receiver on loopback for the tests: a small threading HTTP server that keeps every
request it gets (headers and raw body) and answers as told: a status, a redirect, or nothing
until released (a receiver that hangs)."""

import base64
import hashlib
import hmac
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Receiver(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, port: int = 0, status: int = 200, answer: bytes = b"ok"):
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.status = status
        self.answer = answer
        self.location = ""  # with a 3xx status: where to
        self.hang = False  # take each request and answer nothing until `release` is set
        self.hang_first = False  # the same for the first request only
        self.on_request = lambda: None  # called as each request arrives (the bench times them)
        self.asked = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                server.on_request()
                with server.lock:
                    server.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                with server.lock:
                    first = len(server.received) == 1
                server.asked.set()
                if server.hang or (server.hang_first and first):
                    server.release.wait(120)
                    return
                self.send_response(server.status)
                if server.location:
                    self.send_header("Location", server.location)
                self.send_header("Content-Length", str(len(server.answer)))
                self.end_headers()
                self.wfile.write(server.answer)

            def log_message(self, *args):
                pass

        super().__init__(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.shutdown()
        self.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks/bookwithme"

    def ids(self) -> list[str]:
        with self.lock:
            return [headers["webhook-id"] for headers, _body in self.received]


def hmac_verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """The signature check of docs/webhooks.md, with nothing but the standard library."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(
        hmac.compare_digest(expected, part.split(",", 1)[1])
        for part in headers["webhook-signature"].split()
        if part.startswith("v1,")
    )
