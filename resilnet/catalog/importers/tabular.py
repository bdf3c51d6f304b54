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
from collections.abc import Iterable, Iterator, Mapping
from typing import IO, Any, cast

from resilnet.catalog.importers import xlsx
from resilnet.catalog.importers.base import (
    MAX_BYTES,
    Candidate,
    Cells,
    ImportFormatError,
    ParseResult,
    RowError,
    decode,
    first_duplicate,
    open_csv,
)
from resilnet.catalog.schemas import FIELDS_BY_COLLECTION, LANGUAGE_CODES

LIST_COLUMNS = {"countries", "tags", "links"}
TEXT_COLUMNS = {"title", "summary", "body"}
PLAIN_COLUMNS = {"collection", "original_language", "date", "organisation", "licence"}
KNOWN_COLUMNS = (  # every plain column, in the order messages name them
    "external_id",
    "collection",
    "original_language",
    "title",
    "summary",
    "body",
    "countries",
    "tags",
    "links",
    "date",
    "organisation",
    "licence",
)


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


def _is_known(column: str) -> bool:
    base, _, suffix = column.partition(".")
    return (
        column in KNOWN_COLUMNS
        or (base in TEXT_COLUMNS and suffix in LANGUAGE_CODES)
        or (base == "fields" and bool(suffix))
    )


def _require_a_known_column(header: Iterable[str], mapping: Mapping[str, str]) -> None:
    """A file none of whose columns this format knows is not in it at all (a file of
    another kind, a header row missing, or columns still to be mapped)."""
    names = [str(name) for name in header]
    if not any(_is_known(mapping.get(name, name)) for name in names):
        shown = ", ".join(repr(name[:40]) for name in names[:5]) + (", …" if len(names) > 5 else "")
        raise ImportFormatError(
            f"no column of the file is one this format knows (found {shown}); expected "
            f"{', '.join(KNOWN_COLUMNS)}, title.fr and so on for translations, or fields.NAME; "
            "rename other columns with a column mapping"
        )


def _rows_xlsx(
    stream: IO[bytes], result: ParseResult, mapping: Mapping[str, str]
) -> Iterator[tuple[int, dict[str, Any], Cells]]:
    rows = xlsx.rows(stream if stream.seekable() else io.BytesIO(stream.read(MAX_BYTES + 1)))
    first = next(rows, None)
    if first is None:
        raise ImportFormatError("the first sheet is empty")
    number, header = first
    if number != 1:
        raise ImportFormatError("row 1 of the first sheet is empty: it must name the columns")
    names = {column: str(name).strip() for column, name in header.items() if str(name).strip()}
    duplicate = first_duplicate(names.values())
    if duplicate is not None:
        raise ImportFormatError(f"row 1: the column {duplicate!r} appears twice")
    _require_a_known_column(names.values(), mapping)
    width = max(names, default=0)
    result.columns = tuple(names.get(column, "") for column in range(1, width + 1))
    for number, values in rows:
        cells = tuple(_cell(values.get(column)) for column in range(1, width + 1))
        row = {name: cells[column - 1] for column, name in names.items()}
        if any(value not in (None, "") for value in row.values()):
            yield number, row, cells


def _cell(value: Any) -> Any:
    """A cell's value as the catalog takes it: a date as its day, 2020-03-20."""
    return value.isoformat()[:10] if hasattr(value, "isoformat") else value


def _rows_json(
    stream: IO[bytes], mapping: Mapping[str, str]
) -> Iterator[tuple[int, dict[str, Any], Cells]]:
    raw = stream.read(MAX_BYTES + 1)
    if len(raw) > MAX_BYTES:
        raise ImportFormatError(f"the file is larger than {MAX_BYTES:,} bytes")
    try:
        data = json.loads(decode(raw))
    except json.JSONDecodeError as exc:
        raise ImportFormatError(
            f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}"
        ) from None
    except RecursionError:
        raise ImportFormatError("the JSON is nested too deeply to be records") from None
    except ValueError:  # Python refuses integers of more than 4,300 digits
        raise ImportFormatError("the JSON holds a number too long to read") from None
    del raw
    if isinstance(data, dict) and isinstance(data.get("records"), list):
        data = data["records"]
    if not isinstance(data, list):
        raise ImportFormatError('expected a JSON list of records (or {"records": [...]})')
    records = [item for item in data if isinstance(item, dict)]
    if data and not records:
        raise ImportFormatError("no record of the list is a JSON object")
    keys = dict.fromkeys(key for item in records for key in item)
    if records and "content" not in keys:  # records shaped as content need no column
        _require_a_known_column(keys, mapping)
    del records, keys
    for number, item in enumerate(data, start=1):
        if not isinstance(item, dict):
            yield number, {"__error__": "each record must be a JSON object"}, ()
        else:
            yield number, item, item


def parse(
    stream: IO[bytes], *, file_format: str, mapping: Mapping[str, str] | None = None
) -> ParseResult:
    mapping = mapping or {}
    result = ParseResult()
    rows: Iterator[tuple[int, dict[str, Any], Cells]]
    if file_format == "csv":
        header, rows = open_csv(stream, result)
        _require_a_known_column(header, mapping)
    elif file_format == "xlsx":
        rows = _rows_xlsx(stream, result, mapping)
    else:
        rows = _rows_json(stream, mapping)
    seen: dict[str, int] = {}
    for number, row, cells in rows:
        if "__error__" in row:
            result.errors.append(RowError(number, "", row["__error__"], cells))
            continue
        content: dict[str, Any]
        problems: list[tuple[str, str]] = []
        if isinstance(row.get("content"), dict):  # already shaped as content
            external_id = str(row.get("external_id") or "")
            content = cast(dict[str, Any], row["content"])
        else:
            external_id, content, problems = row_to_content(_mapped(row, mapping))
        for column, reason in problems:
            result.errors.append(RowError(number, column, reason, cells))
        if problems:
            continue
        if external_id and external_id in seen:
            result.errors.append(
                RowError(number, "external_id", f"duplicate of row {seen[external_id]}", cells)
            )
            continue
        if external_id:
            seen[external_id] = number
        result.candidates.append(Candidate(number, external_id, content, cells))
    if not result.candidates and not result.errors:
        raise ImportFormatError("the file holds no records")
    return result
