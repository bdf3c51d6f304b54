"""What the schools module adds to the platform (the module contract: resilnet/core/modules.py).

Not built yet: a page saying what is coming.
"""

from django.utils.translation import gettext_lazy as _

from resilnet.core.modules import Module

MODULE = Module(
    slug="schools",
    title=_("Schools"),
    summary=_("School connectivity: registry, measurements and a map."),
    coming=_(
        "A registry of schools with their internet connectivity, measurements, "
        "status roll-ups and a fast map that works on slow networks."
    ),
    urls="resilnet.schools.urls",
)
