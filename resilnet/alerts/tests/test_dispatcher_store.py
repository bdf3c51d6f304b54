"""The dispatcher's database thread keeps one connection from call to call (opening one
per call cost a tenth of its CPU), and replaces one the server dropped before a call."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from django.db import connection

from resilnet.alerts.dispatch.engine import Store
from resilnet.alerts.tests.smpp_peers import in_own_loop
from resilnet.core.tests.databases import postgresql_only

pytestmark = pytest.mark.django_db(transaction=True)


def _raw_connection() -> Any:
    connection.ensure_connection()
    return connection.connection


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


def in_store(*calls: Any) -> list[Any]:
    """Each function called in turn in one Store's database thread; their results."""

    async def run() -> list[Any]:
        store = Store()
        try:
            return [await store.call(fn) for fn in calls]
        finally:
            store.close()

    return in_own_loop(run())  # a browser test may leave a loop running on this thread


def test_the_database_thread_keeps_its_connection_between_calls():
    first, second, third = in_store(_raw_connection, _raw_connection, _raw_connection)

    assert first is second is third


@postgresql_only(
    "a server can end a client's connection (a restart, an administrator); an SQLite "
    "connection is a file opened in the process, which nothing outside ends"
)
def test_a_connection_the_server_ended_is_replaced_before_the_next_call():
    def end_session(pid: int) -> None:
        from django.db import connections

        try:
            with connection.cursor() as cursor:  # another thread: another session
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        finally:
            connections.close_all()

    async def run() -> tuple[int, int]:
        store = Store()
        try:
            before = await store.call(_backend_pid)
            await asyncio.get_running_loop().run_in_executor(None, end_session, before)
            after = await store.call(_backend_pid)
            return before, after
        finally:
            store.close()

    before, after = in_own_loop(run())

    assert after != before
