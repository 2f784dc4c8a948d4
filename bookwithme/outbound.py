"""Every request that leaves the server goes through here: one fenced, time-boxed HTTP client.

The server fetches addresses that organizers type (CalDAV servers, ICS feeds, webhooks), so
each exchange is fenced:

- Only `http` and `https`, redirects included, and at most `MAX_REDIRECTS` of them.
- The host is resolved once, here, and every address it resolves to is checked: loopback,
  private, link-local, shared (CGNAT), multicast, unspecified and reserved addresses, IPv4 or
  IPv6, and IPv4 inside IPv6 (mapped, 6to4, NAT64), are refused. The connection goes to an
  address so checked, never to a second look-up's answer, so DNS cannot swap in another
  address between check and use. Each redirect opens its connection the same way.
  `BOOKWITHME_ALLOW_PRIVATE_ADDRESSES` turns the address check off (an intranet CalDAV server,
  the test suite's loopback servers).
- One wall-clock deadline covers the whole exchange: the name's look-up, connections, TLS,
  redirects and the body. It is kept by the sockets themselves: before every connect, send,
  receive and TLS handshake their timeout is cut to the time left, so a peer trickling a
  byte a second is cut off on time.
- The body is read here, whole, and refused past a size cap (after decompression).
- Failures come in three kinds, each with the host and the real reason for the server's log
  only (never the URL: its path or query may hold a secret): `NetworkError` (no answer: retry
  later), `Forbidden` (an address or scheme the fence does not reach), `TooLarge`. Callers say
  one same sentence for all the network failures and refusals of an address, so the server
  cannot be used to tell an open port from a closed one.

Built on niquests, the HTTP library `caldav` uses: `session()` is a niquests Session with the
fence in it (a resolver that checks addresses, sockets that keep the deadline), and
`calendars.dav` swaps it in for the session of each `caldav.DAVClient`.
"""

import contextlib
import ipaddress
import logging
import socket
import ssl
import threading
import time
from collections.abc import Iterator, Mapping
from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

import niquests
from django.conf import settings
from niquests.adapters import HTTPAdapter
from niquests.packages.urllib3.contrib.resolver import BaseResolver, ProtocolResolver
from niquests.packages.urllib3.exceptions import HTTPError as Urllib3Error
from niquests.packages.urllib3.util.ssl_ import create_urllib3_context

logger = logging.getLogger(__name__)

TIMEOUT = 30.0  # seconds for a whole exchange when the caller gives none
MAX_BYTES = 10 * 1024 * 1024  # a body's size cap when the caller gives none
MAX_REDIRECTS = 5
SCHEMES = frozenset({"http", "https"})
USER_AGENT = "bookwithme"
_CHUNK = 64 * 1024


class OutboundError(Exception):
    """An exchange that gave no usable answer. `host` and `reason` are for the server's log."""

    def __init__(self, host: str, reason: str):
        super().__init__(f"{host}: {reason}")
        self.host = host
        self.reason = reason


class NetworkError(OutboundError):
    """No answer: the name, the connection, TLS, the deadline, not HTTP, too many redirects."""


class Forbidden(OutboundError):
    """An address or a scheme the fence does not reach; asking again will not change it."""


class TooLarge(OutboundError):
    """The answer's body is larger than the cap, `max_bytes`."""

    def __init__(self, host: str, reason: str, max_bytes: int):
        super().__init__(host, reason)
        self.max_bytes = max_bytes


# --- which addresses may be reached ---------------------------------------------------------

_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")  # RFC 6052: the IPv4 address in the last 32 bits
_REFUSED = ("unspecified", "loopback", "link_local", "multicast", "reserved", "private")


def forbidden_reason(address: str) -> str | None:
    """Why the fence does not connect to this IP address (`None`: it may).

    Refused: whatever is not a global unicast address (`ipaddress`'s registry), and IPv4
    addresses wrapped in IPv6 are judged as the IPv4 address they lead to.
    """
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # no IPv6 zone: fe80::1%eth0
    if isinstance(ip, ipaddress.IPv6Address):
        inner = ip.ipv4_mapped or ip.sixtofour
        if inner is None and ip in _NAT64:
            inner = ipaddress.IPv4Address(int(ip) & 0xFFFF_FFFF)
        if inner is not None:
            return forbidden_reason(str(inner))
    for kind in _REFUSED:
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    if not ip.is_global:
        return "not global"  # 100.64.0.0/10, shared address space (carrier-grade NAT)
    return None


def private_allowed() -> bool:
    """Read at each connection, so that a test can switch it."""
    return bool(getattr(settings, "BOOKWITHME_ALLOW_PRIVATE_ADDRESSES", False))


_Record = tuple[Any, ...]  # one getaddrinfo() answer: family, type, proto, name, address


