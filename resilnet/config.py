"""Every setting that comes from the environment, declared once.

Each entry has a name, a default, a help text and a parser; `settings.py` reads them
through `load()`, the README's configuration table is checked against this list, and a
missing or malformed value stops start-up with one line naming the variable.
"""

from __future__ import annotations

import ipaddress
import os
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line for a person."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: str
    help: str
    parse: Callable[[str], Any]


def parse_bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError("expected true or false")


def parse_list(value: str) -> list[str]:
    return [item.strip() for item in value.split(",") if item.strip()]


def parse_networks(value: str) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    networks = []
    for item in parse_list(value):
        try:
            networks.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ValueError(
                f"{item!r} is not an address or network (10.0.0.5, 10.0.0.0/8)"
            ) from None
    return networks


def parse_positive_int(value: str) -> int:
    number = int(value)
    if number < 1:
        raise ValueError("expected a whole number of at least 1")
    return number


def parse_choice(*choices: str) -> Callable[[str], str]:
    def parse(value: str) -> str:
        if value not in choices:
            raise ValueError("expected one of " + ", ".join(choices))
        return value

    return parse


def parse_database_url(value: str) -> dict[str, Any]:
    scheme = value.split(":", 1)[0]
    if scheme not in {"sqlite", "postgres", "postgresql", "postgis"}:
        raise ValueError("expected sqlite:///PATH or postgres://USER:PASSWORD@HOST:PORT/NAME")
    if scheme == "sqlite":
        path = value.removeprefix("sqlite://").removeprefix("/")
        if not path:
            raise ValueError("expected sqlite:///PATH with a file path")
        return {"ENGINE": "django.db.backends.sqlite3", "NAME": path}
    try:
        parsed = dict(dj_database_url.parse(value, conn_max_age=60, conn_health_checks=True))
    except Exception as exc:
        raise ValueError(f"expected postgres://USER:PASSWORD@HOST:PORT/NAME ({exc})") from exc
    if not parsed.get("NAME"):
        raise ValueError("expected a database name after the last '/'")
    parsed["ENGINE"] = "django.db.backends.postgresql"
    return parsed


def parse_secret_key(value: str) -> str:
    if len(value) < 50 or len(set(value)) < 5:
        raise ValueError("expected at least 50 characters with at least 5 different ones")
    return value


def parse_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else BASE_DIR / path


def parse_email(value: str) -> str:
    """An e-mail address (one @, no spaces) or nothing."""
    if value and not re.fullmatch(r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+", value):
        raise ValueError("expected an e-mail address such as podcast@example.org")
    return value


def parse_http_url(value: str) -> str:
    """An absolute http(s) URL or nothing."""
    if value and not re.fullmatch(r"https?://[^\s\"'<>]+", value):
        raise ValueError("expected an http(s) URL without spaces or quotes")
    return value


def parse_tile_url(value: str) -> str:
    """A raster tile URL template (`https://host/{z}/{x}/{y}.png`) or nothing."""
    if value == "":
        return value
    if not value.startswith(("https://", "http://")) or any(c in value for c in " \"'<>;,"):
        raise ValueError("expected an http(s) URL without spaces, quotes, commas or semicolons")
    # The origin goes into the content security policy: a plain host name, no placeholders.
    if not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]{1,5})?", value.split("/", 3)[2]):
        raise ValueError("expected a fixed host name such as https://tiles.example.org/")
    if not all(part in value for part in ("{z}", "{x}", "{y}")):
        raise ValueError("expected a tile URL template with {z}, {x} and {y}")
    return value


