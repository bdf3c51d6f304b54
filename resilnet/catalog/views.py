"""Catalog pages. Everything works without JavaScript: filters are a GET form, actions
are POST forms."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST
from prometheus_client import Counter

from resilnet.catalog import permissions, selectors, services
from resilnet.catalog.forms import ProposalForm, QueueFilterForm, ReasonForm, RecordForm
from resilnet.catalog.media import SHOWN_BY_THE_PLAYER, player
from resilnet.catalog.models import Attachment, Record
from resilnet.catalog.rendering import citation, render_markdown
from resilnet.catalog.search import SearchQuery, hits, search
from resilnet.catalog.taxonomy import Collection, Status
from resilnet.core import geo_names
from resilnet.core import selectors as core_selectors
from resilnet.core.metrics import REGISTRY
from resilnet.core.views import apply_validation_error

PROPOSALS_PER_HOUR = 5
HONEYPOT_CATCHES = Counter(
    "resilnet_catalog_proposal_honeypot_catches",
    "Proposals refused because the hidden trap field was filled (bots).",
    registry=REGISTRY,
)
log = logging.getLogger(__name__)
FACET_LABELS = {
    "collection": gettext_lazy("Collection"),
    "country": gettext_lazy("Country"),
    "itu_region": gettext_lazy("ITU region"),
    "category": gettext_lazy("Category"),
    "phase": gettext_lazy("Phase"),
    "binding": gettext_lazy("Binding"),
    "action_line": gettext_lazy("WSIS action line"),
    "sdg": gettext_lazy("SDG"),
    "stakeholder_type": gettext_lazy("Stakeholder type"),
    "year": gettext_lazy("Year"),
    "language": gettext_lazy("Language"),
}


language = geo_names.page_language  # the page's language code, "en" outside a request


def facet_value_labels() -> dict[str, dict[str, str]]:
    """What people read for each stored facet value (names, not slugs or codes)."""
    from resilnet.catalog import taxonomy

    def choices(enum: Any) -> dict[str, str]:
        return {value: str(label) for value, label in enum.choices}

    return {
        "collection": choices(taxonomy.Collection),
        "country": geo_names.country_names(),
        "itu_region": {r.code: geo_names.region_name(r.name) for r in core_selectors.itu_regions()},
        "category": choices(taxonomy.MeasureCategory),
        "phase": choices(taxonomy.Phase),
        "binding": choices(taxonomy.Binding),
        "stakeholder_type": choices(taxonomy.StakeholderType),
        "action_line": {code: f"{code} {name}" for code, name in taxonomy.ACTION_LINES.items()},
        "sdg": {str(n): sdg_label(n) for n in taxonomy.SDGS},
        "language": language_names(),
    }


def language_names() -> dict[str, str]:
    """Our language codes → their names in the page language."""
    return {code: str(name) for code, name in settings.LANGUAGES}


def sdg_label(number: int) -> str:
    from resilnet.catalog.taxonomy import SDG_NAMES

    return _("SDG %(n)d: %(name)s") % {"n": number, "name": SDG_NAMES.get(number, "")}


def _item_type(annotation: Any) -> Any:
    """The type of a field's items: without list[], Optional or Annotated around it."""
    import types
    import typing

    while True:
        origin = typing.get_origin(annotation)
        if origin in (list, typing.Union, types.UnionType):
            annotation = next(a for a in typing.get_args(annotation) if a is not type(None))
        elif origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        else:
            return annotation


