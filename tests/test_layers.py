"""Imports only point down the layers of docs/architecture.md."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "bookwithme"

# What each part of the project may import from the project (besides itself).
ALLOWED = {
    "slots": set(),
    "tokens": set(),
    "throttle": set(),
    "clients": set(),
    "outbound": set(),
    "environ": set(),
    "caches": set(),
    "backups": set(),
    # Dates and times as a reader writes them (Babel's CLDR), for pages, app and emails.
    "formats": set(),
    "directory": {"slots", "tokens"},
    "calendars": {"slots", "tokens", "outbound", "directory"},
    # booking counts unknown tokens per address in the cache (access.by_token).
    "booking": {"slots", "tokens", "throttle", "outbound", "directory", "calendars", "observe"},
    "notify": {"slots", "tokens", "outbound", "formats", "directory", "calendars", "booking"},
    # Export and erasure read and rewrite booking's and notify's rows.
    "privacy": {"slots", "tokens", "directory", "calendars", "booking", "notify"},
}


def project_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            parts = name.split(".")
            if parts[0] == "bookwithme" and len(parts) > 1:
                found.add(parts[1])
    return found


@pytest.mark.parametrize("part", sorted(ALLOWED))
def test_a_layer_imports_only_layers_below_it(part):
    root = PACKAGE / part
    files = [root.with_suffix(".py")] if root.with_suffix(".py").exists() else []
    # The admin is an entry point that happens to live beside the models it shows.
    files += [p for p in root.rglob("*.py") if p.name != "admin.py"] if root.is_dir() else []
    assert files
    for path in files:
        wrong = project_imports(path) - ALLOWED[part] - {part}
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"


def test_nothing_imports_the_entry_points():
    for path in PACKAGE.rglob("*.py"):
        top = path.relative_to(PACKAGE).parts[0]
        if top in {"web", "api", "management", "urls.py", "cli.py"}:
            continue
        wrong = project_imports(path) & {"web", "api", "management"}
        assert not wrong, f"{path.relative_to(PACKAGE)} imports {sorted(wrong)}"
