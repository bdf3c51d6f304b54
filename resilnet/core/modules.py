"""The platform's modules as the navigation and the home page present them."""

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Module:
    slug: str
    url_name: str
    title: Promise
    summary: Promise
    coming: Promise
    country_url_name: str = ""  # the module's page about one country, if it has one


MODULES = (
    Module(
        "catalog",
        "catalog:index",
        _("Catalog"),
        _("Policy and regulatory measures, ICT cases and cybersecurity resources."),
        _(
            "A moderated, searchable repository of emergency measures, ICT cases, "
            "cybersecurity resources, news, podcasts, videos and reports, with feeds and exports."
        ),
        country_url_name="catalog:country",
    ),
    Module(
        "schools",
        "schools:index",
        _("Schools"),
        _("School connectivity: registry, measurements and a map."),
        _(
            "A registry of schools with their internet connectivity, measurements, "
            "status roll-ups and a fast map that works on slow networks."
        ),
    ),
    Module(
        "alerts",
        "alerts:index",
        _("Alerts"),
        _("Multilingual health alerts by CAP feed and SMS."),
        _(
            "Health alerts written once in several languages, approved, published as CAP 1.2 "
            "feeds and sent by SMS to every phone through operators."
        ),
    ),
    Module(
        "planning",
        "planning:index",
        _("Planning"),
        _("Last-mile connectivity plans and budgets."),
        _(
            "The least-cost technology to connect each school, with budgets and scenarios "
            "a ministry can compare."
        ),
    ),
)
