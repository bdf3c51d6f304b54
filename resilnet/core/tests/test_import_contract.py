"""The import contract (pyproject.toml, scripts/module_boundaries.py) holds on the code and
breaks on each kind of violation, checked on a copy of the code with one line added."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), "--no-cache"],
        cwd=tree,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def code_copy(tmp_path):
    shutil.copytree(
        REPO / "resilnet",
        tmp_path / "resilnet",
        ignore=shutil.ignore_patterns("__pycache__", "locale", "static", "templates", "data"),
    )
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO / "scripts" / "module_boundaries.py", tmp_path / "scripts")
    shutil.copy(REPO / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_code_keeps_the_contract(code_copy):
    result = lint_imports(code_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("file", "line", "reason"),
    [
        (
            "core/health.py",
            "from resilnet.catalog import models",
            "resilnet.core.health -> resilnet.catalog.models (l.",
        ),
        (
            "core/views.py",
            "import resilnet.urls",
            "core imports no module and nothing of the project level",
        ),
        (
            "catalog/views.py",
            "from resilnet.schools import urls",
            "another module is used only through resilnet.schools.services or "
            "resilnet.schools.selectors",
        ),
        (
            "catalog/tasks.py",
            "from resilnet.catalog import cli",
            "only command-line modules import a command-line module",
        ),
    ],
)
def test_a_violation_breaks_the_contract(code_copy, file, line, reason):
    path = code_copy / "resilnet" / file
    path.write_text(path.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(code_copy)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "0 kept, 1 broken" in result.stdout
    assert reason in " ".join(result.stdout.split())
