"""Arabic is normalised the same way in records and queries, on every engine: a word
with or without its article, its proclitics, its diacritics or tatweel, and with either
spelling of alef, teh marbuta or alef maqsura finds the same records."""

import pytest

from resilnet.catalog.search import SearchQuery, search
from resilnet.catalog.tests.conftest import measure
from resilnet.catalog.text_analysis import words

pytestmark = pytest.mark.django_db(transaction=True)

RECORDS = {
    "sites": (
        "إعفاء المواقع الصحية من رسوم البيانات",
        "ألزمت الهيئة المشغلين بعدم احتساب رسوم على زيارة المواقع الصحية الرسمية.",
    ),
    "hospitals": (
        "ربط المستشفيات الميدانية بالإنترنت",
        "وفّرت وزارة الاتصالات وصلات ألياف للمستشفيات الميدانية خلال الجائحة.",
    ),
    "telehealth": (
        "الرِّعَايَةُ الصِّحِّيَّةُ عن بُعْد",
        "منصة وطنية للاستشارات الطبيـــة تربط القرى بالأطباء في المدن الكبرى.",
    ),
    "schools": (
        "تعليم الأطفال عن بعد",
        "بثت القناة التعليمية دروسا يومية لطلاب المدارس أثناء الإغلاق.",
    ),
}


@pytest.fixture(params=["database", "segments"])
def arabic_corpus(request, publish, settings):
    """The corpus indexed by the engine inside the database (SQLite FTS5 or PostgreSQL
    tsvector, by the database the tests run on) or by the segment index."""
    settings.SEARCH_ENGINE = request.param
    ids = {}
    for key, (title, summary) in RECORDS.items():
        record = publish(
            measure(
                title=title,
                original_language="ar",
                summary={"ar": summary},
                body={},
                countries=["EGY"],
            )
        )
        ids[record.pk] = key
    return ids


def found(corpus, q):
    page = search(SearchQuery(q=q, page_size=50))
    return {corpus[record.pk] for record in page.results}


def test_a_word_without_its_article_finds_what_the_word_with_it_finds(arabic_corpus):
    assert found(arabic_corpus, "الصحية") == {"sites", "telehealth"}
    assert found(arabic_corpus, "صحية") == {"sites", "telehealth"}
    assert found(arabic_corpus, "المستشفيات") == {"hospitals"}
    assert found(arabic_corpus, "مستشفيات") == {"hospitals"}


def test_proclitics_fused_with_the_article_are_removed(arabic_corpus):
    # "للمستشفيات" (for the hospitals) in the summary, "والمستشفيات" (and the …) asked
    assert found(arabic_corpus, "والمستشفيات") == {"hospitals"}
    assert found(arabic_corpus, "بالمستشفيات") == {"hospitals"}
    assert found(arabic_corpus, "التعليمية") == found(arabic_corpus, "تعليمية") == {"schools"}


def test_diacritics_tatweel_and_letter_variants_do_not_matter(arabic_corpus):
    # the record writes "الرِّعَايَةُ" with its vowels, a query usually without
    assert found(arabic_corpus, "رعاية") == {"telehealth"}
    # the query with vowels, the record "الصحية" without
    assert found(arabic_corpus, "الصِّحِّيَّة") == {"sites", "telehealth"}
    # "الطبيـــة" stretched with tatweel in the record
    assert found(arabic_corpus, "الطبية") == {"telehealth"}
    # hamza on alef left out, teh marbuta written as heh, as people type them
    assert found(arabic_corpus, "اعفاء") == {"sites"}
    assert found(arabic_corpus, "الصحيه") == {"sites", "telehealth"}
    assert found(arabic_corpus, "الكبري") == {"telehealth"}  # alef maqsura as yeh


def test_a_phrase_matches_across_normalised_words(arabic_corpus):
    assert found(arabic_corpus, '"المواقع الصحيه"') == {"sites"}
    assert found(arabic_corpus, '"مواقع صحية"') == {"sites"}


def test_normalisation_is_conservative():
    # The same terms with or without the article and proclitics …
    assert words("والمستشفيات للصحة") == words("مستشفيات صحة")
    # … but a short word keeps letters that only look like an article
    assert words("البر الله") == ["البر", "الله"]
    # vowel marks no longer cut a word in pieces
    assert words("الرِّعَايَةُ") == ["رعايه"]
    # other scripts are untouched
    assert words("Élan 健康 Allah") == ["élan", "健康", "allah"]
