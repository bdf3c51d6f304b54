"""Domain models are written only by services: scan every other module for ORM writes."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
MANAGER_WRITES = {"create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
QUERYSET_WRITES = {"update", "delete"}
QUERYSET_METHODS = {"filter", "exclude", "all", "select_for_update"}
INSTANCE_WRITES = {"save", "delete"}
# Services write (a `services.py`, or every module of a `services/` package); so do
# migrations and the reference-data loader they call; tests build fixtures through
# services wherever one exists.
ALLOWED_NAMES = {"services.py", "reference_data.py"}
ALLOWED_FOLDERS = {"services", "migrations", "tests"}
# The search index's bookkeeping (its change log), written by the search backend that
# services call in their transaction, and by nothing else; the bookkeeping every staged
# import shares (batch states, staged rows), called only by the modules' import services.
ALLOWED_PATHS = {"catalog/search/segments/writer.py", "core/staged_imports.py"}


def allowed(path: Path) -> bool:
    relative = path.relative_to(PACKAGE)
    return (
        path.name in ALLOWED_NAMES
        or relative.as_posix() in ALLOWED_PATHS
        or bool(ALLOWED_FOLDERS.intersection(relative.parts[:-1]))
    )


def is_orm_write(call: ast.Call) -> bool:
    if not isinstance(call.func, ast.Attribute):
        return False
    method, receiver = call.func.attr, call.func.value
    text = ast.unparse(receiver)
    if method in MANAGER_WRITES:
        return ".objects" in text or text == "objects"
    through_queryset = (
        isinstance(receiver, ast.Call)
        and isinstance(receiver.func, ast.Attribute)
        and receiver.func.attr in QUERYSET_METHODS
    )
    if method in QUERYSET_WRITES and (through_queryset or text.endswith(".objects")):
        return True
    return method in INSTANCE_WRITES and not call.args


def writes_in(path: Path, root: Path) -> list[str]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        f"{path.relative_to(root)}:{node.lineno} .{node.func.attr}()"  # type: ignore[attr-defined]
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and is_orm_write(node)
    ]


def test_no_module_outside_services_writes_models():
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if not allowed(path):
            offenders += writes_in(path, PACKAGE.parent)
    assert offenders == []


def test_every_module_of_a_services_package_counts_as_services():
    assert allowed(PACKAGE / "core" / "services.py")
    assert allowed(PACKAGE / "catalog" / "services" / "workflow.py")
    assert allowed(PACKAGE / "catalog" / "services" / "__init__.py")
    assert not allowed(PACKAGE / "catalog" / "views.py")
    assert not allowed(PACKAGE / "catalog" / "search" / "services_of_search.py")
    # The package's modules do write: were they not counted as services, the scan above
    # would fail on them.
    assert writes_in(PACKAGE / "catalog" / "services" / "workflow.py", PACKAGE.parent)


def test_the_scan_catches_each_kind_of_write(tmp_path):
    sample = tmp_path / "views.py"
    sample.write_text(
        "def f(Country, country, progress, data):\n"
        "    Country.objects.create(iso3='XXX')\n"
        "    Country.objects.filter(iso3='XXX').update(name='x')\n"
        "    country.save()\n"
        "    progress.update(1, total=3)\n"
        "    data.update({'a': 1})\n"
    )
    assert writes_in(sample, tmp_path) == [
        "views.py:2 .create()",
        "views.py:3 .update()",
        "views.py:4 .save()",
    ]
