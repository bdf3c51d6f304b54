"""The first worksheet of an XLSX workbook as rows of cell values, in bounded memory.

An XLSX file is a ZIP archive of XML parts, which makes a small file dangerous twice: a
part can inflate a thousandfold, and XML can declare entities that expand exponentially.
openpyxl's read-only mode streams a sheet's rows, but it keeps a stub of every row and
every shared text it has read until it is done, and reads through every sheet that does
not state its size first; given a 3 to 5 MB workbook whose sheet or shared texts inflate to 1.2 GB,
it was still reading after minutes, past 650 MB. So this module reads what an import
needs and only that: the first worksheet's values, the shared texts, which cell styles
are dates, and the 1900 or 1904 calendar. Before reading, it checks the ZIP's directory
(its size, its number of parts, each part's declared size and compression ratio); then
it parses each part with defusedxml (no DTD, no entity), drops each element as soon as it
is read, and refuses an element that holds too many others or too much text. openpyxl
still supplies the knowledge of the format: which number formats are dates, and Excel's
calendars.

`rows(stream)` yields (row number, {column number: value}), the row and column numbers
as Excel shows them (row 1, column 1 = A), for each row that holds a value.
"""

from __future__ import annotations

import lzma
import posixpath
import re
import zlib
from collections.abc import Iterator
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError
from zipfile import BadZipFile, LargeZipFile, ZipFile

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from resilnet.catalog.importers.base import MAX_BYTES, ImportFormatError

MAX_DIRECTORY_BYTES = 1024 * 1024  # the ZIP's table of contents: some thousands of parts
MAX_PARTS = 1000  # a workbook has some tens
MAX_RATIO = 100  # XML inflates 5 to 30 times; a ZIP bomb a thousand times
RATIO_FROM_BYTES = 1024 * 1024  # smaller parts may be as repetitive as they like
MAX_SHEET_BYTES = 512 * 1024 * 1024
MAX_TEXTS_BYTES = 64 * 1024 * 1024
MAX_TEXTS = 2_000_000
MAX_PART_BYTES = 8 * 1024 * 1024  # relationships, the workbook part and the styles
MAX_ROWS = 1_048_576  # Excel's own limits
MAX_COLUMNS = 16_384
MAX_OPEN_ELEMENTS = 200_000  # elements held at once: a row of 16,384 cells needs ~50,000
MAX_TEXT_RUN = 4 * 1024 * 1024  # bytes read without a tag: Excel's longest text is 128 KB

MAIN_RELATIONSHIPS = "_rels/.rels"
CELL_REFERENCE = re.compile(r"([A-Z]{1,3})(\d{1,7})")
WINDOWS_1900 = 0
MAC_1904 = 1


def rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[int, Any]]]:
    """Rows of the first worksheet; ImportFormatError if the workbook cannot be read safely."""
    try:
        yield from _rows(stream)
    except ImportFormatError:
        raise
    except (
        BadZipFile,
        LargeZipFile,
        zlib.error,  # a damaged deflated part
        lzma.LZMAError,
        EOFError,  # a part cut short
        NotImplementedError,  # a compression method zipfile does not know
        RuntimeError,  # an encrypted part
        OSError,
        ValueError,  # a part name that is not UTF-8, …
    ) as exc:
        raise ImportFormatError(f"not a readable XLSX workbook ({exc})") from None


def _rows(stream: IO[bytes]) -> Iterator[tuple[int, dict[int, Any]]]:
    with _open(stream) as archive:
        workbook_part = _workbook_part(archive)
        folder, name = posixpath.split(workbook_part)
        related = _relationships(archive, posixpath.join(folder, "_rels", name + ".rels"), folder)
        sheet, epoch = _first_worksheet(archive, workbook_part, related)
        if sheet is None:
            raise ImportFormatError("the workbook has no worksheet")
        kinds = {kind: target for kind, target in reversed(related.values())}
        texts = _shared_texts(archive, kinds.get("sharedStrings"))
        dates = _date_styles(archive, kinds.get("styles"))
        _check_size(archive, sheet, MAX_SHEET_BYTES, "the first worksheet")
        yield from _sheet_rows(archive, sheet, texts, dates, epoch)


