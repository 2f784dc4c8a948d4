"""The Prometheus metrics of `/metrics` (names and meanings: docs/operations.md).

Two kinds:

- counted as things happen, in the process they happen in: requests (latency per route, the
  URL pattern and never the path, which may hold a token), booking changes (from booking's
  signals), slot look-ups (`slot_lookup`, called by booking.availability);
- read from the database at scrape time (`FromDatabase`): the outbox, the task queues and the
  connected calendars. These are the same whichever process answers the scrape.

Several processes serve the site (gunicorn's workers under `bookwithme serve`), and a scrape
reaches one of them. With PROMETHEUS_MULTIPROC_DIR set, every process keeps its counts in files
there and a scrape adds up all of them (prometheus-client's multiprocess mode; the directory
must be empty when the processes start, and `serve` makes a fresh one). Without it the counts
are the answering process's own, which is right for a single process only.
"""

import ipaddress
import logging
import os
from collections.abc import Iterable, Iterator
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError
from django.db.models import Case, Count, F, Min, Q, When
from django.db.models.functions import Coalesce
from django.utils import timezone
from prometheus_client import CONTENT_TYPE_PLAIN_0_0_4, CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

logger = logging.getLogger(__name__)

NAMESPACE = "bookwithme"
# The metrics counted in this process; `exposition` reads them from here (one process) or from
# the multiprocess directory (several).
COUNTED = CollectorRegistry()

# From a fast cached slots answer (about a millisecond) to a slow page.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

REQUEST_SECONDS = Histogram(
    "http_request_duration_seconds",
    "Time from a request's arrival to its response, by route (the URL pattern) and method.",
    ["route", "method"],
    namespace=NAMESPACE,
    buckets=LATENCY_BUCKETS,
    registry=COUNTED,
)
REQUESTS = Counter(
    "http_requests",
    "Requests answered, by route (the URL pattern), method and status code.",
    ["route", "method", "status"],
    namespace=NAMESPACE,
    registry=COUNTED,
)
BOOKING_CHANGES = Counter(
    "booking_changes",
    "Bookings confirmed (made), rescheduled (moved) and cancelled, counted once committed.",
    ["change"],
    namespace=NAMESPACE,
    registry=COUNTED,
)
SLOT_LOOKUPS = Counter(
    "slot_lookups",
    "Slot answers asked of the cache: hit (served from it) or miss (computed).",
    ["result"],
    namespace=NAMESPACE,
    registry=COUNTED,
)

# booking.signals' names for the three changes; every series is shown from the start, at 0.
CHANGES = ("confirmed", "rescheduled", "cancelled")
for _change in CHANGES:
    BOOKING_CHANGES.labels(_change)
for _result in ("hit", "miss"):
    SLOT_LOOKUPS.labels(_result)


def slot_lookup(hit: bool) -> None:
    """Count one slots answer asked of the cache (booking.availability calls this)."""
    SLOT_LOOKUPS.labels("hit" if hit else "miss").inc()


def request_done(route: str, method: str, status: int, seconds: float) -> None:
    method = method if method in METHODS else "other"
    REQUEST_SECONDS.labels(route, method).observe(seconds)
    REQUESTS.labels(route, method, str(status)).inc()


def _confirmed(sender, **kwargs) -> None:
    BOOKING_CHANGES.labels("confirmed").inc()


def _rescheduled(sender, **kwargs) -> None:
    BOOKING_CHANGES.labels("rescheduled").inc()


def _cancelled(sender, **kwargs) -> None:
    BOOKING_CHANGES.labels("cancelled").inc()


def count_booking_changes() -> None:
    """Connect the counters to booking's on-commit signals (from an AppConfig's ready())."""
    from bookwithme.booking import signals

    signals.booking_confirmed.connect(_confirmed, dispatch_uid="observe-confirmed")
    signals.booking_rescheduled.connect(_rescheduled, dispatch_uid="observe-rescheduled")
    signals.booking_cancelled.connect(_cancelled, dispatch_uid="observe-cancelled")


# --- read from the database when scraped ---------------------------------------------------


def _gauge(name: str, documentation: str, value: float) -> GaugeMetricFamily:
    return GaugeMetricFamily(f"{NAMESPACE}_{name}", documentation, value=value)


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since is not None else 0.0


