"""Importers: one module per external format, each turning a file into candidate records.

Every importer yields `Candidate` (a record to create or update, keyed by external id) or
`RowError` (row, column, reason) and never writes: `catalog.services.import_records`
validates each candidate against `RecordContent` and writes them in one transaction.
"""
