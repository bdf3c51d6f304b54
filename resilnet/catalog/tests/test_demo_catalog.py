"""The demo catalog: varied, valid, moderated through the services, and idempotent."""

import datetime as dt
from collections import Counter

import pytest

from resilnet.catalog.demo import Gazetteer, content, load_demo_catalog, plan_record
from resilnet.catalog.demo.phrases import LANGUAGES
from resilnet.catalog.models import Record, RecordFacet
from resilnet.catalog.schemas import parse_content
from resilnet.catalog.search import SearchQuery, search
from resilnet.catalog.taxonomy import Collection, Status
from resilnet.core.models import Role

SIZE = 120


@pytest.fixture
def demo_users(make_user):
    return make_user("contributor", Role.CONTRIBUTOR), make_user("moderator", Role.MODERATOR)


@pytest.fixture
def catalog(demo_users):
    return load_demo_catalog(size=SIZE)


def test_needs_the_demo_users(db):
    with pytest.raises(RuntimeError, match="contributor"):
        load_demo_catalog(size=5)


def test_collections_countries_regions_and_languages(catalog):
    records = Record.objects.all()
    assert records.count() == SIZE == catalog["created"]
    assert set(records.values_list("collection", flat=True)) == set(Collection.values)
    countries = set(records.values_list("countries__iso3", flat=True)) - {None}
    assert len(countries) >= 40
    regions = set(
        RecordFacet.objects.filter(name="itu_region", record__status=Status.PUBLISHED).values_list(
            "value", flat=True
        )
    )
    assert regions == {"africa", "americas", "arab_states", "asia_pacific", "cis", "europe"}
    languages = Counter(records.values_list("original_language", flat=True))
    assert set(languages) == {"en", "fr", "es", "ar", "ru", "zh-hans"}
    assert languages["en"] > SIZE / 2
    translated = [r for r in records if len(r.content["title"]) > 1]
    assert SIZE * 0.1 <= len(translated) <= SIZE * 0.35
    assert all(set(r.content["title"]) == set(r.content["summary"]) for r in translated)


def test_leaves_a_moderation_queue(catalog):
    assert catalog[Status.SUBMITTED] > 0
    assert catalog[Status.DRAFT] > 0
    assert catalog[Status.CHANGES_REQUESTED] > 0
    assert catalog["pending_edit"] > 0
    assert catalog[Status.PUBLISHED] > SIZE * 0.8
    assert sum(catalog[s] for s in Status.values) == SIZE
    waiting = Record.objects.filter(pending_revision__state=Status.SUBMITTED)
    assert waiting.count() == catalog[Status.SUBMITTED] + catalog["pending_edit"]
    changes = Record.objects.filter(status=Status.CHANGES_REQUESTED)
    assert all(r.pending_revision.note for r in changes)


def test_content_validates_and_is_consistent(catalog):
    for record in Record.objects.prefetch_related("revisions").select_related("owner"):
        parse_content(record.content)
        for revision in record.revisions.all():
            parse_content(revision.content)
        assert record.external_id.startswith("demo:")
        assert record.owner.username == "contributor"
        assert 2020 <= record.record_date.year <= 2024
        fields = record.fields
        if record.collection == Collection.MEASURE:
            ended = fields["ends_on"] is not None
            assert (fields["measure_status"] in ("expired", "revoked")) == ended
            emergency = record.record_date < dt.date(2020, 10, 1)
            assert (fields["phase"] == "emergency") == emergency
        elif record.collection == Collection.CASE:
            assert (fields["project_status"] == "completed") == (fields["ended_on"] is not None)
        elif record.collection == Collection.REPORT:
            assert fields["doi"].startswith("10.5555/") or fields["isbn"]
            if fields["isbn"]:
                digits = [int(d) for d in fields["isbn"]]
                assert sum(d * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0
        elif record.collection == Collection.PODCAST:
            assert fields["audio_url"].startswith("https://media.example.org/")
            assert fields["episode"] >= 1
            assert fields["audio_bytes"] > 0


def test_second_run_creates_nothing_and_search_finds_records(catalog):
    revisions = Record.objects.values_list("revisions", flat=True).count()
    again = load_demo_catalog(size=SIZE)
    assert again == {**catalog, "created": 0}
    assert Record.objects.count() == SIZE
    assert Record.objects.values_list("revisions", flat=True).count() == revisions

    page = search(SearchQuery(q="operators"))
    assert page.count >= 5
    assert all(r.status == Status.PUBLISHED for r in page.results)
    assert search(SearchQuery(q="opérateurs")).count >= 1


def texts(value):
    """Every string in a record's content, however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def test_planned_records_are_valid_and_composed_in_their_languages(db):
    atlas = Gazetteer()
    plans = [plan_record(2020, n, atlas) for n in range(600)]
    titles = " ".join(text for plan in plans for text in plan.content["title"].values())
    for plan in plans:
        record = plan.content
        language = record["original_language"]
        parse_content(record)
        if plan.edit:
            parse_content(plan.edit)
        assert language in record["title"]
        assert set(record["title"]) == set(record["summary"]) <= set(LANGUAGES)
        assert set(record["body"]) == {language}
        # A placeholder left unfilled, or a phrase missing in a language, shows here.
        for text in texts(record):
            assert text.strip(), plan.external_id
            assert not set("{}") & set(text), (plan.external_id, text)
    originals = Counter(plan.content["original_language"] for plan in plans)
    translations = Counter(lang for plan in plans for lang in list(plan.content["title"])[1:])
    assert set(originals) == set(translations) == set(LANGUAGES)
    # Six hundred records draw every item of every table at least once.
    tables = (
        content.ACTIONS,
        content.PROJECTS,
        content.RESOURCES,
        content.NEWS,
        content.EPISODES,
        content.VIDEOS,
        content.REPORTS,
    )
    for item in (item for table in tables for item in table):
        assert item.title["en"] in titles, item.key