def describe_fields(record: Any) -> list[dict[str, Any]]:
    """The record's own fields as (label, text or list, is_url) for its page."""
    import enum

    from resilnet.catalog.schemas import FIELDS_BY_COLLECTION
    from resilnet.catalog.taxonomy import ACTION_LINES, FIELD_LABELS

    model = FIELDS_BY_COLLECTION[record.collection]
    rows = []
    shown_by_player = SHOWN_BY_THE_PLAYER if player(record) else set()
    for name, info in model.model_fields.items():
        if name in shown_by_player:
            continue
        value = record.fields.get(name)
        if value in (None, "", [], 0) and name != "episode":
            continue
        inner = _item_type(info.annotation)
        items = value if isinstance(value, list) else [value]
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            labels = dict(inner.choices)  # type: ignore[attr-defined]
            items = [labels.get(item, item) for item in items]
        elif name == "action_lines":
            items = [f"{code} {ACTION_LINES.get(code, '')}" for code in items]
        elif name == "sdgs":
            items = [sdg_label(n) for n in items]
        elif inner is date:
            items = [date.fromisoformat(str(item)) for item in items]
        rows.append(
            {
                "label": FIELD_LABELS.get(name, name),
                "items": items if inner is date else [str(item) for item in items],
                "urls": name.endswith("url") or name == "sources",
                "dates": inner is date,
            }
        )
    return rows


def index(request: HttpRequest) -> HttpResponse:
    query = SearchQuery.from_params(request.GET)
    page = search(query)
    lang = language()
    labels = facet_value_labels()
    facets = [
        {
            "name": name,
            "label": FACET_LABELS[name],
            # Most frequent first; equal counts in the order of their names.
            "values": sorted(
                (
                    {
                        "value": value,
                        "label": labels.get(name, {}).get(value, value),
                        "count": n,
                        "checked": value in query.filters.get(name, []),
                    }
                    for value, n in values
                ),
                key=lambda item: (-item["count"], geo_names.sort_key(item["label"])),
            ),
        }
        for name, values in page.facets.items()
    ]
    results = hits(page, lang)
    names = labels["country"]
    for hit in results:
        hit.record.country_names = [  # type: ignore[attr-defined]
            names.get(code, code) for code in hit.record.content.get("countries", [])[:5]
        ]
        hit.record.title_language = hit.record.text_language("title", lang)  # type: ignore[attr-defined]
        hit.record.snippet_language = hit.record.text_language(  # type: ignore[attr-defined]
            "summary" if hit.record.text("summary", lang) else "body", lang
        )
    params = request.GET.copy()
    params.pop("page", None)
    without_filters = params.copy()
    for name in query.filters:
        without_filters.pop(name, None)
    return render(
        request,
        "catalog/index.html",
        {
            "query": query,
            "page": page,
            "facets": facets,
            "results": results,
            "params": params.urlencode(),
            "active": active_filters(query, params, labels),
            "without_filters": without_filters.urlencode(),
            "collections": Collection.choices,
            "queue": selectors.queue_summary() if permissions.is_moderator(request.user) else None,  # type: ignore[arg-type]
        },
    )


def active_filters(
    query: SearchQuery, params: QueryDict, labels: dict[str, dict[str, str]]
) -> list[dict[str, str]]:
    """The filters a search applies, each with the query string of the same search without
    it: the chips above the results that remove one filter each."""
    chips = []
    for name, values in query.filters.items():
        for value in values:
            without = params.copy()
            without.setlist(name, [v for v in query.filters[name] if v != value])
            chips.append(
                {
                    "facet": str(FACET_LABELS[name]),
                    "label": labels.get(name, {}).get(value, value),
                    "without": without.urlencode(),
                }
            )
    return chips


