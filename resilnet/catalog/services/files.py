"""What the catalog's readers lend to other modules: the first worksheet of an XLSX
workbook read in bounded memory, refusing ZIP bombs and XML entities (docs/adr/0009;
the alerts module reads subscriber workbooks with it)."""

from resilnet.catalog.importers.base import ImportFormatError
from resilnet.catalog.importers.xlsx import rows as workbook_rows

__all__ = ["ImportFormatError", "workbook_rows"]
