"""Settings that harden a deployment, computed from the environment when settings load: run
in a subprocess with that environment, as `bookwithme` would be."""

import json
import stat

from liveserver import cli, run_python, server_env

SETTINGS = [
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "LANGUAGE_COOKIE_SECURE",
    "SESSION_COOKIE_HTTPONLY",
    "CSRF_COOKIE_HTTPONLY",
    "LANGUAGE_COOKIE_HTTPONLY",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_SSL_REDIRECT",
    "SECURE_PROXY_SSL_HEADER",
    "BOOKWITHME_TRUSTED_PROXIES",
    "BOOKWITHME_FRAME_ANCESTORS",
]


def settings_with(tmp_path, **environ) -> dict:
    env = {**server_env(tmp_path / "data"), **environ}
    names = json.dumps(SETTINGS)
    out = run_python(
        env,
        "import json\nfrom django.conf import settings\n"
        f"print(json.dumps({{n: getattr(settings, n, None) for n in {names}}}))",
    )
    return json.loads(out)


def test_an_https_base_url_behind_trusted_proxies_gets_hsts_redirect_and_secure_cookies(
    tmp_path,
):
    found = settings_with(
        tmp_path,
        BOOKWITHME_BASE_URL="https://book.example.org",
        BOOKWITHME_TRUSTED_PROXIES="127.0.0.1, 10.0.0.0/8",
    )

    assert found["SECURE_HSTS_SECONDS"] == 365 * 24 * 3600
    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is False
    assert found["SECURE_SSL_REDIRECT"] is True
    assert found["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert found["BOOKWITHME_TRUSTED_PROXIES"] == ["127.0.0.1/32", "10.0.0.0/8"]
    for cookie in ("SESSION", "CSRF", "LANGUAGE"):
        assert found[f"{cookie}_COOKIE_SECURE"] is True, cookie
        assert found[f"{cookie}_COOKIE_HTTPONLY"] is True, cookie


def test_without_trusted_proxies_no_header_can_claim_https(tmp_path):
    found = settings_with(tmp_path, BOOKWITHME_BASE_URL="https://book.example.org")

    assert found["SECURE_PROXY_SSL_HEADER"] is None
    assert found["SECURE_SSL_REDIRECT"] is False  # it would loop behind a proxy
    assert found["SESSION_COOKIE_SECURE"] is True


def test_hsts_subdomains_and_redirect_can_be_chosen(tmp_path):
    found = settings_with(
        tmp_path,
        BOOKWITHME_BASE_URL="https://book.example.org",
        BOOKWITHME_HSTS_INCLUDE_SUBDOMAINS="true",
        BOOKWITHME_HSTS_SECONDS="600",
        BOOKWITHME_SSL_REDIRECT="true",
    )

    assert found["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert found["SECURE_HSTS_SECONDS"] == 600
    assert found["SECURE_SSL_REDIRECT"] is True


def test_a_plain_http_base_url_sends_no_hsts_and_no_secure_cookies(tmp_path):
    found = settings_with(tmp_path, BOOKWITHME_BASE_URL="http://127.0.0.1:8000")

    assert not found["SECURE_HSTS_SECONDS"]
    assert not found["SECURE_SSL_REDIRECT"]
    assert found["SESSION_COOKIE_SECURE"] is False
    assert found["SESSION_COOKIE_HTTPONLY"] is True


def test_frame_ancestors_default_to_any_site_and_can_be_listed(tmp_path):
    assert settings_with(tmp_path)["BOOKWITHME_FRAME_ANCESTORS"] == ["*"]
    listed = settings_with(
        tmp_path, BOOKWITHME_FRAME_ANCESTORS="self https://www.example.org,*.example.net"
    )
    assert listed["BOOKWITHME_FRAME_ANCESTORS"] == [
        "'self'",
        "https://www.example.org",
        "*.example.net",
    ]


def test_nonsense_in_the_new_settings_stops_the_start_naming_the_variable(tmp_path):
    env = server_env(tmp_path / "data")
    for name, value in [
        ("BOOKWITHME_TRUSTED_PROXIES", "nginx.local"),
        ("BOOKWITHME_TRUSTED_PROXIES", "10.0.0.1/8"),
        ("BOOKWITHME_FRAME_ANCESTORS", "https://x.example; script-src *"),
        ("BOOKWITHME_FRAME_ANCESTORS", "'none' https://x.example"),
    ]:
        done = cli({**env, name: value}, "check")
        assert done.returncode != 0, (name, value)
        assert name in done.stderr, (name, value, done.stderr)


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_a_fresh_data_dir_is_0700_and_its_database_0600(tmp_path):
    data = tmp_path / "fresh" / "data"

    done = cli(server_env(data), "migrate", "--no-input", "-v", "0")

    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    assert mode(data / "bookwithme.sqlite3") == 0o600
    assert mode(data / "secret_key") == 0o600
    for sidecar in data.glob("bookwithme.sqlite3-*"):  # WAL files, while they exist
        assert mode(sidecar) == 0o600, sidecar


def test_an_existing_open_data_dir_and_database_are_narrowed(tmp_path):
    data = tmp_path / "data"
    data.mkdir(mode=0o755)
    data.chmod(0o755)
    (data / "bookwithme.sqlite3").touch()
    (data / "bookwithme.sqlite3").chmod(0o644)

    done = cli(server_env(data), "migrate", "--no-input", "-v", "0")

    assert done.returncode == 0, done.stderr
    assert mode(data) == 0o700
    assert mode(data / "bookwithme.sqlite3") == 0o600


def test_https_without_trusted_proxies_warns_at_start(tmp_path):
    env = {**server_env(tmp_path / "data"), "BOOKWITHME_BASE_URL": "https://book.example.org"}

    alone = cli(env, "check")
    proxied = cli({**env, "BOOKWITHME_TRUSTED_PROXIES": "127.0.0.1"}, "check")

    assert alone.returncode == 0 and "bookwithme.W001" in alone.stderr
    assert proxied.returncode == 0 and "bookwithme.W001" not in proxied.stderr
