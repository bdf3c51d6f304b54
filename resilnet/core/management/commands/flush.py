from typing import Any

from django.apps import apps
from django.core.management.commands import flush
from django.db import connections

from resilnet.core import append_only


class Command(flush.Command):
    help = (
        "Remove all data from the database, the append-only audit log included "
        "(its guard is lifted for the flush and restored after)."
    )

    def handle(self, **options: Any) -> None:
        connection = connections[options["database"]]
        append_only.uninstall(connection)
        try:
            super().handle(**options)
            # Tables that are not models (full-text indexes) are emptied by their app.
            for app in apps.get_app_configs():
                after_flush = getattr(app, "after_flush", None)
                if after_flush is not None:
                    after_flush()
        finally:
            append_only.install(connection)
