"""What `/readyz` checks: may this process take traffic?

The database answers, every migration of the code is applied, and each configured cache answers
a read. `/healthz` only says the process is alive; a process that is alive but not ready (its
database down, or started by a deploy before `migrate` ran) should get no traffic, not be
restarted. The body names what failed; the reason goes to the log, never to the client.
"""

import logging
import secrets

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

logger = logging.getLogger(__name__)

OK, FAILED, UNKNOWN = "ok", "failed", "unknown"


def _database() -> bool:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        logger.warning("readyz: the database did not answer", exc_info=True)
        return False
    return True


def unapplied_migrations() -> int:
    """How many migrations of the code the database lacks (some 10 ms: the files are read
    once); raises when the database cannot tell."""
    executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
    return len(executor.migration_plan(executor.loader.graph.leaf_nodes()))


def _migrations() -> bool:
    """No migration of the code is left to apply."""
    try:
        left = unapplied_migrations()
    except Exception:
        logger.warning("readyz: could not read the applied migrations", exc_info=True)
        return False
    if left:
        logger.warning("readyz: %d migrations are not applied", left)
    return not left


def _cache(alias: str) -> bool:
    # A read of a key nobody writes: it reaches the backend (Redis, the cache table) and
    # changes nothing.
    try:
        caches[alias].get(f"readyz:{secrets.token_hex(8)}")
    except Exception:
        logger.warning("readyz: the cache %r did not answer", alias, exc_info=True)
        return False
    return True


def check() -> dict:
    """{"ready": bool, "checks": {name: "ok" | "failed" | "unknown"}, "failed": [names]}.

    Caches are named `cache` (the default one) and `cache:<alias>` (the others). The
    migrations are `unknown` while the database does not answer. The cache comes last: on
    PostgreSQL a failed query of a database cache would spoil what follows it in a transaction.
    """
    checks: dict[str, str] = {}
    database = _database()
    checks["database"] = OK if database else FAILED
    checks["migrations"] = (OK if _migrations() else FAILED) if database else UNKNOWN
    for alias in settings.CACHES:
        name = "cache" if alias == DEFAULT_CACHE_ALIAS else f"cache:{alias}"
        checks[name] = OK if _cache(alias) else FAILED
    failed = [name for name, state in checks.items() if state != OK]
    return {"ready": not failed, "checks": checks, "failed": failed}
