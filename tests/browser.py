"""What the browser journeys share: viewports, how chromium is launched here, signing in."""

import contextlib
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from playwright.sync_api import expect

# The password the journeys give their organizers.
PASSWORD = "a long and private passphrase"

LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


def sign_in_on(page, site: str, email: str) -> None:
    """Sign in to the organizer app on this page, and land on the dashboard."""
    page.goto(f"{site}/app/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{site}/app/")


@contextlib.contextmanager
def other_site(page_html: Callable[[], str]) -> Iterator[str]:
    """Another web site, on a local port of its own (chromium refuses to let a public page frame
    a local one), answering every GET with `page_html()`; yields its address."""

    class Site(BaseHTTPRequestHandler):
        def do_GET(self):
            body = page_html().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Site)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()