def record_detail(request: HttpRequest, record_id: int) -> HttpResponse:
    user = request.user if request.user.is_authenticated else None
    record = selectors.record_for(user, record_id)
    if record is None:
        raise Http404(_("No such record."))
    lang = language()
    body_language = lang if record.content.get("body", {}).get(lang) else record.original_language
    url = request.build_absolute_uri(reverse("catalog:record", args=[record.pk]))
    pending = record.pending_revision
    files = selectors.record_files(user, record)
    context: dict[str, Any] = {
        "record": record,
        "title": record.text("title", lang),
        "title_language": record.text_language("title", lang),
        "summary": record.text("summary", lang),
        "summary_language": record.text_language("summary", lang),
        "body": render_markdown(record.text("body", lang)),
        "shown_language": body_language,
        "translated": lang in record.content.get("title", {}),
        "fields": describe_fields(record),
        "media": player(record),
        "countries": sorted(
            (
                {"iso3": c.iso3, "name": geo_names.localised_country_name(c)}
                for c in core_selectors.countries().filter(
                    iso3__in=record.content.get("countries", [])
                )
            ),
            key=lambda c: geo_names.sort_key(c["name"]),
        ),
        "record_languages": [
            name for code, name in language_names().items() if code in record.content["title"]
        ],
        "citation": citation(record, url, lang),
        "related": selectors.related(record) if record.status == Status.PUBLISHED else [],
        "can_edit": permissions.can_edit(user, record),
        "is_moderator": permissions.is_moderator(user),
        "pending": pending,
        "files": files,
        "pending_files": any(item["pending"] for item in files),
        # An import (or another approved edit) changed the live content after the
        # pending revision was written: approving it replaces that content.
        "changed_underneath": pending is not None
        and record.live_revision is not None
        and record.live_revision.number > pending.number,
        "reason_form": ReasonForm(),
    }
    if pending is not None and (context["can_edit"] or context["is_moderator"]):
        context["diff"] = selectors.revision_diff(record.live_revision, pending)
    return render(request, "catalog/record.html", context)


def _record_form_page(request: HttpRequest, form: RecordForm, record: Any = None) -> HttpResponse:
    return render(request, "catalog/record_form.html", {"form": form, "record": record})


@login_required
def record_create(request: HttpRequest, collection: str) -> HttpResponse:
    if collection not in Collection.values:
        raise Http404(_("Unknown collection."))
    form = RecordForm(request.POST or None, collection=collection)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.do_create_record(
                request.user,  # type: ignore[arg-type]
                form.content(),
                submit="submit" in request.POST,
            )
        except ValidationError as exc:
            apply_validation_error(form, exc)
        except PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from None
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:record", record_id=record.pk)
    return _record_form_page(request, form)


@login_required
def record_edit(request: HttpRequest, record_id: int) -> HttpResponse:
    record = selectors.record_for(request.user, record_id)
    if record is None or not permissions.can_edit(request.user, record):  # type: ignore[arg-type]
        raise Http404(_("No such record, or you may not edit it."))
    source = record.pending_revision.content if record.pending_revision else record.content
    form = RecordForm(
        request.POST or None, collection=record.collection, initial=RecordForm.initial_from(source)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.do_update_record(request.user, record, form.content(source))  # type: ignore[arg-type]
            if "submit" in request.POST:
                services.do_submit(request.user, record)  # type: ignore[arg-type]
        except ValidationError as exc:
            apply_validation_error(form, exc)
        else:
            messages.success(request, _("Saved."))
            return redirect("catalog:record", record_id=record.pk)
    return _record_form_page(request, form, record)


TRANSITIONS = {
    "submit": services.do_submit,
    "publish": services.do_publish,
    "request_changes": services.do_request_changes,
    "reject": services.do_reject,
    "archive": services.do_archive,
}


@require_POST
@login_required
def record_transition(request: HttpRequest, record_id: int, action: str) -> HttpResponse:
    record = selectors.record_for(request.user, record_id)
    if record is None or action not in TRANSITIONS:
        raise Http404
    form = ReasonForm(request.POST)
    reason = form.data.get("reason", "")[:5000]
    try:
        if action in ("request_changes", "reject", "archive"):
            TRANSITIONS[action](request.user, record, reason)  # type: ignore[operator]
        else:
            TRANSITIONS[action](request.user, record)  # type: ignore[operator]
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("Done."))
    return redirect("catalog:record", record_id=record.pk)


def _moderator_only(request: HttpRequest) -> None:
    if not permissions.is_moderator(request.user):  # type: ignore[arg-type]
        raise PermissionDenied


@login_required
def moderation_queue(request: HttpRequest) -> HttpResponse:
    _moderator_only(request)
    now = timezone.now()
    names = geo_names.country_names()
    codes = set(selectors.queue_countries())
    if request.GET.get("country") in names:  # still offered once its last revision is decided
        codes.add(request.GET["country"])
    countries = geo_names.sorted_by_name({c: names.get(c, c) for c in codes})
    filters = QueueFilterForm(request.GET or None, countries)
    revisions = selectors.filtered_queue(now=now, **filters.filters())
    return render(
        request,
        "catalog/moderation.html",
        {
            "items": [{"revision": r, "age": now - r.created_at} for r in revisions],
            "filters": filters,
            "filtered": any(filters.filters().values()),
            "files": selectors.pending_attachments()[:200],
            "summary": selectors.queue_summary(now),
            "reason_form": ReasonForm(),
            "query": request.GET.urlencode(),
        },
    )


