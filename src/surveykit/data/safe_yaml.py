"""YAML as surveykit reads it: `yaml.SafeLoader` (no tags, no code) that also refuses a key
given twice in one mapping (plain PyYAML silently keeps the last) and more than
`MAX_ALIASES` aliases (nested aliases, "billion laughs", expand a small file to more nodes
than memory holds once the document is walked)."""

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


class _StrictLoader(yaml.SafeLoader):
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


def parse_yaml(text: str) -> Any:
    """Parse YAML text safely: no tags, no code, no duplicate keys, few aliases; raises
    `yaml.YAMLError` (with ``problem`` and ``problem_mark``) like `yaml.safe_load`."""
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
