from django.conf import settings
from django.db import connection


def test_time_is_aware_and_both_languages_are_on():
    assert settings.USE_TZ is True
    assert [code for code, _ in settings.LANGUAGES] == ["en", "fr"]


def test_sqlite_runs_in_wal_with_immediate_transactions(db):
    if connection.vendor != "sqlite":
        assert connection.vendor == "postgresql"
        return
    assert settings.DATABASES["default"]["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA busy_timeout")
        assert cursor.fetchone()[0] >= 5000
        # The test database lives in memory, where WAL does not apply; check the option instead.
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
