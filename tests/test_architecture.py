"""The package's layers: each imports only those below it, and `import surveykit` is light.

The layer table is the one in the README ("Development") and in each subpackage's
docstring. Module-level imports must follow it. The only imports allowed to reach upwards
are the deferred ones inside `SurveyDesign`'s convenience verbs (``d.mean``, ``d.rake``,
``d.logit`` …), which forward to the layer that implements them when called.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "surveykit"

#: subpackage → the subpackages it may import (besides itself).
ALLOWED = {
    "_core": set(),
    "data": {"_core"},
    "design": {"_core"},
    "estimation": {"design", "_core"},
    "weighting": {"design", "_core"},
    "models": {"estimation", "design", "_core"},
    "strategies": {"models", "estimation", "design", "_core"},
    "publish": {"strategies", "models", "estimation", "weighting", "design", "data", "_core"},
    "synth": {"data", "_core"},
    "pipeline": {"publish", "strategies", "models", "weighting", "estimation", "design",
                 "data", "synth", "_core"},
    "cli": {"pipeline", "publish", "strategies", "models", "weighting", "estimation",
            "design", "data", "synth", "_core"},
}
#: Deferred imports that may point upwards: the design's forwarding verbs.
FACADE = {("design", "survey_design.py"): {"estimation", "weighting", "models"}}


def _layer(path: Path) -> str:
    parts = path.relative_to(PACKAGE).parts
    return parts[0].removesuffix(".py") if len(parts) > 1 or parts[0] != "__init__.py" \
        else "__init__"


def _imports(tree: ast.AST) -> list[tuple[ast.AST, str, bool]]:
    """(node, imported surveykit module, deferred?) for every import of surveykit."""
    found = []
    deferred_nodes = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            deferred_nodes.update(id(n) for n in ast.walk(node) if n is not node)
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and \
                node.test.id == "TYPE_CHECKING":
            deferred_nodes.update(id(n) for n in ast.walk(node) if n is not node)
    for node in ast.walk(tree):
        names = []
        if isinstance(node, ast.ImportFrom) and node.module and \
                node.module.startswith("surveykit"):
            names = [node.module] if node.module != "surveykit" else \
                [f"surveykit.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.startswith("surveykit")]
        for name in names:
            found.append((node, name, id(node) in deferred_nodes))
    return found


def _violations() -> list[str]:
    problems = []
    for path in sorted(PACKAGE.rglob("*.py")):
        layer = _layer(path)
        if layer in ("__init__", "__main__"):
            continue
        allowed = ALLOWED[layer] | {layer}
        facade = FACADE.get((layer, path.name), set())
        for node, name, deferred in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            parts = name.split(".")
            target = parts[1] if len(parts) > 1 else "__init__"
            if target in ("__init__",) and layer != "cli":
                # `from surveykit import X` reaches the top level: only errors are there
                target = "_core"
            if target in allowed or (deferred and target in facade):
                continue
            problems.append(f"{path.relative_to(PACKAGE)}:{node.lineno} ({layer}) imports "
                            f"{name}")
    return problems


def test_every_layer_imports_only_the_layers_below_it() -> None:
    assert _violations() == []


def test_every_subpackage_says_its_job_and_what_it_may_import() -> None:
    for layer in ALLOWED:
        init = PACKAGE / layer / "__init__.py"
        if layer == "cli" or (layer == "strategies" and not init.exists()):
            continue
        docstring = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        assert "Job" in docstring and "May import" in docstring, layer


def test_no_function_hides_a_module_of_the_same_name() -> None:
    import surveykit

    for package in [surveykit, *(
            __import__(f"surveykit.{layer}", fromlist=["_"]) for layer in ALLOWED
            if (PACKAGE / layer / "__init__.py").exists())]:
        directory = Path(package.__file__).parent
        modules = {p.stem for p in directory.glob("*.py")} | \
            {p.name for p in directory.iterdir() if (p / "__init__.py").exists()}
        for name in getattr(package, "__all__", []):
            assert name not in modules, f"{package.__name__}.{name} hides a module"


def _loaded_after(code: str) -> set[str]:
    script = f"import sys, json\n{code}\nprint(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          check=True, timeout=120)
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


HEAVY = {"seaborn", "matplotlib", "pingouin", "statsmodels", "sklearn", "jsonschema", "yaml"}


def test_import_surveykit_loads_no_heavy_library() -> None:
    assert not HEAVY & _loaded_after("import surveykit")


@pytest.mark.parametrize("call", [
    "sk.SurveyDesign(df, weights='w').mean('y')",
    "sk.SurveyDesign(df, weights='w').rake({'g': {'a': 50, 'b': 50}}).proportion('g')",
])
def test_the_engine_loads_neither_the_config_layer_nor_plotting(call: str) -> None:
    code = ("import pandas as pd\nimport surveykit as sk\n"
            "df = pd.DataFrame({'y': [1.0, 2.0, 3.0, 4.0], 'w': [1.0, 2.0, 1.0, 2.0], "
            "'g': ['a', 'b', 'a', 'b']})\n" + call)
    loaded = _loaded_after(code)
    assert not HEAVY & loaded
    assert not any(name.startswith("surveykit.data") for name in loaded)


def test_the_import_scan_sees_module_level_and_deferred_imports() -> None:
    tree = ast.parse("from surveykit.data.config import load\n"
                     "def f():\n    from surveykit.models import fit_glm\n"
                     "import surveykit.weighting\n")
    assert [(name, deferred) for _, name, deferred in _imports(tree)] == [
        ("surveykit.data.config", False), ("surveykit.weighting", False),
        ("surveykit.models", True)]
