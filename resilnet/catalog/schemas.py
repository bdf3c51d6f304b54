"""The shape of a catalog record's content, validated at every edge (API, forms, importers).

A record's content is stored as this JSON in each revision; the live record row keeps a
copy of its published revision's content plus the columns search and facets need.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    create_model,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from resilnet.catalog.taxonomy import (
    ACTION_LINES,
    Audience,
    AuthorityType,
    Binding,
    Collection,
    MeasureCategory,
    MeasureStatus,
    Phase,
    ProjectStatus,
    ResourceType,
    Scope,
    StakeholderType,
)

LANGUAGE_CODES = ("ar", "zh-hans", "en", "fr", "ru", "es")
Language = Literal["ar", "zh-hans", "en", "fr", "ru", "es"]
ShortText = Annotated[str, Field(min_length=1, max_length=500)]
LongText = Annotated[str, Field(max_length=100_000)]
Url = Annotated[str, Field(max_length=2000, pattern=r"^https?://[^\s<>\"]+$")]
ISO3 = Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
Tag = Annotated[str, Field(min_length=1, max_length=60)]
NUMBER = re.compile(r"\s*[-+]?\d+(\.\d*)?\s*")


def _not_a_number(value: Any) -> Any:
    # pydantic reads a number, or a text of digits, as seconds since 1970: 0 would be
    # stored as 1970-01-01. A date is a date, or a text like 2020-03-12.
    if isinstance(value, int | float) and not isinstance(value, bool):
        raise PydanticCustomError("date_type", "Input should be a date like 2020-03-12")
    if isinstance(value, str) and NUMBER.fullmatch(value):
        raise PydanticCustomError("date_type", "Input should be a date like 2020-03-12")
    return value


Day = Annotated[dt.date, BeforeValidator(_not_a_number)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Link(Strict):
    url: Url
    label: str = Field("", max_length=200)


class MeasureFields(Strict):
    authority: str = Field("", max_length=300)
    authority_type: AuthorityType = AuthorityType.REGULATOR
    stakeholder: str = Field("", max_length=300, description="Who the measure targets.")
    category: MeasureCategory = MeasureCategory.OTHER
    phase: Phase = Phase.EMERGENCY
    binding: Binding = Binding.VOLUNTARY
    measure_status: MeasureStatus = MeasureStatus.IN_FORCE
    announced_on: Day | None = None
    effective_on: Day | None = None
    ends_on: Day | None = None
    sources: list[Url] = Field(default_factory=list, max_length=20)
    outcome: LongText = ""
    lessons: LongText = ""
    code: str = Field("", max_length=20, description="An external coding, e.g. OxCGRT C1.")

    @model_validator(mode="after")
    def dates_in_order(self) -> MeasureFields:
        if self.effective_on and self.ends_on and self.ends_on < self.effective_on:
            raise ValueError("ends_on is before effective_on")
        return self


class CaseFields(Strict):
    organisation: str = Field("", max_length=300)
    stakeholder_type: StakeholderType = StakeholderType.GOVERNMENT
    # The validators below check these (with their own messages); the schema says them too.
    action_lines: list[Annotated[str, Field(json_schema_extra={"enum": list(ACTION_LINES)})]] = (
        Field(default_factory=list, max_length=19)
    )
    sdgs: list[Annotated[int, Field(json_schema_extra={"minimum": 1, "maximum": 17})]] = Field(
        default_factory=list, max_length=17
    )
    scope: Scope = Scope.NATIONAL
    project_status: ProjectStatus = ProjectStatus.ONGOING
    started_on: Day | None = None
    ended_on: Day | None = None
    impact: LongText = ""
    partners: list[Annotated[str, Field(max_length=200)]] = Field(
        default_factory=list, max_length=50
    )
    challenges: LongText = ""

    @field_validator("action_lines")
    @classmethod
    def known_action_lines(cls, values: list[str]) -> list[str]:
        unknown = [v for v in values if v not in ACTION_LINES]
        if unknown:
            raise ValueError(
                f"unknown WSIS action line {unknown[0]!r}; expected C1 to C11 or C7.1 to C7.8"
            )
        return sorted(set(values), key=list(ACTION_LINES).index)

    @field_validator("sdgs")
    @classmethod
    def known_sdgs(cls, values: list[int]) -> list[int]:
        if any(not 1 <= v <= 17 for v in values):
            raise ValueError("SDGs are numbered 1 to 17")
        return sorted(set(values))


class ResourceFields(Strict):
    resource_type: ResourceType = ResourceType.GUIDANCE
    audiences: list[Audience] = Field(default_factory=list, max_length=5)
    topics: list[Tag] = Field(default_factory=list, max_length=20)


class NewsFields(Strict):
    source: str = Field("", max_length=300)


class PodcastFields(Strict):
    audio_url: Url
    audio_type: str = Field("audio/mpeg", pattern=r"^audio/[a-z0-9.+-]+$")
    audio_bytes: int = Field(0, ge=0)
    duration_seconds: int = Field(0, ge=0, le=86_400)
    episode: int | None = Field(None, ge=1)


class VideoFields(Strict):
    video_url: Url
    duration_seconds: int = Field(0, ge=0, le=86_400)
    transcript: LongText = ""


class ReportFields(Strict):
    publication_url: Url | None = None
    publisher: str = Field("", max_length=300)
    isbn: str = Field("", pattern=r"^$|^(97[89])?[0-9]{9}[0-9X]$")
    doi: str = Field("", pattern=r"^$|^10\.\d{4,9}/\S+$")
    pages: int | None = Field(None, ge=1, le=100_000)

    @field_validator("isbn", mode="before")
    @classmethod
    def compact_isbn(cls, value: Any) -> Any:
        return re.sub(r"[\s-]", "", value) if isinstance(value, str) else value


FIELDS_BY_COLLECTION: dict[str, type[Strict]] = {
    Collection.MEASURE: MeasureFields,
    Collection.CASE: CaseFields,
    Collection.RESOURCE: ResourceFields,
    Collection.NEWS: NewsFields,
    Collection.PODCAST: PodcastFields,
    Collection.VIDEO: VideoFields,
    Collection.REPORT: ReportFields,
}


def _title_in_original_language(schema: dict[str, Any], model: type[BaseModel]) -> None:
    """Say in the JSON schema what parse_content checks: a title in the original language
    (which is `original_language`, or its default when absent)."""
    default = model.model_fields["original_language"].default
    # One branch per language (rather than if/then pairs, which schema-driven generators
    # multiply out into more cases than they can handle).
    schema["anyOf"] = [
        {
            "properties": {
                "original_language": {"const": language},
                "title": {"required": [language]},
            },
            **({} if language == default else {"required": ["original_language"]}),
        }
        for language in LANGUAGE_CODES
    ]


class RecordContent(Strict):
    """Everything a person writes about a record. Translatable texts map language → text."""

    model_config = ConfigDict(json_schema_extra=_title_in_original_language)

    collection: Collection
    original_language: Language = "en"
    title: dict[Language, ShortText] = Field(
        ..., description="At least in the original language; more languages are translations."
    )
    summary: dict[Language, Annotated[str, Field(max_length=5000)]] = Field(default_factory=dict)
    body: dict[Language, LongText] = Field(default_factory=dict)
    countries: list[ISO3] = Field(default_factory=list, max_length=250)
    tags: list[Tag] = Field(default_factory=list, max_length=30)
    links: list[Link] = Field(default_factory=list, max_length=30)
    date: Day | None = Field(None, description="The record's main date (publication, start).")
    organisation: str = Field("", max_length=300, description="Owner organisation.")
    licence: str = Field("CC-BY-4.0", max_length=60)
    fields: dict[str, Any] = Field(default_factory=dict)

    @field_validator("countries", mode="before")
    @classmethod
    def upper_countries(cls, value: Any) -> Any:
        # Only a list of strings: anything else is left for the field's own validation
        # to name (a set of dicts cannot be built, nor mixed types sorted).
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return sorted({v.strip().upper() for v in value})
        return value

    @field_validator("tags")
    @classmethod
    def normalise_tags(cls, values: list[str]) -> list[str]:
        return sorted({v.lower() for v in values})

    def text(self, field: str, language: str) -> str:
        """The text in `language`, falling back to the original language, then to any."""
        values: dict[str, str] = getattr(self, field)
        for candidate in (language, self.original_language, *LANGUAGE_CODES):
            if values.get(candidate):
                return values[candidate]
        return ""


def _content_of(collection: str, fields: type[Strict]) -> type[RecordContent]:
    """RecordContent of one collection, its `fields` of that collection's model."""
    needs_fields = any(field.is_required() for field in fields.model_fields.values())
    this_collection: Any = Literal[collection]
    model: type[RecordContent] = create_model(
        f"{fields.__name__.removesuffix('Fields')}Content",
        __base__=RecordContent,
        __doc__=f"A record of the collection {collection!r}: {Collection(collection).label}.",
        collection=(this_collection, ...),
        fields=(fields, ... if needs_fields else Field(default_factory=fields)),
    )
    return model


