"""What an uploaded attachment really is, judged by its first bytes, not its name."""

from __future__ import annotations

import io
import zipfile

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024

# (signature at offset 0, MIME type, extension). Sources: each format's specification
# (PDF 1.7 §7.5.2, PNG §5.2, JFIF, GIF89a, RIFF/WebP, ID3v2, ISO/IEC 14496-12 for MP4).
SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"%PDF-", "application/pdf", "pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"GIF87a", "image/gif", "gif"),
    (b"GIF89a", "image/gif", "gif"),
    (b"ID3", "audio/mpeg", "mp3"),
    (b"\xff\xfb", "audio/mpeg", "mp3"),
    (b"\xff\xf3", "audio/mpeg", "mp3"),
)
OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "xl/": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
}


class AttachmentRefused(Exception):
    pass


def sniff(head: bytes, whole: bytes | None = None) -> tuple[str, str]:
    """(MIME type, extension) of an allowed file, or AttachmentRefused saying why not."""
    for signature, mime, extension in SIGNATURES:
        if head.startswith(signature):
            return mime, extension
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp", "webp"
    if head[4:8] == b"ftyp":
        return "video/mp4", "mp4"
    if head.startswith(b"PK\x03\x04") and whole is not None:
        try:
            names = zipfile.ZipFile(io.BytesIO(whole)).namelist()
        except zipfile.BadZipFile:
            raise AttachmentRefused("a damaged ZIP archive") from None
        if "[Content_Types].xml" in names:
            for prefix, kind in OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return kind
        raise AttachmentRefused("a ZIP archive; only Office documents are accepted")
    if b"\x00" not in head[:4096]:
        try:
            text = head[:4096].decode("utf-8")
        except UnicodeDecodeError:
            text = ""
        lowered = text.lstrip().lower()
        if text and not lowered.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script")):
            return "text/plain", "txt"
    raise AttachmentRefused(
        "not an accepted type (PDF, images, MP3, MP4, Office documents, plain text)"
    )
