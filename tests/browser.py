"""What the browser journeys share: viewports, how chromium is launched here, signing in."""

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
