"""What the catalog adds to the platform (the module contract: resilnet/core/modules.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module, PeriodicTask

MODULE = Module(
    slug="catalog",
    title=_("Catalog"),
    summary=_("Policy and regulatory measures, ICT cases and cybersecurity resources."),
    urls="resilnet.catalog.urls",
    api_router="resilnet.catalog.api.router",
    cli="resilnet.catalog.cli.register",
    demo="resilnet.catalog.module.load_demo",
    periodic_tasks=(
        # Files left by deleted records and interrupted uploads (`catalog collect-files`).
        PeriodicTask("resilnet.catalog.tasks.collect_attachment_files", timedelta(days=1)),
        # The segment index's change log, shared by every host (docs/adr/0007).
        PeriodicTask("resilnet.catalog.tasks.prune_search_index", timedelta(days=1)),
        # An import interrupted after its commit point (a crash, a database error) is
        # finished; one interrupted before it is discarded (services/imports.py).
        PeriodicTask("resilnet.catalog.tasks.finish_imports", timedelta(minutes=2)),
    ),
    health_checks=("resilnet.catalog.module.search",),
    country_url_name="catalog:country",
    search_url_name="catalog:index",
)


def load_demo() -> str:
    from resilnet.catalog.demo import load_demo_catalog

    created = load_demo_catalog().get("created", 0)
    return f"{created} new catalog records"


def search() -> dict[str, object]:
    """The search engine answers (on the segment index, after catching up with the log)."""
    import time

    from django.conf import settings

    from resilnet.catalog.search import SearchQuery, backend

    started = time.perf_counter()
    page = backend().search(SearchQuery(page_size=1, facets=()))
    return {
        "ok": True,
        "engine": settings.SEARCH_ENGINE,
        "published": page.count,
        "latency_ms": round((time.perf_counter() - started) * 1000, 1),
    }