def _open(stream: IO[bytes]) -> ZipFile:
    """The archive, once its directory and declared sizes are known to be sane."""
    size = stream.seek(0, 2)
    if size > MAX_BYTES:
        raise ImportFormatError(f"the file is {size:,} bytes; the limit is {MAX_BYTES:,}")
    stream.seek(max(0, size - (0xFFFF + 22 + 20 + 56)))
    directory = _directory_size(stream.read())
    if directory > MAX_DIRECTORY_BYTES:
        raise ImportFormatError(
            f"the workbook's ZIP directory is {directory:,} bytes, the limit is "
            f"{MAX_DIRECTORY_BYTES:,}: more parts than a workbook has"
        )
    stream.seek(0)
    archive = ZipFile(stream)
    infos = archive.infolist()
    if len(infos) > MAX_PARTS:
        archive.close()
        raise ImportFormatError(
            f"the workbook holds {len(infos):,} parts; the limit is {MAX_PARTS:,}"
        )
    for info in infos:
        if info.file_size > RATIO_FROM_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1
        ):
            archive.close()
            ratio = info.file_size // max(info.compress_size, 1)
            raise ImportFormatError(
                f"the workbook's part {info.filename} inflates {ratio:,}-fold "
                f"({info.compress_size:,} bytes to {info.file_size:,}); the limit is "
                f"{MAX_RATIO}-fold, and real workbooks stay far below it (a ZIP bomb?)"
            )
    return archive


def _directory_size(tail: bytes) -> int:
    """The size of the ZIP directory recorded at the end of the file, read as zipfile
    reads it (end record without a comment, else the last one; then its ZIP64 form)."""
    end = b"PK\x05\x06"
    if len(tail) >= 22 and tail[-22:-18] == end and tail[-2:] == b"\x00\x00":
        at = len(tail) - 22
    else:
        at = tail.rfind(end)
        if at < 0 or len(tail) - at < 22:
            raise ImportFormatError("not a readable XLSX workbook (not a ZIP archive)")
    size = int.from_bytes(tail[at + 12 : at + 16], "little")
    locator, record = at - 20, at - 20 - 56
    if record >= 0 and tail[locator : locator + 4] == b"PK\x06\x07":
        if tail[record : record + 4] == b"PK\x06\x06":
            size = int.from_bytes(tail[record + 40 : record + 48], "little")
    return size


def _check_size(archive: ZipFile, name: str, limit: int, what: str) -> None:
    size = _part(archive, name).file_size
    if size > limit:
        raise ImportFormatError(
            f"{what} ({name}) inflates to {size:,} bytes; the limit is {limit:,}"
        )


def _part(archive: ZipFile, name: str) -> Any:
    try:
        return archive.getinfo(name)
    except KeyError:
        raise ImportFormatError(f"the workbook names a part {name} that it does not hold") from None


def _workbook_part(archive: ZipFile) -> str:
    for kind, target in _relationships(archive, MAIN_RELATIONSHIPS, "").values():
        if kind == "officeDocument":
            return target
    return "xl/workbook.xml"


def _relationships(archive: ZipFile, path: str, folder: str) -> dict[str, tuple[str, str]]:
    """{id: (kind, part)} of a relationships part (none if the part is missing), the kind
    being the last word of the type ("worksheet", "sharedStrings", "styles", …)."""
    if path not in archive.NameToInfo:
        return {}
    _check_size(archive, path, MAX_PART_BYTES, "a relationships part")
    related: dict[str, tuple[str, str]] = {}
    for _, element in _elements(archive, path, {"Relationships": {"Relationship"}}):
        if element.get("TargetMode") == "External":
            continue
        target = element.get("Target", "")
        if target.startswith("/"):
            target = target.lstrip("/")
        else:
            target = posixpath.normpath(posixpath.join(folder, target))
        kind = element.get("Type", "").rpartition("/")[2]
        related.setdefault(element.get("Id", ""), (kind, target))
    return related


