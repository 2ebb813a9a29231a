"""The package's layers, as ``quiz/__init__.py`` describes them: a module imports only from its own
layer and the ones before it, and the domain core uses neither Flask nor the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

QUIZ = Path(__file__).resolve().parents[1] / "quiz"
LAYERS = {
    "core": {
        "notes",
        "sm2",
        "answers",
        "render",
        "export",
        "anki_schedule",
        "anki_cards",
        "charts",
        "uploads",
        "limits",
        "i18n",
        "media",
        "anki_package",
    },
    "database": {"models", "counters", "store", "accounts", "pending", "backup"},
    "web": {"forms", "views", "auth", "errors", "import_jobs", "cli"},
}
ORDER = list(LAYERS)
LAYER_OF = {name: layer for layer, names in LAYERS.items() for name in names}
# Flask's packages, and the one the database layer may use (the models' ``db`` object).
FLASK = ("flask", "flask_babel", "flask_login", "flask_migrate", "flask_sqlalchemy", "flask_wtf")
DATABASE_FLASK = "flask_sqlalchemy"


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "quiz":
                names.update(f"quiz.{alias.name}" for alias in node.names)
    return names


def top_module(path: Path) -> str:
    return path.relative_to(QUIZ).parts[0].removesuffix(".py")


def test_every_module_of_the_package_has_a_layer() -> None:
    modules = {p.stem for p in QUIZ.glob("*.py") if p.name != "__init__.py"}
    packages = {p.name for p in QUIZ.iterdir() if (p / "__init__.py").is_file()}
    assert modules | packages == set(LAYER_OF)


@pytest.mark.parametrize("path", sorted(QUIZ.rglob("*.py")), ids=lambda p: str(p.relative_to(QUIZ)))
def test_a_module_imports_only_its_own_layer_and_the_ones_before(path: Path) -> None:
    if path.parent == QUIZ and path.name == "__init__.py":
        return
    layer = LAYER_OF[top_module(path)]
    for name in imported(path):
        parts = name.split(".")
        if parts[0] == "quiz" and len(parts) > 1:
            assert ORDER.index(LAYER_OF[parts[1]]) <= ORDER.index(layer), f"{layer} imports {name}"
        elif layer == "core":
            assert parts[0] not in (*FLASK, "sqlalchemy"), f"the core imports {name}"
        elif layer == "database":
            assert parts[0] not in FLASK or parts[0] == DATABASE_FLASK, f"the database layer imports {name}"
