"""What the operator watches: readiness, metrics and request logs (docs/operations.md).

- `metrics`: the Prometheus metrics served at `/metrics`: what this process counted as it
  happened (requests per route, booking changes, slot look-ups) and what the database holds
  when scraped (outbox, task queues, connected calendars);
- `ready`: what `/readyz` checks (database, caches, migrations);
- `logs`: the request middleware (request id, one access line, latency per route) and the JSON
  log formatter (`LOG_FORMAT=json`).

The rest of the project calls only `slot_lookup`; booking's changes are counted from its
signals (`metrics.count_booking_changes`, connected in `bookwithme.apps`). Nothing here is
imported at module level from the project, so any layer may import it.
"""

from bookwithme.observe.metrics import slot_lookup

__all__ = ["slot_lookup"]
