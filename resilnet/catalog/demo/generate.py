# ruff: noqa: S311
# (S311: reproducible demo data wants a seeded generator, not a cryptographic one.)
"""What record `demo:{n}` is: its collection, languages, status, country and content.

Collections and original languages are dealt in shuffled blocks of 20, statuses in
shuffled blocks of 100, everything else comes from a generator seeded with (seed, n), so
record n is planned the same way whatever the catalog's size.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from resilnet.catalog.demo import compose
from resilnet.catalog.demo.content import CHANGE_REQUESTS, CLOSINGS
from resilnet.catalog.demo.phrases import LANGUAGES, phrase
from resilnet.catalog.demo.places import Gazetteer
from resilnet.catalog.taxonomy import Collection, Status

EXTERNAL_PREFIX = "demo:"
# A published record whose owner proposed an edit that waits for moderation.
PENDING_EDIT = "pending_edit"

# Per block of 20 records: 40% measures, 25% cases, 10% resources, 10% news, 5% each
# podcast episodes, videos and reports.
COLLECTION_BLOCK = (
    [Collection.MEASURE] * 8
    + [Collection.CASE] * 5
    + [Collection.RESOURCE] * 2
    + [Collection.NEWS] * 2
    + [Collection.PODCAST, Collection.VIDEO, Collection.REPORT]
)
# Per block of 20: 65% English, 10% French, 10% Spanish, 5% Arabic, Russian, Chinese.
LANGUAGE_BLOCK = ["en"] * 13 + ["fr", "fr", "es", "es", "ar", "ru", "zh-hans"]
# Per block of 100: 5% submitted, 2% changes requested, 3% drafts, 90% published of
# which 5 carry a submitted edit.
STATUS_BLOCK = (
    [Status.SUBMITTED] * 5
    + [Status.CHANGES_REQUESTED] * 2
    + [Status.DRAFT] * 3
    + [PENDING_EDIT] * 5
    + [Status.PUBLISHED] * 85
)
TRANSLATED_SHARE = 0.2


@dataclass
class Plan:
    n: int
    status: str
    content: dict[str, Any]
    reason: str = ""
    edit: dict[str, Any] = field(default_factory=dict)

    @property
    def external_id(self) -> str:
        return f"{EXTERNAL_PREFIX}{self.n}"


def _block(seed: int, name: str, index: int, slots: list[Any]) -> list[Any]:
    deck = list(slots)
    random.Random(f"{seed}/{name}/{index}").shuffle(deck)
    return deck


def _translations(rng: random.Random, language: str) -> list[str]:
    if rng.random() >= TRANSLATED_SHARE:
        return []
    others = [lang for lang in LANGUAGES if lang != language]
    # English is what most readers look for, so most translations are into English.
    if language != "en" and rng.random() < 0.6:
        extra = [rng.choice([o for o in others if o != "en"])] if rng.random() < 0.3 else []
        return ["en", *extra]
    return rng.sample(others, 2 if rng.random() < 0.3 else 1)


def plan_record(seed: int, n: int, atlas: Gazetteer) -> Plan:
    """What record `demo:{n}` is, from the seed and n alone."""
    block = n // 20
    collection = _block(seed, "collection", block, COLLECTION_BLOCK)[n % 20]
    language = _block(seed, "language", block, LANGUAGE_BLOCK)[n % 20]
    status = _block(seed, "status", n // 100, STATUS_BLOCK)[n % 100]
    rng = random.Random(f"{seed}/record/{n}")
    languages = [language, *_translations(rng, language)]
    place = atlas.primary(rng, language)
    if collection == Collection.MEASURE:
        title, summary, extra = compose.measure(rng, n, languages)
    elif collection == Collection.CASE:
        title, summary, extra = compose.case(rng, languages, place, atlas)
    elif collection == Collection.RESOURCE:
        title, summary, extra = compose.resource(rng, languages)
    elif collection == Collection.NEWS:
        title, summary, extra = compose.news(rng, language, languages)
    elif collection == Collection.PODCAST:
        title, summary, extra = compose.podcast(rng, block, languages, place, atlas)
    elif collection == Collection.VIDEO:
        title, summary, extra = compose.video(rng, n, language, languages)
    else:
        title, summary, extra = compose.report(rng, n, language, languages, place)
    body = {language: f"{summary[language]}\n\n{phrase(rng.choice(CLOSINGS))[language]}"}
    content: dict[str, Any] = {
        "collection": str(collection),
        "original_language": language,
        "title": title,
        "summary": summary,
        "body": body,
        "countries": extra.get("countries", [place.iso3]),
        "tags": extra["tags"],
        "links": [{"url": f"https://example.org/demo/records/{n}"}],  # shown by its URL
        "date": extra["date"].isoformat(),
        "fields": extra["fields"],
    }
    plan = Plan(n, status, content)
    if status == Status.CHANGES_REQUESTED:
        plan.reason = rng.choice(CHANGE_REQUESTS)
    if status == PENDING_EDIT:
        follow_up = phrase(CLOSINGS[1])[language]
        edit = {**content, "body": {language: f"{body[language]}\n\n{follow_up}"}}
        edit["links"] = [
            *content["links"],
            {"url": f"https://example.org/demo/records/{n}/follow-up", "label": "Follow-up"},
        ]
        plan.edit = edit
    return plan
