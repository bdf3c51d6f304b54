"""Demo audiences: an operator whose SMSC is the simulator on 127.0.0.1, and a few
thousand synthetic subscribers in the demo countries' areas, the same on every load
(a fixed seed), written through the import service like any file.

Numbers are drawn from each country's mobile ranges with phonenumbers' example number
as the pattern, so they are valid numbers; they belong to nobody we know of, and the
demo operator only ever reaches the simulator.
"""

from __future__ import annotations

import io
import random

import phonenumbers

from resilnet.alerts import selectors
from resilnet.alerts.services import audiences
from resilnet.schools import selectors as school_selectors

SEED = 2020
OPERATOR = "Demo SMSC"
# Demo country (ISO alpha-2 for numbers, alpha-3 for areas), subscribers, languages.
COUNTRIES = (
    ("KE", "KEN", 1500, ("en", "en", "en", "fr", "ar")),
    ("RW", "RWA", 600, ("fr", "en", "fr")),
    ("CO", "COL", 700, ("es",)),
    ("BD", "BGD", 700, ("en", "ar")),
    ("NE", "NER", 500, ("fr", "ar")),
)


def load(port: int = 2775) -> str:
    if selectors.operator_by_name(OPERATOR) is None:
        audiences.do_add_operator(
            None,
            name=OPERATOR,
            host="127.0.0.1",
            port=port,
            system_id="demo",
            password="demo",  # noqa: S106 (the simulator's demo account)
            tps=500,
            binds=2,
            window=50,
            is_test=True,
        )
    codes = school_selectors.area_ids_by_code()
    created = 0
    for region, iso3, count, languages in COUNTRIES:
        areas = sorted(c for c, i in codes.items() if i and c.startswith(f"{iso3}-R"))
        text = "\n".join(["msisdn,area,language", *_rows(region, areas, count, languages)])
        report = audiences.do_import_subscribers(
            None,
            io.BytesIO(text.encode()),
            "csv",
            region=region,
            operator=OPERATOR,
            consent_source="demo data (synthetic)",
            source_name=f"demo-{region}.csv",
        )
        created += report.created
    return f"operator {OPERATOR} on 127.0.0.1:{port}, {created:,} subscribers created"


def _rows(region: str, areas: list[str], count: int, languages: tuple[str, ...]) -> list[str]:
    rng = random.Random(f"{SEED}-{region}")  # noqa: S311 (synthetic data, not secrets)
    example = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert example is not None  # phonenumbers has one for every demo country
    national = str(example.national_number)
    rows: list[str] = []
    seen: set[str] = set()
    while len(rows) < count:
        # Keep the example's first three digits (a mobile range), draw the rest.
        digits = national[:3] + "".join(rng.choice("0123456789") for _ in national[3:])
        number = phonenumbers.parse(f"+{example.country_code}{digits}")
        if digits in seen or not phonenumbers.is_valid_number(number):
            continue
        seen.add(digits)
        area = rng.choice(areas) if areas else ""
        rows.append(f"+{example.country_code}{digits},{area},{rng.choice(languages)}")
    return rows
