"""The demo's phrase files: one per language, each with exactly the English file's keys."""

import json
import re
import shutil

import pytest

from resilnet.catalog.demo.phrases import LANGUAGES, PHRASES_DIR, PhraseError, load_phrases


def read(path):
    return json.loads(path.read_text(encoding="utf-8"))


def words(text):
    return re.sub(r"\{\w*\}", "", text)


def write(path, table):
    path.write_text(json.dumps(table, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


@pytest.fixture
def phrase_dir(tmp_path):
    """A copy of the shipped phrase files that a test may break."""
    for lang in LANGUAGES:
        shutil.copy(PHRASES_DIR / f"{lang}.json", tmp_path / f"{lang}.json")
    return tmp_path


def test_every_language_file_has_exactly_the_english_keys():
    english = read(PHRASES_DIR / "en.json")
    assert len(english) > 100
    for lang in LANGUAGES:
        table = read(PHRASES_DIR / f"{lang}.json")
        assert list(table) == list(english), f"{lang}.json: keys differ from en.json or their order"
        assert all(isinstance(text, str) and text.strip() for text in table.values()), lang
        # A text left as in English is untranslated, unless it has no words to translate.
        untranslated = [
            key
            for key, text in table.items()
            if lang != "en" and text == english[key] and re.search(r"[^\W\d_]", words(text))
        ]
        assert not untranslated, f"{lang}.json: still in English: {untranslated}"


def test_loader_gives_each_phrase_in_every_language():
    phrases = load_phrases()
    assert phrases.keys() == read(PHRASES_DIR / "en.json").keys()
    assert all(tuple(text) == LANGUAGES for text in phrases.values())
    assert phrases["news.source"]["fr"] == read(PHRASES_DIR / "fr.json")["news.source"]


def test_loader_rejects_a_file_with_a_missing_key(phrase_dir):
    table = read(phrase_dir / "ru.json")
    del table["edition.title"]
    write(phrase_dir / "ru.json", table)
    with pytest.raises(PhraseError, match=r"ru\.json: missing keys \['edition\.title'\]"):
        load_phrases(phrase_dir)


def test_loader_rejects_a_key_english_does_not_have(phrase_dir):
    table = read(phrase_dir / "es.json")
    table["news.sauce"] = table.pop("news.source")
    write(phrase_dir / "es.json", table)
    with pytest.raises(
        PhraseError, match=r"es\.json: missing keys \['news\.source'\].*'news\.sauce'"
    ):
        load_phrases(phrase_dir)


def test_loader_rejects_a_translation_that_drops_a_placeholder(phrase_dir):
    table = read(phrase_dir / "zh-hans.json")
    table["podcast.episode_title"] = "第{n}期"  # the episode's title {t} is gone
    write(phrase_dir / "zh-hans.json", table)
    with pytest.raises(PhraseError, match=r"zh-hans\.json: 'podcast\.episode_title'.*\['n'\]"):
        load_phrases(phrase_dir)


def test_loader_rejects_malformed_files(phrase_dir):
    text = (phrase_dir / "ar.json").read_text(encoding="utf-8")
    (phrase_dir / "ar.json").write_text(text.rstrip().rstrip("}"), encoding="utf-8")
    with pytest.raises(PhraseError, match=r"ar\.json"):
        load_phrases(phrase_dir)

    english = read(phrase_dir / "en.json")
    write(phrase_dir / "ar.json", {**english, "closing.details": ""})
    with pytest.raises(PhraseError, match=r"ar\.json: 'closing\.details' must be a non-empty"):
        load_phrases(phrase_dir)

    # Two equal keys in one file: JSON would silently keep the second.
    twice = text.replace("{\n", '{\n  "closing.details": "x",\n', 1)
    (phrase_dir / "ar.json").write_text(twice, encoding="utf-8")
    with pytest.raises(PhraseError, match=r"ar\.json: key 'closing\.details' appears twice"):
        load_phrases(phrase_dir)
