"""The segment index of ADR 0006: `storage` (the files under `VAR_DIR/search/`), `writer`
(keeping them in step with the database's change log, rebuilding), `reader` (matching,
ranking and facet counts from bitmaps)."""
