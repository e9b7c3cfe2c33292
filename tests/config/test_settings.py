"""Start-up configuration: the same settings file serves the embedded default and the real
services, and a wrong value stops start-up with one line naming the variable."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from config.env import ConfigurationError, broker_url, database_config, env_url

ROOT = Path(__file__).resolve().parents[2]


def test_no_database_url_means_sqlite_in_the_project_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_config("DATABASE_URL", "/project/db.sqlite3")
    assert config == {"ENGINE": "django.db.backends.sqlite3", "NAME": "/project/db.sqlite3"}


def test_a_postgres_url_selects_postgresql_through_psycopg2(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://casebook:pw@db.internal:5433/casebook")
    config = database_config("DATABASE_URL", "unused")
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert (config["HOST"], config["PORT"], config["NAME"]) == ("db.internal", 5433, "casebook")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("mysql://root@localhost/casebook", "must be a postgres://"),
        ("not a url", "must be a postgres://"),
        ("postgres://user@localhost:port/casebook", "port that is not a number"),
        ("postgres://user@localhost:5432", "names no database"),
    ],
)
def test_a_malformed_database_url_is_refused_naming_the_variable(monkeypatch, value, expected):
    monkeypatch.setenv("DATABASE_URL", value)
    with pytest.raises(ConfigurationError) as excinfo:
        database_config("DATABASE_URL", "unused")
    message = str(excinfo.value)
    assert message.startswith("Configuration error: DATABASE_URL ")
    assert expected in message


def test_a_password_in_a_bad_url_is_not_printed(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "mysql://root:hunter2secret@localhost/casebook")
    with pytest.raises(ConfigurationError) as excinfo:
        database_config("DATABASE_URL", "unused")
    assert "hunter2secret" not in str(excinfo.value)


def test_no_broker_means_in_process_jobs(monkeypatch):
    monkeypatch.delenv("CELERY_BROKER_URL", raising=False)
    assert broker_url("CELERY_BROKER_URL") is None


@pytest.mark.parametrize("value", ["amqp://guest@localhost//", "redis://", "redis://h:x/0"])
def test_a_malformed_broker_url_is_refused_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("CELERY_BROKER_URL", value)
    with pytest.raises(ConfigurationError, match=r"^Configuration error: CELERY_BROKER_URL "):
        broker_url("CELERY_BROKER_URL")


def test_the_site_url_defaults_and_drops_a_trailing_slash(monkeypatch):
    monkeypatch.delenv("CASEBOOK_SITE_URL", raising=False)
    assert env_url("CASEBOOK_SITE_URL", "http://localhost:8000") == "http://localhost:8000"
    monkeypatch.setenv("CASEBOOK_SITE_URL", "https://casebook.example.org:8443/")
    assert env_url("CASEBOOK_SITE_URL", "unused") == "https://casebook.example.org:8443"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("casebook.example.org", "must be an http:// or https://"),
        ("ftp://casebook.example.org", "must be an http:// or https://"),
        ("https://casebook.example.org:port", "port that is not a number"),
        ("https://casebook.example.org/casebook", "must be only scheme://host[:port]"),
    ],
)
def test_a_malformed_site_url_is_refused_naming_the_variable(monkeypatch, value, expected):
    monkeypatch.setenv("CASEBOOK_SITE_URL", value)
    with pytest.raises(ConfigurationError) as excinfo:
        env_url("CASEBOOK_SITE_URL", "unused")
    assert str(excinfo.value).startswith("Configuration error: CASEBOOK_SITE_URL ")
    assert expected in str(excinfo.value)


def test_celery_runs_jobs_eagerly_without_a_broker_and_on_redis_with_one(settings):
    expected_eager = not os.environ.get("CELERY_BROKER_URL")
    assert settings.CELERY_TASK_ALWAYS_EAGER is expected_eager


def _start(env_overrides: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in env_overrides}
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("overrides", "variable"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/x"}, "DATABASE_URL"),
        ({"CELERY_BROKER_URL": "amqp://guest@localhost//"}, "CELERY_BROKER_URL"),
        ({"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": None}, "DJANGO_SECRET_KEY"),
        ({"DJANGO_DEBUG": "maybe"}, "DJANGO_DEBUG"),
    ],
)
def test_start_up_with_a_bad_variable_stops_with_one_clear_line(overrides, variable):
    result = _start(overrides)
    assert result.returncode != 0
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines == [lines[-1]], f"expected one line, got:\n{result.stderr}"
    assert lines[-1].startswith(f"Configuration error: {variable} ")


def test_production_settings_refuse_to_start_without_a_secret_key():
    result = _start({"DJANGO_DEBUG": "false", "DJANGO_SECRET_KEY": ""})
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "a-production-key-of-fifty-or-more-characters-" + "x" * 20,
    "DJANGO_ALLOWED_HOSTS": "casebook.example.org",
    "DATABASE_URL": None,
    "DJANGO_SECURE_SSL_REDIRECT": None,
    "DJANGO_SECURE_COOKIES": None,
    "DJANGO_HSTS_SECONDS": None,
    # Set by the browser tests for their live server in this process; never in deployment.
    "DJANGO_ALLOW_ASYNC_UNSAFE": None,
}


def _check_deploy(env_overrides: dict[str, str | None]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in env_overrides}
    env.update({k: v for k, v in env_overrides.items() if v is not None})
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_djangos_deployment_checks():
    """HSTS, secure cookies, the SSL redirect, a long secret key, no debug: `check --deploy`
    finds nothing at warning level or above with production's defaults."""
    result = _check_deploy(PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_turning_transport_security_off_is_reported_by_the_deployment_checks():
    """The checks are live, not silenced wholesale: a deployment that turns the SSL
    redirect and secure cookies off hears about it."""
    result = _check_deploy(
        {**PRODUCTION, "DJANGO_SECURE_SSL_REDIRECT": "0", "DJANGO_SECURE_COOKIES": "0"}
    )
    assert result.returncode != 0
    for check in ("security.W008", "security.W012", "security.W016"):
        assert check in result.stderr