def resolve(host: str, port: int) -> list[_Record]:
    """The addresses to try for host:port, each one allowed; `Forbidden` when none is, and
    `NetworkError` when the name does not resolve. Numeric spellings (`127.1`, `2130706433`,
    `0x7f000001`, `[::ffff:127.0.0.1]`) resolve to the address they stand for, checked alike."""
    records = _look_up(host, port)
    if private_allowed():
        return records
    allowed, refused = [], []
    for record in records:
        reason = forbidden_reason(record[4][0])
        if reason is None:
            allowed.append(record)
        else:
            refused.append(f"{record[4][0]} is {reason}")
    if not allowed:
        raise Forbidden(host, "; ".join(refused) or "no address")
    return allowed


def _look_up(host: str, port: int) -> list[_Record]:
    """getaddrinfo(), within the deadline: the system's resolver cannot be interrupted, so it
    runs in a thread of its own, left behind (to end with the resolver's own timeout) when
    the deadline comes first. A name served slowly on purpose then costs no more time."""
    answer: dict[str, Any] = {}

    def look_up() -> None:
        try:
            answer["records"] = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            answer["records"] = None

    worker = threading.Thread(target=look_up, name="outbound-dns", daemon=True)
    worker.start()
    worker.join(_time_left())
    if worker.is_alive():
        raise NetworkError(host, "the name did not resolve before the deadline")
    if not answer["records"]:
        raise NetworkError(host, "the name does not resolve")
    return answer["records"]


# --- the deadline -------------------------------------------------------------------------

_deadline: ContextVar[float | None] = ContextVar("outbound_deadline", default=None)


@contextlib.contextmanager
def deadline(seconds: float) -> Iterator[None]:
    """Everything sent from inside ends within `seconds`, or by an enclosing deadline if that
    one is sooner: a caller can bound several requests together (say, finding a server's
    calendars while an organizer waits)."""
    end = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(end if outer is None else min(outer, end))
    try:
        yield
    finally:
        _deadline.reset(token)


def _time_left() -> float | None:
    """Seconds left before the deadline (None: no deadline; never below zero)."""
    end = _deadline.get()
    return None if end is None else max(0.0, end - time.monotonic())


class _DeadlinePassed(TimeoutError):
    # Not TimeoutError itself: urllib3's QUIC timers suppress exactly socket.timeout and
    # retry, which would spin on a deadline already gone.
    pass


class _Timed:
    """Mixed into the fence's sockets: each blocking call first cuts the socket's timeout to
    the time left before the deadline. The timeout the HTTP library asked for is kept and
    given back by `gettimeout`, and a shorter one still wins."""

    _asked: float | None = None

    def settimeout(self, value: float | None) -> None:
        self._asked = value
        super().settimeout(value)  # type: ignore[misc]

    def gettimeout(self) -> float | None:
        return self._asked

    def _arm(self) -> None:
        left = _time_left()
        if left is None:
            super().settimeout(self._asked)  # type: ignore[misc]
            return
        if left <= 0:
            raise _DeadlinePassed("the deadline passed")
        super().settimeout(left if self._asked is None else min(self._asked, left))  # type: ignore[misc]


class _Socket(_Timed, socket.socket):
    def connect(self, address: Any) -> None:
        self._arm()
        super().connect(address)

    def recv(self, *args: Any) -> bytes:
        self._arm()
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        self._arm()
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        self._arm()
        return super().send(*args)

    def sendall(self, *args: Any) -> None:
        self._arm()
        super().sendall(*args)


class _TLSSocket(_Timed, ssl.SSLSocket):
    # OpenSSL reads the file descriptor itself, below any Python socket: the deadline has to
    # be kept on the TLS socket too, the handshake included.
    def do_handshake(self, *args: Any) -> None:
        self._arm()
        super().do_handshake(*args)

    def read(self, *args: Any) -> Any:
        self._arm()
        return super().read(*args)

    def write(self, *args: Any) -> int:
        self._arm()
        return super().write(*args)

    def recv(self, *args: Any) -> bytes:
        self._arm()
        return super().recv(*args)

    def recv_into(self, *args: Any) -> int:
        self._arm()
        return super().recv_into(*args)

    def send(self, *args: Any) -> int:
        self._arm()
        return super().send(*args)

    def sendall(self, *args: Any) -> None:
        self._arm()
        super().sendall(*args)


# --- niquests with the fence in it ----------------------------------------------------------


