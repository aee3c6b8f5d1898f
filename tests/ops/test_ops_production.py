"""The production profile: unsafe settings stop the service at startup with a message naming the variable;
a safe environment starts a hardened app; ProxyFix trusts exactly PROXY_FIX_COUNT proxies."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from flask import Flask, request

from common_core import production
from common_core.production import ConfigError
from tests.ops.conftest import ROOT, production_env, subprocess_env

SERVICE = "storefront"


def refused(env: dict[str, str]) -> str:
    with pytest.raises(ConfigError) as info:
        production.check_environment(SERVICE, env)
    return str(info.value)


def test_a_complete_random_environment_is_accepted():
    production.check_environment(SERVICE, production_env(SERVICE))
    assert production.problems(SERVICE, production_env(SERVICE)) == []


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("STOREFRONT_SECRET_KEY", None, "STOREFRONT_SECRET_KEY is not set"),
        ("STOREFRONT_SECRET_KEY", "too-short-for-a-key", "STOREFRONT_SECRET_KEY is shorter than 32 characters"),
        ("STOREFRONT_SECRET_KEY", "change-me-" * 4, "STOREFRONT_SECRET_KEY is a placeholder"),
        ("STOREFRONT_SECRET_KEY", "x" * 40, "STOREFRONT_SECRET_KEY is too repetitive"),
        ("STOREFRONT_SECRET_KEY", "test-secret-key-storefront-0123456789abcdef", "the test suite's secret"),
        ("INTERNAL_SECRET_VENDOR", None, "INTERNAL_SECRET_VENDOR is not set"),
        ("INTERNAL_SECRET_ADMIN", "short", "INTERNAL_SECRET_ADMIN is shorter than 32 characters"),
        ("STOREFRONT_DATABASE_URL", None, "STOREFRONT_DATABASE_URL is not set"),
        ("STOREFRONT_DATABASE_URL", "sqlite:///shop.db", "STOREFRONT_DATABASE_URL must be a postgresql:// URL"),
        ("VENDOR_INTERNAL_URL", None, "VENDOR_INTERNAL_URL is not set"),
        ("ADMIN_INTERNAL_URL", "admin:8000", "ADMIN_INTERNAL_URL must start with http://"),
        ("FLASK_DEBUG", "1", "FLASK_DEBUG is on"),
        ("PROXY_FIX_COUNT", "two", "PROXY_FIX_COUNT must be a whole number"),
    ],
)
def test_an_unsafe_setting_is_refused_naming_its_variable(variable, value, message):
    env = production_env(SERVICE)
    if value is None:
        env.pop(variable, None)
    else:
        env[variable] = value
    text = refused(env)
    assert text.startswith("Refusing to start storefront with MARKETPLACE_ENV=production:")
    assert message in text
    assert value is None or len(value) < 8 or value not in text, "the message must not repeat a secret"


def test_one_secret_used_for_two_purposes_is_refused():
    env = production_env(SERVICE)
    env["INTERNAL_SECRET_STOREFRONT"] = env["STOREFRONT_SECRET_KEY"]
    assert "STOREFRONT_SECRET_KEY and INTERNAL_SECRET_STOREFRONT hold the same secret" in refused(env)


def test_two_services_sharing_a_signing_secret_is_refused():
    env = production_env(SERVICE)
    env["INTERNAL_SECRET_VENDOR"] = env["INTERNAL_SECRET_ADMIN"]
    assert "INTERNAL_SECRET_ADMIN and INTERNAL_SECRET_VENDOR hold the same secret" in refused(env)


def test_a_development_secret_from_var_is_refused(tmp_path, monkeypatch):
    dev_value = "d3v" + "0123456789abcdef" * 3
    (tmp_path / "dev-secrets.json").write_text(json.dumps({"storefront_secret_key": dev_value}))
    monkeypatch.setenv("MARKETPLACE_VAR_DIR", str(tmp_path))
    env = production_env(SERVICE)
    env["STOREFRONT_SECRET_KEY"] = dev_value
    assert "STOREFRONT_SECRET_KEY is a development secret from var/dev-secrets.json" in refused(env)


def test_a_shared_secret_key_does_not_stand_in_for_the_service_key():
    env = production_env(SERVICE)
    env["SECRET_KEY"] = env.pop("STOREFRONT_SECRET_KEY")
    assert "STOREFRONT_SECRET_KEY is not set (a shared SECRET_KEY is not accepted in production)" in refused(env)


def test_a_rotation_pair_is_accepted_and_each_half_is_checked():
    env = production_env(SERVICE)
    env["INTERNAL_SECRET_VENDOR"] = f"{'n' * 8}{'0123456789abcdef' * 2},{env['INTERNAL_SECRET_VENDOR']}"
    production.check_environment(SERVICE, env)
    env["INTERNAL_SECRET_VENDOR"] += ",old"
    assert "INTERNAL_SECRET_VENDOR (secret 3 of 3) is shorter than 32 characters" in refused(env)


def test_every_problem_is_reported_at_once():
    text = refused({"MARKETPLACE_ENV": "production", "FLASK_DEBUG": "true"})
    for variable in production.required_variables(SERVICE):
        assert variable in text
    assert "FLASK_DEBUG" in text
    assert "secrets.token_hex(32)" in text  # how to make a good one


def test_the_app_refuses_before_touching_any_database(clean_env):
    from storefront import create_app

    env = production_env(SERVICE)
    del env["INTERNAL_SECRET_ADMIN"]
    for name, value in env.items():
        clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match="INTERNAL_SECRET_ADMIN is not set"):
        create_app()


def test_debug_switched_on_in_code_is_refused(clean_env, service_urls):
    from storefront import create_app

    for name, value in production_env(SERVICE, service_urls[SERVICE]).items():
        clean_env.setenv(name, value)
    with pytest.raises(ConfigError, match="DEBUG is on"):
        create_app({"DEBUG": True})


def test_a_refusal_is_a_readable_message_and_exit_status_1_at_startup():
    env = subprocess_env(**production_env(SERVICE))
    del env["STOREFRONT_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "-c", "from storefront import create_app; create_app()"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 1
    assert "Refusing to start storefront with MARKETPLACE_ENV=production" in result.stderr
    assert "STOREFRONT_SECRET_KEY is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_safe_environment_starts_a_hardened_app(clean_env, service_urls):
    from storefront import create_app

    for name, value in production_env(SERVICE, service_urls[SERVICE]).items():
        clean_env.setenv(name, value)
    app = create_app()

    @app.get("/_ops_test_boom")
    def boom():
        raise RuntimeError("secret internals")

    try:
        assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
        assert not app.debug
        client = app.test_client()
        health = client.get("/healthz")
        assert health.status_code == 200
        assert health.headers["Strict-Transport-Security"].startswith("max-age=")
        failure = client.get("/_ops_test_boom")
        assert failure.status_code == 500
        page = failure.get_data(as_text=True)
        assert "Something went wrong" in page
        assert "secret internals" not in page and "Traceback" not in page
    finally:
        with app.app_context():
            app.extensions["sqlalchemy"].engine.dispose()


# --- ProxyFix ------------------------------------------------------------------------------------


def app_behind(count: int) -> Flask:
    app = Flask(__name__)
    app.config.update(PROXY_FIX_COUNT=count, MARKETPLACE_ENV="test", SERVICE="storefront")
    production.init_app(app)

    @app.get("/who")
    def who():
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host}

    return app


FORWARDED = {
    "X-Forwarded-For": "198.51.100.1, 198.51.100.2, 198.51.100.3",
    "X-Forwarded-Proto": "http, https",
    "X-Forwarded-Host": "evil.example, shop.example",
}


@pytest.mark.parametrize(
    ("count", "addr", "scheme", "host"),
    [
        (0, "10.0.0.9", "http", "app.internal"),  # no proxy trusted: the headers are ignored
        (1, "198.51.100.3", "https", "shop.example"),  # the last hop, which our proxy wrote
        (2, "198.51.100.2", "http", "evil.example"),
    ],
)
def test_forwarded_headers_are_trusted_from_exactly_the_configured_number_of_proxies(count, addr, scheme, host):
    response = (
        app_behind(count)
        .test_client()
        .get("/who", headers={**FORWARDED, "Host": "app.internal"}, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    )
    assert response.get_json() == {"addr": addr, "scheme": scheme, "host": host}


def test_proxy_fix_count_comes_from_the_environment(clean_env):
    assert production.proxy_fix_count({}) == 0
    assert production.proxy_fix_count({"PROXY_FIX_COUNT": "2"}) == 2
    with pytest.raises(ConfigError, match="PROXY_FIX_COUNT"):
        production.proxy_fix_count({"PROXY_FIX_COUNT": "-1"})


# --- Generated secrets for containers ------------------------------------------------------------


def test_generated_secrets_are_written_once_privately_and_only_fill_what_is_unset(tmp_path):
    path = tmp_path / "volume" / "secrets.env"
    first = production.ensure_secrets_file(path)
    assert set(first) == set(production.generated_secret_variables())
    assert path.stat().st_mode & 0o777 == 0o600
    assert production.ensure_secrets_file(path) == first  # a second container reads the same values
    env = production_env(SERVICE)
    assert not production.problems(SERVICE, {**env, **first})

    exports = production.secrets_env("storefront", path, {"INTERNAL_SECRET_ADMIN": "chosen-by-the-operator"})
    names = {line.split("=", 1)[0].removeprefix("export ") for line in exports.splitlines()}
    assert names == {"STOREFRONT_SECRET_KEY", "INTERNAL_SECRET_STOREFRONT", "INTERNAL_SECRET_VENDOR"}