def _outbox(now: datetime) -> Iterator[Metric]:
    from bookwithme.notify.models import OutboxMessage

    State = OutboxMessage.State
    # Waiting: due and not sent yet (a reminder due tomorrow is not), or being sent.
    due = Q(state=State.PENDING) & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
    waiting = due | Q(state=State.SENDING)
    row = OutboxMessage.objects.filter(
        state__in=[State.PENDING, State.SENDING, State.FAILED]
    ).aggregate(
        waiting=Count("pk", filter=waiting),
        # Wanted since: a reminder's time, else when the message was made (as notify.tasks).
        oldest=Min(Coalesce("due_at", "created_at"), filter=waiting),
        failed=Count("pk", filter=Q(state=State.FAILED)),
    )
    yield _gauge(
        "outbox_backlog",
        "Outbox messages due and not sent yet (waiting for a worker, retrying, being sent).",
        row["waiting"],
    )
    yield _gauge(
        "outbox_oldest_age_seconds",
        "How long the oldest of them has been wanted (0 when none waits).",
        _age(now, row["oldest"]),
    )
    yield _gauge(
        "outbox_failed",
        "Outbox messages given up on (retried for 24 hours); the admin shows why.",
        row["failed"],
    )


def _queues() -> list[str]:
    names = {"default"}
    for backend in settings.TASKS.values():
        names.update(backend.get("QUEUES", ()))
    return sorted(names)


def _tasks(now: datetime) -> Iterator[Metric]:
    from django_tasks_db.models import DBTaskResult, get_date_max

    # A task enqueued without a time to run after has the largest date as its run_after.
    runnable_since = Case(
        When(run_after=get_date_max(), then=F("enqueued_at")), default=F("run_after")
    )
    rows = (
        DBTaskResult.objects.ready()
        .order_by()
        .values("queue_name")
        .annotate(ready=Count("pk"), since=Min(runnable_since))
    )
    depth = GaugeMetricFamily(
        f"{NAMESPACE}_tasks_ready",
        "Tasks due to run and not started yet, by queue (work waiting for a worker).",
        labels=["queue"],
    )
    oldest = GaugeMetricFamily(
        f"{NAMESPACE}_tasks_oldest_ready_age_seconds",
        "How long the oldest of them has been due, by queue (0 when none waits).",
        labels=["queue"],
    )
    found: dict[str, tuple[int, datetime | None]] = {
        row["queue_name"]: (row["ready"], row["since"]) for row in rows
    }
    for queue in sorted(set(_queues()) | set(found)):
        ready, since = found.get(queue, (0, None))
        depth.add_metric([queue], ready)
        oldest.add_metric([queue], _age(now, since))
    yield depth
    yield oldest


def _calendars(now: datetime) -> Iterator[Metric]:
    from bookwithme.calendars.models import Connection, stale_after

    checked = Q(checks_busy=True)
    row = Connection.objects.aggregate(
        # Never synced well: behind since it was connected.
        oldest=Min(Coalesce("last_success_at", "created_at"), filter=checked),
        stale=Count(
            "pk",
            filter=checked
            & (Q(last_success_at__isnull=True) | Q(last_success_at__lt=now - stale_after())),
        ),
        failing=Count("pk", filter=Q(failures__gt=0)),
    )
    yield _gauge(
        "calendar_sync_lag_seconds",
        "Time since the last good sync of the connected calendar furthest behind, among those "
        "whose busy time counts (0 when there is none).",
        _age(now, row["oldest"]),
    )
    yield _gauge(
        "calendar_stale",
        "Connected calendars not read within BOOKWITHME_CALENDAR_STALE_AFTER_MINUTES: their "
        "owners' pages offer no times meanwhile.",
        row["stale"],
    )
    yield _gauge(
        "calendar_sync_failing",
        "Connected calendars whose last sync failed.",
        row["failing"],
    )


class FromDatabase:
    """The gauges read from the database at each scrape, three queries."""

    def collect(self) -> Iterable[Metric]:
        now = timezone.now()
        try:
            families = [*_outbox(now), *_tasks(now), *_calendars(now)]
        except DatabaseError:
            logger.warning("metrics: the database did not answer", exc_info=True)
            yield _gauge("database_up", "Whether the database answered this scrape.", 0)
            return
        yield _gauge("database_up", "Whether the database answered this scrape.", 1)
        yield from families


def exposition() -> tuple[bytes, str]:
    """The body of `/metrics` and its content type (Prometheus' text format)."""
    registry = CollectorRegistry(auto_describe=False)
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        MultiProcessCollector(registry, path=path)
    else:
        registry.register(COUNTED)
    registry.register(FromDatabase())
    return generate_latest(registry), CONTENT_TYPE_PLAIN_0_0_4


def may_scrape(address: str) -> bool:
    """Whether a client at `address` may read `/metrics` (BOOKWITHME_METRICS_ALLOW)."""
    from bookwithme.clients import listed_in, parse_address

    parsed = parse_address(address)
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.ipv4_mapped is not None:
        parsed = parsed.ipv4_mapped  # an IPv4 client of a server listening on [::]
    return listed_in(parsed, settings.BOOKWITHME_METRICS_ALLOW)