class _Resolver(BaseResolver):
    """urllib3-future asks its resolver both to resolve and to connect: both are the fence's."""

    protocol = ProtocolResolver.CUSTOM
    implementation = "bookwithme.outbound"

    def __init__(self) -> None:
        super().__init__(None)

    def recycle(self) -> BaseResolver:
        return self

    def close(self) -> None:
        pass  # nothing held: it stays usable, so niquests never swaps in one of its own

    def is_available(self) -> bool:
        return True

    def getaddrinfo(
        self, host: Any, port: Any, family: Any, type: Any, proto: int = 0, flags: int = 0, **_: Any
    ) -> list[_Record]:
        if isinstance(host, bytes):
            host = host.decode("ascii")
        return resolve(str(host or "").strip("[]"), int(port or 0))

    def create_connection(
        self,
        address: tuple[str, int],
        timeout: Any = None,
        source_address: Any = None,
        socket_options: Any = None,
        **_: Any,
    ) -> socket.socket:
        host, port = address
        failure: OSError | None = None
        for family, kind, proto, _name, sockaddr in self.getaddrinfo(host, port, 0, 0):
            sock = _Socket(family, kind, proto)
            try:
                for option in socket_options or ():
                    # (level, name, value), or with a 4th item: the protocol it is for.
                    if len(option) == 3 or str(option[3]).lower() == "tcp":
                        sock.setsockopt(*option[:3])
                if timeout is None or isinstance(timeout, int | float):
                    sock.settimeout(timeout)
                sock.connect(sockaddr)  # the address checked above, not a new look-up
                return sock
            except OSError as e:
                failure = e
                sock.close()
        raise failure or OSError("no address to connect to")


class _Adapter(HTTPAdapter):
    def __init__(self, **kwargs: Any) -> None:
        self._tls = create_urllib3_context()
        self._tls.sslsocket_class = _TLSSocket
        super().__init__(**kwargs)

    def init_poolmanager(self, *args: Any, **pool_kwargs: Any) -> None:
        pool_kwargs["ssl_context"] = self._tls
        super().init_poolmanager(*args, **pool_kwargs)


_in_exchange: ContextVar[bool] = ContextVar("outbound_in_exchange", default=False)


class Session(niquests.Session):
    """A niquests Session whose every exchange is fenced and read whole (see the module)."""

    def __init__(self, *, max_bytes: int = MAX_BYTES, cut: bool = False):
        resolver = _Resolver()
        # No OCSP/CRL look-ups: they are requests of their own, to addresses in certificates.
        super().__init__(
            resolver=resolver, retries=0, disable_http3=True, revocation_configuration=None
        )
        # No proxy and no .netrc from the environment: the fence checks the address it
        # connects to, and a proxy would resolve the name out of its sight.
        self.trust_env = False
        self.max_redirects = MAX_REDIRECTS
        self.max_bytes = max_bytes
        self.cut = cut
        self.headers["User-Agent"] = USER_AGENT
        for adapter in self.adapters.values():
            adapter.close()
        self.adapters.clear()  # niquests also mounts http+unix:// and others
        fenced = _Adapter(
            max_retries=0,
            resolver=resolver,
            disable_http3=True,  # QUIC would leave through sockets the fence does not make
            happy_eyeballs=False,  # its racing connections would not be the fence's
            revocation_configuration=None,
        )
        self.mount("https://", fenced)
        self.mount("http://", fenced)

    def send(self, request: niquests.PreparedRequest, **kwargs: Any) -> niquests.Response:
        host = _host(request.url or "")
        kwargs["stream"] = True  # the body is read in `_exchange`, under the cap
        if _in_exchange.get():  # a redirect: the first send keeps the deadline and logs
            return self._exchange(request, host, kwargs)
        token = _in_exchange.set(True)
        try:
            with deadline(_seconds(kwargs.get("timeout"))):
                return self._exchange(request, host, kwargs)
        except OutboundError as e:
            raise _logged(e, host) from None
        except (OSError, Urllib3Error, niquests.exceptions.RequestException) as e:
            raise _logged(NetworkError(host, _reason(e)), host) from None
        finally:
            _in_exchange.reset(token)

    def _exchange(self, request: niquests.PreparedRequest, host: str, kwargs: dict) -> Any:
        scheme = urlsplit(request.url or "").scheme.lower()
        if scheme not in SCHEMES:
            raise Forbidden(host, f"the scheme {scheme!r} is not fetched")
        response = super().send(request, **kwargs)
        _read_body(response, self.max_bytes, host, cut=self.cut)
        return response


def _seconds(timeout: Any) -> float:
    """The deadline for a `timeout` as niquests takes it: a number, a pair, or nothing."""
    if isinstance(timeout, int | float) and timeout > 0:
        return float(timeout)
    if isinstance(timeout, tuple):
        return float(sum(t for t in timeout if isinstance(t, int | float))) or TIMEOUT
    return TIMEOUT