@require_POST
@login_required
def moderation_decide(request: HttpRequest) -> HttpResponse:
    """The queue's bulk form: one action for the ticked revisions, then back to the queue
    with its filters (post, redirect, get: a reload never decides twice)."""
    _moderator_only(request)
    ids = [int(v) for v in request.POST.getlist("record") if v.isdigit()]
    action = request.POST.get("action", "")
    try:
        outcome = services.do_moderate_many(
            request.user,  # type: ignore[arg-type]
            action,
            ids,
            request.POST.get("reason", "")[:5000],
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if outcome.done:
            messages.success(
                request,
                ngettext("%(n)d record decided.", "%(n)d records decided.", len(outcome.done))
                % {"n": len(outcome.done)},
            )
        for record, reason in outcome.failed:
            messages.error(request, f"{record.title}: {reason}")
    back = reverse("catalog:moderation")
    query = QueryDict(request.POST.get("query", "")[:1000]).urlencode()  # re-encoded: only a query
    return redirect(f"{back}?{query}" if query else back)


@login_required
def my_records(request: HttpRequest) -> HttpResponse:
    from resilnet.core.views import paginate

    return render(
        request, "catalog/mine.html", paginate(request, selectors.my_records(request.user))
    )


def propose_choose(request: HttpRequest) -> HttpResponse:
    """The first step of a proposal: which kind of record, so that the form asks only for
    that collection's fields."""
    return render(request, "catalog/propose_choose.html", {"collections": Collection.choices})


def propose(request: HttpRequest, collection: str) -> HttpResponse:
    if collection not in Collection.values:
        raise Http404
    form = ProposalForm(request.POST or None, collection=collection)
    if request.method == "POST":
        ip = request.META.get("REMOTE_ADDR")
        if request.POST.get(ProposalForm.HONEYPOT):
            # Only a bot fills the hidden trap: it is thanked like a person, nothing is kept.
            HONEYPOT_CATCHES.inc()
            log.warning("proposal refused: the honeypot field was filled (from %s)", ip)
            return redirect("catalog:proposed")
        if selectors.proposals_from(ip, timezone.now() - timedelta(hours=1)) >= PROPOSALS_PER_HOUR:
            return render(request, "catalog/proposed.html", {"throttled": True}, status=429)
        if form.is_valid():
            try:
                services.do_propose(
                    form.content(), name=form.cleaned_data["name"], email=form.cleaned_data["email"]
                )
            except ValidationError as exc:
                apply_validation_error(form, exc)
            else:
                return redirect("catalog:proposed")  # a reload of the next page sends nothing
    return render(
        request,
        "catalog/propose.html",
        {
            "form": form,
            "collection": collection,
            "collection_name": Collection(collection).label,
            "honeypot": ProposalForm.HONEYPOT,
        },
    )


def proposed(request: HttpRequest) -> HttpResponse:
    return render(request, "catalog/proposed.html")


MEDIA_PER_PAGE = 20


def _media_list(
    request: HttpRequest, collection: str, heading: str, feed_url: str, feed_type: str
) -> HttpResponse:
    """Newest first, each with its player: a page to listen or watch, not to search."""
    from resilnet.core.views import paginate

    paged = paginate(request, selectors.newest_published(collection), MEDIA_PER_PAGE)
    lang = language()
    items = [
        {
            "record": record,
            "title": record.text("title", lang),
            "summary": record.text("summary", lang),
            "media": player(record),
        }
        for record in paged["page"].object_list
    ]
    return render(
        request,
        "catalog/media_list.html",
        {
            **paged,
            "heading": heading,
            "items": items,
            "feed_url": feed_url,
            "feed_type": feed_type,
        },
    )


def podcasts(request: HttpRequest) -> HttpResponse:
    return _media_list(
        request, Collection.PODCAST, _("Podcast"), reverse("catalog:podcasts_rss"), "rss"
    )


def videos(request: HttpRequest) -> HttpResponse:
    # Videos have no feed of their own: the Atom feed of the collection is their subscription.
    feed = reverse("catalog:search_atom") + "?" + urlencode({"collection": Collection.VIDEO})
    return _media_list(request, Collection.VIDEO, _("Videos"), feed, "atom")


def country(request: HttpRequest, iso3: str) -> HttpResponse:
    place = core_selectors.country_by_iso3(iso3)
    if place is None:
        raise Http404(_("No such country."))
    page = search(SearchQuery(filters={"country": [place.iso3]}, sort="date", page_size=100))
    by_collection: dict[str, list[Any]] = {}
    for record in page.results:
        by_collection.setdefault(record.get_collection_display(), []).append(
            {"record": record, "title": record.text("title", language())}
        )
    return render(
        request,
        "catalog/country.html",
        {
            "country": place,
            "name": geo_names.localised_country_name(place),
            "page": page,
            "by_collection": by_collection,
        },
    )


FEED_PAGE_SIZE = 50  # entries per page of an Atom feed
PODCAST_PAGE_SIZE = 200  # items per page of the podcast feed
FEED_LIMIT = 50_000  # the deepest a feed pages, as the search download


def _feed_cursor(request: HttpRequest) -> Any:
    """The page a feed request asks for, or a 400 naming the parameter."""
    from resilnet.catalog.feed_paging import CURSOR_PARAMETER, BadCursor, Cursor

    text = request.GET.get(CURSOR_PARAMETER)
    if text is None:
        return None
    try:
        return Cursor.parse(text)
    except BadCursor as error:
        return HttpResponseBadRequest(str(error), content_type="text/plain; charset=utf-8")


def _last_change() -> Any:
    """When the published catalog last changed (the date of a feed without entries)."""
    latest = selectors.published().order_by("-updated_at").values_list("updated_at", flat=True)
    return latest.first() or datetime(1970, 1, 1, tzinfo=UTC)


def search_atom(request: HttpRequest) -> HttpResponse:
    """Any search as a paged Atom feed (RFC 5005), with validators for conditional GET."""
    from resilnet.catalog.feed_paging import conditional_response, page_of, paging_links, url_maker
    from resilnet.catalog.feeds import atom_feed
    from resilnet.catalog.search import newest_ids
    from resilnet.catalog.search.backends.base import published_in_order

    cursor = _feed_cursor(request)
    if isinstance(cursor, HttpResponse):
        return cursor
    query = SearchQuery.from_params(request.GET)
    feed_page = page_of(newest_ids(query, FEED_LIMIT), cursor, FEED_PAGE_SIZE)
    records = published_in_order(feed_page.ids)
    url_with = url_maker(request)
    html_params = request.GET.copy()
    html_params.pop("before", None)
    params = html_params.urlencode()
    body = atom_feed(
        records,
        title=_("resilnet catalog") + (f": {query.q}" if query.q else ""),
        self_url=request.build_absolute_uri(),
        feed_id=url_with({}),
        html_url=request.build_absolute_uri(
            reverse("catalog:index") + (f"?{params}" if params else "")
        ),
        record_url=lambda r: request.build_absolute_uri(reverse("catalog:record", args=[r.pk])),
        language=language(),
        paging=paging_links(feed_page, url_with),
        empty_updated=None if records else _last_change(),  # a query only when it is read
    )
    return conditional_response(
        request,
        body,
        content_type="application/atom+xml; charset=utf-8",
        last_modified=max((r.updated_at for r in records), default=None),
    )


SEARCH_CSV_LIMIT = 50_000


def _in_order(ids: list[int]) -> Iterator[Record]:
    for start in range(0, len(ids), 1000):
        chunk = Record.objects.in_bulk(ids[start : start + 1000])
        yield from (chunk[i] for i in ids[start : start + 1000] if i in chunk)


def search_csv(request: HttpRequest) -> HttpResponse:
    """The records of any search as CSV (the columns of the full export), newest first."""
    import io

    from resilnet.catalog.exports import write_csv

    out = io.StringIO()
    # "CSV for Excel": a byte-order mark, without which Excel on Windows reads UTF-8 as
    # its own code page and garbles Arabic; programs get plain UTF-8 by default.
    if request.GET.get("excel") == "1":
        out.write("\ufeff")
    write_csv(_search_records(request), out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="resilnet-catalog-search.csv"'
    return response


def search_xlsx(request: HttpRequest) -> HttpResponse:
    """The records of any search as an XLSX workbook: the CSV's columns, formulas
    neutralised (`exports.write_xlsx`)."""
    import io

    from resilnet.catalog.exports import write_xlsx

    out = io.BytesIO()
    write_xlsx(_search_records(request), out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="resilnet-catalog-search.xlsx"'
    return response


def _search_records(request: HttpRequest) -> Iterator[Record]:
    from resilnet.catalog.search import newest_ids

    return _in_order(newest_ids(SearchQuery.from_params(request.GET), SEARCH_CSV_LIMIT))


def podcasts_rss(request: HttpRequest) -> HttpResponse:
    """The podcast's episodes as RSS, newest episode first, paged and validated like Atom."""
    from resilnet.catalog.feed_paging import conditional_response, page_of, paging_links, url_maker
    from resilnet.catalog.feeds import podcast_rss
    from resilnet.catalog.search.backends.base import published_in_order

    cursor = _feed_cursor(request)
    if isinstance(cursor, HttpResponse):
        return cursor
    ordered = list(
        selectors.newest_published(Collection.PODCAST).values_list("id", flat=True)[:FEED_LIMIT]
    )
    feed_page = page_of(ordered, cursor, PODCAST_PAGE_SIZE)
    records = published_in_order(feed_page.ids)
    body = podcast_rss(
        records,
        title=_("resilnet podcast"),
        description=_("Conversations on digital resilience in health emergencies."),
        site_url=request.build_absolute_uri(reverse("catalog:index")),
        self_url=request.build_absolute_uri(),
        record_url=lambda r: request.build_absolute_uri(reverse("catalog:record", args=[r.pk])),
        language=language(),
        paging=paging_links(feed_page, url_maker(request)),
        image_url=settings.PODCAST_IMAGE_URL
        or request.build_absolute_uri(static("catalog/podcast-cover.png")),
        owner_name=settings.PODCAST_OWNER_NAME,
        owner_email=settings.PODCAST_OWNER_EMAIL,
    )
    return conditional_response(
        request,
        body,
        content_type="application/rss+xml; charset=utf-8",
        last_modified=max((r.updated_at for r in records), default=None),
    )


MAX_UPLOAD_BYTES = 100 * 1024 * 1024


@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    """Moderators upload a file; a background job checks or imports it with progress."""
    from resilnet.catalog import tasks
    from resilnet.catalog.forms import ImportForm
    from resilnet.core import services as core_services
    from resilnet.core.tasks import save_upload

    _moderator_only(request)
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST":
        upload = request.FILES.get("file")
        if upload is not None and upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
            return render(
                request,
                "catalog/import.html",
                {"form": form, "too_large": MAX_UPLOAD_BYTES // (1024 * 1024)},
                status=413,
            )
        if form.is_valid():
            data = form.cleaned_data
            path = save_upload(data["file"])
            job = core_services.start_job(
                request.user,  # type: ignore[arg-type]
                tasks.import_file,
                _("Import of %(name)s") % {"name": data["file"].name[:100]},
                path=str(path),
                file_format=data["file_format"],
                mode=data["mode"],
                dry_run=data["dry_run"],
                mapping=data["mapping"],
            )
            return redirect("job_detail", job_id=job.pk)
    return render(request, "catalog/import.html", {"form": form})


@login_required
def record_revisions(request: HttpRequest, record_id: int) -> HttpResponse:
    """Every revision of a record, and the difference between any two."""
    record = selectors.record_for(request.user, record_id)
    user = request.user
    if record is None or not (
        permissions.can_edit(user, record) or permissions.is_moderator(user)  # type: ignore[arg-type]
    ):
        raise Http404(_("No such record, or you may not see its history."))
    revisions = list(record.revisions.select_related("author"))
    by_number = {r.number: r for r in revisions}

    def pick(name: str, default: int | None) -> Any:
        try:
            return by_number.get(int(request.GET.get(name, "")), by_number.get(default or 0))
        except ValueError:
            return by_number.get(default or 0)

    newest = revisions[0].number if revisions else None
    new = pick("b", newest)
    old = pick("a", (new.number - 1) if new else None)
    diff = selectors.revision_diff(old, new) if new else []
    return render(
        request,
        "catalog/revisions.html",
        {"record": record, "revisions": revisions, "old": old, "new": new, "diff": diff},
    )


@require_POST
@login_required
def attachment_add(request: HttpRequest, record_id: int) -> HttpResponse:
    from resilnet.catalog.attachments import MAX_ATTACHMENT_BYTES

    record = selectors.record_for(request.user, record_id)
    if record is None:
        raise Http404
    upload = request.FILES.get("file")
    if upload is None:
        messages.error(request, _("Choose a file to attach."))
    elif upload.size and upload.size > MAX_ATTACHMENT_BYTES:
        messages.error(
            request, _("The file is larger than %(mb)d MB.") % {"mb": MAX_ATTACHMENT_BYTES // 2**20}
        )
        return redirect_with_status(reverse("catalog:record", args=[record.pk]), 413)
    else:
        try:
            services.do_add_attachment(request.user, record, upload.name or "file", upload.read())  # type: ignore[arg-type]
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("File attached."))
    return redirect("catalog:record", record_id=record.pk)


def redirect_with_status(url: str, status: int) -> HttpResponse:
    """A short page linking back, with a status code a client can act on (e.g. 413)."""
    return render(
        request=None, template_name="catalog/back.html", context={"url": url}, status=status
    )


@require_POST
@login_required
def attachment_remove(request: HttpRequest, attachment_id: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("record"), pk=attachment_id)
    services.do_remove_attachment(request.user, attachment)  # type: ignore[arg-type]
    return redirect("catalog:record", record_id=attachment.record_id)


@require_POST
@login_required
def attachment_decide(request: HttpRequest, attachment_id: int, action: str) -> HttpResponse:
    """A moderator approves or rejects a file awaiting approval, from the record's page
    or from the moderation queue (`back=queue`), where it returns."""
    attachment = get_object_or_404(Attachment.objects.select_related("record"), pk=attachment_id)
    if action not in ("approve", "reject") or not permissions.is_moderator(request.user):  # type: ignore[arg-type]
        raise Http404
    try:
        if action == "approve":
            services.do_approve_attachment(request.user, attachment)  # type: ignore[arg-type]
            messages.success(request, _("File approved."))
        else:
            reason = request.POST.get("reason", "")[:5000]
            services.do_reject_attachment(request.user, attachment, reason)  # type: ignore[arg-type]
            messages.success(request, _("File rejected."))
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    if request.POST.get("back") == "queue":
        return redirect("catalog:moderation")
    return redirect("catalog:record", record_id=attachment.record_id)


def attachment_download(request: HttpRequest, attachment_id: int) -> HttpResponseBase:
    """Always a download with the sniffed type: a file can never run as a page here."""
    from django.http import FileResponse

    attachment = get_object_or_404(Attachment, pk=attachment_id)
    user = request.user if request.user.is_authenticated else None
    record = selectors.record_for(user, attachment.record_id)
    if record is None:
        raise Http404
    attachment.record = record
    if not permissions.can_see_attachment(user, attachment):
        raise Http404  # awaiting a moderator's approval
    try:
        stream = attachment.file.open("rb")
    except FileNotFoundError:
        # The row outlived its file (restored without it, deleted by hand): say so plainly.
        raise Http404(_("This file is missing from the server.")) from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=attachment.name,
        content_type=attachment.mime_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response
