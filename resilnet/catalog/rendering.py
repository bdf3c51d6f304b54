"""Markdown bodies rendered to HTML that cannot carry script, and citation text."""

from __future__ import annotations

import functools

import nh3
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from resilnet.catalog.models import Record

ALLOWED_TAGS = {
    "p", "br", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li",
    "h2", "h3", "h4", "a", "table", "thead", "tbody", "tr", "th", "td", "hr",
}  # fmt: skip


@functools.cache
def _parser() -> MarkdownIt:
    # Raw HTML in the source is shown as text; links are sanitised again below.
    return MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")


def render_markdown(text: str) -> SafeString:
    html = _parser().render(text[:100_000])
    clean = nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}},
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener",
    )
    return mark_safe(clean)  # noqa: S308 (sanitised by nh3 with an allow-list)


def citation(record: Record, url: str, language: str) -> str:
    """A plain-text citation: organisation (year). Title. Collection. resilnet. URL."""
    organisation = record.content.get("organisation") or "resilnet"
    year = record.record_date or (record.published_at and record.published_at.date())
    year_text = f" ({year.year})" if year else ""
    title = record.text("title", language)
    accessed = record.updated_at.date().isoformat()
    return _(
        "%(organisation)s%(year)s. %(title)s. %(collection)s. resilnet catalog, record "
        "%(id)s. %(url)s (version of %(date)s)."
    ) % {
        "organisation": organisation,
        "year": year_text,
        "title": title,
        "collection": record.get_collection_display(),
        "id": record.pk,
        "url": url,
        "date": accessed,
    }