def _first_worksheet(
    archive: ZipFile, workbook_part: str, related: dict[str, tuple[str, str]]
) -> tuple[str | None, int]:
    """The part of the first sheet that is a worksheet (not a chart), and the calendar."""
    _check_size(archive, workbook_part, MAX_PART_BYTES, "the workbook part")
    sheet, epoch = None, WINDOWS_1900
    wanted = {"workbook": {"workbookPr"}, "sheets": {"sheet"}}
    for parent, element in _elements(archive, workbook_part, wanted):
        if parent == "workbook":
            if element.get("date1904", "").lower() in ("1", "true"):
                epoch = MAC_1904
        elif sheet is None:
            identifier = next((v for k, v in element.attrib.items() if k.endswith("}id")), "")
            kind, target = related.get(identifier, ("", ""))
            if kind == "worksheet":
                sheet = target
    return sheet, epoch


def _shared_texts(archive: ZipFile, path: str | None) -> list[str]:
    texts: list[str] = []
    if path is None:
        return texts
    _check_size(archive, path, MAX_TEXTS_BYTES, "the shared texts")
    for _, item in _elements(archive, path, {"sst": {"si"}}):
        if len(texts) == MAX_TEXTS:
            raise ImportFormatError(f"the workbook holds more than {MAX_TEXTS:,} shared texts")
        texts.append(_text(item))
    return texts


