"""The shared cache's database backend (`CACHE_URL=db://`, the default), made safe to count in.

Django's database cache increments by reading and writing back, so two servers counting one
address's attempts at the same moment could both write the same number. Here `incr` locks the
row it changes, and `add` clears an expired entry first, so that two first attempts cannot
both think they started a window: rate limits and lockouts (`bookwithme.throttle`) count once
per attempt, site-wide. Its table is made by `migrate` (`create_table`).
"""

import base64
import pickle

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.db import DatabaseCache as DjangoDatabaseCache
from django.core.management import call_command
from django.db import connections, models, router, transaction
from django.utils import timezone


class DatabaseCache(DjangoDatabaseCache):
    def _connection_and_table(self):
        connection = connections[router.db_for_write(self.cache_model_class)]
        return connection, connection.ops.quote_name(self._table)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        connection, table = self._connection_and_table()
        made = self.make_and_validate_key(key, version=version)
        now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE cache_key = %s AND expires < %s",  # noqa: S608
                [made, now],
            )
        # Then a plain insert, which the table's primary key lets only one writer make.
        return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        connection, table = self._connection_and_table()
        made = self.make_and_validate_key(key, version=version)
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            # SQLite's transactions here begin IMMEDIATE (settings.SQLITE_OPTIONS): the whole
            # database is locked for writing, which serializes increments just the same.
            cursor.execute(
                f"SELECT value, expires FROM {table} WHERE cache_key = %s{lock}",  # noqa: S608
                [made],
            )
            row = cursor.fetchone()
            if row is None or self._expired(connection, row[1]):
                raise ValueError(f"Key {key!r} not found")
            # Values this backend wrote itself, as Django's reads them.
            stored = base64.b64decode(connection.ops.process_clob(row[0]))
            value = pickle.loads(stored) + delta  # noqa: S301
            pickled = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            cursor.execute(
                f"UPDATE {table} SET value = %s WHERE cache_key = %s",  # noqa: S608
                [pickled, made],
            )
        return value

    @staticmethod
    def _expired(connection, expires) -> bool:
        expression = models.Expression(output_field=models.DateTimeField())
        converters = connection.ops.get_db_converters(expression)
        for converter in converters + expression.get_db_converters(connection):
            expires = converter(expires, expression, connection)
        return expires < timezone.now()


def create_table(using: str = "default", **kwargs) -> None:
    """After `migrate`: the database cache's table, when the settings name one (no-op else)."""
    call_command("createcachetable", database=using, verbosity=0)
