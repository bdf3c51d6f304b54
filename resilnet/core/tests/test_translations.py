"""Every catalogue is complete, its placeholders intact, and its compiled .mo current."""

import re
from pathlib import Path

import polib
import pytest
from django.conf import settings

LOCALE = Path(settings.LOCALE_PATHS[0])
CATALOGUES = sorted(LOCALE.glob("*/LC_MESSAGES/django.po"))
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]|%%")


def test_a_catalogue_for_each_language_but_english():
    languages = {code.replace("-hans", "_Hans") for code, _ in settings.LANGUAGES} - {"en"}
    assert {path.parts[-3] for path in CATALOGUES} == languages


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_complete_and_placeholders_intact(path):
    catalogue = polib.pofile(str(path))
    assert catalogue.untranslated_entries() == []
    assert catalogue.fuzzy_entries() == []
    for entry in catalogue:
        wanted = sorted(PLACEHOLDER.findall(entry.msgid_plural or entry.msgid))
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        for translation in translations:
            assert sorted(PLACEHOLDER.findall(translation)) == wanted, entry.msgid


@pytest.mark.parametrize("path", CATALOGUES, ids=lambda p: p.parts[-3])
def test_compiled_catalogue_matches_its_source(path):
    def pairs(catalogue):
        return {
            (e.msgctxt, e.msgid): (e.msgstr, tuple(sorted(e.msgstr_plural.items())))
            for e in catalogue
            if e.msgid
        }

    source = pairs(polib.pofile(str(path)))
    compiled = pairs(polib.mofile(str(path.with_suffix(".mo"))))
    assert compiled == source, "run the compile step in docs/translating.md"
