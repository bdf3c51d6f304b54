"""The API's reference page, read from its own OpenAPI document: every operation with its
parameters, body and answers, and every schema once, linked by anchors. A page of text
that works without script and weighs a few kilobytes, where an interactive explorer weighs
hundreds; the raw document stays at /api/v1/openapi.json for tools."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache, lru_cache
from typing import Any

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import NinjaAPI

METHODS = ("get", "put", "post", "patch", "delete", "head", "options")
SCHEMA_PREFIX = "#/components/schemas/"
# Nested inline objects are listed this deep; the raw document has the rest.
MAX_DEPTH = 3


@dataclass(frozen=True)
class Part:
    """A piece of a type as written on the page: a schema's name linking to its anchor, or
    plain text."""

    text: str
    anchor: str = ""


@dataclass
class Field:
    name: str
    type: SafeString
    required: bool = False
    location: str = ""
    description: str = ""
    notes: list[str] = field(default_factory=list)
    fields: list[Field] = field(default_factory=list)


@dataclass
class Content:
    """A body or an answer: its media type, its type and, when it is an inline object,
    its fields."""

    media_type: str
    type: SafeString
    fields: list[Field]


@dataclass
class Answer:
    status: str
    description: str
    contents: list[Content]


@dataclass
class Operation:
    anchor: str
    method: str
    path: str
    summary: str
    description: str
    parameters: list[Field]
    body: list[Content]
    body_required: bool
    answers: list[Answer]
    security: list[str]


@dataclass
class Model:
    name: str
    anchor: str
    description: str
    type: SafeString | None
    notes: list[str]
    fields: list[Field]
    more_rules: bool


@dataclass
class Reference:
    title: str
    version: str
    description: str
    security: list[tuple[str, str]]
    groups: list[tuple[str, list[Operation]]]
    models: list[Model]


@lru_cache(maxsize=16)
def page_for(api: NinjaAPI, language: str | None) -> Reference:
    """The reference of one API in one language. The routers are fixed at start-up and the
    document takes most of a second to build, so both are kept for the process."""
    return reference(openapi_document(api))


def current_page(api: NinjaAPI) -> Reference:
    return page_for(api, get_language())


@cache
def openapi_document(api: NinjaAPI) -> dict[str, Any]:
    return dict(api.get_openapi_schema())


def html(parts: list[Part]) -> SafeString:
    """A type as code, its schemas' names linked to their anchors (all text escaped)."""
    inner = format_html_join(
        "",
        "{}",
        (
            (format_html('<a href="#{}">{}</a>', p.anchor, p.text) if p.anchor else p.text,)
            for p in parts
        ),
    )
    return format_html('<code class="api-type">{}</code>', inner)


def schema_anchor(name: str) -> str:
    return "schema-" + slugify(name)


def type_of(schema: Any, depth: int = 0) -> list[Part]:
    """A schema's type in a few words: `string`, `array of Country`, `integer | null`."""
    if not isinstance(schema, dict):
        return [Part(_("any"))]
    ref = schema.get("$ref")
    if isinstance(ref, str):
        if ref.startswith(SCHEMA_PREFIX):
            name = ref[len(SCHEMA_PREFIX) :]
            return [Part(name, schema_anchor(name))]
        return [Part(ref)]
    for combinator, joiner in (("anyOf", " | "), ("oneOf", " | "), ("allOf", " & ")):
        alternatives = schema.get(combinator)
        if isinstance(alternatives, list) and alternatives and depth < MAX_DEPTH:
            parts: list[Part] = []
            for index, alternative in enumerate(alternatives):
                if index:
                    parts.append(Part(joiner))
                parts += type_of(alternative, depth + 1)
            return parts
    if "const" in schema:
        return [Part(repr(schema["const"]).strip("'"))]
    kind = schema.get("type")
    if isinstance(kind, list):
        return [Part(" | ".join(str(k) for k in kind))]
    if kind == "array" and depth < MAX_DEPTH:
        items = schema.get("items")
        if items is None:
            return [Part("array")]
        return [Part(_("array of") + " "), *type_of(items, depth + 1)]
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return [Part(_("object of") + " "), *type_of(schema["additionalProperties"], depth + 1)]
    if isinstance(kind, str):
        return [Part(kind + (f" ({schema['format']})" if "format" in schema else ""))]
    return [Part(_("any"))]


