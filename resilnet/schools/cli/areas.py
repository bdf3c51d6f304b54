"""`resilnet schools import-boundaries`: admin-area boundaries from a GeoJSON file."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from resilnet.core.cli import CommandFailed, setup_django


def cmd_import_boundaries(args: argparse.Namespace) -> int:
    from resilnet.schools.importers.boundaries import (
        MAX_BYTES,
        BoundaryFormatError,
        FieldNames,
        parse_boundaries,
    )

    path = Path(args.file)
    if not path.is_file():
        raise CommandFailed(f"{path} does not exist or is not a file", status=2)
    size = path.stat().st_size
    if size > MAX_BYTES:  # refused before a byte is read
        raise CommandFailed(f"{path} is {size:,} bytes; the limit is {MAX_BYTES:,}", status=2)
    setup_django()
    from resilnet.core.models import Country
    from resilnet.schools.services import areas

    country = Country.objects.filter(iso3=args.country.upper()).first()
    if country is None:
        raise CommandFailed(f"--country: no country with ISO 3166 alpha-3 code {args.country!r}", 2)
    names = FieldNames(code=args.code_field, name=args.name_field, parent=args.parent_field)
    try:
        with path.open("rb") as stream:
            parsed = parse_boundaries(stream, args.level, names)
    except BoundaryFormatError as exc:
        raise CommandFailed(f"{path}: {exc}", status=2) from None
    for warning in parsed.warnings:
        print(f"warning: {warning}")
    for error in parsed.errors[:200]:
        print(error)
    if parsed.errors:
        print(f"{len(parsed.errors)} features rejected; nothing written")
        return 1
    try:
        done = areas.do_import_boundaries(None, country, args.level, parsed.features)
    except areas.BoundaryImportError as exc:
        raise CommandFailed(f"{path}: {exc}; nothing written") from None
    print(f"{done.created} created, {done.updated} updated, {done.unchanged} unchanged")
    return 0


def add_commands(commands: Any) -> None:
    p = commands.add_parser(
        "import-boundaries",
        help="Import admin-area boundaries from GeoJSON.",
        description="Create or update one level of a country's admin areas from a GeoJSON "
        "FeatureCollection of Polygon/MultiPolygon features. Exit 0: imported; 1: features "
        "rejected, nothing written; 2: unusable input.",
    )
    p.add_argument("file")
    p.add_argument("--country", required=True, metavar="ISO3")
    p.add_argument("--level", type=int, choices=(0, 1, 2), required=True)
    p.add_argument("--code-field", default="code", help="property holding the code (code)")
    p.add_argument("--name-field", default="name", help="property holding the name (name)")
    p.add_argument(
        "--parent-field",
        default="parent_code",
        help="property holding the parent area's code (parent_code)",
    )
    p.set_defaults(handler=cmd_import_boundaries)
