from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "resilnet.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from resilnet.core import signals  # noqa: F401  (connects sign-in auditing)

    def database_replaced(self, emptied: bool) -> None:
        """A flushed database keeps its countries and regions: migrations put them there
        as part of the schema, and every module's validation reads them. A restored one
        forgets the workers it knew: they belong to the time of the backup."""
        from resilnet.core import services

        services.forget_worker_heartbeats()
        if emptied:
            from resilnet.core.models import Country, Region
            from resilnet.core.reference_data import load_reference_data

            load_reference_data(Region, Country)
