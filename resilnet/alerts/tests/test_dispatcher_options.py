"""The dispatcher's command-line options that tune how it waits (on a failing database, on
the last receipts): read into its options, and nonsense refused naming the option (exit 2)."""

from __future__ import annotations

import pytest
from django.db import OperationalError

from resilnet.alerts.cli.dispatcher import dispatcher_options
from resilnet.alerts.dispatch.engine import RETRY_DB_AFTER, STOP_WRITE_TIMEOUT, _Retry
from resilnet.cli import build_parser
from resilnet.core.cli import CommandFailed


def options(*argv: str):
    return dispatcher_options(build_parser().parse_args(["dispatcher", *argv]))


def test_the_database_retry_pauses_are_read_and_double_from_the_first_to_the_longest():
    read = options(
        "--db-retry-first", "0.5", "--db-retry-longest", "2", "--stop-write-timeout", "0"
    )
    assert (read.retry_db_after, read.stop_write_timeout) == ((0.5, 2.0), 0.0)
    retry = _Retry("test", read.retry_db_after)
    error = OperationalError("database is locked")
    assert [retry.failed(error) for _ in range(4)] == [0.5, 1.0, 2.0, 2.0]
    retry.succeeded()
    assert retry.failed(error) == 0.5


def test_without_options_the_pauses_are_the_defaults():
    read = options()
    assert (read.retry_db_after, read.stop_write_timeout) == (RETRY_DB_AFTER, STOP_WRITE_TIMEOUT)


@pytest.mark.parametrize(
    ("argv", "named"),
    [
        (["--db-retry-first", "0"], "--db-retry-first"),
        (["--db-retry-first", "-0.1"], "--db-retry-first"),
        (["--db-retry-first", "soon"], "--db-retry-first"),
        (["--db-retry-longest", "nan"], "--db-retry-longest"),
        (["--db-retry-longest", "inf"], "--db-retry-longest"),
        (["--db-retry-first", "10", "--db-retry-longest", "5"], "--db-retry-first"),
        (["--db-retry-first", "6"], "--db-retry-first"),  # longer than the default longest
        (["--stop-write-timeout", "-1"], "--stop-write-timeout"),
        (["--stop-write-timeout", "nan"], "--stop-write-timeout"),
        (["--receipt-timeout", "-5"], "--receipt-timeout"),
        (["--receipt-timeout", "nan"], "--receipt-timeout"),
    ],
)
def test_nonsense_pauses_are_refused_naming_the_option(argv, named, capsys):
    with pytest.raises((SystemExit, CommandFailed)) as refused:
        options(*argv)  # the parser exits on a bad value; a bad pair is a failed command
    error = refused.value
    if isinstance(error, SystemExit):
        assert error.code == 2
        assert named in capsys.readouterr().err
    else:
        assert error.status == 2
        assert str(error).startswith(named)
