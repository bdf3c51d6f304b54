"""One demo record's title, summary, date, tags and fields, per collection.

Each function draws from the record's own generator in a fixed order: drawing one more or
one fewer number changes the rest of the record, and the same seed must keep planning the
same catalog, so keep the order when editing.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from resilnet.catalog.demo import content
from resilnet.catalog.demo.content import Story
from resilnet.catalog.demo.phrases import Text, phrase
from resilnet.catalog.demo.places import Gazetteer, Place
from resilnet.catalog.taxonomy import (
    AuthorityType,
    Binding,
    MeasureStatus,
    Phase,
    ProjectStatus,
    Scope,
)

# What a composer returns: title and summary in the record's languages, and `extra`
# with "date", "tags", "fields" and, when not the record's one country, "countries".
Composed = tuple[Text, Text, dict[str, Any]]

FIRST_DAY = dt.date(2020, 3, 1)
LAST_DAY = dt.date(2024, 12, 31)
FIRST_EPISODE = dt.date(2020, 4, 7)
EPISODE_INTERVAL = dt.timedelta(days=91)  # a quarterly series: 20 episodes to the end of 2024
# Who acts with a legal mandate: their measures bind unless the action is a voluntary one.
MANDATORY_WHEN_BY = (AuthorityType.REGULATOR, AuthorityType.MINISTRY, AuthorityType.OTHER)


def _day(rng: random.Random, start: dt.date, end: dt.date) -> dt.date:
    return start + dt.timedelta(days=rng.randrange((end - start).days + 1))


def _date(rng: random.Random, year_weights: tuple[int, ...] = (35, 25, 15, 13, 12)) -> dt.date:
    year = rng.choices(range(2020, 2025), weights=year_weights)[0]
    start = FIRST_DAY if year == 2020 else dt.date(year, 1, 1)
    return _day(rng, start, dt.date(year, 12, 31))


def _isbn(n: int) -> str:
    """A made-up ISBN-13 under registrant 0000 of group 0, with a valid check digit."""
    digits = f"97800000{n % 10000:04d}"
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits))
    return f"978-0-0000-{n % 10000:04d}-{(10 - total % 10) % 10}"


def _phase(day: dt.date) -> Phase:
    if day < dt.date(2020, 10, 1):
        return Phase.EMERGENCY
    if day < dt.date(2022, 1, 1):
        return Phase.RECOVERY
    return Phase.NEW_NORMAL


def _titled(template: Text | None, title: Text, languages: list[str], **values: Any) -> Text:
    """`title` in `languages`, put into `template` (with `t` the title) when there is one."""
    return {
        lang: template[lang].format(t=title[lang], **values) if template else title[lang]
        for lang in languages
    }


def measure(rng: random.Random, n: int, languages: list[str]) -> Composed:
    action = rng.choice(content.ACTIONS)
    authority_type = rng.choice(action.authorities)
    binding = (
        Binding.MANDATORY
        if authority_type in MANDATORY_WHEN_BY and not action.voluntary
        else Binding.VOLUNTARY
    )
    announced = _date(rng, (50, 25, 10, 8, 7))
    phase = _phase(announced)
    effective = min(announced + dt.timedelta(days=rng.randrange(0, 11)), LAST_DAY)
    ends: dt.date | None = None
    chance_of_end = {Phase.EMERGENCY: 0.7, Phase.RECOVERY: 0.45, Phase.NEW_NORMAL: 0.15}[phase]
    if rng.random() < chance_of_end:
        candidate = effective + dt.timedelta(days=rng.randrange(30, 366))
        ends = candidate if candidate <= LAST_DAY else None
    status = MeasureStatus.IN_FORCE
    if ends:
        status = MeasureStatus.REVOKED if rng.random() < 0.1 else MeasureStatus.EXPIRED
    qualified = rng.random() < 0.5
    title = _titled(
        phrase(f"measure.phase.{phase}.title") if qualified else None, action.title, languages
    )
    summary: Text = {}
    for lang in languages:
        subject = phrase(f"authority.{authority_type}.subject")[lang]
        if lang == "ru":  # the Russian sentence starts with the phase clause
            subject = subject[0].lower() + subject[1:]
        parts = [
            phrase("measure.sentence")[lang].format(
                s=subject, v=action.verb[lang], p=phrase(f"measure.phase.{phase}.clause")[lang]
            ),
            phrase(f"measure.binding.{binding}")[lang],
        ]
        if ends:
            parts.append(phrase(f"measure.end.{status}")[lang].format(d=ends.isoformat()))
        summary[lang] = ("" if lang == "zh-hans" else " ").join(parts)
    original = languages[0]
    fields: dict[str, Any] = {
        "authority": phrase(f"authority.{authority_type}.name")[original],
        "authority_type": authority_type,
        "stakeholder": phrase(f"stakeholder.{action.stakeholder}")[original],
        "category": action.category,
        "phase": phase,
        "binding": binding,
        "measure_status": status,
        "announced_on": announced.isoformat(),
        "effective_on": effective.isoformat(),
        "ends_on": ends.isoformat() if ends else None,
        "sources": [f"https://example.org/demo/measures/{n}/announcement"],
    }
    if original == "en":
        outcome = rng.choice(content.OUTCOMES)
        fields["outcome"] = outcome.format(k=f"{rng.randrange(20, 900) * 1000:,}")
        fields["lessons"] = rng.choice(content.LESSONS)
    return title, summary, {"date": announced, "tags": list(action.tags), "fields": fields}


def case(rng: random.Random, languages: list[str], place: Place, atlas: Gazetteer) -> Composed:
    project = rng.choice(content.PROJECTS)
    scope = rng.choices(
        [Scope.LOCAL, Scope.NATIONAL, Scope.REGIONAL, Scope.INTERNATIONAL], weights=[3, 5, 1, 1]
    )[0]
    started = _date(rng, (45, 25, 12, 10, 8))
    finish = started + dt.timedelta(days=rng.randrange(120, 900))
    ended = finish if finish <= LAST_DAY and rng.random() >= 0.45 else None
    qualified = scope != Scope.NATIONAL or rng.random() < 0.4
    title = _titled(
        phrase(f"case.scope.{scope}.title") if qualified else None, project.title, languages
    )
    summary = {lang: project.summary[lang] for lang in languages}
    original = languages[0]
    fields: dict[str, Any] = {
        "organisation": project.organisation[original],
        "stakeholder_type": project.stakeholder_type,
        "action_lines": list(project.action_lines),
        "sdgs": list(project.sdgs),
        "scope": scope,
        "project_status": ProjectStatus.COMPLETED if ended else ProjectStatus.ONGOING,
        "started_on": started.isoformat(),
        "ended_on": ended.isoformat() if ended else None,
    }
    if original == "en":
        fields["impact"] = rng.choice(content.IMPACTS).format(k=f"{rng.randrange(2, 90) * 1000:,}")
        fields["challenges"] = rng.choice(content.CHALLENGES)
        fields["partners"] = rng.sample(content.PARTNERS, rng.randrange(1, 4))
    countries = [place.iso3]
    if scope == Scope.REGIONAL:
        countries += atlas.neighbours(rng, place, rng.randrange(1, 4))
    elif scope == Scope.INTERNATIONAL:
        countries += atlas.anywhere(rng, rng.randrange(2, 5))
    extra = {"date": started, "tags": list(project.tags), "fields": fields, "countries": countries}
    return title, summary, extra


def _story(
    rng: random.Random, stories: tuple[Story, ...], languages: list[str], template: Text | None
) -> tuple[Story, Text, dt.date]:
    story = rng.choice(stories)
    day = _date(rng)
    return story, _titled(template, story.title, languages, year=day.year), day


def _summary(story: Story, languages: list[str]) -> Text:
    return {lang: story.summary[lang] for lang in languages}


def resource(rng: random.Random, languages: list[str]) -> Composed:
    item = rng.choice(content.RESOURCES)
    day = _date(rng)
    edition = phrase("edition.title") if item.resource_type in content.EDITIONED_RESOURCES else None
    title = _titled(edition, item.title, languages, year=day.year)
    extra = {
        "date": day,
        "tags": ["cybersecurity", *item.tags],
        "fields": {
            "resource_type": item.resource_type,
            "audiences": list(item.audiences),
            "topics": list(item.tags),
        },
    }
    return title, _summary(item, languages), extra


def news(rng: random.Random, language: str, languages: list[str]) -> Composed:
    story, title, day = _story(rng, content.NEWS, languages, None)
    extra = {
        "date": day,
        "tags": list(story.tags),
        "fields": {"source": phrase("news.source")[language]},
    }
    return title, _summary(story, languages), extra


def podcast(
    rng: random.Random, block: int, languages: list[str], place: Place, atlas: Gazetteer
) -> Composed:
    """Episode `block + 1` of the series: one episode per block of 20 records."""
    story, _, day = _story(rng, content.EPISODES, languages, None)
    episode = block + 1
    if block < 20:
        day = FIRST_EPISODE + EPISODE_INTERVAL * block
    title = _titled(phrase("podcast.episode_title"), story.title, languages, n=episode)
    duration = rng.randrange(15, 55) * 60 + rng.randrange(60)
    extra = {
        "date": day,
        "tags": ["podcast", *story.tags],
        "countries": rng.sample(
            [place.iso3, *atlas.neighbours(rng, place, 2)], rng.randrange(0, 3)
        ),
        "fields": {
            "audio_url": (
                f"https://media.example.org/resilient-connections/episode-{episode:03d}.mp3"
            ),
            "audio_type": "audio/mpeg",
            "audio_bytes": duration * 16_000 + rng.randrange(4096),  # 128 kbit/s
            "duration_seconds": duration,
            "episode": episode,
        },
    }
    return title, _summary(story, languages), extra


def video(rng: random.Random, n: int, language: str, languages: list[str]) -> Composed:
    story, title, day = _story(rng, content.VIDEOS, languages, None)
    narrator = phrase("video.speaker.narrator")[language]
    speaker = phrase("video.speaker.interviewee")[language]
    sep = "" if language == "zh-hans" else " "
    transcript = (
        f"{narrator}{sep}{story.summary[language]}\n"
        f"{speaker}{sep}{phrase(rng.choice(content.GUEST_LINES))[language]}"
    )
    extra = {
        "date": day,
        "tags": ["video", *story.tags],
        "fields": {
            "video_url": f"https://media.example.org/demo/videos/{n}",
            "duration_seconds": rng.randrange(90, 1500),
            "transcript": transcript,
        },
    }
    return title, _summary(story, languages), extra


def report(
    rng: random.Random, n: int, language: str, languages: list[str], place: Place
) -> Composed:
    story, title, day = _story(rng, content.REPORTS, languages, phrase("edition.title"))
    identifier = (
        {"doi": f"10.5555/resilnet-demo.{day.year}.{n:04d}"}
        if rng.random() < 0.6
        else {"isbn": _isbn(n)}
    )
    extra = {
        "date": day,
        "tags": ["report", *story.tags],
        "countries": [place.iso3] if rng.random() < 0.6 else [],
        "fields": {
            "publication_url": f"https://example.org/demo/reports/{n}.pdf",
            "publisher": phrase("report.publisher")[language],
            "pages": rng.randrange(24, 220),
            **identifier,
        },
    }
    return title, _summary(story, languages), extra
