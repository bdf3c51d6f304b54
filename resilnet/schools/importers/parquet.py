"""Parquet school master files, read a batch of rows at a time with pyarrow."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import IO, Any

from resilnet.schools.importers.base import (
    MAX_CELL_CHARS,
    MAX_ROWS,
    ImportFormatError,
    SourceRows,
    cell_too_long,
    check_size,
    resolve_columns,
    too_many_rows,
)

BATCH_ROWS = 65_536
MAX_INFLATED_BYTES = 4 * 1024 * 1024 * 1024  # what the row groups say they decompress to


def read(stream: IO[bytes], mapping: Mapping[str, str]) -> SourceRows:
    import pyarrow as pa
    import pyarrow.parquet as pq

    stream.seek(0, 2)
    check_size(stream.tell())
    stream.seek(0)
    try:
        source = pq.ParquetFile(stream)
    except (pa.ArrowException, OSError, ValueError) as exc:
        raise ImportFormatError(f"not a readable Parquet file ({exc})") from None
    meta = source.metadata
    if meta.num_rows > MAX_ROWS:
        raise too_many_rows()
    inflated = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
    if inflated > MAX_INFLATED_BYTES:
        raise ImportFormatError(
            f"the file's rows decompress to {inflated:,} bytes; the limit is {MAX_INFLATED_BYTES:,}"
        )
    header = source.schema_arrow.names
    names, ignored = resolve_columns(header, mapping)
    wanted = [(header[i], name) for i, name in enumerate(names) if name is not None]

    def rows() -> Iterator[tuple[int, dict[str, Any]]]:
        number = 0
        try:
            for batch in source.iter_batches(
                batch_size=BATCH_ROWS, columns=[label for label, _ in wanted]
            ):
                columns = [(name, batch.column(label).to_pylist()) for label, name in wanted]
                for i in range(batch.num_rows):
                    number += 1
                    row = {name: values[i] for name, values in columns}
                    for name, value in row.items():
                        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
                            raise cell_too_long(number, name)
                    yield number, row
        except ImportFormatError:
            raise
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ImportFormatError(
                f"row {number + 1}: the file cannot be read further ({exc})"
            ) from None

    return SourceRows(tuple(n for _, n in wanted), rows(), ignored, meta.num_rows)
