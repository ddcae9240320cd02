"""Inside vik/rules, compiling and evaluating never import loading and policy.

The loader (rule files, the profiling ban, doelbinding, the run gate) and the
runner that applies the gate sit on top of the compiler and the engine; the other
way round would let policy leak into evaluation.
"""

from __future__ import annotations

import ast
from pathlib import Path

import vik.rules

PACKAGE = Path(vik.rules.__file__).parent
POLICY = {"loader", "runner", "fixtures"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_compiler_and_engine_do_not_import_the_loader():
    modules = [p for p in PACKAGE.glob("*.py") if p.stem not in POLICY | {"__init__"}]
    assert {"engine", "compiler", "kinds", "signaal", "betrokkenheid"} <= {p.stem for p in modules}
    forbidden = {f"vik.rules.{name}" for name in POLICY}
    for path in modules:
        assert imported(path) & forbidden == set(), path.name
