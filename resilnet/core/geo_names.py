"""Country and region names in the page's language, and an order to sort them by.

Country names come from the ISO 3166-1 translations that pycountry ships (gettext
catalogues in every UN language); region names (ITU regions, UN M49 regions and
sub-regions) are this project's own strings, translated like any other.

Sorting: PyICU (the Unicode collation algorithm) has no wheel to install from the
package index, so `sort_key` approximates it: NFKD, accents and Arabic vowel marks
dropped, case folded; Latin, Cyrillic and Arabic then sort by their alphabets' code
point order, which is alphabetical for each of them. Chinese has no alphabetical order
in code points (pinyin or stroke order would need a dictionary); its names sort by code
point, stable and the same for every reader.
"""

from __future__ import annotations

import functools
import gettext
import unicodedata
from typing import TYPE_CHECKING

import pycountry
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from resilnet.core.models import Country

# Our language codes → pycountry's catalogue names.
PYCOUNTRY_LOCALES = {"ar": "ar", "zh-hans": "zh_CN", "fr": "fr", "ru": "ru", "es": "es"}

# The names of regions.csv, marked for translation (the file holds them in English).
REGION_NAMES = {
    "Africa": _("Africa"),
    "Americas": _("Americas"),
    "Arab States": _("Arab States"),
    "Asia": _("Asia"),
    "Asia & Pacific": _("Asia & Pacific"),
    "Australia and New Zealand": _("Australia and New Zealand"),
    "CIS": _("CIS"),
    "Caribbean": _("Caribbean"),
    "Central America": _("Central America"),
    "Central Asia": _("Central Asia"),
    "Channel Islands": _("Channel Islands"),
    "Eastern Africa": _("Eastern Africa"),
    "Eastern Asia": _("Eastern Asia"),
    "Eastern Europe": _("Eastern Europe"),
    "Europe": _("Europe"),
    "Latin America and the Caribbean": _("Latin America and the Caribbean"),
    "Melanesia": _("Melanesia"),
    "Micronesia": _("Micronesia"),
    "Middle Africa": _("Middle Africa"),
    "Northern Africa": _("Northern Africa"),
    "Northern America": _("Northern America"),
    "Northern Europe": _("Northern Europe"),
    "Oceania": _("Oceania"),
    "Polynesia": _("Polynesia"),
    "South America": _("South America"),
    "South-eastern Asia": _("South-eastern Asia"),
    "Southern Africa": _("Southern Africa"),
    "Southern Asia": _("Southern Asia"),
    "Southern Europe": _("Southern Europe"),
    "Sub-Saharan Africa": _("Sub-Saharan Africa"),
    "Western Africa": _("Western Africa"),
    "Western Asia": _("Western Asia"),
    "Western Europe": _("Western Europe"),
}


def page_language() -> str:
    return get_language() or "en"


@functools.cache
def _iso3166(language: str) -> gettext.NullTranslations:
    locale = PYCOUNTRY_LOCALES.get(language)
    if locale is None:
        return gettext.NullTranslations()
    return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [locale], fallback=True)


@functools.cache
def country_name(iso3: str, english: str, language: str) -> str:
    """The name of a country in `language`; `english` (ours) when there is none."""
    entry = pycountry.countries.get(alpha_3=iso3)
    if entry is None or language not in PYCOUNTRY_LOCALES:
        return english
    translated = _iso3166(language).gettext(entry.name)
    return english if translated == entry.name else translated


def country_names(language: str = "") -> dict[str, str]:
    """iso3 → every country's name in `language` (the page's when empty): one query."""
    from resilnet.core.selectors import countries

    language = language or page_language()
    return {
        iso3: country_name(iso3, name, language)
        for iso3, name in countries().values_list("iso3", "name")
    }


def localised_country_name(country: Country) -> str:
    return country_name(country.iso3, country.name, page_language())


def region_name(english: str) -> str:
    return str(REGION_NAMES.get(english, english))


def sort_key(text: str) -> str:
    """A key sorting names alphabetically in Latin, Cyrillic and Arabic scripts, Chinese
    by code point (see the module's text)."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def sorted_by_name(names: dict[str, str]) -> list[tuple[str, str]]:
    """(key, name) pairs in the order of their names."""
    return sorted(names.items(), key=lambda item: sort_key(item[1]))
