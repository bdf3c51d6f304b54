"""Backup and restore round-trip on the configured engine (SQLite here, PostgreSQL in CI)."""

import io
import tarfile
from pathlib import Path

import pytest

from resilnet.core import backup, services
from resilnet.core.models import AuditEvent, Role, User


@pytest.mark.django_db(transaction=True)
def test_round_trip_brings_back_exactly_the_backed_up_data(tmp_path, make_user):
    make_user("before", Role.ANALYST)
    path = tmp_path / "resilnet.backup"
    assert backup.backup(path) > 0
    events = AuditEvent.objects.count()

    make_user("after", Role.ANALYST)
    assert User.objects.filter(username="after").exists()

    backup.restore(path)

    assert User.objects.filter(username="before").exists()
    assert not User.objects.filter(username="after").exists()
    assert AuditEvent.objects.count() == events
    # The restored database is fully usable, triggers included.
    services.do_create_user(None, username="later", password="a long enough pass 42", roles=[])
    with pytest.raises(Exception, match="append-only"):
        AuditEvent.objects.update(reason="x")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("content", "reason"),
    [(b"", "is not"), (b"hello world, not a backup", "is not"), (b"\x00" * 4096, "is not")],
)
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path, content, reason):
    path = tmp_path / "bad.backup"
    path.write_bytes(content)
    users = User.objects.count()
    with pytest.raises(backup.BackupError, match=reason):
        backup.restore(path)
    assert User.objects.count() == users


@pytest.mark.django_db
def test_restore_refuses_a_missing_file(tmp_path):
    with pytest.raises(backup.BackupError, match="does not exist"):
        backup.restore(tmp_path / "missing")


@pytest.mark.django_db(transaction=True)
def test_a_backup_holds_the_uploaded_files_and_a_restore_puts_them_back(
    tmp_path, settings, make_user
):
    media = Path(settings.MEDIA_ROOT)
    (media / "attachments" / "ab").mkdir(parents=True)
    (media / "attachments" / "ab" / "abcd.pdf").write_bytes(b"%PDF-1.4 kept")
    path = tmp_path / "resilnet.backup"
    backup.backup(path)

    # A fresh data folder: nothing uploaded there yet.
    settings.MEDIA_ROOT = tmp_path / "elsewhere" / "media"
    backup.restore(path)
    restored = Path(settings.MEDIA_ROOT) / "attachments" / "ab" / "abcd.pdf"
    assert restored.read_bytes() == b"%PDF-1.4 kept"


@pytest.mark.django_db(transaction=True)
def test_a_restore_forgets_the_workers_of_the_backup(tmp_path, client):
    services.record_worker_heartbeat("w-then")
    path = tmp_path / "resilnet.backup"
    backup.backup(path)
    backup.restore(path)
    assert client.get("/healthz").json()["worker"]["ok"] is False


@pytest.mark.django_db
@pytest.mark.parametrize("entry", ["media/../../escaped.txt", "media/link"])
def test_restore_refuses_an_archive_with_an_unsafe_entry(tmp_path, settings, entry):
    path = tmp_path / "hostile.backup"
    with tarfile.open(path, "w") as archive:
        for name, data in [("manifest.json", b"{}"), ("database", b"SQLite format 3\x00")]:
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        info = tarfile.TarInfo(entry)
        if entry.endswith("link"):
            info.type, info.linkname = tarfile.SYMTYPE, "/etc/passwd"
        else:
            info.size = 1
        archive.addfile(info, io.BytesIO(b"x") if info.isfile() else None)
    users = User.objects.count()
    with pytest.raises(backup.BackupError, match="unsafe entry"):
        backup.restore(path)
    assert User.objects.count() == users
    assert not (tmp_path / "escaped.txt").exists()
