"""YAML as surveykit reads it: `yaml.SafeLoader` (no tags, no code) that also refuses a key
given twice in one mapping (plain PyYAML silently keeps the last) and more than
`MAX_ALIASES` aliases (nested aliases, "billion laughs", expand a small file to more nodes
than memory holds once the document is walked).

Every workflow job reads the survey config, and PyYAML's pure-Python parser took 0.15–0.3 s
of each job for the example's 500 lines; libyaml's parser (``yaml.CSafeLoader``, shipped in
PyYAML's wheels) reads them about ten times faster. The C route reads well-formed files; a
file it refuses is read again by the Python route, whose messages (line, column, what is
wrong) are the ones users see, so both routes say the same thing about a bad file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from surveykit._core.errors import ConfigError
from surveykit._core.messages import shorten

__all__ = ["MAX_ALIASES", "parse_yaml", "read_yaml"]

#: Most aliases (``*name``) a config may use: the example uses 30; thousands of nested ones
#: ("billion laughs") would expand to more nodes than memory holds once validated.
MAX_ALIASES = 50


class _UniqueKeys:
    """A YAML constructor that refuses a key given twice in one mapping."""

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _ in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                continue
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:
                continue  # an unhashable key: the constructor below says what is wrong
            if first is not None:
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {shorten(key)} is given twice, at line {first + 1} "
                    f"and line {key_node.start_mark.line + 1}; keep one of them (YAML would "
                    "silently use the last)", key_node.start_mark)
            seen[key] = key_node.start_mark.line
        return super().construct_mapping(node, deep=deep)


class _StrictLoader(_UniqueKeys, yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key given twice in one mapping (plain PyYAML keeps
    the last silently) and more than `MAX_ALIASES` aliases."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.aliases = 0

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_ALIASES} aliases (*name); a config needs far "
                    "fewer — write the repeated parts out or use fewer anchors", mark)
        return super().compose_node(parent, index)


def _alias_uses(root: yaml.Node) -> int:
    """How often the composed document refers to a node it already holds: each alias
    (``*name``, also in a merge key) is a second reference to its anchor's node. Each node
    is visited once, so a billion laughs costs its few dozen nodes, not its expansion."""
    seen: set[int] = set()
    uses = 0
    pending = [root]
    while pending:
        node = pending.pop()
        if id(node) in seen:
            uses += 1
            continue
        seen.add(id(node))
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                pending += (key, value)
        elif isinstance(node, yaml.SequenceNode):
            pending += node.value
    return uses


if getattr(yaml, "__with_libyaml__", False):
    class _StrictCLoader(_UniqueKeys, yaml.CSafeLoader):
        """`_StrictLoader`'s rules on libyaml's parser: the duplicate-key check in the
        (Python) constructor, the alias limit by counting repeated nodes."""

        def get_single_data(self):
            node = self.get_single_node()
            if node is None:
                return None
            if _alias_uses(node) > MAX_ALIASES:
                raise yaml.constructor.ConstructorError(
                    None, None, f"more than {MAX_ALIASES} aliases", node.start_mark)
            return self.construct_document(node)
else:  # a PyYAML built without libyaml: the Python route alone
    _StrictCLoader = None


def parse_yaml(text: str) -> Any:
    """Parse YAML text safely: no tags, no code, no duplicate keys, few aliases; raises
    `yaml.YAMLError` (with ``problem`` and ``problem_mark``) like `yaml.safe_load`."""
    if _StrictCLoader is not None:
        try:
            return yaml.load(text, Loader=_StrictCLoader)
        except yaml.YAMLError:
            pass  # the Python route below says what is wrong, and where
    return yaml.load(text, Loader=_StrictLoader)


def read_yaml(path: str | Path, what: str = "config file") -> Any:
    """Parse a YAML file safely (`parse_yaml`: no tags, no code, no duplicate keys)."""
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: {what} not found")
    try:
        return parse_yaml(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: {what} is not UTF-8 text; save it as UTF-8") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{path}: not valid YAML{where}: {problem}") from None
