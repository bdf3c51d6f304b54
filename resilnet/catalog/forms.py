"""Record forms: common fields, plus each collection's own fields built from its schema,
so the form, the API and the importers validate by the same rules (catalog.schemas)."""

from __future__ import annotations

import datetime as dt
import enum
import types
import typing
from typing import Any

from django import forms
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from pydantic.fields import FieldInfo

from resilnet.catalog import importers
from resilnet.catalog.schemas import FIELDS_BY_COLLECTION
from resilnet.catalog.taxonomy import ACTION_LINES, FIELD_LABELS, SDGS, Collection
from resilnet.core import geo_names

LANGUAGE_CHOICES = [
    ("ar", "العربية"),
    ("zh-hans", "中文"),
    ("en", "English"),
    ("fr", "Français"),
    ("ru", "Русский"),
    ("es", "Español"),
]
SPECIAL_CHOICES = {"action_lines", "sdgs"}


def language_code(django_language: str | None) -> str:
    """The catalog's code for a page language (Django's `zh-hans`, `ar`, `fr-ca`…)."""
    codes = {code for code, _name in LANGUAGE_CHOICES}
    language = (django_language or "en").lower()
    for candidate in (language, language.split("-")[0]):
        if candidate in codes:
            return candidate
    return "en"


def special_choices(name: str) -> list[tuple[str, str]]:
    if name == "sdgs":
        return [(str(n), gettext("SDG %(n)d") % {"n": n}) for n in SDGS]
    return [(code, f"{code} {title}") for code, title in ACTION_LINES.items()]


def lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _unwrap(annotation: Any) -> tuple[Any, bool]:
    """(inner type, optional?) of `X | None`."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        return args[0], True
    return annotation, False


def form_field(name: str, info: FieldInfo) -> forms.Field:
    """A Django form field for one field of a collection's schema."""
    annotation, optional = _unwrap(info.annotation)
    label = FIELD_LABELS.get(name, name.replace("_", " ").capitalize())
    origin = typing.get_origin(annotation)
    if name in SPECIAL_CHOICES:
        return forms.MultipleChoiceField(
            label=label,
            choices=special_choices(name),
            required=False,
            widget=forms.CheckboxSelectMultiple,
        )
    if origin is list:
        (inner,) = typing.get_args(annotation)
        inner = typing.get_args(inner)[0] if typing.get_origin(inner) is typing.Annotated else inner
        if isinstance(inner, type) and issubclass(inner, enum.Enum):
            return forms.MultipleChoiceField(
                label=label,
                choices=[(m.value, m.label) for m in inner],  # type: ignore[attr-defined]
                required=False,
                widget=forms.CheckboxSelectMultiple,
            )
        return forms.CharField(
            label=label,
            required=False,
            widget=forms.Textarea(attrs={"rows": 3}),
            help_text=_("One per line."),
        )
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        # Starts empty: a value the schema defaults to is not a value somebody chose. Left
        # empty, an optional field takes the schema's default (RecordForm.content).
        return forms.ChoiceField(
            label=label,
            choices=[("", "—"), *((m.value, m.label) for m in annotation)],  # type: ignore[attr-defined]
            required=info.is_required(),
        )
    if annotation is dt.date:
        return forms.DateField(
            label=label, required=False, widget=forms.DateInput(attrs={"type": "date"})
        )
    if annotation is int:
        return forms.IntegerField(label=label, required=not optional and info.is_required())
    required = info.is_required()
    if any(getattr(m, "max_length", 0) and m.max_length > 5000 for m in info.metadata):
        return forms.CharField(
            label=label, required=required, widget=forms.Textarea(attrs={"rows": 4})
        )
    return forms.CharField(label=label, required=required)


