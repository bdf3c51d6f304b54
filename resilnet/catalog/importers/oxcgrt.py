"""Oxford COVID-19 Government Response Tracker (OxCGRT) CSV files, as measures.

An OxCGRT file holds one row per jurisdiction and day, with one column per policy
indicator ("C1_School closing"), an optional flag ("C1_Flag") and, in the "withnotes"
releases, a note ("C1_Notes"). Releases differ in their columns: early files have no
RegionName/Jurisdiction, later ones split the C and H indicators by vaccination status
("C1E_", "C1NV_", "C1V_", "C1M_"). Indicator columns are therefore found by pattern:
a letter C, E or H, a number and an optional variant (E = everyone, NV = non-vaccinated,
V = vaccinated, M = the majority), or V, a number and an optional letter (V2A … V2G are
separate vaccine indicators, not variants); then "_" and the indicator's name. V1 to V4
are read from their "(summary)" columns only, not from the one-column-per-population-group
layout of the vaccines_full files. Everything else (indices, case counts, M1_Wildcard,
"…_combined" columns) is ignored. Differentiated releases have one notes column per
indicator ("C1_Notes"), which is read for each of its variants.

What one candidate is. A measure is a change, counted as OxCGRT's change log does: each
(jurisdiction, indicator) series is walked in date order (the file need not be sorted)
and a candidate is emitted whenever the (level, flag, note) tuple differs from the
previous day's. Decisions made on top of that rule:

* A blank level is a day without data: it carries nothing, is not a change, and the next
  day is compared with the last day that had data.
* OxCGRT writes a note on the day a policy changes and leaves the cell blank afterwards,
  so a blank note keeps the previous note; only a new, different note is a change. The
  candidate's summary uses that day's own note, never one carried from an earlier day.
* A series that starts at level 0 starts from "no measure": level 0 (with or without a
  note) is not emitted until the indicator has once been above 0. This departs from
  "the first non-empty value is a change", which would turn the baseline of every
  indicator in every jurisdiction into a record saying nothing is in force. Level 0
  after a non-zero level is emitted, with measure_status "expired".
* E3, E4, H4 and H5 are amounts in US dollars announced on a day, not a state: every day
  with a positive amount is one candidate (status "in_force"); 0 is not a change.
* V indicators hold summaries whose coding changed between releases (V2B and V2C are age
  bands written as text), so their values are compared as text and not range-checked.

Field mapping decisions:

* binding: the flag does not say whether a measure binds (for C, H1, H6 and H8 it means
  general (1) or targeted (0), for E1 all workers or one sector only, for H7 free or at
  a cost), so the flag goes into tags and the title. Bindingness is read from the level
  instead: OxCGRT's scales for containment indicators start with "recommended" and go on
  to "required", so `MANDATORY_FROM` gives the first level that is a requirement (and V4,
  a vaccination mandate, is mandatory at 1); every other indicator (economic support,
  testing, campaigns, vaccine availability) keeps "voluntary", since it is a government
  programme rather than an obligation on the public.
* category: the catalog's categories describe ICT measures and OxCGRT codes public-health
  measures, so everything is "other" except the small table `CATEGORY_BY_INDICATOR`.
* authority_type is "other": OxCGRT does not name the deciding authority, and the
  schema's default ("regulator") would be wrong for nearly every row.
* stakeholder names the population a vaccine-status variant applies to.
* URLs found in a note become the measure's sources.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from resilnet.catalog.importers.base import (
    Candidate,
    ImportFormatError,
    ParseResult,
    RowError,
    open_csv,
    require_columns,
)
from resilnet.catalog.taxonomy import Binding, MeasureCategory, MeasureStatus

INDICATOR_COLUMN = re.compile(
    r"^(?P<code>(?P<base>[CEH]\d{1,2})(?P<variant>NV|E|V|M)?|(?P<vbase>V\d{1,2}[A-Z]?))"
    r"_(?P<name>.+)$"
)
COUNTRY_CODE = re.compile(r"^[A-Z]{3}$")
REGION_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,30}$")
JURISDICTION = re.compile(r"^[A-Z_]{1,30}$")
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'\])]+")

SUMMARY_CHARS = 5000
BODY_CHARS = 100_000
TITLE_CHARS = 500

# Level wording per indicator (own paraphrase of the OxCGRT codebook); the number of
# levels is also the valid range, 0 to len - 1.
LEVELS: dict[str, tuple[str, ...]] = {
    "C1": (
        "no measures",
        "closing recommended, or open with changes",
        "closing required for some levels",
        "closing required for all levels",
    ),
    "C2": (
        "no measures",
        "closing or working from home recommended",
        "closing required for some sectors",
        "closing required for all but essential workplaces",
    ),
    "C3": ("no measures", "cancelling recommended", "cancelling required"),
    "C4": (
        "no restrictions",
        "gatherings above 1000 people restricted",
        "gatherings of 101 to 1000 people restricted",
        "gatherings of 11 to 100 people restricted",
        "gatherings of 10 people or fewer restricted",
    ),
    "C5": ("no measures", "closing or reduced service recommended", "closing required"),
    "C6": (
        "no measures",
        "staying at home recommended",
        "staying at home required, with exceptions for essential trips",
        "staying at home required, with minimal exceptions",
    ),
    "C7": ("no measures", "not travelling recommended", "internal movement restricted"),
    "C8": (
        "no measures",
        "arrivals screened",
        "arrivals quarantined",
        "arrivals from some regions banned",
        "all arrivals banned, or borders closed",
    ),
    "E1": (
        "no income support",
        "less than half of lost income replaced",
        "half or more of lost income replaced",
    ),
    "E2": ("no relief", "narrow relief for some contracts", "broad debt or contract relief"),
    "H1": (
        "no campaign",
        "officials urging caution",
        "coordinated public information campaign",
    ),
    "H2": (
        "no testing policy",
        "testing of symptomatic people meeting specific criteria",
        "testing of anyone with symptoms",
        "open public testing",
    ),
    "H3": ("no contact tracing", "limited contact tracing", "contact tracing of all cases"),
    "H6": (
        "no policy",
        "face coverings recommended",
        "face coverings required in some public spaces",
        "face coverings required in all shared public spaces",
        "face coverings required outside the home at all times",
    ),
    "H7": (
        "no availability",
        "available to one of key workers, the clinically vulnerable or the elderly",
        "available to two of those groups",
        "available to all three groups",
        "available to all three groups and partly to others",
        "universally available",
    ),
    "H8": (
        "no measures",
        "isolation or visitor limits recommended",
        "narrow restrictions",
        "extensive restrictions",
    ),
}
MONEY_INDICATORS = frozenset({"E3", "E4", "H4", "H5"})

# The first level of the scale that is a requirement rather than a recommendation.
MANDATORY_FROM: dict[str, int] = {
    "C1": 2,
    "C2": 2,
    "C3": 2,
    "C4": 1,  # every level restricts gatherings by law
    "C5": 2,
    "C6": 2,
    "C7": 2,
    "C8": 1,  # screening, quarantine and bans all apply to every arrival
    "H6": 2,
    "H8": 2,
    "V4": 1,  # a requirement to be vaccinated for one or more groups
}

# Kept deliberately small. H1 (public information campaigns) is public warning and risk
# communication to the population, the public-facing part of emergency telecommunications.
# C1 (school closing) is not mapped to digital inclusion: closing schools is not itself an
# inclusion measure, even if it made remote learning necessary.
CATEGORY_BY_INDICATOR: dict[str, MeasureCategory] = {
    "H1": MeasureCategory.EMERGENCY_TELECOM,
}

# What flag 0 and flag 1 mean: (title words, tag) for 0 and for 1.
GEOGRAPHIC_FLAG = (("targeted", "targeted"), ("general", "general"))
FLAGS: dict[str, tuple[tuple[str, str], tuple[str, str]]] = {
    **{code: GEOGRAPHIC_FLAG for code in ("C1", "C2", "C3", "C4", "C5", "C6", "C7")},
    "H1": GEOGRAPHIC_FLAG,
    "H6": GEOGRAPHIC_FLAG,
    "H8": GEOGRAPHIC_FLAG,
    "E1": (("formal or informal sector only", "one-sector-only"), ("all workers", "all-workers")),
    "H7": (("at a cost to individuals", "at-cost"), ("free or at minimal cost", "free")),
}

VARIANTS: dict[str, tuple[str, str]] = {  # variant → (who it applies to, tag)
    "E": ("everyone", "everyone"),
    "NV": ("non-vaccinated people", "non-vaccinated"),
    "V": ("vaccinated people", "vaccinated"),
    "M": ("the majority of the population", "majority"),
}

# Jurisdictions whose rows are the usual totals (every policy that applies to residents);
# the others (NAT_GOV, STATE_WIDE, STATE_GOV, CITY_WIDE: the policies of one level of
# government) are kept apart, in the series key and, after "~", in the external id.
TOTAL_JURISDICTIONS = frozenset({"", "NAT_TOTAL", "STATE_TOTAL", "CITY_TOTAL"})
IDENTITY_COLUMNS = (
    "CountryName",
    "CountryCode",
    "RegionName",
    "RegionCode",
    "Jurisdiction",
    "Date",
)


@dataclass
class Indicator:
    code: str  # with its variant, e.g. "C1NV"
    base: str  # e.g. "C1"
    variant: str  # "", "E", "NV", "V" or "M"
    name: str
    level: int  # column positions in a day's values
    flag: int | None = None
    notes: int | None = None
    kind: str = field(init=False)  # "ordinal", "money" (USD amounts) or "text"

    def __post_init__(self) -> None:
        if self.base in MONEY_INDICATORS:
            self.kind = "money"
        elif self.base.startswith("V"):
            self.kind = "text"
        else:
            self.kind = "ordinal"


@dataclass(slots=True)
class Day:
    date: dt.date
    row: int
    values: tuple[str, ...]


@dataclass
class Series:
    country: str
    country_name: str
    region: str
    region_name: str
    jurisdiction: str
    days: list[Day] = field(default_factory=list)

    @property
    def subnational(self) -> bool:
        return bool(self.region)

    @property
    def place(self) -> str:
        country = self.country_name or self.country
        return f"{self.region_name or self.region} ({country})" if self.region else country

    @property
    def id_part(self) -> str:
        part = self.region or "NAT"
        if self.jurisdiction not in TOTAL_JURISDICTIONS:
            part += f"~{self.jurisdiction}"
        return part


def parse(stream: IO[bytes]) -> ParseResult:
    result = ParseResult()
    header, rows = open_csv(stream, result)
    require_columns(set(header), {"CountryCode", "Date"}, "OxCGRT")
    # A day keeps the columns that say where and when, then those its indicators read:
    # they are also the cells of its rows in the file of rejected rows.
    identity = [column for column in IDENTITY_COLUMNS if column in header]
    columns, indicators = _indicators(header, identity)
    if not indicators:
        raise ImportFormatError(
            "not an OxCGRT file: no indicator columns such as 'C1_School closing' in the header"
        )
    result.columns = tuple(columns)
    series: dict[tuple[str, str, str], Series] = {}
    first_row: dict[tuple[tuple[str, str, str], dt.date], int] = {}
    dates: dict[str, dt.date | None] = {}
    short_strings: dict[str, str] = {}  # one object per repeated cell value ("0", "2.00")

    for number, row, _cells in rows:
        country = row.get("CountryCode", "").upper()
        raw_date = row.get("Date", "")
        if raw_date not in dates:
            dates[raw_date] = _parse_date(raw_date)
        date = dates[raw_date]
        region = row.get("RegionCode", "")
        region_name = row.get("RegionName", "")
        jurisdiction = row.get("Jurisdiction", "").upper()
        key = (country, region, "" if jurisdiction in TOTAL_JURISDICTIONS else jurisdiction)
        problem: tuple[str, str] | None = None
        if not COUNTRY_CODE.match(country):
            problem = ("CountryCode", f"{_show(country)} is not a 3-letter ISO code")
        elif date is None:
            problem = ("Date", f"{_show(raw_date)} is not a date like 20200316")
        elif jurisdiction and not JURISDICTION.match(jurisdiction):
            problem = ("Jurisdiction", f"{_show(jurisdiction)} is not a jurisdiction")
        elif not region and (region_name or jurisdiction.startswith(("STATE", "CITY"))):
            problem = ("RegionCode", "a subnational row needs a region code")
        elif region and not REGION_CODE.match(region):
            problem = ("RegionCode", f"{_show(region)} is not a region code")
        elif (key, date) in first_row:
            problem = (
                "Date",
                f"row {first_row[key, date]} already holds this jurisdiction and date",
            )
        if problem:
            cells = tuple(row.get(name, "") for name in columns)
            result.errors.append(RowError(number, *problem, cells))
            continue
        assert date is not None  # else a problem
        first_row[key, date] = number
        if key not in series:
            series[key] = Series(
                country=country,
                country_name=row.get("CountryName", ""),
                region=region,
                region_name=region_name,
                jurisdiction=key[2],
            )
        values = []
        for position, column in enumerate(columns):
            value = row.get(column, "")
            if len(value) <= 8 or position < len(identity):  # values that repeat
                value = short_strings.setdefault(value, value)
            values.append(value)
        series[key].days.append(Day(date, number, tuple(values)))

    for one in series.values():
        one.days.sort(key=lambda day: day.date)
        for indicator in indicators:
            _walk(one, indicator, columns, result)
    result.candidates.sort(key=lambda c: (c.row, c.external_id))
    result.errors.sort(key=lambda e: (e.row, e.column))
    return result


def _indicators(header: list[str], first: Sequence[str] = ()) -> tuple[list[str], list[Indicator]]:
    """The columns kept per day (`first`, then those of the indicators), and the
    indicators that read them."""
    found: dict[str, dict[str, str]] = {}
    for column in header:
        match = INDICATOR_COLUMN.match(column)
        if not match:
            continue
        code, name = match["code"], match["name"].strip()
        role = name.lower()
        if "combined" in role:
            continue
        if role not in ("flag", "notes"):
            # V1 to V4 are summaries ("V1_Vaccine Prioritisation (summary)"); the vaccines_full
            # files also hold one column per population group ("V2_General 16-19 yrs").
            if re.fullmatch(r"V\d{1,2}", code) and "summary" not in role:
                continue
            role = "level"
        found.setdefault(code, {}).setdefault(role, column)

    columns: list[str] = list(first)
    positions = {column: position for position, column in enumerate(first)}

    def position(column: str | None) -> int | None:
        if column is None:
            return None
        if column not in positions:
            positions[column] = len(columns)
            columns.append(column)
        return positions[column]

    indicators: list[Indicator] = []
    for code, slots in found.items():
        if "level" not in slots:
            continue
        match = INDICATOR_COLUMN.match(slots["level"])
        assert match is not None
        base = match["base"] or match["vbase"]
        # Differentiated releases keep one note per indicator ("C1_Notes") for all variants.
        notes = slots.get("notes") or found.get(base, {}).get("notes")
        level = position(slots["level"])
        assert level is not None
        indicators.append(
            Indicator(
                code=code,
                base=base,
                variant=match["variant"] or "",
                name=match["name"].strip(),
                level=level,
                flag=position(slots.get("flag")),
                notes=position(notes),
            )
        )
    return columns, indicators


def _walk(series: Series, indicator: Indicator, columns: list[str], result: ParseResult) -> None:
    previous: tuple[Any, int | None, str] | None = None
    was_active = False
    last_valid_cells: tuple[str, str, str] | None = None
    levels: dict[str, tuple[Any, str]] = {}  # few distinct cell values: parse each once
    for day in series.days:
        raw_level = day.values[indicator.level]
        if not raw_level:
            continue  # no data that day: not a change
        raw_flag = day.values[indicator.flag] if indicator.flag is not None else ""
        note = day.values[indicator.notes] if indicator.notes is not None else ""
        cells = (raw_level, raw_flag, note)
        if cells == last_valid_cells and indicator.kind != "money":
            continue  # the same cells as the last valid day: no change (the common case)
        if raw_level not in levels:
            levels[raw_level] = _parse_level(indicator, raw_level)
        level, problem = levels[raw_level]
        if problem:
            result.errors.append(RowError(day.row, columns[indicator.level], problem, day.values))
            continue
        flag = _parse_flag(raw_flag) if raw_flag else None
        if raw_flag and flag is None:
            assert indicator.flag is not None
            reason = f"{_show(raw_flag)} is not a flag (0 or 1)"
            result.errors.append(RowError(day.row, columns[indicator.flag], reason, day.values))
            continue
        last_valid_cells = cells
        if indicator.kind == "money":
            if level > 0:
                result.candidates.append(_candidate(series, indicator, day, level, flag, note))
            continue
        active = level not in (0, "0")
        state = (level, flag, note or (previous[2] if previous else ""))
        if state != previous and (active or was_active):
            previous_level = previous[0] if previous else None
            result.candidates.append(
                _candidate(series, indicator, day, level, flag, note, previous_level)
            )
        previous = state
        was_active = was_active or active


def _parse_level(indicator: Indicator, raw: str) -> tuple[Any, str]:
    """The level as int (ordinal), float (money) or str (text), or a reason it is invalid."""
    if indicator.kind == "text":
        number = _number(raw)
        if number is not None and number.is_integer():
            return str(int(number)), ""
        return raw, ""
    number = _number(raw)
    if number is None:
        return None, f"{_show(raw)} is not a number"
    if number < 0:
        return None, f"{_show(raw)} is negative"
    if indicator.kind == "money":
        return number, ""
    if not number.is_integer():
        return None, f"{_show(raw)} is not a whole level"
    levels = LEVELS.get(indicator.base)
    if levels and number > len(levels) - 1:
        top = len(levels) - 1
        return None, f"level {int(number)} is out of range: {indicator.base} goes from 0 to {top}"
    return int(number), ""


def _parse_flag(raw: str) -> int | None:
    number = _number(raw)
    return int(number) if number in (0.0, 1.0) else None


def _number(raw: str) -> float | None:
    try:
        number = float(raw) if len(raw) <= 40 else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _parse_date(raw: str) -> dt.date | None:
    """20200316 (OxCGRT's form) or 2020-03-16; strptime alone would accept 2020316."""
    match = re.fullmatch(r"(\d{4})-?(\d{2})-?(\d{2})", raw)
    if not match:
        return None
    try:
        date = dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return date if date.year >= 1900 else None


def _level_text(indicator: Indicator, level: Any) -> str:
    if indicator.kind == "money":
        return f"USD {level:,.0f}" if float(level).is_integer() else f"USD {level:,.2f}"
    if indicator.kind == "text":
        return f"“{level}”"
    levels = LEVELS.get(indicator.base)
    return f"level {level} ({levels[level]})" if levels else f"level {level}"


def _candidate(
    series: Series,
    indicator: Indicator,
    day: Day,
    level: Any,
    flag: int | None,
    note: str,
    previous_level: Any = None,
) -> Candidate:
    code = indicator.code
    iso_date = day.date.isoformat()
    flag_words, flag_tag = "", ""
    if flag is not None:
        meanings = FLAGS.get(indicator.base)
        if meanings:
            flag_words, flag_tag = meanings[flag]
        else:
            flag_tag = f"flag-{flag}"
    who, variant_tag = VARIANTS.get(indicator.variant, ("", ""))
    level_text = _level_text(indicator, level)

    title = f"{series.place}: {code} {indicator.name}"
    if who:
        title += f", for {who}"
    title += f" — {level_text}"
    if flag_words:
        title += f", {flag_words}"

    active = level not in (0, "0")
    if indicator.kind == "money":
        sentence = (
            f"OxCGRT recorded {level_text} announced under {code} {indicator.name} "
            f"for {series.place} on {iso_date}."
        )
    else:
        if previous_level is None:
            change = f"started at {level_text}"
        elif previous_level != level:
            change = f"moved from {_level_text(indicator, previous_level)} to {level_text}"
        else:
            change = f"stayed at {level_text}"
        scope = f" ({flag_words})" if flag_words else ""
        audience = f" for {who}" if who else ""
        sentence = (
            f"From {iso_date}, {code} {indicator.name}{audience} in {series.place} "
            f"{change}{scope}, according to OxCGRT."
        )

    tags = ["oxcgrt", code.lower()]
    if code != indicator.base:
        tags.append(indicator.base.lower())
    if series.subnational:
        tags.append("subnational")
    tags += [tag for tag in (flag_tag, variant_tag) if tag]

    binding = Binding.VOLUNTARY
    threshold = MANDATORY_FROM.get(indicator.base)
    number = level if isinstance(level, int) else _number(str(level))
    if threshold is not None and number is not None and number >= threshold:
        binding = Binding.MANDATORY

    content: dict[str, Any] = {
        "collection": "measure",
        "original_language": "en",
        "title": {"en": _clip(title, TITLE_CHARS)},
        "summary": {"en": _clip(note, SUMMARY_CHARS) if note else sentence},
        "countries": [series.country],
        "tags": tags,
        "date": iso_date,
        "fields": {
            "code": code,
            "authority_type": "other",
            "stakeholder": who,
            "category": CATEGORY_BY_INDICATOR.get(indicator.base, MeasureCategory.OTHER).value,
            "phase": "emergency",
            "binding": binding.value,
            "measure_status": (MeasureStatus.IN_FORCE if active else MeasureStatus.EXPIRED).value,
            "effective_on": iso_date,
            "sources": _urls(note),
        },
    }
    if len(note) > SUMMARY_CHARS:
        content["body"] = {"en": _clip(note, BODY_CHARS)}
    external_id = f"oxcgrt:{series.country}:{series.id_part}:{code}:{iso_date}"
    return Candidate(day.row, external_id, content, day.values)


def _urls(text: str) -> list[str]:
    urls: list[str] = []
    for match in URL_IN_TEXT.finditer(text[:BODY_CHARS]):
        url = match.group().rstrip(".,;:!?")
        if len(url) <= 2000 and url not in urls:
            urls.append(url)
        if len(urls) == 20:
            break
    return urls


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _show(value: str) -> str:
    """A cell value quoted for a message, shortened."""
    return repr(_clip(value, 40)) if value else "an empty value"
