"""What the school master readers lend to other modules: UTF-8 text streamed out of an
uploaded file, refusing NUL bytes and more than the size limit as it is read (the
alerts module reads subscriber files with it)."""

from resilnet.schools.importers.base import ImportFormatError, not_utf8, text_stream

__all__ = ["ImportFormatError", "not_utf8", "text_stream"]
