"""ACAPS COVID-19 Government Measures dataset (CSV export), as measures.

Columns: ID, COUNTRY, ISO, ADMIN_LEVEL_NAME, PCODE, LOG_TYPE, CATEGORY, MEASURE,
TARGETED_POP_GROUP, COMMENTS, NON_COMPLIANCE, DATE_IMPLEMENTED, SOURCE, SOURCE_TYPE, LINK,
ENTRY_DATE. Column names are matched case-insensitively and without surrounding spaces;
ID, ISO, MEASURE and DATE_IMPLEMENTED are required, the others are optional. ACAPS
publishes the dataset as an .xlsx workbook: save it as CSV first.

One row is one candidate, keyed "acaps:{ID}". Decisions:

* measure_status and phase come from LOG_TYPE: "Phase-out measure" is "expired" and
  "recovery"; anything else ("Introduction / extension of measures", blank) is "in_force"
  and "emergency".
* binding: NON_COMPLIANCE names the penalty for not complying (fines, arrest, …).
  A row is "voluntary" when that column is empty or "Not applicable" (nothing to comply
  with) or when MEASURE is a recommendation ("General recommendations"); otherwise
  "mandatory", including "Not available", which means the penalty is unknown, not that
  there is none.
* category: ACAPS categories (public health, social distancing, movement restrictions,
  governance and socio-economic, lockdown, humanitarian exemption) are not ICT measures,
  so they map to "other" and are kept as a tag. A row becomes an ICT category only on
  explicit words (`CONSUMER_WORDS` → "consumer_protection", checked first, then
  `NETWORK_WORDS` → "network_resilience") in MEASURE or COMMENTS; bare "internet" and
  "mobile" count only in MEASURE, because comments use them for other things ("mobile
  testing units", "published on the internet").
* DATE_IMPLEMENTED accepts 2020-03-12, 12/03/2020 (day first, as ACAPS writes it) and
  "2020-03-12 00:00:00" (Excel); blank means no date, anything else is a row error.
* LINK: each http(s) URL in it becomes a source and a link labelled with SOURCE; any other
  text in LINK is kept in the summary ("Source: …").
* tags: "acaps", the CATEGORY as a slug, "subnational" when ADMIN_LEVEL_NAME is set,
  "targeted" when TARGETED_POP_GROUP is "Yes" (or the group's name as a slug, and as the
  stakeholder, when the cell names a group).
* authority_type is "other": ACAPS does not say which authority decided.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import IO, Any

from django.utils.text import slugify

from resilnet.catalog.importers.base import (
    Candidate,
    ImportFormatError,
    ParseResult,
    RowError,
    first_duplicate,
    open_csv,
    require_columns,
)
from resilnet.catalog.taxonomy import Binding, MeasureCategory, MeasureStatus, Phase

REQUIRED = {"ID", "ISO", "MEASURE", "DATE_IMPLEMENTED"}
IDENTIFIER = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
URL = re.compile(r"^https?://[^\s<>\"]+$")
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d/%m/%Y %H:%M")

SUMMARY_CHARS = 5000
BODY_CHARS = 100_000
TITLE_CHARS = 500

NO_PENALTY = frozenset({"", "not applicable", "n/a", "na", "none"})
CONSUMER_WORDS = re.compile(
    r"zero[- ]rat|data bundle|free data|airtime|"
    r"\b(?:internet|phone|telephone|mobile|telecom\w*) bills?\b",
    re.IGNORECASE,
)
NETWORK_WORDS = re.compile(
    r"broadband|telecom|internet service provider|internet traffic|bandwidth|"
    r"mobile network|network operator",
    re.IGNORECASE,
)
MEASURE_ONLY_NETWORK_WORDS = re.compile(r"\binternet\b|\bmobile\b", re.IGNORECASE)


def parse(stream: IO[bytes]) -> ParseResult:
    result = ParseResult()
    header, rows = open_csv(stream, result)
    names = {column: " ".join(column.split()).upper() for column in header}
    duplicate = first_duplicate(names.values())
    if duplicate is not None:
        raise ImportFormatError(f"row 1: the column {duplicate!r} appears twice")
    require_columns(set(names.values()), REQUIRED, "ACAPS government measures")
    spelt = {name: column for column, name in names.items()}  # errors name the file's column

    first_row: dict[str, int] = {}
    for number, raw_row, cells in rows:
        row = {names.get(column, column): value for column, value in raw_row.items()}
        errors: list[RowError] = []

        identifier = row.get("ID", "")
        if re.fullmatch(r"\d+\.0+", identifier):  # an integer that went through Excel
            identifier = identifier.split(".")[0]
        if not identifier:
            errors.append(RowError(number, "ID", "the ID is missing"))
        elif not IDENTIFIER.match(identifier):
            errors.append(RowError(number, "ID", f"{_show(identifier)} is not an ID"))
        elif identifier in first_row:
            errors.append(
                RowError(
                    number, "ID", f"ID {identifier} already appears on row {first_row[identifier]}"
                )
            )
        else:
            first_row[identifier] = number

        if not row.get("MEASURE"):
            errors.append(RowError(number, "MEASURE", "the measure is missing"))
        country = row.get("ISO", "").upper()
        if not COUNTRY_CODE.match(country):
            errors.append(RowError(number, "ISO", f"{_show(country)} is not a 3-letter ISO code"))
        raw_date = row.get("DATE_IMPLEMENTED", "")
        date = _parse_date(raw_date)
        if raw_date and date is None:
            errors.append(
                RowError(
                    number,
                    "DATE_IMPLEMENTED",
                    f"{_show(raw_date)} is not a date like 2020-03-12 or 12/03/2020",
                )
            )
        if errors:
            result.errors.extend(
                RowError(e.row, spelt.get(e.column, e.column), e.reason, cells) for e in errors
            )
            continue
        content = _content(row, country, date)
        result.candidates.append(Candidate(number, f"acaps:{identifier}", content, cells))
    return result


def _content(row: dict[str, str], country: str, date: dt.date | None) -> dict[str, Any]:
    measure = row["MEASURE"]
    comments = row.get("COMMENTS", "")
    phase_out = re.sub(r"[^a-z]", "", row.get("LOG_TYPE", "").lower()).startswith("phaseout")

    place = row.get("COUNTRY") or country
    if row.get("ADMIN_LEVEL_NAME"):
        place = f"{row['ADMIN_LEVEL_NAME']} ({place})"
    title = f"{place}: {measure}" + (" — phase-out" if phase_out else "")

    urls: list[str] = []
    other_link_text: list[str] = []
    for token in row.get("LINK", "").split():
        if not token:
            continue
        if URL.match(token) and len(token) <= 2000:
            if token not in urls and len(urls) < 20:
                urls.append(token)
        else:
            other_link_text.append(token)

    summary = comments
    if other_link_text:
        summary = (summary + "\n\n" if summary else "") + "Source: " + " ".join(other_link_text)
    if not summary:
        summary = f"{measure} in {place}, as recorded by ACAPS."

    tags = ["acaps"]
    category_tag = slugify(row.get("CATEGORY", ""))[:60].strip("-")
    if category_tag:
        tags.append(category_tag)
    if row.get("ADMIN_LEVEL_NAME"):
        tags.append("subnational")
    group = row.get("TARGETED_POP_GROUP", "")
    stakeholder = ""
    if group.lower() in ("yes", "y", "true", "1"):
        tags.append("targeted")
    elif group and group.lower() not in ("no", "n", "false", "0", "not applicable"):
        stakeholder = _clip(group, 300)
        group_tag = slugify(group)[:60].strip("-")
        if group_tag:
            tags.append(group_tag)

    penalty = row.get("NON_COMPLIANCE", "").lower()
    recommendation = "recommend" in measure.lower()
    binding = Binding.VOLUNTARY if penalty in NO_PENALTY or recommendation else Binding.MANDATORY

    iso_date = date.isoformat() if date else None
    label = _clip(row.get("SOURCE", ""), 200)
    content: dict[str, Any] = {
        "collection": "measure",
        "original_language": "en",
        "title": {"en": _clip(title, TITLE_CHARS)},
        "summary": {"en": _clip(summary, SUMMARY_CHARS)},
        "countries": [country],
        "tags": tags,
        "links": [{"url": url, "label": label} for url in urls],
        "date": iso_date,
        "fields": {
            "code": "",
            "authority": "",
            "authority_type": "other",
            "stakeholder": stakeholder,
            "category": _category(measure, comments).value,
            "phase": (Phase.RECOVERY if phase_out else Phase.EMERGENCY).value,
            "binding": binding.value,
            "measure_status": (
                MeasureStatus.EXPIRED if phase_out else MeasureStatus.IN_FORCE
            ).value,
            "effective_on": iso_date,
            "sources": urls,
        },
    }
    if len(summary) > SUMMARY_CHARS:
        content["body"] = {"en": _clip(summary, BODY_CHARS)}
    return content


def _category(measure: str, comments: str) -> MeasureCategory:
    text = f"{measure}\n{comments[:BODY_CHARS]}"
    if CONSUMER_WORDS.search(text):
        return MeasureCategory.CONSUMER_PROTECTION
    if NETWORK_WORDS.search(text) or MEASURE_ONLY_NETWORK_WORDS.search(measure):
        return MeasureCategory.NETWORK_RESILIENCE
    return MeasureCategory.OTHER


def _parse_date(raw: str) -> dt.date | None:
    for pattern in DATE_FORMATS:
        try:
            date = dt.datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
        return date if date.year >= 1900 else None
    return None


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _show(value: str) -> str:
    """A cell value quoted for a message, shortened."""
    return repr(_clip(value, 40)) if value else "an empty value"