class RecordForm(forms.Form):
    """The common part of every record; `collection_fields` adds the collection's own."""

    original_language = forms.ChoiceField(
        label=_("Original language"), choices=LANGUAGE_CHOICES, initial="en"
    )
    title = forms.CharField(label=_("Title"), max_length=500)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    body = forms.CharField(
        label=_("Body"),
        required=False,
        max_length=100_000,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_("Markdown: **bold**, *italic*, [links](https://…), lists, tables."),
    )
    countries = forms.MultipleChoiceField(
        label=_("Countries"), required=False, widget=forms.CheckboxSelectMultiple
    )
    date = forms.DateField(
        label=_("Date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One URL per line."),
    )
    organisation = forms.CharField(label=_("Organisation"), required=False, max_length=300)
    licence = forms.CharField(label=_("Licence"), initial="CC-BY-4.0", max_length=60)
    translation_language = forms.ChoiceField(
        label=_("Translation language"), required=False, choices=[("", "—"), *LANGUAGE_CHOICES]
    )
    translation_title = forms.CharField(label=_("Translated title"), required=False, max_length=500)
    translation_summary = forms.CharField(
        label=_("Translated summary"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, collection: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.collection = collection
        # A new record is most likely written in the language of the page it is typed in.
        self.fields["original_language"].initial = language_code(get_language())
        countries = self.fields["countries"]
        assert isinstance(countries, forms.MultipleChoiceField)
        countries.choices = geo_names.sorted_by_name(geo_names.country_names())
        self.collection_fields = []
        for name, info in FIELDS_BY_COLLECTION[collection].model_fields.items():
            self.fields[f"f_{name}"] = form_field(name, info)
            self.collection_fields.append(f"f_{name}")

    @classmethod
    def initial_from(cls, content: dict[str, Any]) -> dict[str, Any]:
        language = content.get("original_language", "en")
        initial: dict[str, Any] = {
            "original_language": language,
            "title": content.get("title", {}).get(language, ""),
            "summary": content.get("summary", {}).get(language, ""),
            "body": content.get("body", {}).get(language, ""),
            "countries": content.get("countries", []),
            "date": content.get("date"),
            "tags": ", ".join(content.get("tags", [])),
            "links": "\n".join(link["url"] for link in content.get("links", [])),
            "organisation": content.get("organisation", ""),
            "licence": content.get("licence", "CC-BY-4.0"),
        }
        for name, value in (content.get("fields") or {}).items():
            if (
                isinstance(value, list)
                and name not in SPECIAL_CHOICES
                and not _is_choice_list(content, name)
            ):
                value = "\n".join(str(v) for v in value)
            elif isinstance(value, list):
                value = [str(v) for v in value]
            initial[f"f_{name}"] = value
        return initial

    def content(self, previous: dict[str, Any] | None = None) -> dict[str, Any]:
        """The RecordContent dict this form describes, keeping other languages' texts."""
        data = self.cleaned_data
        language = data["original_language"]
        previous = previous or {}
        texts = {name: dict(previous.get(name) or {}) for name in ("title", "summary", "body")}
        texts["title"][language] = data["title"]
        for name in ("summary", "body"):
            if data[name]:
                texts[name][language] = data[name]
            else:
                texts[name].pop(language, None)
        if data.get("translation_language") and data.get("translation_title"):
            other = data["translation_language"]
            texts["title"][other] = data["translation_title"]
            if data.get("translation_summary"):
                texts["summary"][other] = data["translation_summary"]
        fields: dict[str, Any] = {}
        for key in self.collection_fields:
            name = key[2:]
            value = data.get(key)
            field = self.fields[key]
            if (
                isinstance(field, forms.CharField)
                and isinstance(field.widget, forms.Textarea)
                and field.help_text
            ):
                value = lines(value or "")
            if name == "sdgs":
                value = [int(v) for v in value or []]
            if (
                value in (None, "")
                and not FIELDS_BY_COLLECTION[self.collection].model_fields[name].is_required()
            ):
                continue
            fields[name] = value.isoformat() if isinstance(value, dt.date) else value
        return {
            "collection": self.collection,
            "original_language": language,
            **texts,
            "countries": data["countries"],
            "date": data["date"].isoformat() if data["date"] else None,
            "tags": [t.strip() for t in data["tags"].split(",") if t.strip()],
            "links": [{"url": url} for url in lines(data["links"])],
            "organisation": data["organisation"],
            "licence": data["licence"],
            "fields": fields,
        }


def _is_choice_list(content: dict[str, Any], name: str) -> bool:
    model = FIELDS_BY_COLLECTION[content["collection"]]
    annotation, _optional = _unwrap(model.model_fields[name].annotation)
    (inner,) = typing.get_args(annotation) or (None,)
    return isinstance(inner, type) and issubclass(inner, enum.Enum)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )


class QueueFilterForm(forms.Form):
    """The moderation queue's filters (a GET form): values outside the choices are ignored."""

    collection = forms.ChoiceField(label=_("Collection"), required=False)
    country = forms.ChoiceField(label=_("Country"), required=False)
    waiting = forms.TypedChoiceField(
        label=_("Waiting"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[
            ("", _("any time")),
            ("1", _("over a day")),
            ("7", _("over a week")),
            ("30", _("over a month")),
        ],
    )

    def __init__(self, data: Any, countries: list[tuple[str, str]]) -> None:
        super().__init__(data)
        collection = self.fields["collection"]
        assert isinstance(collection, forms.ChoiceField)
        collection.choices = [("", _("all")), *list(Collection.choices)]
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("all")), *countries]

    def filters(self) -> dict[str, Any]:
        """The valid filters; an invalid one (a hand-made URL) is left out, not an error."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "collection": data.get("collection", ""),
            "country": data.get("country", ""),
            "waiting_days": data.get("waiting") or 0,
        }


class ProposalForm(RecordForm):
    """A visitor's proposal, its fields in groups. `HONEYPOT` is a trap field that people
    never see (the template hides it from screens and assistive technology, and browsers
    do not autofill a hidden field of that name): only a bot fills it."""

    HONEYPOT = "fax_extension"

    name = forms.CharField(label=_("Your name"), max_length=200)
    email = forms.EmailField(label=_("Your email"))

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        """(legend, fields) in the order a person fills them in."""
        named = [
            (_("About you"), ["name", "email"]),
            (_("The record"), ["original_language", "title", "summary", "body"]),
            (_("Where and when"), ["countries", "date"]),
            (_("Details"), self.collection_fields),
            (_("Sources and licence"), ["links", "organisation", "licence", "tags"]),
            (
                _("A translation (optional)"),
                ["translation_language", "translation_title", "translation_summary"],
            ),
        ]
        return [(legend, [self[name] for name in names]) for legend, names in named if names]


class ImportForm(forms.Form):
    file = forms.FileField(label=_("File"))
    file_format = forms.ChoiceField(
        label=_("Format"),
        choices=importers.choices,
    )
    mode = forms.ChoiceField(
        label=_("When some rows are invalid"),
        choices=[
            ("all-or-nothing", _("import nothing")),
            ("valid-rows", _("import the valid rows, and give me the rejected ones")),
        ],
    )
    dry_run = forms.BooleanField(
        label=_("Only check the file (dry run)"), required=False, initial=True
    )
    mapping = forms.CharField(
        label=_("Column mapping"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "One per line: column in your file = resilnet column, e.g. Country = countries."
        ),
    )

    def clean_mapping(self) -> dict[str, str]:
        mapping = {}
        for number, line in enumerate(lines(self.cleaned_data["mapping"]), start=1):
            source, sep, target = line.partition("=")
            if not sep:
                raise forms.ValidationError(_("Line %(n)d has no '='.") % {"n": number})
            mapping[source.strip()] = target.strip()
        return mapping
