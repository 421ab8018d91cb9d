"""The test tree keeps the shape of the code: unit tests in one folder per feature of
shared/civiq, contract suites apart, and helpers (worlds, builders, corpora) in tests/helpers, so
that no test module imports another test module or a conftest (a test file can then move, or run
alone, or on any pytest-xdist worker, without dragging another file's fixtures along)."""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers.files import REPO

TESTS = REPO / "tests"
FEATURES = {
    p.name
    for p in (REPO / "shared" / "civiq").iterdir()
    if p.is_dir() and (p / "__init__.py").exists()
}
MODULES = sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def imported_modules(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def test_the_tree_is_unit_contract_integration_e2e_and_helpers() -> None:
    folders = {p.name for p in TESTS.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == {"unit", "contract", "integration", "e2e", "helpers"}
    loose = {p.name for p in TESTS.glob("*.py")}
    assert loose == {"__init__.py", "conftest.py"}


def test_unit_tests_live_in_the_folder_of_their_feature() -> None:
    misplaced = [
        str(p.relative_to(TESTS))
        for p in (TESTS / "unit").rglob("test_*.py")
        if p.parent.parent != TESTS / "unit" or p.parent.name not in FEATURES
    ]
    assert not misplaced, f"not under tests/unit/<feature>/ ({sorted(FEATURES)}): {misplaced}"


def test_helpers_hold_no_tests() -> None:
    assert not list((TESTS / "helpers").rglob("test_*.py"))
    assert not list((TESTS / "helpers").rglob("conftest.py"))


def test_no_module_imports_a_test_module_or_a_conftest() -> None:
    wrong = {
        str(path.relative_to(TESTS)): sorted(
            name
            for name in imported_modules(path)
            if name.startswith("tests.")
            and any(part.startswith("test_") or part == "conftest" for part in name.split("."))
        )
        for path in MODULES
    }
    wrong = {path: names for path, names in wrong.items() if names}
    assert not wrong, f"move what these import to tests/helpers/: {wrong}"