# A record's content as the OpenAPI document describes it: one shape per collection,
# told apart by `collection`. Built from the models above, which parse_content validates
# against (with the rules a schema cannot say: a title in the original language, known
# countries, an ICT case's summary at most 200 words).
RECORD_CONTENT_SCHEMA: Any = Annotated[
    Union[tuple(_content_of(c, f) for c, f in FIELDS_BY_COLLECTION.items())],  # noqa: UP007
    Field(discriminator="collection"),
]


class ContentError(Exception):
    """Content that does not validate; `errors` has one {loc, msg} per problem."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors))
        self.errors = errors


def _errors(exc: ValidationError, prefix: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    return [{"loc": (*prefix, *error["loc"]), "msg": error["msg"]} for error in exc.errors()]


def parse_content(data: Any) -> RecordContent:
    """Validate a record's content, its collection's fields included; raise ContentError
    naming the location of every problem (e.g. `fields.category`, `title`)."""
    try:
        content = RecordContent.model_validate(data)
    except ValidationError as exc:
        raise ContentError(_errors(exc)) from None
    problems: list[dict[str, Any]] = []
    if content.original_language not in content.title:
        language = content.original_language
        problems.append(
            {"loc": ("title",), "msg": f"a title in the original language ({language}) is required"}
        )
    try:
        fields = FIELDS_BY_COLLECTION[content.collection].model_validate(content.fields)
        content.fields = fields.model_dump(mode="json")
    except ValidationError as exc:
        problems += _errors(exc, ("fields",))
    if content.collection == Collection.CASE:
        words = len(content.summary.get(content.original_language, "").split())
        if words > 200:
            problems.append(
                {
                    "loc": ("summary",),
                    "msg": f"an ICT case's short description is at most 200 words, not {words}",
                }
            )
    if problems:
        raise ContentError(problems)
    return content
