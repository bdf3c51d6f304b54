"""Files made to break an importer, built small on disk: XLSX workbooks whose sheet is a
zip bomb, an XML entity bomb or broken XML, and JSON nested too deep to read."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable

SHEET = "xl/worksheets/sheet1.xml"
SHEET_OPEN = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b"<sheetData>"
)
SHEET_CLOSE = b"</sheetData></worksheet>"


def row(*cells: str) -> bytes:
    return (
        b"<row>"
        + b"".join(f'<c t="inlineStr"><is><t>{cell}</t></is></c>'.encode() for cell in cells)
        + b"</row>"
    )


def sheet(*rows: bytes, prolog: bytes = b"") -> bytes:
    """A worksheet part; `prolog` goes before the root element (a DOCTYPE)."""
    head = SHEET_OPEN.replace(b"<worksheet", prolog + b"<worksheet", 1)
    return head + b"".join(rows) + SHEET_CLOSE


def workbook(
    sheet_xml: bytes | Iterable[bytes] | None = None,
    *,
    replace: dict[str, bytes] | None = None,
    drop: Iterable[str] = (),
) -> bytes:
    """A workbook saved by openpyxl whose first sheet is `sheet_xml` (bytes, or chunks
    written one after the other so that a huge sheet never sits in memory), with parts
    replaced or dropped."""
    from openpyxl import Workbook

    plain = io.BytesIO()
    Workbook().save(plain)
    replace = dict(replace or {})
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            if info.filename in drop:
                continue
            data = replace.pop(info.filename, None)
            target.writestr(info, source.read(info) if data is None else data)
        for name, data in replace.items():
            target.writestr(name, data)
    if sheet_xml is None:
        return out.getvalue()
    return with_part(out.getvalue(), SHEET, sheet_xml)


def with_part(
    base: bytes, name: str, data: bytes | Iterable[bytes], *, relationship: str = ""
) -> bytes:
    """The workbook `base` with its part `name` replaced or added, deflated as it is
    written (bytes, or chunks written one after the other so that a huge part never sits
    in memory); `relationship` ("sharedStrings", …) also declares a new part."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(base)) as source,
        zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target,
    ):
        for info in source.infolist():
            if info.filename == name:
                continue
            content = source.read(info)
            if relationship and info.filename == "xl/_rels/workbook.xml.rels":
                content = content.replace(
                    b"</Relationships>",
                    f'<Relationship Id="rIdAdded" Target="/{name}" Type="http://schemas.'
                    f'openxmlformats.org/officeDocument/2006/relationships/{relationship}"/>'
                    "</Relationships>".encode(),
                )
            if relationship and info.filename == "[Content_Types].xml":
                content_type = CONTENT_TYPES[relationship]
                content = content.replace(
                    b"</Types>",
                    f'<Override PartName="/{name}" ContentType="{content_type}"/></Types>'.encode(),
                )
            target.writestr(info, content)
        chunks = [data] if isinstance(data, bytes) else data
        with target.open(name, "w", force_zip64=True) as member:
            for chunk in chunks:
                member.write(chunk)
    return out.getvalue()


CONTENT_TYPES = {
    "sharedStrings": "application/vnd.openxmlformats-officedocument.spreadsheetml."
    "sharedStrings+xml",
}


def xlsx_bomb(inflated_bytes: int) -> bytes:
    """A workbook whose sheet inflates to about `inflated_bytes`: a header, then the same
    record over and over, each row a candidate for the importer. The repeated block fits
    deflate's 32 KB window, so it shrinks about a thousandfold."""
    body = row("b", "measure", "Zero-rating of health sites", "KEN") * 100

    def chunks() -> Iterable[bytes]:
        yield SHEET_OPEN + row("external_id", "collection", "title", "countries")
        for _ in range(max(1, inflated_bytes // len(body))):
            yield body
        yield SHEET_CLOSE

    return workbook(chunks())


def billion_laughs(levels: int = 9) -> bytes:
    """A sheet whose one cell is an entity that expands to 10**levels "lol"s."""
    entities = [b'<!ENTITY lol0 "lol">']
    entities += [
        f'<!ENTITY lol{n} "{f"&lol{n - 1};" * 10}">'.encode() for n in range(1, levels + 1)
    ]
    doctype = b"<!DOCTYPE worksheet [" + b"".join(entities) + b"]>"
    return workbook(sheet(row("title"), row(f"&lol{levels};"), prolog=doctype))


def undefined_entity() -> bytes:
    return workbook(sheet(row("title"), row("&nowhere;")))


def malformed_sheet() -> bytes:
    return workbook(SHEET_OPEN + b"<row><c t='inlineStr'><is><t>title</t></is></row>")


def no_worksheet() -> bytes:
    """A workbook whose workbook part lists no sheet."""
    return workbook(
        replace={
            "xl/workbook.xml": b'<workbook xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main"><sheets/></workbook>'
        },
        drop=[SHEET],
    )


def deep_json(depth: int = 100_000) -> bytes:
    return b"[" * depth + b"]" * depth
