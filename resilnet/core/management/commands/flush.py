from typing import Any

from django.core.management.commands import flush
from django.db import connections

from resilnet.core import append_only
from resilnet.core.backup import database_replaced


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
            database_replaced(emptied=True)
        finally:
            append_only.install(connection)
