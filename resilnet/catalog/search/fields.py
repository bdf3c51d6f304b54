"""The fields a record is searched by and their weight in the ranking, declared once for
every engine: SQLite FTS5's bm25, PostgreSQL's ts_rank_cd labels and the segment index's
BM25F all rank a title match above a summary match above a body match, in these ratios."""

from __future__ import annotations

FIELDS = ("title", "summary", "body")
WEIGHTS = (10.0, 4.0, 1.0)  # of each field, in the order of FIELDS
