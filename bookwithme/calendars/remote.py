"""Why a remote calendar could not be read, in two kinds: try again later, or stop and tell.

The CalDAV client (`dav`) and the feed fetcher (`icsfeed`) raise these and nothing else, with
a message fit for the owner and for logs: it never holds a password or a feed's address.
"""

import socket
import ssl

from django.utils.translation import gettext as _


class RemoteError(Exception):
    """A remote calendar could not be read. `field` names the connection's input at fault."""

    retryable = True

    def __init__(self, message: str, *, field: str = "url"):
        super().__init__(message)
        self.message = message
        self.field = field


class Unreachable(RemoteError):
    """Down, slow, or answering nonsense for now: the next sync tries again (with backoff)."""

    retryable = True


class Refused(RemoteError):
    """Wrong password, no such calendar, not a calendar at all: syncing stops until the owner
    acts (a retry would only repeat it, and failed logins can lock an account)."""

    retryable = False


def network_reason(error: BaseException, timeout: float) -> str:
    """What went wrong on the way to a server, in a sentence for the owner."""
    causes = []
    e: BaseException | None = error
    while e is not None and len(causes) < 10:
        causes.append(e)
        e = e.__cause__ or e.__context__ or getattr(e, "reason", None)
        if not isinstance(e, BaseException):
            e = None
    text = " ".join(str(c) for c in causes).lower()
    if any(isinstance(c, (TimeoutError, socket.timeout)) for c in causes) or "timed out" in text:
        return _("The server did not answer within %(seconds)s seconds.") % {
            "seconds": f"{timeout:g}"
        }
    if any(isinstance(c, socket.gaierror) for c in causes) or "name or service" in text:
        return _("The server's name could not be found.")
    if any(isinstance(c, ConnectionRefusedError) for c in causes) or "refused" in text:
        return _("The server refused the connection: is the address right and the server up?")
    if any(isinstance(c, ssl.SSLError) for c in causes) or "certificate" in text:
        return _("The server's TLS certificate could not be verified.")
    return _("The server could not be reached.")
