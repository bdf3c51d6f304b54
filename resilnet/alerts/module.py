"""What the alerts module adds to the platform (the module contract: resilnet/core/modules.py).

Not built yet: a page saying what is coming.
"""

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module

MODULE = Module(
    slug="alerts",
    title=_("Alerts"),
    summary=_("Multilingual health alerts by CAP feed and SMS."),
    coming=_(
        "Health alerts written once in several languages, approved, published as CAP 1.2 "
        "feeds and sent by SMS to every phone through operators."
    ),
    urls="resilnet.alerts.urls",
    cli="resilnet.alerts.cli.register",
)
