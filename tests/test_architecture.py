"""The layers' import rules, read from the source (no import needed): the README's picture holds."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# (package or module, imports it must never make, why)
CONTRACTS = [
    ("ingest", ("bot",), "the write side never imports the read side"),
    ("bot/answer", ("discord", "typer", "rich"), "the answering core is adapter-free"),
    ("bot/feedback.py", ("discord",), "the votes store has no Discord in it"),
    ("bot/settings.py", ("discord", "typer", "rich"), "settings are adapter-free"),
    ("bot/app.py", ("discord", "typer", "rich"), "the composition root is adapter-free"),
]


def imported_modules(path: Path) -> set[str]:
    """Every module a source file imports, at any depth (function-level imports included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def sources(target: str) -> list[Path]:
    """The Python files of a package folder, or the one module."""
    path = ROOT / target
    return sorted(path.rglob("*.py")) if path.is_dir() else [path]


def breaks(module: str, forbidden: tuple[str, ...]) -> bool:
    return any(module == name or module.startswith(name + ".") for name in forbidden)


@pytest.mark.parametrize(("target", "forbidden", "why"), CONTRACTS)
def test_import_contract(target: str, forbidden: tuple[str, ...], why: str) -> None:
    files = sources(target)
    assert files, f"{target} has no Python files: the contract checks nothing"
    violations = [
        f"{path.relative_to(ROOT)} imports {module}"
        for path in files
        for module in sorted(imported_modules(path))
        if breaks(module, forbidden)
    ]

    assert not violations, f"{why}: " + "; ".join(violations)


def test_the_checker_sees_nested_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    import discord.ui\n    from rich.console import Console\n")

    found = imported_modules(module)

    assert breaks("discord.ui", ("discord",)) and "rich.console" in found
    assert not breaks("discordant", ("discord",))
