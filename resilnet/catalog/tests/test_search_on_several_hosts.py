"""The segment index on several web hosts sharing one database: each host a separate
process with its own `RESILNET_VAR_DIR`, kept in step through the shared change log."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from resilnet.catalog.tests.conftest import measure
from resilnet.core.models import Role
from resilnet.core.tests.databases import database_url

# A host: reads one JSON command per line, answers one JSON line. The console e-mail
# backend prints to standard output, so answers go to the original one and prints to
# standard error.
HOST = """
import json, sys, traceback
import django
django.setup()
from pathlib import Path
from resilnet.catalog import services
from resilnet.catalog.models import Record
from resilnet.catalog.search import SearchQuery, consistency_report, search
from resilnet.core import backup
from resilnet.core.models import User

answers, sys.stdout = sys.stdout, sys.stderr
moderator = User.objects.get(username=sys.argv[1])

def publish(content):
    record = services.do_create_record(moderator, content, submit=True)
    services.do_publish(moderator, record)
    return record.pk

def edit(record_id, content):
    record = Record.objects.get(pk=record_id)
    services.do_update_record(moderator, record, content)
    services.do_submit(moderator, record)
    services.do_publish(moderator, record)

def found(q):
    return sorted(r.pk for r in search(SearchQuery(q=q, page_size=100)).results)

commands = {
    "publish": publish,
    "edit": edit,
    "archive": lambda record_id: services.do_archive(moderator, Record.objects.get(pk=record_id)),
    "search": found,
    "reindex": services.reindex_all,
    "check": consistency_report,
    "backup": lambda path: backup.backup(Path(path)),
    "restore": lambda path: backup.restore(Path(path)),
}
for line in sys.stdin:
    name, args = json.loads(line)
    try:
        answer = {"result": commands[name](*args)}
    except Exception:
        answer = {"error": traceback.format_exc()}
    print(json.dumps(answer), file=answers, flush=True)
"""


class Host:
    """One web host: a process of its own, with its own VAR_DIR and segment index."""

    def __init__(self, var_dir: Path, moderator: str) -> None:
        var_dir.mkdir()
        self.var_dir = var_dir
        self.log = var_dir.parent / f"{var_dir.name}.log"
        env = os.environ | {
            "DJANGO_SETTINGS_MODULE": "resilnet.settings",
            "RESILNET_DATABASE_URL": database_url(),
            "RESILNET_VAR_DIR": str(var_dir),
            "RESILNET_SEARCH_ENGINE": "segments",
        }
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-c", HOST, moderator],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                env=env,
                text=True,
            )

    def ask(self, name: str, *args: Any) -> Any:
        assert self.process.stdin
        assert self.process.stdout
        self.process.stdin.write(json.dumps([name, args]) + "\n")
        self.process.stdin.flush()
        ready, _, _ = select.select([self.process.stdout], [], [], 120)
        line = self.process.stdout.readline() if ready else ""
        if not line:
            self.process.kill()
            raise AssertionError(f"{self.var_dir.name} gave no answer:\n{self.log.read_text()}")
        answer = json.loads(line)
        if "error" in answer:
            raise AssertionError(f"{self.var_dir.name}: {name} failed:\n{answer['error']}")
        return answer["result"]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def hosts(tmp_path, make_user, reference_data):
    make_user("mona", Role.MODERATOR)
    started = [Host(tmp_path / "host-a", "mona"), Host(tmp_path / "host-b", "mona")]
    yield started
    for host in started:
        host.close()


@pytest.mark.django_db(transaction=True)
def test_each_host_finds_what_the_other_changed_across_a_rebuild_and_a_lost_index(hosts):
    a, b = hosts
    quokka = a.ask("publish", measure(title="Quokka relay station"))
    assert b.ask("search", "quokka") == [quokka]
    assert a.ask("search", "quokka") == [quokka]

    # Changes the second host has not read yet, a rebuild on the first, one more change:
    # the rebuild must leave the log the second host still needs.
    narwhal = a.ask("publish", measure(title="Narwhal relay station"))
    pangolin = a.ask("publish", measure(title="Pangolin relay station"))
    a.ask("edit", quokka, measure(title="Quokka spectrum"))
    assert a.ask("reindex") == 3
    axolotl = a.ask("publish", measure(title="Axolotl relay station"))
    assert b.ask("search", "relay") == sorted([narwhal, pangolin, axolotl])
    assert b.ask("search", "quokka spectrum") == [quokka]
    assert b.ask("check") == {"missing": [], "stale": []}

    # Changes through the second host reach the first.
    b.ask("archive", narwhal)
    assert a.ask("search", "relay") == sorted([pangolin, axolotl])

    # A host whose index is lost rebuilds it from the records.
    shutil.rmtree(b.var_dir / "search")
    okapi = a.ask("publish", measure(title="Okapi relay station"))
    assert b.ask("search", "relay") == sorted([pangolin, axolotl, okapi])
    assert b.ask("check") == {"missing": [], "stale": []}
    assert a.ask("check") == {"missing": [], "stale": []}


@pytest.mark.django_db(transaction=True)
def test_a_restore_on_one_host_is_followed_by_the_other(hosts, tmp_path):
    a, b = hosts
    kiwi = a.ask("publish", measure(title="Kiwi relay station"))
    a.ask("backup", str(tmp_path / "resilnet.backup"))
    lemur = a.ask("publish", measure(title="Lemur relay station"))
    assert b.ask("search", "relay") == sorted([kiwi, lemur])

    # The restored database counts its ids again from where the backup left them, so the
    # next change takes ids the second host has already applied, of a history now gone.
    a.ask("restore", str(tmp_path / "resilnet.backup"))
    marmot = a.ask("publish", measure(title="Marmot relay station"))
    assert b.ask("search", "lemur") == []
    assert b.ask("search", "marmot") == [marmot]
    assert b.ask("search", "relay") == sorted([kiwi, marmot])


@pytest.mark.django_db(transaction=True)
def test_a_host_whose_mark_is_behind_the_pruned_log_rebuilds(hosts):
    from datetime import timedelta

    from resilnet.catalog.search.segments import writer

    a, b = hosts
    ibis = a.ask("publish", measure(title="Ibis relay station"))
    assert b.ask("search", "relay") == [ibis]
    jackal = a.ask("publish", measure(title="Jackal relay station"))
    koala = a.ask("publish", measure(title="Koala relay station"))
    # Every change so far pruned (a week's retention, shortened): the second host's mark
    # is before what the log still holds, so it must not apply what is left of it.
    assert writer.prune_log(older_than=timedelta(0)) == 3
    lynx = a.ask("publish", measure(title="Lynx relay station"))
    assert b.ask("search", "relay") == sorted([ibis, jackal, koala, lynx])
    assert a.ask("search", "relay") == sorted([ibis, jackal, koala, lynx])
    assert b.ask("check") == {"missing": [], "stale": []}