def _date_styles(archive: ZipFile, path: str | None) -> bytearray:
    """For each cell style (its index in cellXfs), 1 if it shows numbers as dates."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    dates = bytearray()
    if path is None:
        return dates
    custom = bytearray(65_536)  # the custom number formats that are dates, by id
    _check_size(archive, path, MAX_PART_BYTES, "the styles")
    wanted = {"numFmts": {"numFmt"}, "cellXfs": {"xf"}}
    for parent, element in _elements(archive, path, wanted):
        number = _int(element.get("numFmtId"))
        if parent == "numFmts":
            if 0 <= number < len(custom):
                custom[number] = is_date_format(element.get("formatCode", ""))
        else:
            builtin = BUILTIN_FORMATS.get(number)
            date = (0 <= number < len(custom) and custom[number]) or (
                builtin is not None and is_date_format(builtin)
            )
            dates.append(1 if date else 0)
    return dates


def _sheet_rows(
    archive: ZipFile, path: str, texts: list[str], dates: bytearray, epoch: int
) -> Iterator[tuple[int, dict[int, Any]]]:
    number = 0
    for _, row in _elements(archive, path, {"sheetData": {"row"}}):
        given = row.get("r")
        previous, number = number, _int(given) if given is not None else number + 1
        if not previous < number <= MAX_ROWS:
            if number > MAX_ROWS:
                raise ImportFormatError(
                    f"the sheet has a row {number:,}; a worksheet ends at row {MAX_ROWS:,}"
                )
            raise ImportFormatError(
                f"the sheet's row {number} comes after its row {previous}: rows out of order"
            )
        cells: dict[int, Any] = {}
        column = 0
        for cell in row:
            if _local(cell.tag) != "c":
                continue
            reference = cell.get("r")
            column = _column(reference, number) if reference else column + 1
            if column > MAX_COLUMNS:
                raise ImportFormatError(
                    f"row {number} has a cell beyond column {MAX_COLUMNS:,}, the last one"
                )
            value = _value(cell, texts, dates, epoch, number)
            if value is not None and value != "":
                cells[column] = value
        if cells:
            yield number, cells


def _column(reference: str, row: int) -> int:
    match = CELL_REFERENCE.fullmatch(reference)
    if not match or int(match[2]) != row:
        raise ImportFormatError(f"row {row} has a cell named {reference[:20]!r}")
    column = 0
    for letter in match[1]:
        column = column * 26 + ord(letter) - ord("A") + 1
    return column


def _value(cell: Element, texts: list[str], dates: bytearray, epoch: int, row: int) -> Any:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        inline = next((c for c in cell if _local(c.tag) == "is"), None)
        return _text(inline) if inline is not None else None
    raw = next((c.text for c in cell if _local(c.tag) == "v"), None)
    if raw is None:
        return None
    if kind == "s":
        index = _int(raw)
        if not 0 <= index < len(texts):
            raise ImportFormatError(f"row {row} refers to a shared text {raw[:20]!r} it lacks")
        return texts[index]
    if kind == "b":
        return raw.strip() in ("1", "true")
    if kind != "n":  # "str" (a formula's text), "e" (an error such as #N/A), "d" (ISO 8601)
        return raw
    number = _number(raw)
    if number is None:
        return raw
    style = _int(cell.get("s", "0"))
    if 0 <= style < len(dates) and dates[style]:
        return _date(number, epoch) or number
    return number


def _date(serial: float | int, epoch: int) -> Any:
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_excel

    try:
        return from_excel(serial, CALENDAR_MAC_1904 if epoch == MAC_1904 else CALENDAR_WINDOWS_1900)
    except (ValueError, OverflowError, TypeError):
        return None


def _number(raw: str) -> float | int | None:
    text = raw.strip()
    if len(text) > 40:
        return None
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError:
        return None


def _int(raw: str | None) -> int:
    try:
        return int(raw) if raw is not None and len(raw) <= 20 else -1
    except ValueError:
        return -1


def _text(element: Element) -> str:
    """The text of a shared or inline string: its <t>, or the <t> of each rich-text run
    (<r>); phonetic guides (<rPh>) are not part of it."""
    parts: list[str] = []
    for child in element:
        tag = _local(child.tag)
        if tag == "t":
            parts.append(child.text or "")
        elif tag == "r":
            parts.extend(t.text or "" for t in child if _local(t.tag) == "t")
    return "".join(parts)


def _local(tag: Any) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


class _Counted:
    """A part being read, refusing a run of bytes in which the parser finds no tag."""

    def __init__(self, member: IO[bytes], name: str) -> None:
        self.member, self.name = member, name
        self.read_bytes = self.mark = 0

    def read(self, size: int = -1) -> bytes:
        data = self.member.read(size if size >= 0 else 65_536)
        self.read_bytes += len(data)
        if self.read_bytes - self.mark > MAX_TEXT_RUN:
            raise ImportFormatError(
                f"the workbook's part {self.name} has more than {MAX_TEXT_RUN:,} bytes of "
                "text without a tag"
            )
        return data


def _elements(
    archive: ZipFile, name: str, wanted: dict[str, set[str]]
) -> Iterator[tuple[str, Element]]:
    """(parent tag, element) for each complete element of a part whose tag and parent's tag
    are wanted (by local name), dropping it and everything read before it once the caller
    has it. An element may hold at most MAX_OPEN_ELEMENTS others."""
    with archive.open(_part(archive, name)) as member:
        source = _Counted(member, name)
        open_elements: list[Element] = []
        held = 0
        try:
            for event, element in iterparse(source, events=("start", "end"), forbid_dtd=True):
                source.mark = source.read_bytes
                if event == "start":
                    open_elements.append(element)
                    held += 1
                    if held > MAX_OPEN_ELEMENTS:
                        raise ImportFormatError(
                            f"the workbook's part {name} has an element holding more than "
                            f"{MAX_OPEN_ELEMENTS:,} others"
                        )
                    continue
                open_elements.pop()
                if not open_elements:
                    break
                parent = open_elements[-1]
                parent_tag = _local(parent.tag)
                if parent_tag in wanted or len(open_elements) == 1:
                    if _local(element.tag) in wanted.get(parent_tag, ()):
                        yield parent_tag, element
                    parent.clear()  # the element and every sibling before it
                    held = len(open_elements)
        except DefusedXmlException:
            raise ImportFormatError(
                f"the workbook's part {name} declares a DTD or entities, which a workbook "
                "never does (an XML bomb?)"
            ) from None
        except ParseError as exc:
            raise ImportFormatError(
                f"the workbook's part {name} is not well-formed XML ({exc})"
            ) from None
