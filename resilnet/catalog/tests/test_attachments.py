"""Attachments: checked by their bytes, limited in size, served as downloads only."""

import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from resilnet.catalog import attachments, services
from resilnet.catalog.models import Attachment
from resilnet.catalog.tests.conftest import measure

PDF = b"%PDF-1.7\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def record(contributor):
    return services.do_create_record(contributor, measure())


def test_a_pdf_is_attached_and_named_by_its_type(record, contributor):
    attachment = services.do_add_attachment(contributor, record, "decision.exe", PDF)
    assert attachment.mime_type == "application/pdf"
    assert attachment.name == "decision.pdf"
    assert attachment.file.read() == PDF


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("page.pdf", b"<html><script>alert(1)</script></html>", "not an accepted type"),
        ("image.png", b"<svg onload=alert(1)>", "not an accepted type"),
        ("archive.zip", b"PK\x03\x04" + b"\x00" * 100, "damaged ZIP"),
        ("empty.pdf", b"", "empty"),
        ("binary.bin", b"\x00\x01\x02" * 100, "not an accepted type"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused(record, contributor, name, data, reason):
    with pytest.raises(ValidationError, match=reason):
        services.do_add_attachment(contributor, record, name, data)
    assert not Attachment.objects.exists()


def test_an_oversized_file_is_refused(record, contributor, monkeypatch):
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 100)
    with pytest.raises(ValidationError, match="larger than"):
        services.do_add_attachment(contributor, record, "big.pdf", PDF + b" " * 200)


def test_others_cannot_attach(record, make_user):
    with pytest.raises(PermissionDenied):
        services.do_add_attachment(make_user("olga", "Contributor"), record, "x.pdf", PDF)


def test_an_office_document_is_recognised(record, contributor, tmp_path):
    from openpyxl import Workbook

    path = tmp_path / "sheet.xlsx"
    Workbook().save(path)
    attachment = services.do_add_attachment(contributor, record, "sheet.xlsx", path.read_bytes())
    assert attachment.extension == "xlsx"


def test_download_is_forced_and_sandboxed(client, contributor, moderator, record):
    attachment = services.do_add_attachment(contributor, record, "a.png", PNG)
    assert client.get(f"/catalog/attachments/{attachment.pk}/").status_code == 404  # draft
    services.do_submit(contributor, record)
    services.do_publish(moderator, record)
    response = client.get(f"/catalog/attachments/{attachment.pk}/")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_missing_file_answers_404(client, contributor, moderator, record):
    from django.core.files.storage import default_storage

    attachment = services.do_add_attachment(contributor, record, "a.png", PNG)
    services.do_submit(contributor, record)
    services.do_publish(moderator, record)
    default_storage.delete(attachment.file.name)  # e.g. restored from an older backup
    response = client.get(f"/catalog/attachments/{attachment.pk}/")
    assert response.status_code == 404
    assert "This file is missing from the server." in response.content.decode()


def test_upload_through_the_page(client, contributor, record, monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(contributor)
    client.post(
        f"/catalog/records/{record.pk}/attachments",
        {"file": SimpleUploadedFile("d.pdf", PDF, content_type="application/pdf")},
    )
    assert Attachment.objects.count() == 1
    monkeypatch.setattr(attachments, "MAX_ATTACHMENT_BYTES", 10)
    response = client.post(
        f"/catalog/records/{record.pk}/attachments",
        {"file": SimpleUploadedFile("d.pdf", PDF, content_type="application/pdf")},
    )
    assert response.status_code == 413
    assert Attachment.objects.count() == 1


def _stored(attachment):
    from django.core.files.storage import default_storage

    return default_storage.exists(attachment.file.name)


def test_removing_an_attachment_deletes_its_file_once_committed(
    record, contributor, django_capture_on_commit_callbacks
):
    kept = services.do_add_attachment(contributor, record, "a.pdf", PDF)
    gone = services.do_add_attachment(contributor, record, "b.pdf", PDF)  # same bytes
    assert kept.file.name != gone.file.name
    assert _stored(gone)
    with django_capture_on_commit_callbacks(execute=True):
        services.do_remove_attachment(contributor, gone)
    assert not _stored(gone)
    assert _stored(kept)
    assert kept.file.read() == PDF


def test_a_removal_that_rolls_back_keeps_the_file(record, contributor, monkeypatch):
    from django.db import transaction

    attachment = services.do_add_attachment(contributor, record, "a.pdf", PDF)
    pk = attachment.pk
    monkeypatch.setattr(services.attachments, "record_audit", _fail)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.do_remove_attachment(contributor, attachment)
    assert Attachment.objects.get(pk=pk).file.read() == PDF


def _fail(*args, **kwargs):
    raise RuntimeError("the audit log is unavailable")


def _orphan(settings, name: str, age_hours: float) -> Path:
    path = Path(settings.MEDIA_ROOT) / "catalog" / "zz" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    when = time.time() - age_hours * 3600
    os.utime(path, (when, when))
    return path


def test_collect_files_deletes_old_unused_files_only(record, contributor, settings):
    used = services.do_add_attachment(contributor, record, "a.pdf", PDF)
    used_path = Path(used.file.path)
    os.utime(used_path, (time.time() - 86400, time.time() - 86400))
    old = _orphan(settings, "old.pdf", age_hours=5)
    young = _orphan(settings, "young.pdf", age_hours=0.1)
    outside = Path(settings.MEDIA_ROOT) / "elsewhere.pdf"
    outside.write_bytes(PDF)
    os.utime(outside, (time.time() - 86400, time.time() - 86400))

    listed = services.collect_attachment_files(dry_run=True)
    assert listed == [("catalog/zz/old.pdf", len(PDF))]
    assert old.exists()
    assert services.collect_attachment_files() == listed
    assert not old.exists()
    assert young.exists()
    assert used_path.exists()
    assert outside.exists()
    assert services.collect_attachment_files(older_than=timedelta(0)) == [
        ("catalog/zz/young.pdf", len(PDF))
    ]
    assert used.file.read() == PDF


def test_collect_files_from_the_command_line(settings, capsys, db):
    from resilnet.cli import main

    old = _orphan(settings, "old.pdf", age_hours=5)
    assert main(["catalog", "collect-files", "--dry-run"]) == 0
    assert "would delete 1 unused attachment files" in capsys.readouterr().out
    assert old.exists()
    assert main(["catalog", "collect-files"]) == 0
    assert "deleted 1 unused attachment files" in capsys.readouterr().out
    assert not old.exists()
    assert main(["catalog", "collect-files", "--min-age-hours", "-1"]) == 2
    assert "--min-age-hours" in capsys.readouterr().err
