"""Reading settings from the environment, with one clear line when a value is wrong.

Kept free of Django imports so settings.py can use it before Django is configured.
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit


class ConfigurationError(SystemExit):
    """Stops start-up with a single line that names the variable at fault."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"Configuration error: {variable} {problem}")


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigurationError(name, f"must be true or false, not {raw!r}.")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigurationError(name, f"must be a whole number, not {raw!r}.") from None


def env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_url(name: str, default: str) -> str:
    """An http(s)://host[:port] address with no path, e.g. the site's own base URL."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise ConfigurationError(name, f"must be an http:// or https:// address, not {raw!r}.")
    try:
        _ = parts.port
    except ValueError:
        raise ConfigurationError(name, "has a port that is not a number.") from None
    if parts.path.strip("/") or parts.query or parts.fragment or parts.username:
        raise ConfigurationError(name, f"must be only scheme://host[:port], not {raw!r}.")
    return f"{parts.scheme}://{parts.netloc}"


def database_config(name: str, sqlite_path: str) -> dict:
    """SQLite in the project folder when the variable is unset; otherwise PostgreSQL."""
    import dj_database_url

    raw = os.environ.get(name, "").strip()
    if not raw:
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": sqlite_path}
    parts = urlsplit(raw)
    if parts.scheme not in {"postgres", "postgresql", "pgsql"}:
        raise ConfigurationError(
            name, f"must be a postgres://user@host:port/dbname URL, not {_redact(raw)!r}."
        )
    try:
        _ = parts.port
    except ValueError:
        raise ConfigurationError(name, "has a port that is not a number.") from None
    if not parts.path.strip("/"):
        raise ConfigurationError(name, "names no database (add /dbname at the end).")
    try:
        return dj_database_url.parse(raw, conn_max_age=60, conn_health_checks=True)
    except ValueError as exc:
        raise ConfigurationError(name, f"could not be read: {exc}") from None


def broker_url(name: str) -> str | None:
    """None (jobs run in-process) when unset; otherwise a redis:// URL."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    if parts.scheme not in {"redis", "rediss"} or not parts.hostname:
        raise ConfigurationError(name, f"must be a redis://host:port/db URL, not {_redact(raw)!r}.")
    try:
        _ = parts.port
    except ValueError:
        raise ConfigurationError(name, "has a port that is not a number.") from None
    return raw


def _redact(url: str) -> str:
    """Hide a password in a URL before it is printed."""
    parts = urlsplit(url)
    if parts.password:
        return url.replace(f":{parts.password}@", ":***@")
    return url
