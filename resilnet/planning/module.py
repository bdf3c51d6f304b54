"""What the planning module adds to the platform (the module contract: resilnet/core/modules.py).

Not built yet: a page saying what is coming.
"""

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module

MODULE = Module(
    slug="planning",
    title=_("Planning"),
    summary=_("Last-mile connectivity plans and budgets."),
    coming=_(
        "The least-cost technology to connect each school, with budgets and scenarios "
        "a ministry can compare."
    ),
    urls="resilnet.planning.urls",
    cli="resilnet.planning.cli.register",
)
