from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "resilnet.catalog"
    verbose_name = _("Catalog")

    def after_flush(self) -> None:
        """Empty the full-text index, which `flush` does not know is a table of ours."""
        from resilnet.catalog.search.engines import engine

        engine().drop()
        engine().create()
