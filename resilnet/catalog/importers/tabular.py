"""resilnet's own tabular format, from CSV, XLSX or JSON, with an optional column mapping.

Columns are named after the content they fill: `external_id`, `collection`,
`original_language`, `title`, `summary`, `body` (and `title.fr`, `summary.es`, … for
translations), `countries`, `tags`, `links` (lists separated by `;`), `date`,
`organisation`, `licence`, and `fields.NAME` for a collection's own fields. A mapping
renames the columns of a file made elsewhere: {"Country code": "countries", …}.
JSON may also hold records already shaped as content: [{"external_id": …, "content": {…}}].
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping
from typing import IO, Any, cast

from resilnet.catalog.importers.base import (
    MAX_BYTES,
    Candidate,
    ImportFormatError,
    ParseResult,
    RowError,
    decode,
    open_csv,
)
from resilnet.catalog.schemas import FIELDS_BY_COLLECTION, LANGUAGE_CODES

LIST_COLUMNS = {"countries", "tags", "links"}
TEXT_COLUMNS = {"title", "summary", "body"}
PLAIN_COLUMNS = {"collection", "original_language", "date", "organisation", "licence"}


def _list_fields(collection: str) -> set[str]:
    model = FIELDS_BY_COLLECTION.get(collection)
    if model is None:
        return set()
    return {
        name
        for name, info in model.model_fields.items()
        if getattr(info.annotation, "__origin__", None) is list
    }


def row_to_content(row: Mapping[str, Any]) -> tuple[str, dict[str, Any], list[tuple[str, str]]]:
    """(external id, content dict, [(column, problem)]) for one flat row."""
    problems: list[tuple[str, str]] = []
    language = str(row.get("original_language") or "en").strip()
    collection = str(row.get("collection") or "").strip()
    content: dict[str, Any] = {"collection": collection, "original_language": language}
    fields: dict[str, Any] = {}
    list_fields = _list_fields(collection)
    for column, raw in row.items():
        if column is None:
            problems.append(("", "more cells than columns in the header"))
            continue
        value = "" if raw is None else raw
        text = value.strip() if isinstance(value, str) else value
        base, _, suffix = column.partition(".")
        if column == "external_id" or text in ("", None):
            continue
        if base in TEXT_COLUMNS:
            lang = suffix or language
            if lang not in LANGUAGE_CODES:
                problems.append((column, f"unknown language {lang!r}"))
                continue
            content.setdefault(base, {})[lang] = str(text)
        elif column in LIST_COLUMNS:
            items = [item.strip() for item in str(text).split(";") if item.strip()]
            content[column] = [{"url": item} for item in items] if column == "links" else items
        elif column in PLAIN_COLUMNS:
            content[column] = str(text) if column != "date" else str(text)[:10]
        elif base == "fields" and suffix:
            if suffix in list_fields:
                fields[suffix] = [item.strip() for item in str(text).split(";") if item.strip()]
            else:
                fields[suffix] = text
        else:
            problems.append((column, "unknown column; map it or remove it"))
    content["fields"] = fields
    return str(row.get("external_id") or "").strip(), content, problems


def _mapped(row: dict[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for column, value in row.items():
        target = mapping.get(column, column)
        if target == "":  # mapped to nothing: ignore the column
            continue
        out[target] = value
    return out


def _rows_xlsx(raw: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    from zipfile import BadZipFile

    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except (BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ImportFormatError(
            f"not a readable XLSX workbook ({exc.__class__.__name__})"
        ) from None
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header:
        raise ImportFormatError("the first sheet is empty")
    names = [str(h).strip() if h is not None else "" for h in header]
    for number, values in enumerate(rows, start=2):
        if values is None or all(v in (None, "") for v in values):
            continue
        cells = {}
        for name, value in zip(names, values, strict=False):
            if name:
                cells[name] = value.isoformat()[:10] if hasattr(value, "isoformat") else value
        yield number, cells


def _rows_json(raw: bytes) -> Iterator[tuple[int, dict[str, Any]]]:
    try:
        data = json.loads(decode(raw))
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list):
        raise ImportFormatError('expected a JSON list of records (or {"records": [...]})')
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield number, {"__error__": "each record must be a JSON object"}
        else:
            yield number, item


def parse(
    stream: IO[bytes], *, file_format: str, mapping: Mapping[str, str] | None = None
) -> ParseResult:
    mapping = mapping or {}
    result = ParseResult()
    rows: Iterator[tuple[int, dict[str, Any]]]
    if file_format == "csv":
        _header, rows = open_csv(stream)
    else:
        raw = stream.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise ImportFormatError(f"the file is larger than {MAX_BYTES:,} bytes")
        rows = _rows_xlsx(raw) if file_format == "xlsx" else _rows_json(raw)
    seen: dict[str, int] = {}
    for number, row in rows:
        if "__error__" in row:
            result.errors.append(RowError(number, "", row["__error__"]))
            continue
        content: dict[str, Any]
        problems: list[tuple[str, str]] = []
        if isinstance(row.get("content"), dict):  # already shaped as content
            external_id = str(row.get("external_id") or "")
            content = cast(dict[str, Any], row["content"])
        else:
            external_id, content, problems = row_to_content(_mapped(row, mapping))
        for column, reason in problems:
            result.errors.append(RowError(number, column, reason))
        if problems:
            continue
        if external_id and external_id in seen:
            result.errors.append(
                RowError(number, "external_id", f"duplicate of row {seen[external_id]}")
            )
            continue
        if external_id:
            seen[external_id] = number
        result.candidates.append(Candidate(number, external_id, content))
    if not result.candidates and not result.errors:
        raise ImportFormatError("the file holds no records")
    return result
