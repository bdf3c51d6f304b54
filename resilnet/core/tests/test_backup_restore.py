"""Backup and restore round-trip on the configured engine (SQLite here, PostgreSQL in CI)."""

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
