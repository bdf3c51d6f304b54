"""The catalog API: search with facets, records, the moderation workflow, exports."""

import io
from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status
from pydantic import ConfigDict

from resilnet.catalog import permissions, selectors, services
from resilnet.catalog.models import Record
from resilnet.catalog.schemas import RECORD_CONTENT_SCHEMA
from resilnet.catalog.search import SearchQuery, hits, search
from resilnet.core.api import AUTH, OPTIONAL_AUTH, DescribedAs, Problem, errors, signed_in

router = Router(tags=["catalog"])


class SearchParams(Schema):
    q: str = Field("", max_length=500, description='Words (all must match); "quoted phrases".')
    collection: list[str] = Field([], max_length=20)
    country: list[str] = Field([], max_length=50, description="ISO 3166-1 alpha-3 codes.")
    itu_region: list[str] = Field([], max_length=6)
    category: list[str] = Field([], max_length=20)
    phase: list[str] = Field([], max_length=5)
    binding: list[str] = Field([], max_length=2)
    action_line: list[str] = Field([], max_length=20)
    sdg: list[str] = Field([], max_length=17)
    stakeholder_type: list[str] = Field([], max_length=10)
    year: list[str] = Field([], max_length=20)
    language: list[str] = Field([], max_length=6)
    sort: Literal["relevance", "date"] = "relevance"
    lang: str = Field("en", max_length=8, description="Language to show titles in, if translated.")
    page: int = Field(1, ge=1, le=10_000)
    page_size: int = Field(20, ge=1, le=100)


class Hit(Schema):
    id: int
    collection: str
    title: str
    url: str
    snippet: str
    countries: list[str]
    date: date | None
    published_at: datetime | None


class FacetValue(Schema):
    value: str
    count: int


class SearchOut(Schema):
    count: int
    page: int
    pages: int
    results: list[Hit]
    facets: dict[str, list[FacetValue]]


def record_url(request: HttpRequest, record: Record) -> str:
    return request.build_absolute_uri(reverse("catalog:record", args=[record.pk]))


@router.get(
    "/search",
    response={200: SearchOut, **errors(422)},
    summary="Search published records, with facet counts",
)
def search_records(request: HttpRequest, params: Query[SearchParams]) -> Any:
    # The parameters are validated above; the search is read from them as the pages read it.
    page = search(SearchQuery.from_params(request.GET, page_size=params.page_size))
    return {
        "count": page.count,
        "page": page.page,
        "pages": page.pages,
        "results": [
            {
                "id": hit.record.pk,
                "collection": hit.record.collection,
                "title": hit.title,
                "url": record_url(request, hit.record),
                "snippet": hit.snippet,
                "countries": hit.record.content.get("countries", []),
                "date": hit.record.record_date,
                "published_at": hit.record.published_at,
            }
            for hit in hits(page, params.lang)
        ],
        "facets": {
            name: [{"value": value, "count": n} for value, n in values]
            for name, values in page.facets.items()
        },
    }


# Content is validated by the catalog's own schemas (services.validate), whose messages name
# the content's fields; the OpenAPI document shows the same schemas.
Content = Annotated[dict[str, Any], DescribedAs(RECORD_CONTENT_SCHEMA)]


class RecordOut(Schema):
    id: int
    collection: str
    status: str
    title: str
    url: str
    content: Content
    owner: str | None
    published_at: datetime | None
    updated_at: datetime
    live_revision: int | None
    pending_revision: int | None
    pending_state: str | None


def record_out(request: HttpRequest, record: Record) -> dict[str, Any]:
    pending = record.pending_revision
    return {
        "id": record.pk,
        "collection": record.collection,
        "status": record.status,
        "title": record.title,
        "url": record_url(request, record),
        "content": record.content,
        "owner": record.owner.get_username() if record.owner else None,
        "published_at": record.published_at,
        "updated_at": record.updated_at,
        "live_revision": record.live_revision.number if record.live_revision else None,
        "pending_revision": pending.number if pending else None,
        "pending_state": pending.state if pending else None,
    }


def visible(request: HttpRequest, record_id: int) -> Record:
    user = request.user if request.user.is_authenticated else None
    record = selectors.record_for(user, record_id)
    if record is None:
        raise Problem(404, "Record not found", f"No record {record_id} is visible to you.")
    return record


@router.get(
    "/records/{record_id}",
    auth=OPTIONAL_AUTH,
    response={200: RecordOut, **errors(401, 404, 422)},
    summary="One record (published ones for anybody; drafts for their owner and moderators)",
)
def get_record(request: HttpRequest, record_id: int) -> Any:
    return record_out(request, visible(request, record_id))


def _operation_id(view: str) -> str:
    """The operationId ninja gives a view of this module."""
    return f"{__name__}.{view}".replace(".", "_")


def _links_to_record() -> dict[str, Any]:
    """OpenAPI links from a response carrying a record to what can be done with it next."""
    views = {
        "read": "get_record",
        "edit": "update_record",
        "move": "transition",
        "revisions": "revisions",
    }
    return {
        name: {
            "operationId": _operation_id(view),
            "parameters": {"record_id": "$response.body#/id"},
        }
        for name, view in views.items()
    }


class RecordIn(Schema):
    content: Content = Field(..., description="What the record says: see the catalog guide.")
    external_id: str | None = Field(None, max_length=200)
    submit: bool = False


@router.post(
    "/records",
    auth=AUTH,
    response={201: RecordOut, **errors(400, 401, 403, 413, 422)},
    summary="Create a record",
    openapi_extra={"responses": {201: {"links": _links_to_record()}}},
)
def create_record(request: HttpRequest, payload: RecordIn) -> Any:
    record = services.do_create_record(
        signed_in(request), payload.content, external_id=payload.external_id, submit=payload.submit
    )
    record.refresh_from_db()
    return Status(201, record_out(request, record))


