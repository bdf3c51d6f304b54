"""The core HTTP API: countries, regions, the current user and their API tokens, and what
every module's API shares (authentication, problem documents, pagination).

Errors are RFC 9457 problem documents (`application/problem+json`).
"""

import json
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import Field, NinjaAPI, Query, Router, Schema, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.schema import OpenAPISchema
from ninja.operation import Operation
from ninja.pagination import PaginationBase, paginate
from ninja.parser import Parser
from ninja.security import HttpBearer, SessionAuth
from pydantic import GetJsonSchemaHandler, TypeAdapter
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from resilnet import __version__
from resilnet.core import selectors, services
from resilnet.core.auth import TokenError, authenticate_token
from resilnet.core.models import APIToken, Country, Role, User


class Problem(Exception):
    """Raise from a handler to answer with a problem document."""

    def __init__(self, status: int, title: str, detail: str = "", **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


class NulCharacter(ValueError):
    """A NUL character in a request: text no database column can store (PostgreSQL refuses
    it, SQLite keeps it and cuts strings at it later), so it is refused on every engine."""

    def __init__(self, location: str) -> None:
        super().__init__(f"{location}: NUL characters are not allowed")
        self.location = location


def _refuse_nul(value: Any, location: str) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise NulCharacter(location)
    elif isinstance(value, dict):
        for key, item in value.items():
            _refuse_nul(key, location)
            _refuse_nul(item, f"{location}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nul(item, f"{location}.{index}")


class StrictParser(Parser):
    """JSON bodies and query strings as ninja parses them, less NUL characters."""

    def parse_body(self, request: HttpRequest) -> Any:
        data = super().parse_body(request)
        _refuse_nul(data, "body")
        return data

    def parse_querydict(self, data: Any, list_fields: list[str], request: HttpRequest) -> Any:
        result = super().parse_querydict(data, list_fields, request)
        _refuse_nul(result, "query")
        return result


PROBLEM_MEDIA_TYPE = "application/problem+json"


class ProblemSchema(Schema):
    """An RFC 9457 problem document. Some carry more members: the country code of a 404,
    `limit` on a 413, `line`, `column` and `position` on malformed JSON."""

    type: str = Field("about:blank", description="Always about:blank: the status says it.")
    title: str = Field(..., description="A short summary, the same for every such problem.")
    status: int = Field(..., description="The HTTP status code.")
    detail: str = Field(..., description="What went wrong with this request.")
    instance: str = Field(..., description="The path of the request.")


class FieldProblem(Schema):
    location: str = Field(
        ...,
        description="Where: a dotted path into the request (`body.payload.note`, "
        "`query.page`) or into a record's content (`fields.category`); empty for the whole.",
    )
    message: str


class ValidationProblemSchema(ProblemSchema):
    """A 422: every bad parameter or field, each with its location."""

    errors: list[FieldProblem] = Field(..., min_length=1)


# What each error status means across the API (the OpenAPI document's descriptions).
ERROR_DESCRIPTIONS = {
    400: "Malformed body: not JSON, or not UTF-8.",
    401: "No valid credentials: no session nor token, or a token that is unknown, "
    "expired or revoked.",
    403: "Not allowed to the user (or the token's role), or a session without its CSRF token.",
    404: "Nothing there, or nothing that the user may see.",
    413: "A body over the upload limit (`limit`, in bytes).",
    422: "Invalid parameters or body: `errors` names each location.",
}


def errors(*statuses: int) -> dict[int, type[ProblemSchema]]:
    """The problem responses an operation can give, to spread into its `response`:
    `response={200: RecordOut, **errors(401, 404, 422)}`. They are described as
    application/problem+json in the OpenAPI document."""
    unknown = set(statuses) - set(ERROR_DESCRIPTIONS)
    if unknown:
        raise ValueError(f"no problem response is described for {sorted(unknown)}")
    return {
        status: ValidationProblemSchema if status == 422 else ProblemSchema
        for status in sorted(statuses)
    }


class TokenAuth(HttpBearer):
    """`Authorization: Bearer rn_…` for machine clients."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        try:
            api_token = authenticate_token(token)
        except TokenError as exc:
            raise Problem(401, "Invalid API token", str(exc)) from None
        api_token.user.token_role = api_token.role
        request.user = api_token.user
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token


session_auth = SessionAuth(csrf=True)
token_auth = TokenAuth()
AUTH = [token_auth, session_auth]


def anonymous(request: HttpRequest) -> bool:
    """Last in OPTIONAL_AUTH: a request with neither token nor session goes on as a visitor."""
    return True


# For reads open to everybody that show more to some (a draft to its owner): a token is
# honoured when sent (and refused when bad), as a session is.
OPTIONAL_AUTH = [token_auth, session_auth, anonymous]


def problem_response(
    request: HttpRequest, status: int, title: str, detail: str = "", **extra: Any
) -> HttpResponse:
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    body["instance"] = request.path
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type="application/problem+json"
    )
    if status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="resilnet"'
    return response


def on_problem(request: HttpRequest, exc: Problem) -> HttpResponse:
    return problem_response(request, exc.status, exc.title, exc.detail, **exc.extra)


def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [
        {
            "location": ".".join(str(part) for part in error.get("loc", ())),
            "message": error.get("msg", ""),
        }
        for error in exc.errors
    ]
    first = errors[0] if errors else {"location": "", "message": ""}
    return problem_response(
        request,
        422,
        "Invalid request",
        f"{first['location']}: {first['message']}",
        errors=errors,
    )


def on_model_validation_error(request: HttpRequest, exc: DjangoValidationError) -> HttpResponse:
    if hasattr(exc, "error_dict"):
        errors = [
            {"location": field, "message": str(message)}
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    else:
        errors = [{"location": "", "message": str(message)} for message in exc.messages]
    detail = "; ".join(
        f"{e['location']}: {e['message']}" if e["location"] else e["message"] for e in errors
    )
    return problem_response(request, 422, "Invalid request", detail, errors=errors)


def on_authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem_response(
        request, 401, "Authentication required", "Sign in, or send Authorization: Bearer TOKEN."
    )


def on_nul_character(request: HttpRequest, exc: NulCharacter) -> HttpResponse:
    return problem_response(
        request,
        422,
        "Invalid request",
        str(exc),
        errors=[{"location": exc.location, "message": "NUL characters are not allowed"}],
    )


def on_body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem_response(
        request, 413, "Request body too large", f"The limit is {limit:,} bytes.", limit=limit
    )


def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    cause = exc.__cause__
    if isinstance(cause, NulCharacter):
        return on_nul_character(request, cause)
    if isinstance(cause, json.JSONDecodeError):
        return problem_response(
            request,
            400,
            "Malformed JSON",
            f"{cause.msg} at line {cause.lineno}, column {cause.colno} (byte {cause.pos}).",
            line=cause.lineno,
            column=cause.colno,
            position=cause.pos,
        )
    if isinstance(cause, UnicodeDecodeError):
        return problem_response(
            request, 400, "Malformed body", f"Not UTF-8: invalid byte at position {cause.start}."
        )
    if exc.status_code == 403 and "CSRF" in str(exc):
        return problem_response(
            request,
            403,
            "CSRF check failed",
            "Send the X-CSRFToken header with the csrftoken cookie's value, or use a token.",
        )
    return problem_response(request, exc.status_code, str(exc))


def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem_response(request, 404, "Not found", str(exc) or "")


def on_permission_denied(request: HttpRequest, exc: PermissionDenied) -> HttpResponse:
    return problem_response(request, 403, "Forbidden", str(exc))


def _is_problem(response_model: Any) -> bool:
    # ninja wraps each declared response type in a model with one field, `response`.
    fields = getattr(response_model, "model_fields", {})
    declared = fields["response"].annotation if "response" in fields else None
    return isinstance(declared, type) and issubclass(declared, ProblemSchema)


class OpenAPIDocument(OpenAPISchema):
    """ninja's OpenAPI document, with problem responses as application/problem+json and
    reads open to visitors saying so (an empty security requirement)."""

    def responses(self, operation: Operation) -> dict[int, Any]:
        result = super().responses(operation)
        result[414] = {
            "description": "URI too long: answered by the web server, before the site, "
            "to a request line over its limit (8,190 bytes with `resilnet serve`)."
        }
        for status, model in operation.response_models.items():
            if not _is_problem(model):
                continue
            content = result[status]["content"]
            result[status] = {
                "description": ERROR_DESCRIPTIONS[status],
                "content": {PROBLEM_MEDIA_TYPE: content.pop(self.api.renderer.media_type)},
            }
        return result

    def operation_security(self, operation: Operation) -> list[dict[str, Any]] | None:
        security = super().operation_security(operation)
        if security and anonymous in operation.auth_callbacks:
            security.append({})
        return security


class API(NinjaAPI):
    def get_openapi_schema(
        self, *, path_prefix: str | None = None, path_params: dict[str, Any] | None = None
    ) -> OpenAPISchema:
        if path_prefix is None:
            path_prefix = self.get_root_path(path_params or {})
        return OpenAPIDocument(self, path_prefix)


class DescribedAs:
    """Annotates a field that is checked later, by a fuller validation than the request's
    (e.g. a record's content by the catalog's schemas, whose messages name its fields), to
    show `described` as its schema in the OpenAPI document:
    `content: Annotated[dict[str, Any], DescribedAs(RECORD_CONTENT_SCHEMA)]`."""

    def __init__(self, described: Any) -> None:
        self.core_schema = TypeAdapter(described).core_schema

    def __get_pydantic_json_schema__(
        self, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return handler(self.core_schema)


def new_api() -> NinjaAPI:
    """The API with every error answered as a problem document; the project adds the
    routers (resilnet/api.py)."""
    api = API(
        title="resilnet API",
        version=__version__,
        description=(
            "Reference data and each module's data. Browsers authenticate "
            "with their session (and CSRF token); machines with `Authorization: Bearer TOKEN`. "
            "Every error is an RFC 9457 problem document (`application/problem+json`); a 422 "
            "names each bad location in `errors`. No text may hold a NUL character (U+0000): "
            "a request with one is a 422."
        ),
        urls_namespace="api",
        parser=StrictParser(),
        # The reference page is the site's own (core/api_docs.py), routed in urls.py.
        docs_url=None,
    )
    handlers: dict[type[Exception], Any] = {
        Problem: on_problem,
        ValidationError: on_validation_error,
        DjangoValidationError: on_model_validation_error,
        AuthenticationError: on_authentication_error,
        HttpError: on_http_error,
        Http404: on_not_found,
        NulCharacter: on_nul_character,
        RequestDataTooBig: on_body_too_large,
        PermissionDenied: on_permission_denied,
    }
    for exception, handler in handlers.items():
        api.add_exception_handler(exception, handler)
    return api


class Page(PaginationBase):
    """`?page=N&page_size=M`; answers `count`, `page`, `pages`, `next`, `previous`, `results`."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int = Field(50, ge=1, le=500)

    class Output(Schema):
        count: int
        page: int
        pages: int
        next: str | None
        previous: str | None
        results: list[Any]

    items_attribute = "results"

    def paginate_queryset(
        self, queryset: Any, pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        count = queryset.count()
        size = pagination.page_size
        pages = max(1, -(-count // size))
        start = (pagination.page - 1) * size

        def link(page: int) -> str | None:
            if page < 1 or page > pages:
                return None
            query = request.GET.copy()
            query["page"] = str(page)
            return request.build_absolute_uri(f"{request.path}?{query.urlencode()}")

        return {
            "count": count,
            "page": pagination.page,
            "pages": pages,
            "next": link(pagination.page + 1),
            "previous": link(pagination.page - 1) if pagination.page <= pages else None,
            "results": list(queryset[start : start + size]),
        }


# Reference data -----------------------------------------------------------------

reference = Router(tags=["reference data"])


class RegionRef(Schema):
    kind: str
    code: str
    name: str


class RegionOut(RegionRef):
    parent: RegionRef | None = None
    country_count: int


class CountryOut(Schema):
    iso3: str
    iso2: str
    m49: str
    name: str
    itu_region: str | None = Field(None, description="ITU-D region slug, empty for territories.")
    itu_region_name: str | None = None
    m49_region: RegionRef | None = None
    m49_subregion: RegionRef | None = None
    m49_intermediate_region: RegionRef | None = None
    ldc: bool
    lldc: bool
    sids: bool

    @staticmethod
    def resolve_itu_region(obj: Country) -> str | None:
        return obj.itu_region.code if obj.itu_region else None

    @staticmethod
    def resolve_itu_region_name(obj: Country) -> str | None:
        return obj.itu_region.name if obj.itu_region else None


class CountryFilters(Schema):
    q: str = Field("", max_length=100, description="Part of the name, or an ISO code.")
    itu_region: str = Field("", max_length=20, description="ITU region slug, e.g. arab_states.")
    m49_region: str = Field("", max_length=3, description="M49 region code at any level.")
    ldc: bool | None = None
    lldc: bool | None = None
    sids: bool | None = None


@reference.get(
    "/countries", response={200: list[CountryOut], **errors(422)}, summary="List countries"
)
@paginate(Page)
def list_countries(request: HttpRequest, filters: Query[CountryFilters]) -> Any:
    return selectors.countries(**filters.dict())


@reference.get(
    "/countries/{iso3}",
    response={200: CountryOut, **errors(404)},
    summary="One country by ISO 3166-1 alpha-3 code",
)
def get_country(request: HttpRequest, iso3: str) -> Any:
    # Letters only: PostgreSQL refuses a NUL character in a query, and a path may hold one.
    code = len(iso3) == 3 and iso3.isascii() and iso3.isalpha()
    country = selectors.country_by_iso3(iso3) if code else None
    if country is None:
        raise Problem(
            404,
            "Country not found",
            f"No country has the ISO 3166-1 alpha-3 code {iso3[:20]!r}.",
            code=iso3[:20],
        )
    return country


@reference.get(
    "/regions",
    response={200: list[RegionOut], **errors(422)},
    summary="List ITU and UN M49 regions",
)
def list_regions(request: HttpRequest, kind: str = "") -> Any:
    return list(selectors.regions(kind).order_by("kind", "code"))


# The current user and their tokens -----------------------------------------------

account = Router(tags=["account"], auth=AUTH)


class MeOut(Schema):
    username: str
    email: str
    organisation: str
    roles: list[str]
    is_administrator: bool
    authenticated_by: str
    token_role: str | None = None


def signed_in(request: HttpRequest) -> User:
    """The user of a request that passed AUTH (a session or a token)."""
    assert isinstance(request.user, User)
    return request.user


@account.get("/me", response={200: MeOut, **errors(401)}, summary="The user making the request")
def me(request: HttpRequest) -> Any:
    user = signed_in(request)
    token: APIToken | None = getattr(request, "api_token", None)
    return {
        "username": user.get_username(),
        "email": user.email,
        "organisation": user.organisation,
        "roles": sorted(user.roles()),
        "is_administrator": user.is_administrator,
        "authenticated_by": "token" if token else "session",
        "token_role": token.role if token else None,
    }


class TokenIn(Schema):
    name: str = Field(..., min_length=1, max_length=100)
    role: Role
    expires_at: datetime | None = None


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    role: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class IssuedTokenOut(TokenOut):
    token: str = Field(..., description="Shown once; only its digest is stored.")


def require_session(request: HttpRequest) -> None:
    # A token must not mint or revoke tokens: a leaked token could otherwise persist itself.
    if getattr(request, "api_token", None) is not None:
        raise Problem(403, "Forbidden", "Manage API tokens from a signed-in browser session.")


@account.get("/me/tokens", response={200: list[TokenOut], **errors(401)}, summary="My API tokens")
def list_tokens(request: HttpRequest) -> Any:
    return list(signed_in(request).api_tokens.all())


@account.post(
    "/me/tokens",
    response={201: IssuedTokenOut, **errors(400, 401, 403, 413, 422)},
    summary="Create an API token",
)
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    require_session(request)
    issued = services.do_create_api_token(
        signed_in(request),
        signed_in(request),
        name=payload.name,
        role=payload.role,
        expires_at=payload.expires_at,
    )
    out = TokenOut.from_orm(issued.token).dict()
    return Status(201, {**out, "token": issued.plaintext})


@account.delete(
    "/me/tokens/{token_id}",
    response={204: None, **errors(401, 403, 404, 422)},
    summary="Revoke an API token",
)
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    require_session(request)
    token = signed_in(request).api_tokens.filter(pk=token_id).first()
    if token is None:
        raise Problem(404, "Token not found", f"You have no API token with id {token_id}.")
    services.do_revoke_api_token(signed_in(request), token)
    return Status(204, None)
