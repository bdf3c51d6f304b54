"""The permission checks the catalog's actions apply before they write.

They are pure reads and live in `catalog/permissions.py`, where pages, the API and the
selectors use them without importing the services; this module gives them their place at
the bottom of the services package (permissions ← records ← workflow).
"""

from resilnet.catalog.permissions import (
    can_create,
    can_edit,
    can_remove_attachment,
    can_see_attachment,
    is_moderator,
)

__all__ = ["can_create", "can_edit", "can_remove_attachment", "can_see_attachment", "is_moderator"]
