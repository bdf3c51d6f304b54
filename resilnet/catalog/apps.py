from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "resilnet.catalog"
    verbose_name = _("Catalog")

    def database_replaced(self, emptied: bool) -> None:
        """Forget the search index, which `flush` and `restore` do not know is ours."""
        from resilnet.catalog.search import database_replaced

        database_replaced(emptied)
