"""Labels of concepts and levels in the report language, from the harmonise step's metadata.

Every text a reader sees comes from the survey config and the codebook (through
``harmonise/concepts.json``), never from code: a region's own labels appear as they wrote
them. Binary concepts get "ja"/"nein" (or "yes"/"no"); a level without a label shows as
itself.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["LANGUAGES", "Labels"]

LANGUAGES = ("de", "en")
_YES_NO = {"de": {1: "ja", 0: "nein"}, "en": {1: "yes", 0: "no"}}


def _text(value: Any, language: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(language) or next(iter(value.values()), ""))
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Labels:
    """Concept and level labels in one language.

    Parameters
    ----------
    concepts
        ``concepts`` of ``harmonise/concepts.json``: per concept its ``type``, ``label``
        ``{de, en}``, ``levels`` and ``level_labels``.
    language
        ``"de"`` or ``"en"``.
    """

    concepts: Mapping[str, Any]
    language: str = "de"
    extra: dict[str, str] = field(default_factory=dict)

    def concept(self, name: str) -> str:
        """The concept's label (its name when it has none)."""
        if name in self.extra:
            return self.extra[name]
        info = self.concepts.get(name) or {}
        return _text(info.get("label"), self.language) or name

    def kind(self, name: str) -> str:
        """The concept's type (``binary``, ``ordinal`` …; ``numeric`` if unknown)."""
        return str((self.concepts.get(name) or {}).get("type", "numeric"))

    def levels(self, name: str) -> list[Any]:
        """The concept's levels in their order (``[1, 0]`` for binary concepts)."""
        if self.kind(name) == "binary":
            return [1, 0]
        return list((self.concepts.get(name) or {}).get("levels") or [])

    def level(self, name: str, value: Any) -> str:
        """A level's label; ``ja``/``nein`` for binary concepts."""
        info = self.concepts.get(name) or {}
        if info.get("type") == "binary":
            try:
                return _YES_NO[self.language][int(float(value))]
            except (TypeError, ValueError, KeyError):
                return str(value)
        labels = info.get("level_labels") or {}
        return _text(labels.get(str(value)), self.language) or str(value)
