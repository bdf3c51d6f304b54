"""Reads never import writes: selectors and permission checks of every app stay free of
any services module, so a page or another module that only reads never pulls in writes."""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2]
READS = {"selectors.py", "permissions.py"}


def services_imports(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            modules = [base] + [f"{base}.{alias.name}" for alias in node.names]
        else:
            continue
        found += [m for m in modules if "services" in m.split(".")]
    return found


def test_selectors_and_permission_checks_never_import_services():
    reads = [
        path
        for path in sorted(PACKAGE.rglob("*.py"))
        if path.name in READS and not {"services", "tests"} & set(path.relative_to(PACKAGE).parts)
    ]
    assert {p.relative_to(PACKAGE).as_posix() for p in reads} >= {
        "catalog/selectors.py",
        "catalog/permissions.py",
        "core/selectors.py",
    }
    offenders = {p.relative_to(PACKAGE).as_posix(): services_imports(p) for p in reads}
    assert {path: found for path, found in offenders.items() if found} == {}


def test_the_check_sees_every_way_of_importing_services(tmp_path):
    sample = tmp_path / "selectors.py"
    sample.write_text(
        "from resilnet.catalog import services\n"
        "from resilnet.catalog.services.permissions import can_edit\n"
        "import resilnet.core.services\n"
        "from resilnet.catalog import models\n"
        "def f():\n"
        "    from resilnet.catalog.services import is_moderator\n"
    )
    assert services_imports(sample) == [
        "resilnet.catalog.services",
        "resilnet.catalog.services.permissions",
        "resilnet.catalog.services.permissions.can_edit",
        "resilnet.core.services",
        "resilnet.catalog.services",
        "resilnet.catalog.services.is_moderator",
    ]