# Constraints worth a reader's eye, in the words of the page.
def notes_of(schema: Any) -> list[str]:
    if not isinstance(schema, dict):
        return []
    notes = []
    if "enum" in schema:
        values = ", ".join(str(v) for v in schema["enum"])
        notes.append(_("one of: %(values)s") % {"values": values})
    for key, label in (
        ("default", _("default: %(value)s")),
        ("minimum", _("at least %(value)s")),
        ("maximum", _("at most %(value)s")),
        ("minLength", _("at least %(value)s characters")),
        ("maxLength", _("at most %(value)s characters")),
        ("minItems", _("at least %(value)s items")),
        ("maxItems", _("at most %(value)s items")),
        ("pattern", _("matches %(value)s")),
    ):
        if key in schema and schema[key] not in ("", None, [], {}):
            notes.append(label % {"value": schema[key]})
    for combinator in ("anyOf", "oneOf"):
        for alternative in schema.get(combinator) or []:
            notes += [n for n in notes_of(alternative) if n not in notes]
    items = schema.get("items")
    if isinstance(items, dict) and "$ref" not in items:
        notes += [_("each: %(note)s") % {"note": n} for n in notes_of(items)]
    return notes


def fields_of(schema: Any, depth: int = 0) -> list[Field]:
    """The properties of an inline object, required ones first as the document lists them."""
    if not isinstance(schema, dict) or depth >= MAX_DEPTH:
        return []
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return []
    required = set(schema.get("required") or [])
    return [
        Field(
            name=str(name),
            type=html(type_of(prop)),
            required=name in required,
            description=str(prop.get("description", "")) if isinstance(prop, dict) else "",
            notes=notes_of(prop),
            fields=fields_of(prop, depth + 1) if "$ref" not in prop else [],
        )
        for name, prop in properties.items()
    ]


def contents_of(content: Any) -> list[Content]:
    if not isinstance(content, dict):
        return []
    return [
        Content(str(media_type), html(type_of(entry.get("schema"))), fields_of(entry.get("schema")))
        for media_type, entry in content.items()
        if isinstance(entry, dict)
    ]


def operation_of(path: str, method: str, spec: dict[str, Any]) -> Operation:
    parameters = [
        Field(
            name=str(p.get("name", "")),
            type=html(type_of(p.get("schema"))),
            required=bool(p.get("required")),
            location=str(p.get("in", "")),
            description=str(p.get("description", "")),
            notes=notes_of(p.get("schema")),
        )
        for p in spec.get("parameters") or []
        if isinstance(p, dict)
    ]
    body = spec.get("requestBody") or {}
    answers = [
        Answer(str(status), str(answer.get("description", "")), contents_of(answer.get("content")))
        for status, answer in sorted((spec.get("responses") or {}).items(), key=lambda s: str(s[0]))
        if isinstance(answer, dict)
    ]
    security = []
    for requirement in spec.get("security") or []:
        security += list(requirement) or [_("none (anonymous)")]
    anchor = slugify(spec.get("operationId") or f"{method}-{path}")
    return Operation(
        anchor=f"op-{anchor}",
        method=method.upper(),
        path=path,
        summary=str(spec.get("summary", "")),
        description=str(spec.get("description", "")),
        parameters=parameters,
        body=contents_of(body.get("content")),
        body_required=bool(body.get("required")),
        answers=answers,
        security=security,
    )


def model_of(name: str, schema: dict[str, Any]) -> Model:
    own = {"properties", "required", "type", "title", "description", "additionalProperties"}
    has_fields = isinstance(schema.get("properties"), dict)
    return Model(
        name=name,
        anchor=schema_anchor(name),
        description=str(schema.get("description", "")),
        type=None if has_fields else html(type_of(schema)),
        notes=[] if has_fields else notes_of(schema),
        fields=fields_of(schema),
        # Conditions between fields (anyOf alongside the properties, if/then) are left to
        # the OpenAPI document: the page says they exist.
        more_rules=has_fields and bool(set(schema) - own),
    )


def reference(document: dict[str, Any]) -> Reference:
    groups: dict[str, list[Operation]] = {}
    for path, item in (document.get("paths") or {}).items():
        for method in METHODS:
            spec = item.get(method) if isinstance(item, dict) else None
            if isinstance(spec, dict):
                tag = (spec.get("tags") or [_("Other")])[0]
                groups.setdefault(str(tag), []).append(operation_of(str(path), method, spec))
    components = document.get("components") or {}
    schemes = components.get("securitySchemes") or {}
    info = document.get("info") or {}
    return Reference(
        title=str(info.get("title", "")),
        version=str(info.get("version", "")),
        description=str(info.get("description", "")),
        security=[(str(name), scheme_text(scheme)) for name, scheme in schemes.items()],
        groups=list(groups.items()),
        models=[
            model_of(str(name), schema)
            for name, schema in sorted((components.get("schemas") or {}).items())
            if isinstance(schema, dict)
        ],
    )


def scheme_text(scheme: Any) -> str:
    if not isinstance(scheme, dict):
        return ""
    if scheme.get("type") == "http" and scheme.get("scheme") == "bearer":
        return _("an API token in the header Authorization: Bearer TOKEN")
    if scheme.get("type") == "apiKey" and scheme.get("in") == "cookie":
        return _("the session cookie %(name)s of a signed-in browser, with its CSRF token") % {
            "name": scheme.get("name", "")
        }
    return str(scheme.get("description") or scheme.get("type", ""))
