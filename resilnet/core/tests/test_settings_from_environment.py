import re
import subprocess
import sys
from pathlib import Path

import pytest

from resilnet.config import SETTINGS, ConfigError, load

README = Path(__file__).resolve().parents[3] / "README.md"


def test_defaults_load_and_mean_sqlite():
    values = load({})
    assert values["RESILNET_DATABASE_URL"] is None
    assert values["RESILNET_DEBUG"] is False
    assert values["RESILNET_ALLOWED_HOSTS"] == ["127.0.0.1", "localhost", "[::1]"]


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        ("RESILNET_DEBUG", "maybe", "expected true or false"),
        ("RESILNET_DATABASE_URL", "mysql://x/y", "expected sqlite:///PATH or postgres://"),
        ("RESILNET_DATABASE_URL", "postgres://user@host:5432/", "database name"),
        ("RESILNET_DATABASE_URL", "sqlite://", "file path"),
        ("RESILNET_SECRET_KEY", "short", "at least 50 characters"),
        ("RESILNET_LOG_FORMAT", "xml", "one of text, json"),
        ("RESILNET_LOGIN_MAX_FAILURES", "0", "at least 1"),
        ("RESILNET_LOGIN_MAX_FAILURES", "ten", "invalid literal"),
        ("RESILNET_LOG_LEVEL", "LOUD", "expected DEBUG"),
    ],
)
def test_a_malformed_variable_is_named_with_what_is_expected(name, value, expected):
    with pytest.raises(ConfigError) as info:
        load({name: value})
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert expected in message
    assert "\n" not in message


def test_the_secret_key_is_never_echoed():
    with pytest.raises(ConfigError) as info:
        load({"RESILNET_SECRET_KEY": "hunter2-hunter2"})
    assert "hunter2" not in str(info.value)


def test_postgres_url_is_parsed():
    values = load({"RESILNET_DATABASE_URL": "postgres://u:p@127.0.0.1:5433/resilnet"})
    db = values["RESILNET_DATABASE_URL"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["NAME"], db["USER"], db["PORT"]) == ("resilnet", "u", 5433)


def test_cli_stops_with_one_line_on_a_bad_variable(tmp_path):
    env = {"RESILNET_DEBUG": "perhaps", "RESILNET_VAR_DIR": str(tmp_path), "PATH": "/usr/bin"}
    result = subprocess.run(
        [sys.executable, "-m", "resilnet.cli", "manage", "check"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "resilnet: configuration error: RESILNET_DEBUG: expected true or false; got 'perhaps'"
    ]


def test_readme_documents_every_setting():
    table = README.read_text()
    documented = set(re.findall(r"^\| `(RESILNET_[A-Z_]+)` \|", table, re.MULTILINE))
    assert documented == {setting.name for setting in SETTINGS}


def test_development_secret_key_is_generated_once_and_private(tmp_path):
    from resilnet.config import development_secret_key

    first = development_secret_key(tmp_path)
    assert len(first) >= 50
    assert development_secret_key(tmp_path) == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
