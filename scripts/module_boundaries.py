"""An import-linter contract type for the module arrows of docs/architecture.md.

It finds the modules itself (each package under the root with a `module.py`, core aside),
so a new module is checked without editing the contract:

- core imports no module and, of the project level, only the modules named in
  `core_may_import` (the root package's `__init__` and `config`);
- a module imports another module only through its public packages (`services`,
  `selectors`);
- nothing imports a command-line module (`cli`) except another command-line module.

Tests and migrations are not checked.
"""

from __future__ import annotations

from typing import Any

from grimp import ImportGraph
from importlinter import Contract, ContractCheck, fields, output


class ModuleBoundaries(Contract):
    root = fields.StringField()
    core = fields.StringField()
    core_may_import = fields.ListField(subfield=fields.StringField())
    public = fields.ListField(subfield=fields.StringField())
    cli = fields.StringField()

    def check(self, graph: ImportGraph, verbose: bool) -> ContractCheck:
        root, core = str(self.root), str(self.core)
        apps = {
            child
            for child in graph.find_children(root)
            if f"{child}.module" in graph.modules and child != core
        }
        violations: list[dict[str, Any]] = []
        for importer in sorted(graph.modules):
            if not importer.startswith(f"{root}.") or _skipped(importer):
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                reason = self._reason(importer, imported, apps)
                if reason:
                    lines = graph.get_import_details(importer=importer, imported=imported)
                    violations.append(
                        {
                            "importer": importer,
                            "imported": imported,
                            "lines": [d["line_number"] for d in lines],
                            "reason": reason,
                        }
                    )
        if verbose:
            output.verbose_print(verbose, f"modules: {', '.join(sorted(apps))}")
        return ContractCheck(kept=not violations, metadata={"violations": violations})

    def _reason(self, importer: str, imported: str, apps: set[str]) -> str:
        core = str(self.core)
        if _is_cli(imported, str(self.cli)) and not _is_cli(importer, str(self.cli)):
            return "only command-line modules import a command-line module"
        if _within(importer, core):
            if not _within(imported, core) and imported not in map(str, self.core_may_import):
                return "core imports no module and nothing of the project level"
            return ""
        home = next((app for app in apps if _within(importer, app)), None)
        target = next((app for app in apps if _within(imported, app)), None)
        if home is None or target is None or home == target:
            return ""
        if not any(_within(imported, f"{target}.{name}") for name in map(str, self.public)):
            public = " or ".join(f"{target}.{name}" for name in map(str, self.public))
            return f"another module is used only through {public}"
        return ""

    def render_broken_contract(self, check: ContractCheck) -> None:
        for v in check.metadata["violations"]:
            lines = ", ".join(f"l.{n}" for n in v["lines"])
            output.print_error(f"{v['importer']} -> {v['imported']} ({lines}): {v['reason']}")
            output.new_line()


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(f"{package}.")


def _is_cli(name: str, cli: str) -> bool:
    """A command-line module, or one of a command-line package (schools/cli/areas.py)."""
    return cli in name.split(".")


def _skipped(name: str) -> bool:
    parts = name.split(".")
    return "tests" in parts or "migrations" in parts