def _read_body(response: niquests.Response, max_bytes: int, host: str, *, cut: bool) -> None:
    """Read the whole body into `response.content`, refusing it past `max_bytes` (with `cut`:
    keeping its first `max_bytes`, the rest left unread)."""
    if response._content_consumed:  # read by an inner send already
        return
    length = response.headers.get("Content-Length", "")
    if not cut and length.isdigit() and int(length) > max_bytes:
        response.close()
        raise TooLarge(host, f"Content-Length {length} over {max_bytes} bytes", max_bytes)
    chunks, size = [], 0
    for chunk in response.iter_content(min(_CHUNK, max_bytes + 1)):
        size += len(chunk)
        if size > max_bytes:
            response.close()
            if cut:
                chunks.append(chunk[: len(chunk) - (size - max_bytes)])
                break
            raise TooLarge(host, f"body over {max_bytes} bytes", max_bytes)
        chunks.append(chunk)
    # Where niquests keeps a body it read itself: `.content` and `.text` then answer from it.
    response._content = b"".join(chunks)
    response._content_consumed = True


def _reason(error: BaseException) -> str:
    """What went wrong, in a few words for the log: no URL (exception texts often hold it)."""
    chain: list[BaseException] = []
    e: BaseException | None = error
    while e is not None and len(chain) < 20 and e not in chain:
        chain.append(e)
        e = e.__cause__ or e.__context__
    for e in chain:
        if isinstance(e, _DeadlinePassed):
            return "the deadline passed"
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return f"TLS certificate: {e.verify_message}"
        if isinstance(e, ssl.SSLError):
            return f"TLS: {e.reason or type(e).__name__}"
        if isinstance(e, socket.gaierror):
            return "the name does not resolve"
        if isinstance(e, TimeoutError):
            return "timed out"
        if isinstance(e, ConnectionRefusedError):
            return "connection refused"
        if isinstance(e, ConnectionResetError):
            return "connection reset"
        if isinstance(e, niquests.exceptions.TooManyRedirects):
            return f"more than {MAX_REDIRECTS} redirects"
    return type(error).__name__


def _logged(error: OutboundError, host: str) -> OutboundError:
    """Say why on the server's log: the first request's host, and the host a redirect led to."""
    level = logging.INFO if isinstance(error, NetworkError) else logging.WARNING
    where = host if error.host in ("", host) else f"{host}, redirected to {error.host}"
    logger.log(level, "outbound request to %s failed: %s", where, error.reason)
    return error


def session(*, max_bytes: int = MAX_BYTES, cut: bool = False) -> Session:
    """A fenced session; close it when done (`with outbound.session() as s: ...`)."""
    return Session(max_bytes=max_bytes, cut=cut)


def get(
    url: str,
    *,
    headers: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> niquests.Response:
    """One fenced GET: the answer, whatever its status, with its body read (`.content`)."""
    try:
        with session(max_bytes=max_bytes) as s:
            return s.get(url, headers=dict(headers or {}), timeout=timeout)
    except (ValueError, niquests.exceptions.RequestException) as e:
        # Refused before sending: an address niquests cannot make a request of.
        host = _host(url)
        raise _logged(Forbidden(host, f"not a usable address ({type(e).__name__})"), host) from None


def post(
    url: str,
    *,
    body: bytes,
    headers: Mapping[str, str] | None = None,
    timeout: float = TIMEOUT,
    max_bytes: int = MAX_BYTES,
) -> niquests.Response:
    """One fenced POST of `body`: the answer, whatever its status, with the first `max_bytes`
    of its body (`.content`; the rest is not read). Redirects are not followed: a 3xx is the
    answer (webhooks: a receiver that moved is told by its owner, not by its answer)."""
    try:
        with session(max_bytes=max_bytes, cut=True) as s:
            return s.post(
                url, data=body, headers=dict(headers or {}), timeout=timeout, allow_redirects=False
            )
    except (ValueError, niquests.exceptions.RequestException) as e:
        host = _host(url)
        raise _logged(Forbidden(host, f"not a usable address ({type(e).__name__})"), host) from None


def check_address(url: str, *, timeout: float = 5.0) -> None:
    """Refuse, as a request would (`Forbidden`), a URL whose scheme the fence does not fetch
    or whose host resolves only to addresses it does not reach; `NetworkError` when the name
    does not resolve (now: it may later). Nothing is sent."""
    try:
        parts = urlsplit(url)
        port = parts.port or (443 if parts.scheme.lower() == "https" else 80)
    except ValueError:
        raise Forbidden("", "not a usable address") from None
    host = parts.hostname or ""
    if parts.scheme.lower() not in SCHEMES or not host:
        raise Forbidden(host, "not an http or https address")
    with deadline(timeout):
        resolve(host, port)


def _host(url: str) -> str:
    try:
        return urlsplit(url).hostname or ""
    except ValueError:
        return ""
