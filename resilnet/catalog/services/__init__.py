"""Every change to the catalog: create, edit, the moderation workflow, import, attachments.

Each action checks who may do it, validates the content against RecordContent, writes
the record, its revision, its facets and its search index entry, and appends to the
audit log, all in one transaction; emails go out only once that transaction commits.
The import takes these steps for a chunk of rows per transaction, so that a long one
never holds the database for long (imports.py).
Callers use the package: `from resilnet.catalog import services; services.do_publish(…)`.

One module per domain, each importing only the ones below it:

    permissions   who may do what (pure checks, from catalog/permissions.py)
    indexing      the search index kept in step with the records
    records       content, facets, revisions; create, edit, propose; shared helpers
    workflow      submit, publish, request changes, reject, archive (one or many from the
                  queue); owners' emails
    imports       bulk import: staged rows applied in short transactions, reserved ids
    attachments   files attached to records, moderated like edits

    permissions ← records ← workflow;  records ← imports;  records ← attachments ← workflow;
    indexing ← records, workflow, imports.

Reads never import writes: selectors, feeds, exports and every other read-only module
import `catalog.permissions` when they need to know who may see what, never this package.
Names with a leading underscore are private to the package.
"""

from resilnet.catalog.services.attachments import (
    collect_attachment_files,
    do_add_attachment,
    do_approve_attachment,
    do_reject_attachment,
    do_remove_attachment,
)
from resilnet.catalog.services.imports import (
    ALL_OR_NOTHING,
    VALID_ROWS,
    ImportIncomplete,
    ImportReport,
    finish_imports,
    import_records,
)
from resilnet.catalog.services.indexing import prune_search_index, reindex_all
from resilnet.catalog.services.permissions import can_create, can_edit, is_moderator
from resilnet.catalog.services.records import (
    do_create_record,
    do_propose,
    do_update_record,
    facets_of,
    itu_region_codes,
    validate,
)
from resilnet.catalog.services.workflow import (
    MODERATION_ACTIONS,
    BulkOutcome,
    do_archive,
    do_moderate_many,
    do_publish,
    do_reject,
    do_request_changes,
    do_submit,
)

__all__ = [
    "ALL_OR_NOTHING",
    "MODERATION_ACTIONS",
    "VALID_ROWS",
    "BulkOutcome",
    "ImportIncomplete",
    "ImportReport",
    "can_create",
    "can_edit",
    "collect_attachment_files",
    "do_add_attachment",
    "do_approve_attachment",
    "do_archive",
    "do_create_record",
    "do_moderate_many",
    "do_propose",
    "do_publish",
    "do_reject",
    "do_reject_attachment",
    "do_remove_attachment",
    "do_request_changes",
    "do_submit",
    "do_update_record",
    "facets_of",
    "finish_imports",
    "import_records",
    "is_moderator",
    "itu_region_codes",
    "prune_search_index",
    "reindex_all",
    "validate",
]
