import os
import stat
from unittest import mock

import pytest

from bookwithme.environ import (
    ConfigError,
    env_bool,
    env_int,
    env_url,
    mailers,
    secret_key,
)


def test_env_bool_reads_the_usual_spellings():
    with mock.patch.dict(os.environ, {"X": "yes", "Y": "0", "Z": ""}):
        assert env_bool("X", False) is True
        assert env_bool("Y", True) is False
        assert env_bool("Z", True) is True
        assert env_bool("UNSET_ANYWHERE", False) is False


def test_env_bool_refuses_nonsense_with_the_variable_named():
    with mock.patch.dict(os.environ, {"FLAG": "maybe"}), pytest.raises(ConfigError, match="FLAG"):
        env_bool("FLAG", False)


def test_env_int_refuses_nonsense():
    with mock.patch.dict(os.environ, {"N": "12"}):
        assert env_int("N", 3) == 12
    with mock.patch.dict(os.environ, {"N": "twelve"}), pytest.raises(ConfigError, match="N"):
        env_int("N", 3)


def test_env_url_strips_the_trailing_slash_and_wants_http():
    with mock.patch.dict(os.environ, {"U": "https://book.example.org/"}):
        assert env_url("U", "http://x") == "https://book.example.org"
    with mock.patch.dict(os.environ, {"U": "ftp://example.org"}), pytest.raises(ConfigError):
        env_url("U", "http://x")


def test_secret_key_is_generated_once_and_kept(tmp_path):
    with mock.patch.dict(os.environ, {"SECRET_KEY": ""}):
        first = secret_key(tmp_path)
        second = secret_key(tmp_path)
    assert first == second
    assert len(first) >= 50
    mode = stat.S_IMODE((tmp_path / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_secret_key_from_the_environment_wins(tmp_path):
    with mock.patch.dict(os.environ, {"SECRET_KEY": "from-env"}):
        assert secret_key(tmp_path) == "from-env"
    assert not (tmp_path / "secret_key").exists()


def test_email_url_console_by_default():
    assert mailers("console://")["default"]["BACKEND"].endswith("console.EmailBackend")


def test_email_url_smtp_with_starttls_and_credentials():
    mailer = mailers("smtp+tls://me%40example.org:p%3Ass@mail.example.org:2525")["default"]
    assert mailer["BACKEND"].endswith("smtp.EmailBackend")
    conf = mailer["OPTIONS"]
    assert conf["host"] == "mail.example.org"
    assert conf["port"] == 2525
    assert conf["username"] == "me@example.org"
    assert conf["password"] == "p:ss"
    assert conf["use_tls"] is True
    assert conf["use_ssl"] is False


def test_email_url_plain_smtp_defaults_to_port_25():
    conf = mailers("smtp://localhost")["default"]["OPTIONS"]
    assert conf["port"] == 25
    assert conf["use_tls"] is False


@pytest.mark.parametrize("url", ["http://mail.example.org", "smtp://", "smtp://host:port"])
def test_email_url_refuses_what_it_cannot_use(url):
    with pytest.raises(ConfigError):
        mailers(url)


def test_mail_really_goes_through_the_mailer_from_email_url(mailoutbox):
    from django.core import mail

    mail.send_mail("Hello", "Body", None, ["someone@example.org"])
    assert [m.subject for m in mailoutbox] == ["Hello"]
