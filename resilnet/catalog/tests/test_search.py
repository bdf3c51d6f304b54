import pytest

from resilnet.catalog import services
from resilnet.catalog.search import SearchQuery, consistency_report, highlight, search
from resilnet.catalog.search.query import parse
from resilnet.catalog.tests.conftest import measure


@pytest.fixture
def corpus(publish):
    publish(measure())
    publish(
        measure(
            title="Suspension des coupures pour impayés",
            original_language="fr",
            summary={"fr": "Les opérateurs ont suspendu les déconnexions pendant la crise."},
            body={},
            countries=["SEN"],
            fields={"category": "consumer_protection", "binding": "voluntary", "phase": "recovery"},
        )
    )
    publish(
        measure(
            title="Temporary spectrum assignments for mobile operators",
            summary={"en": "Extra spectrum was assigned to carry the traffic peak."},
            countries=["EGY"],
            fields={"category": "spectrum", "binding": "mandatory"},
            date="2021-01-10",
        )
    )
    publish(
        measure(
            collection="case",
            title="远程医疗平台",
            original_language="zh-hans",
            summary={"zh-hans": "该项目为农村地区提供远程医疗服务。"},
            body={},
            countries=["CHN"],
            fields={"action_lines": ["C7.4"], "sdgs": [3, 9], "stakeholder_type": "government"},
        )
    )


def test_words_are_stemmed_in_each_language(corpus):
    # "operators" in two English records, "opérateurs" in the French one
    assert search(SearchQuery(q="operator")).count == 3
    assert search(SearchQuery(q="coupure")).count == 1  # the French title says "coupures"
    assert search(SearchQuery(q="assignment")).count == 1


def test_chinese_is_segmented(corpus):
    assert search(SearchQuery(q="远程医疗")).count == 1


def test_filters_and_exact_facet_counts(corpus):
    page = search(SearchQuery(filters={"binding": ["mandatory"]}))
    assert page.count == 2
    assert dict(page.facets["country"]) == {"KEN": 1, "EGY": 1}
    assert dict(page.facets["itu_region"]) == {"africa": 1, "arab_states": 1}
    everything = search(SearchQuery())
    assert dict(everything.facets["collection"]) == {"measure": 3, "case": 1}
    assert dict(everything.facets["sdg"]) == {"3": 1, "9": 1}


def test_arab_states_mandatory_consumer_protection_in_the_emergency(corpus):
    page = search(
        SearchQuery(
            filters={
                "itu_region": ["arab_states", "africa"],
                "binding": ["mandatory"],
                "category": ["consumer_protection"],
                "phase": ["emergency"],
            }
        )
    )
    assert [r.title for r in page.results] == ["Zero-rating of health information sites"]


def test_ranking_prefers_title_matches(corpus):
    page = search(SearchQuery(q="spectrum"))
    assert page.results[0].title.startswith("Temporary spectrum")


def test_phrases(corpus):
    assert search(SearchQuery(q='"health information"')).count == 1
    assert search(SearchQuery(q='"information health"')).count == 0


@pytest.mark.parametrize(
    ("hostile", "found"),
    [
        # No word left: the query matches every published record.
        ('"', 4),
        ("*", 4),
        ("\x00", 4),
        # Operators and syntax are words like any other, and every word must match.
        ("AND OR NOT", 0),
        ("title:*", 0),
        ("NEAR(a b)", 0),
        ("' OR 1=1 --", 0),
        ("^x", 0),
        ("a" * 5000, 0),
        ("operators NOT spectrum", 0),  # as an operator, NOT would find the KEN measure
        ("spectrum OR coupure", 0),  # as an operator, OR would find two records
        ('"health information', 1),  # an unclosed quote
    ],
)
def test_engine_syntax_in_queries_is_harmless(corpus, hostile, found):
    assert search(SearchQuery(q=hostile)).count == found


def test_sort_by_date(corpus):
    page = search(SearchQuery(q="operator", sort="date"))
    assert [r.record_date.isoformat() for r in page.results] == [
        "2021-01-10",
        "2020-03-20",
        "2020-03-20",
    ]


def test_index_is_consistent_with_published_records(corpus):
    assert consistency_report() == {"missing": [], "stale": []}


def test_highlight_escapes_and_marks(corpus):
    parsed = parse("operators")
    snippet = highlight("<b>Mobile</b> operators & co", parsed, "en")
    assert snippet == "&lt;b&gt;Mobile&lt;/b&gt; <mark>operators</mark> &amp; co"


def test_unpublished_records_are_not_found(contributor):
    services.do_create_record(contributor, measure())
    assert search(SearchQuery(q="zero")).count == 0


def test_words_are_cut_at_60_characters_and_lone_underscores_dropped():
    from resilnet.catalog.text_analysis import words

    assert words("A" * 70 + " b") == ["a" * 60, "b"]
    assert words("x _ y_z") == ["x", "y_z"]
    assert words("Plain words only") == ["plain", "words", "only"]


def test_healthz_reports_that_search_answers(client, publish, settings):
    publish()
    check = client.get("/healthz").json()["checks"]["catalog.search"]
    assert check["ok"] is True
    assert check["engine"] == settings.SEARCH_ENGINE
    assert check["published"] == 1
