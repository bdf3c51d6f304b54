"""What the planning module adds to the platform (the module contract: resilnet/core/modules.py)."""

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module

MODULE = Module(
    slug="planning",
    title=_("Planning"),
    summary=_("Last-mile connectivity plans and budgets."),
    urls="resilnet.planning.urls",
    cli="resilnet.planning.cli.register",
    demo="resilnet.planning.demo.load",
    map_overlays="resilnet.planning.map_views.map_overlays",
)
