from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "resilnet.catalog"
    verbose_name = _("Catalog")

    def after_flush(self) -> None:
        """Empty the search index, which `flush` does not know is ours."""
        from resilnet.catalog.search import empty_index

        empty_index()
