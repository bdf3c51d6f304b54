"""What the schools module adds to the platform (the module contract: resilnet/core/modules.py)."""

from datetime import timedelta

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module, PeriodicTask

MODULE = Module(
    slug="schools",
    title=_("Schools"),
    summary=_("School connectivity: registry, measurements and a map."),
    urls="resilnet.schools.urls",
    tiles="resilnet.schools.tiles.urls",
    api_router="resilnet.schools.api.router",
    cli="resilnet.schools.cli.register",
    demo="resilnet.schools.demo.load",
    periodic_tasks=(
        # Days with new measurements are rolled up soon after they arrive (services/rollups.py).
        PeriodicTask("resilnet.schools.tasks.roll_up_marked_days", timedelta(minutes=1)),
        # School imports that stopped after their commit point (services/registry.py).
        PeriodicTask("resilnet.schools.import_tasks.finish_school_imports", timedelta(minutes=2)),
    ),
    country_url_name="schools:country",
)
