"""House rules that a reviewer would otherwise have to remember: lint, and who imports whom."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "supportdesk"


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # 'from supportdesk.store import dto' imports supportdesk.store.dto.
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _ours(names: set[str]) -> set[str]:
    return {n for n in names if n == "supportdesk" or n.startswith("supportdesk.")}


def test_ruff_is_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    if not Path(ruff).exists():
        pytest.fail("ruff is part of the test extra; install with pip install -e '.[test]'")
    result = subprocess.run([ruff, "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_core_imports_nothing_of_ours_but_core() -> None:
    for path in (PACKAGE / "core").rglob("*.py"):
        outside = {n for n in _ours(_imports(path)) if not n.startswith("supportdesk.core")}
        assert not outside, f"{path.relative_to(ROOT)} imports {sorted(outside)}"


def test_core_never_reads_the_wall_clock() -> None:
    for path in (PACKAGE / "core").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for forbidden in ("datetime.now(", "datetime.utcnow(", "time.time(", "date.today("):
            assert forbidden not in text, f"{path.relative_to(ROOT)} calls {forbidden}"


def test_screens_and_widgets_never_touch_models_or_sql() -> None:
    for folder in ("screens", "widgets"):
        for path in (PACKAGE / folder).rglob("*.py"):
            names = _imports(path)
            bad = {
                n
                for n in names
                if n.startswith(
                    ("supportdesk.store.models", "supportdesk.store.db", "sqlalchemy", "sqlmodel")
                )
            }
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def test_channels_reach_the_store_only_through_the_desk() -> None:
    allowed = ("supportdesk.store.desk", "supportdesk.store.dto")
    for path in (PACKAGE / "channels").rglob("*.py"):
        store = {n for n in _ours(_imports(path)) if n.startswith("supportdesk.store")}
        assert all(n.startswith(allowed) for n in store), (
            f"{path.relative_to(ROOT)} imports {sorted(store)}"
        )
