"""Load and check the configuration: ``config/config.yaml``, ``config/surveys.tsv`` and one
``config/surveys/<id>.yaml`` per survey.

Every file is validated against a JSON Schema shipped in the package (the Snakefile validates
with the same files), then cross-checked (a concept derived ``from`` a concept that does not
exist, bins whose labels do not match their breaks …), and every reference to a concept or a
level is checked against the levels that exist (`surveykit.data.references`). Errors name
the file, the key, the value and the fix. Nothing read here is ever evaluated as code.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any

from surveykit._core.codes import format_code
from surveykit._core.errors import ConfigError
from surveykit._core.messages import did_you_mean
from surveykit.data.project_paths import check_data_dirs, check_inside, declared_data_dirs
from surveykit.data.safe_yaml import read_yaml
from surveykit.data.schemas import validate

__all__ = [
    "SurveyConfig",
    "configured_scales",
    "load_survey_config",
    "load_surveys_sheet",
    "load_workflow_config",
    "read_yaml",
]


def text_in(value: Any, language: str = "de") -> str:
    """A config text (string or ``{de:, en:}``) in ``language``, falling back to the other."""
    if value is None:
        return ""
    if isinstance(value, Mapping):
        return str(value.get(language) or next(iter(value.values()), ""))
    return str(value)


@dataclass(frozen=True)
class SurveyConfig:
    """A validated survey configuration.

    Attributes
    ----------
    id
        Survey id (``results/<id>/``).
    path
        The YAML file it was read from (named in every message).
    spec
        The parsed, schema-valid document.
    root
        Directory that relative paths in the config are resolved against.
    """

    id: str
    path: Path
    spec: Mapping[str, Any]
    root: Path

    @property
    def source(self) -> Mapping[str, Any]:
        """The ``source`` section."""
        return self.spec["source"]

    @property
    def source_path(self) -> Path:
        """The raw data file, resolved against the project root."""
        return self.resolve(self.source["path"])

    @property
    def codebook_path(self) -> Path | None:
        """The CSV codebook, if one is configured."""
        book = self.source.get("codebook")
        return self.resolve(book) if book else None

    @property
    def concepts(self) -> Mapping[str, Mapping[str, Any]]:
        """Canonical concepts, in config order."""
        return self.spec["concepts"]

    @property
    def missing(self) -> Mapping[str, Any]:
        """Extra missing codes per source variable."""
        return self.spec.get("missing") or {}

    @property
    def design(self) -> Mapping[str, Any]:
        """The ``design`` section (empty for a simple random sample)."""
        return self.spec.get("design") or {}

    def resolve(self, relative: str | Path) -> Path:
        """A path from the config, relative to the project root unless absolute."""
        candidate = Path(relative)
        return candidate if candidate.is_absolute() else self.root / candidate

    def concept_order(self) -> list[str]:
        """Concepts sorted so that every concept comes after the one it is derived ``from``."""
        ordered: list[str] = []
        visiting: set[str] = set()

        def visit(name: str, chain: tuple[str, ...]) -> None:
            if name in ordered:
                return
            if name in visiting:
                cycle = " → ".join((*chain, name))
                raise ConfigError(
                    f"{self.path}: concepts are derived from each other in a circle ({cycle}); "
                    "derive one of them from a source variable instead"
                )
            visiting.add(name)
            parent = self.concepts[name].get("from")
            if parent:
                visit(parent, (*chain, name))
            visiting.discard(name)
            ordered.append(name)

        for name in self.concepts:
            visit(name, ())
        return ordered


def _check_concepts(spec: Mapping[str, Any], path: Path) -> None:
    """Cross-checks the schema cannot express."""
    concepts = spec["concepts"]
    for name, concept in concepts.items():
        where = f"{path}: concepts.{name}"
        parent = concept.get("from")
        if parent is not None and parent not in concepts:
            raise ConfigError(
                f"{where}.from names the concept {parent!r}, which is not defined"
                f"{did_you_mean(parent, concepts)}; define it under concepts or fix the name"
            )
        bins = concept.get("bins")
        if bins and len(bins["labels"]) != len(bins["breaks"]) - 1:
            raise ConfigError(
                f"{where}.bins: {len(bins['breaks'])} breaks make {len(bins['breaks']) - 1} "
                f"bins, but {len(bins['labels'])} labels are given; give one label per bin"
            )
        if bins:
            for edge in bins["breaks"]:
                if isinstance(edge, str) and edge.strip().lower().lstrip("+-.") not in ("inf",):
                    raise ConfigError(
                        f"{where}.bins.breaks: {edge!r} is not a number; use numbers, or "
                        "'.inf' for an open upper end"
                    )
            edges = [float(edge.strip().replace(".", "")) if isinstance(edge, str)
                     else float(edge) for edge in bins["breaks"]]  # '.inf' as a string too
            for low, high in pairwise(edges):
                if not low < high:
                    raise ConfigError(
                        f"{where}.bins.breaks: {format_code(high)} follows {format_code(low)}; "
                        "the breaks must increase from left to right"
                    )
        reverse = concept.get("reverse")
        if reverse and "valid_range" not in concept:
            raise ConfigError(
                f"{where}: reverse-coding needs valid_range: [low, high] (e.g. [1, 5]) to know "
                "the ends of the scale"
            )
        if isinstance(reverse, list):
            unknown = [item for item in reverse if item not in (concept.get("items") or [])]
            if unknown:
                raise ConfigError(
                    f"{where}.reverse names {', '.join(map(repr, unknown))}, which are not "
                    "among its items; list only items of this scale"
                )
        if concept["type"] == "binary" and "map" in concept:
            bad = [k for k, v in concept["map"].items() if v not in (0, 1, True, False)]
            if bad:
                raise ConfigError(
                    f"{where}.map: a binary concept maps to true/false (or 1/0), but "
                    f"{bad[0]!r} maps to {concept['map'][bad[0]]!r}"
                )
        items = concept.get("items") or []
        if concept.get("min_items", 1) > len(items) and items:
            raise ConfigError(
                f"{where}.min_items is {concept['min_items']} but the scale has only "
                f"{len(items)} items; lower min_items"
            )


def _check_weighting(spec: Mapping[str, Any], path: Path) -> None:
    """Trimming bounds that cannot hold, refused at load rather than at the weight step."""
    trim = (spec.get("weighting") or {}).get("trim") or {}
    lower, upper = trim.get("lower"), trim.get("upper")
    where = f"{path}: weighting.trim"
    if lower is not None and lower < 0:
        raise ConfigError(f"{where}.lower is {lower}, but weights are positive; give a "
                          "lower bound ≥ 0 or leave it out")
    if upper is not None and upper <= 0:
        raise ConfigError(f"{where}.upper is {upper}, but weights are positive; give an "
                          "upper bound > 0 or leave it out")
    if lower is not None and upper is not None and lower > upper:
        raise ConfigError(f"{where}: lower={lower} is above upper={upper}; give lower ≤ upper "
                          "(with relative: true both are multiples of the mean weight)")


def _check_paths(config: SurveyConfig, data_dirs: Sequence[str] | None) -> None:
    """Every file the config names lies inside the project or a declared data folder
    (`surveykit.data.project_paths`), checked before any of them is read."""
    if data_dirs is None:
        data_dirs = declared_data_dirs(config.root)
    named = [("source.path", config.source["path"])]
    if config.source.get("codebook"):
        named.append(("source.codebook", config.source["codebook"]))
    weighting = config.spec.get("weighting") or {}
    named += [(f"weighting.margins[{i}].file", entry["file"])
              for i, entry in enumerate(weighting.get("margins") or [])]
    if config.spec.get("population"):
        named.append(("population.file", config.spec["population"]["file"]))
    for key, value in named:
        check_inside(value, root=config.root, data_dirs=data_dirs, where=str(config.path),
                     key=key)


def load_survey_config(path: str | Path, root: str | Path | None = None,
                       check_levels: bool = True,
                       data_dirs: Sequence[str] | None = None) -> SurveyConfig:
    """Read, validate and cross-check one survey configuration.

    Every reference to a concept or a level (``true_values``, ``order``, ``groups``,
    ``models.reference_levels`` …) is checked here, before any step runs
    (`surveykit.data.references`); levels taken ``from_labels`` are read from the data
    file's metadata. So is every name in the ``strategies`` section (predictors, tables,
    breakdowns, domains, levels, priority items: `surveykit.data.strategy_checks`).

    Parameters
    ----------
    path
        ``config/surveys/<id>.yaml``.
    root
        Project root that relative paths are resolved against; default: the current directory.
    check_levels
        Check concept and level references (default). ``False`` only checks the schema and
        the concept structure.
    data_dirs
        Folders outside the project that files may lie in; default: ``data_dirs`` of the
        project's ``config/config.yaml``. Every file the config names must lie inside the
        project or one of them (`surveykit.data.project_paths`).
    """
    path = Path(path)
    spec = read_yaml(path, "survey config")
    if not isinstance(spec, dict):
        raise ConfigError(
            f"{path}: a survey config is a YAML mapping with keys id, source, concepts …; "
            "see config/surveys/example.yaml"
        )
    validate(spec, "survey", str(path))
    _check_concepts(spec, path)
    _check_weighting(spec, path)
    config = SurveyConfig(id=spec["id"], path=path, spec=spec, root=Path(root or Path.cwd()))
    _check_paths(config, data_dirs)
    config.concept_order()
    if check_levels:
        # Imported here: references reads the data file's metadata (surveykit.data.io).
        from surveykit.data.references import check_config_references

        check_config_references(config)
        if spec.get("strategies"):
            from surveykit.data.strategy_checks import check_strategy_references

            check_strategy_references(config)
    return config


def load_surveys_sheet(path: str | Path, root: str | Path | None = None,
                       data_dirs: Sequence[str] | None = None) -> list[dict[str, str]]:
    """Read ``config/surveys.tsv``: one row per survey with ``survey_id`` and ``config``.

    Every config it lists must lie inside the project (``root``, default the current
    folder) or a declared data folder (``data_dirs``, default from ``config/config.yaml``).
    """
    path = Path(path)
    root = Path(root or Path.cwd())
    if not path.is_file():
        raise ConfigError(f"{path}: survey sheet not found; create it with a header "
                          "'survey_id<TAB>config' (surveykit init adds rows)")
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [
            {k: (v or "").strip() for k, v in row.items() if k is not None}
            for row in csv.DictReader(handle, delimiter="\t")
        ]
    validate(rows, "surveys", str(path))
    seen: set[str] = set()
    if data_dirs is None:
        data_dirs = declared_data_dirs(root)
    for number, row in enumerate(rows, start=2):
        check_inside(row["config"], root=root, data_dirs=data_dirs,
                     where=f"{path}, line {number}", key="config")
        if row["survey_id"] in seen:
            raise ConfigError(f"{path}, line {number}: survey_id {row['survey_id']!r} occurs "
                              "twice; every survey needs its own id")
        seen.add(row["survey_id"])
    return rows


def load_workflow_config(path: str | Path, root: str | Path | None = None) -> dict[str, Any]:
    """Read and validate ``config/config.yaml`` (workflow-wide settings)."""
    spec = read_yaml(path, "workflow config") or {}
    validate(spec, "config", str(path))
    check_workflow_paths(spec, str(path), root)
    return spec


def check_workflow_paths(spec: Mapping[str, Any], source: str,
                         root: str | Path | None = None) -> None:
    """``results`` and ``surveys`` of a schema-valid workflow config lie inside the project
    (``root``, default the current folder) or its declared ``data_dirs``."""
    root = Path(root or Path.cwd())
    data_dirs = list(spec.get("data_dirs") or [])
    check_data_dirs(data_dirs, root, source)
    for key in ("surveys", "results"):
        if spec.get(key) is not None:
            check_inside(spec[key], root=root, data_dirs=data_dirs, where=source, key=key)


def configured_scales(config: SurveyConfig) -> dict[str, list[str]]:
    """The multi-item scales of a survey config: ``{concept: [items]}``, in config order."""
    return {name: list(spec["items"]) for name, spec in config.concepts.items()
            if spec.get("type") == "scale" and len(spec.get("items") or []) > 1}
