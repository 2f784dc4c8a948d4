"""Why a remote calendar could not be read, in two kinds: try again later, or stop and tell.

The CalDAV client (`dav`) and the feed fetcher (`icsfeed`) raise these and nothing else, with
a message fit for the owner and for logs: it never holds a password or a feed's address.
"""

from django.utils.translation import gettext as _

from bookwithme import outbound


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


def from_outbound(error: outbound.OutboundError) -> RemoteError:
    """What the owner is told when the fenced client got no answer (`bookwithme.outbound`).

    Every way of not reaching a server (no such name, refused, reset, timed out, TLS, not
    HTTP, an address the server does not fetch from) is the same sentence: the owner learns
    that it failed, and nobody learns through it which addresses and ports answer. The real
    reason is in the server's log. A forbidden address or an oversize answer is a refusal:
    asking again would only repeat it.
    """
    if isinstance(error, outbound.TooLarge):
        return Refused(
            _("The server's answer is larger than %(size)s MB.")
            % {"size": round(error.max_bytes / 1024 / 1024, 1)}
        )
    message = _("The server could not be reached.")
    return Refused(message) if isinstance(error, outbound.Forbidden) else Unreachable(message)
