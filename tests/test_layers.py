"""Each app imports only from the apps below it (config/layers.py): no import
circle between apps. Every import counts, also one inside a function or
under TYPE_CHECKING; migrations are left out (Django writes them)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from config.layers import LAYERS

ROOT = Path(__file__).resolve().parents[1]


def _imported_modules(tree: ast.AST, module: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file of package `module`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the file's package
                base = module.split(".")[: -node.level]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            found.append((node.lineno, name))
    return found


def _sources(app: str):
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.relative_to(ROOT).parts:
            continue
        yield path


def _violations(app: str) -> list[str]:
    allowed = set(LAYERS[: LAYERS.index(app)])
    forbidden = set(LAYERS) - allowed - {app}
    out = []
    for path in _sources(app):
        relative = path.relative_to(ROOT)
        parts = list(relative.with_suffix("").parts)
        if parts[-1] == "__init__":
            parts[-1] = "_"  # a package's relative imports start from the package itself
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(relative))
        for line, name in _imported_modules(tree, ".".join(parts)):
            top = name.split(".")[0]
            if top in forbidden:
                out.append(f"{relative}:{line} imports {name}")
    return out


def test_every_app_is_in_a_layer():
    apps = {
        path.parent.name
        for path in ROOT.glob("*/apps.py")
        if path.parent.name not in ("config", "tests")
    }
    assert apps == set(LAYERS)


@pytest.mark.parametrize("app", LAYERS)
def test_an_app_imports_only_the_apps_below_it(app):
    assert _violations(app) == []


def test_an_import_of_a_higher_app_is_found_even_inside_a_function(tmp_path, monkeypatch):
    # The check itself: filings importing assessments inside a function fails.
    source = (
        "from assessments.models import Answer\n"
        "def f():\n"
        "    from reviews import selectors\n"
        "    from .interchange import SHAPES\n"
    )
    tree = ast.parse(source)
    names = [name for _line, name in _imported_modules(tree, "filings.example")]
    assert names == ["assessments.models", "reviews", "filings.interchange"]
    app = tmp_path / "filings"
    app.mkdir()
    (app / "example.py").write_text(source)
    (app / "migrations").mkdir()
    (app / "migrations" / "0001_initial.py").write_text("import documents\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert _violations("filings") == [
        "filings/example.py:1 imports assessments.models",
        "filings/example.py:3 imports reviews",
    ]