class RecordUpdate(Schema):
    content: Content
    note: str = Field("", max_length=2000)


@router.put(
    "/records/{record_id}",
    auth=AUTH,
    response={200: RecordOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Edit a record",
)
def update_record(request: HttpRequest, record_id: int, payload: RecordUpdate) -> Any:
    record = visible(request, record_id)
    services.do_update_record(signed_in(request), record, payload.content, payload.note)
    record.refresh_from_db()
    return record_out(request, record)


class TransitionIn(Schema):
    # The workflow asks a reason of a moderator who turns a revision down; say so.
    model_config = ConfigDict(
        json_schema_extra={
            "if": {
                "properties": {"action": {"enum": ["request_changes", "reject"]}},
                "required": ["action"],
            },
            "then": {"properties": {"reason": {"pattern": r"\S"}}, "required": ["reason"]},
        }
    )

    action: Literal["submit", "publish", "request_changes", "reject", "archive"]
    reason: str = Field(
        "", max_length=5000, description="Why: required to request changes or to reject."
    )


@router.post(
    "/records/{record_id}/transitions",
    auth=AUTH,
    response={200: RecordOut, **errors(400, 401, 403, 404, 413, 422)},
    summary="Move a record through the workflow",
)
def transition(request: HttpRequest, record_id: int, payload: TransitionIn) -> Any:
    record = visible(request, record_id)
    actor = signed_in(request)
    if payload.action == "submit":
        services.do_submit(actor, record)
    elif payload.action == "publish":
        services.do_publish(actor, record)
    elif payload.action == "request_changes":
        services.do_request_changes(actor, record, payload.reason)
    elif payload.action == "reject":
        services.do_reject(actor, record, payload.reason)
    else:
        services.do_archive(actor, record, payload.reason)
    record.refresh_from_db()
    return record_out(request, record)


class RevisionOut(Schema):
    number: int
    state: str
    author: str | None
    created_at: datetime
    note: str


@router.get(
    "/records/{record_id}/revisions",
    auth=AUTH,
    response={200: list[RevisionOut], **errors(401, 403, 404, 422)},
    summary="A record's revisions (for its owner and moderators)",
)
def revisions(request: HttpRequest, record_id: int) -> Any:
    record = visible(request, record_id)
    if not permissions.can_edit(signed_in(request), record) and not permissions.is_moderator(
        signed_in(request)
    ):
        raise PermissionDenied("Only the owner and moderators see a record's revisions.")
    return [
        {
            "number": r.number,
            "state": r.state,
            "author": r.author.get_username() if r.author else None,
            "created_at": r.created_at,
            "note": r.note,
        }
        for r in record.revisions.select_related("author")
    ]


def _download(media_type: str, schema: dict[str, Any]) -> dict[str, Any]:
    """openapi_extra for an operation answering a file of its own (no response schema)."""
    return {"responses": {200: {"content": {media_type: {"schema": schema}}}}}


CSV = _download("text/csv", {"type": "string"})


@router.get(
    "/export.csv",
    summary="The whole published catalog as CSV",
    response={200: None, **errors(422)},
    openapi_extra=CSV,
)
def export_csv(request: HttpRequest, excel: bool = False) -> Any:
    """`excel=true`: starts with a byte-order mark, so Excel reads it as UTF-8 (Arabic,
    Chinese and Russian text intact); the default, without one, is for programs."""
    return _export("csv", bom=excel)


@router.get(
    "/export.json",
    summary="The whole published catalog as JSON",
    response={200: None},
    openapi_extra=_download(
        "application/json",
        {
            "type": "object",
            "properties": {
                "data_dictionary": {"type": "array", "items": {"type": "object"}},
                "records": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["data_dictionary", "records"],
        },
    ),
)
def export_json(request: HttpRequest) -> Any:
    return _export("json")


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/export.xlsx",
    summary="The whole published catalog as an XLSX workbook (the CSV's columns)",
    response={200: None},
    openapi_extra=_download(XLSX_TYPE, {"type": "string", "format": "binary"}),
)
def export_xlsx(request: HttpRequest) -> Any:
    return _export("xlsx")


@router.get(
    "/data-dictionary.csv",
    summary="What every exported column means",
    response={200: None},
    openapi_extra=CSV,
)
def data_dictionary(request: HttpRequest) -> Any:
    from django.http import HttpResponse

    from resilnet.catalog.exports import write_data_dictionary_csv

    out = io.StringIO()
    write_data_dictionary_csv(out)
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="resilnet-catalog-dictionary.csv"'
    return response


def _export(kind: str, *, bom: bool = False) -> Any:
    """Write the export to a temporary file, then stream it: memory stays flat however
    large the catalog (the writers read records in chunks)."""
    import tempfile

    from django.http import FileResponse

    from resilnet.catalog import exports

    spool = tempfile.TemporaryFile("w+b")  # FileResponse closes it
    records = selectors.published().order_by("id")
    if kind == "xlsx":
        exports.write_xlsx(records, spool)
    else:
        text = io.TextIOWrapper(spool, encoding="utf-8-sig" if bom else "utf-8", newline="")
        writer = exports.write_csv if kind == "csv" else exports.write_json
        writer(records, text)
        text.flush()
        text.detach()
    spool.seek(0)
    content_type = {
        "csv": "text/csv; charset=utf-8",
        "json": "application/json",
        "xlsx": XLSX_TYPE,
    }[kind]
    return FileResponse(
        spool,
        content_type=content_type,
        as_attachment=True,
        filename=f"resilnet-catalog.{kind}",
    )
