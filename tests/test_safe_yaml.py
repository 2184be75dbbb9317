"""The YAML reader's two routes (libyaml and pure Python) read the same documents the same
way, and the fast route is the one taken where libyaml is present."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from surveykit.data import safe_yaml
from surveykit.data.safe_yaml import MAX_ALIASES, parse_yaml

ROOT = Path(__file__).resolve().parents[1]
YAML_FILES = sorted(p for pattern in ("config/**/*.yaml", "data/raw/**/*.yaml",
                                      "profiles/**/*.yaml")
                    for p in ROOT.glob(pattern))

needs_libyaml = pytest.mark.skipif(safe_yaml._StrictCLoader is None,
                                   reason="PyYAML without libyaml")


def test_there_are_yaml_files_to_compare() -> None:
    assert len(YAML_FILES) >= 5


@needs_libyaml
@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_both_routes_read_the_project_files_alike(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    fast = yaml.load(text, Loader=safe_yaml._StrictCLoader)
    assert fast == yaml.load(text, Loader=safe_yaml._StrictLoader)
    assert fast == yaml.safe_load(text)


@needs_libyaml
def test_fast_route_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(self, parent, index):  # the Python composer must not run
        raise AssertionError("the pure-Python parser ran")
    monkeypatch.setattr(safe_yaml._StrictLoader, "compose_node", refuse)
    assert parse_yaml("a: 1\nb: [x, y]\nc: &c {d: 2}\ne: *c\n") == \
        {"a": 1, "b": ["x", "y"], "c": {"d": 2}, "e": {"d": 2}}


def _laughs(depth: int, width: int) -> str:
    lines = ["a: &a [lol]"]
    for level in range(1, depth):
        lines.append(f"x{level}: &x{level} [" + ", ".join(
            ["*a" if level == 1 else f"*x{level - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


@needs_libyaml
@pytest.mark.parametrize(("text", "uses"), [
    ("a: 1\n", 0),
    ("a: &a [1]\nb: *a\nc: *a\n", 2),
    ("base: &b {x: 1}\nother:\n  <<: *b\n  y: 2\n", 1),
    (_laughs(4, 3), 9),
])
def test_alias_uses_are_counted(text: str, uses: int) -> None:
    node = yaml.compose(text, Loader=yaml.CSafeLoader)
    assert safe_yaml._alias_uses(node) == uses


@pytest.mark.parametrize("text", [
    _laughs(3, MAX_ALIASES // 2 + 1),           # just over the limit
    _laughs(9, 9),                              # a billion laughs
])
def test_too_many_aliases_refused_with_the_python_message(text: str) -> None:
    with pytest.raises(yaml.constructor.ConstructorError,
                       match=f"more than {MAX_ALIASES} aliases.*fewer") as error:
        parse_yaml(text)
    assert error.value.problem_mark.line >= 1   # the alias that went over, as before


def test_at_the_alias_limit_the_document_reads() -> None:
    text = "a: &a [1]\n" + "".join(f"k{i}: *a\n" for i in range(MAX_ALIASES))
    assert parse_yaml(text)[f"k{MAX_ALIASES - 1}"] == [1]


def test_duplicate_key_refused_with_its_lines() -> None:
    with pytest.raises(yaml.constructor.ConstructorError,
                       match=r"the key 'b' is given twice, at line 2 and line 4"):
        parse_yaml("a: 1\nb: 2\nc: 3\nb: 4\n")


def test_syntax_error_names_the_python_parsers_place() -> None:
    with pytest.raises(yaml.YAMLError) as error:
        parse_yaml("id: x\nsource:\n  path: [unclosed\n")
    with pytest.raises(yaml.YAMLError) as python:
        yaml.load("id: x\nsource:\n  path: [unclosed\n", Loader=safe_yaml._StrictLoader)
    assert str(error.value) == str(python.value)
