"""Attachments: checked by their bytes, limited in size, served as downloads only."""

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