def parse_level(value: str) -> str:
    upper = value.upper()
    if upper not in {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}:
        raise ValueError("expected DEBUG, INFO, WARNING, ERROR or CRITICAL")
    return upper


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "RESILNET_DATABASE_URL",
        "",
        "Database to use: `sqlite:///PATH` or `postgres://USER:PASSWORD@HOST:PORT/NAME`. "
        "Empty means SQLite (WAL mode) at `VAR_DIR/resilnet.sqlite3`.",
        parse_database_url,
    ),
    Setting(
        "RESILNET_DB_LOCK_TIMEOUT",
        "60",
        "Seconds an SQLite connection waits for another's write to finish before it gives "
        "up; longer than any transaction the site runs (long jobs commit in short ones).",
        parse_positive_int,
    ),
    Setting(
        "RESILNET_SECRET_KEY",
        "",
        "Key for signing sessions and tokens, at least 50 characters. Empty means a key "
        "generated once into `VAR_DIR/secret_key` (mode 0600).",
        parse_secret_key,
    ),
    Setting(
        "RESILNET_ALLOWED_HOSTS",
        "127.0.0.1,localhost,[::1]",
        "Comma-separated host names the server answers to.",
        parse_list,
    ),
    Setting(
        "RESILNET_CSRF_TRUSTED_ORIGINS",
        "",
        "Comma-separated origins (`https://example.org`) trusted for form posts behind a proxy.",
        parse_list,
    ),
    Setting(
        "RESILNET_TRUSTED_PROXIES",
        "",
        "Comma-separated addresses or networks of the load balancers in front of the site. "
        "A request from one of them is taken to come from the address it names in "
        "`X-Forwarded-For` (sign-in and proposal limits, audit log); from anyone else the "
        "header is ignored.",
        parse_networks,
    ),
    Setting(
        "RESILNET_DEBUG",
        "false",
        "Django debug mode: detailed error pages. Never in production.",
        parse_bool,
    ),
    Setting(
        "RESILNET_HTTPS",
        "false",
        "The site is served over HTTPS: secure cookies, HSTS and redirect from HTTP.",
        parse_bool,
    ),
    Setting(
        "RESILNET_VAR_DIR",
        "var",
        "Folder for the SQLite database, the generated secret key, exports and backups.",
        parse_path,
    ),
    Setting(
        "RESILNET_LOG_FORMAT",
        "text",
        "`text` for people, `json` for one JSON object per line.",
        parse_choice("text", "json"),
    ),
    Setting(
        "RESILNET_LOG_LEVEL",
        "INFO",
        "Lowest level logged: DEBUG, INFO, WARNING, ERROR or CRITICAL.",
        parse_level,
    ),
    Setting(
        "RESILNET_TASK_BACKEND",
        "database",
        "`database` runs background tasks in `resilnet worker`; `immediate` runs them inline.",
        parse_choice("database", "immediate"),
    ),
    Setting(
        "RESILNET_SEARCH_ENGINE",
        "auto",
        "Catalog search: `segments` (bitmap index files under `VAR_DIR/search`, one copy "
        "per host), `database` (SQLite FTS5 or PostgreSQL tsvector), `auto` = segments on "
        "SQLite, database on PostgreSQL.",
        parse_choice("auto", "segments", "database"),
    ),
    Setting(
        "RESILNET_LOGIN_MAX_FAILURES",
        "10",
        "Failed sign-ins for one account within the lockout window before it is throttled.",
        parse_positive_int,
    ),
    Setting(
        "RESILNET_LOGIN_LOCKOUT_MINUTES",
        "15",
        "Length of the window, in minutes, over which failed sign-ins are counted.",
        parse_positive_int,
    ),
    Setting(
        "RESILNET_METRICS_TOKEN",
        "",
        "When set, `/metrics` requires `Authorization: Bearer TOKEN`.",
        str,
    ),
    Setting(
        "RESILNET_BASEMAP_URL",
        "",
        "Raster tile URL template (`https://tiles.example.org/{z}/{x}/{y}.png`) drawn under "
        "the schools map for deployments with internet; its origin is added to the page's "
        "content security policy. Empty means the offline base map (Natural Earth country "
        "boundaries served by the site).",
        parse_tile_url,
    ),
    Setting(
        "RESILNET_PODCAST_OWNER_NAME",
        "resilnet",
        "Owner of the podcast named in its RSS feed (`itunes:owner`), whom directories contact.",
        str,
    ),
    Setting(
        "RESILNET_PODCAST_OWNER_EMAIL",
        "",
        "E-mail address of the podcast's owner in its RSS feed; podcast directories refuse a "
        "feed without one.",
        parse_email,
    ),
    Setting(
        "RESILNET_PODCAST_IMAGE_URL",
        "",
        "Cover art of the podcast (a square JPEG or PNG, 1400 to 3000 pixels a side). Empty "
        "means the site's own cover.",
        parse_http_url,
    ),
    Setting(
        "RESILNET_CHROMIUM",
        "/usr/bin/chromium",
        "Chromium executable used by the browser tests.",
        str,
    ),
)


def load(environ: Mapping[str, str]) -> dict[str, Any]:
    """Parse every declared setting from `environ`; raise ConfigError on the first bad one."""
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(setting.name, setting.default)
        if raw == "" and setting.parse in (parse_database_url, parse_secret_key):
            values[setting.name] = None
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            shown = "(hidden)" if "SECRET" in setting.name else repr(raw[:80])
            raise ConfigError(f"{setting.name}: {exc}; got {shown}") from None
    return values


def development_secret_key(var_dir: Path) -> str:
    """Read the key generated for this installation, creating it on first use."""
    path = var_dir / "secret_key"
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(64))
    return path.read_text().strip()
