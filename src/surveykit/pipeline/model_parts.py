"""The model step's fan-out: multiple imputations in chunks, the robustness check by fold,
the ordinal and multinomial models apart.

The expensive parts of the model step are independent repetitions: ``models.imputations``
fits of the logit on imputed data, and the K cross-validation folds of the robustness
appendix. On a cluster each chunk of imputations and each group of folds is its own job
(`run_imputation_chunk`, `run_robustness_folds`), and where the model step fans out at all
the ordinal and multinomial models are one more (`run_categorical_models`); the model step
then gathers the parts (`read_parts`) instead of computing them. Every
imputation and every fold draws from its own random stream, made from the seed and its
number alone, so the gathered result is exactly the one-process result, whatever the
number of jobs (``imputation_chunks`` and ``robustness_fold_jobs`` in
``config/config.yaml``; ``profiles/slurm`` sets one job per fold). Their default, ``auto``,
fans out a survey from `FAN_OUT_RESPONDENTS` respondents in its raw data, where the
parallel jobs pay for their start-up even on one machine (measured: bench/README.md), into
`AUTO_CHUNKS` chunks and `AUTO_FOLD_JOBS` jobs of folds. The layout does not depend on the
run's cores: a job that Snakemake runs in a process of its own (on a cluster) reads the
Snakefile again with its own cores and must find the same inputs. Since boosting is fitted
on the respondents' distinct profiles a fold costs about as much as a job's start-up, so
the folds share two jobs rather than one each (measured on 2 cores: bench/README.md).

A part file records the survey, seed and numbers it was made with; the gather refuses parts
that do not fit the current config (for instance parts left from a run with another seed).
"""

from __future__ import annotations

import json
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveykit._core.errors import ConfigError, DataError
from surveykit.data.config import SurveyConfig, load_survey_config
from surveykit.data.outputs import output_set
from surveykit.pipeline.columns import model_columns
from surveykit.pipeline.harmonise import read_harmonised
from surveykit.pipeline.model import (
    ROBUSTNESS_FOLDS,
    ModelParts,
    categorical_sections,
    categorical_spec_keys,
    model_formula,
    model_predictors,
)
from surveykit.pipeline.settings import StepSettings, config_errors, step_settings
from surveykit.pipeline.weight import read_weighted_design

__all__ = ["AUTO_CHUNKS", "FAN_OUT_RESPONDENTS", "ImputationParts", "categorical_model_job",
           "imputation_chunk", "imputation_chunk_count", "imputations",
           "read_categorical_part", "read_imputation_parts", "read_parts",
           "read_robustness_parts", "respondents_on_file", "robustness_job_count",
           "robustness_job_folds", "run_categorical_models", "run_imputation_chunk",
           "run_robustness_folds"]

ImputationParts = tuple[list[pd.Series], list[pd.DataFrame], list[float]]

#: ``auto``: a survey with at least this many respondents fans its model step out.
FAN_OUT_RESPONDENTS = 100_000
#: ``imputation_chunks: auto``: the chunks of such a survey.
AUTO_CHUNKS = 4
#: ``robustness_fold_jobs: auto``: the jobs its robustness folds share.
AUTO_FOLD_JOBS = 2


def respondents_on_file(config: SurveyConfig) -> int:
    """The respondents in the survey's raw data, as cheaply as the file allows: the row
    count of an SPSS file's header, or the lines of a CSV file less its header. 0 where the
    count is not known (a portable file) or the file cannot be read: the ingest step then
    says what is wrong with it; this only decides how the model step is laid out.
    """
    try:
        path = config.source_path
        stat = path.stat()
        return _respondents_on_file(str(path), stat.st_size, stat.st_mtime_ns)
    except (OSError, KeyError, TypeError, ValueError, ConfigError):
        return 0


@lru_cache(maxsize=64)
def _respondents_on_file(path: str, size: int, modified: int) -> int:
    """`respondents_on_file` for a path in one state (size and time key the cache)."""
    suffix = Path(path).suffix.lower()
    try:
        if suffix in (".sav", ".zsav"):
            import pyreadstat

            rows = pyreadstat.read_sav(path, metadataonly=True)[1].number_rows
            return max(int(rows or 0), 0)
        if suffix == ".csv":
            with open(path, "rb") as handle:
                lines = sum(chunk.count(b"\n") for chunk in iter(
                    lambda: handle.read(1 << 24), b""))
            return max(lines - 1, 0)
    except Exception:  # any unreadable file: the ingest step reports it
        return 0
    return 0


def _fans_out(config: SurveyConfig) -> bool:
    return respondents_on_file(config) >= FAN_OUT_RESPONDENTS


def imputations(config: SurveyConfig) -> int:
    """``models.imputations`` of the survey: 0 without models or multiple imputation."""
    m = int((config.spec.get("models") or {}).get("imputations", 0) or 0)
    return m if m >= 2 else 0


def imputation_chunk_count(config: SurveyConfig, chunks: int | str) -> int:
    """How many imputation jobs the survey gets: ``chunks``, at most one per imputation,
    none without multiple imputation (or with ``chunks`` 0); ``"auto"``: `AUTO_CHUNKS`
    from `FAN_OUT_RESPONDENTS` respondents on, else none."""
    if chunks == "auto":
        chunks = AUTO_CHUNKS if _fans_out(config) else 0
    if isinstance(chunks, bool) or not isinstance(chunks, int) or chunks < 0:
        raise ConfigError(f"config/config.yaml: imputation_chunks is {chunks!r}; use a whole "
                          "number, 0 for none, or auto (it does not change any result)")
    return min(chunks, imputations(config))


def robustness_job_count(config: SurveyConfig, setting: bool | int | str) -> int:
    """How many jobs the survey's robustness check gets (0: rule model computes it):
    ``true`` one per fold, ``false`` none, a whole number that many (at most one per
    fold); ``"auto"`` `AUTO_FOLD_JOBS` from `FAN_OUT_RESPONDENTS` respondents on, else
    none."""
    if setting == "auto":
        return AUTO_FOLD_JOBS if _fans_out(config) else 0
    if isinstance(setting, bool):
        return ROBUSTNESS_FOLDS if setting else 0
    if not isinstance(setting, int) or setting < 0:
        raise ConfigError(f"config/config.yaml: robustness_fold_jobs is {setting!r}; use "
                          "true (one job per fold), false, a whole number of jobs or auto "
                          "(it does not change any result)")
    return min(setting, ROBUSTNESS_FOLDS)


def robustness_job_folds(jobs: int, job: int) -> list[int]:
    """The folds (1 … `ROBUSTNESS_FOLDS`) of robustness job ``job`` (1 … jobs):
    consecutive runs whose sizes differ by at most one."""
    if not 1 <= job <= jobs <= ROBUSTNESS_FOLDS:
        raise ConfigError(f"robustness job {job} of {jobs} does not exist for "
                          f"{ROBUSTNESS_FOLDS} folds; rerun the workflow so that it makes the "
                          "jobs anew")
    return [number + 1 for number in _consecutive_run(ROBUSTNESS_FOLDS, jobs, job)]


def categorical_model_job(config: SurveyConfig, chunks: int | str,
                          fold_jobs: bool | int | str) -> bool:
    """Whether the survey's ordinal and multinomial models get a job of their own: where
    its model step fans out at all (imputation chunks or fold jobs) and it has such
    models. The gather then waits for less, and the job fills a core the others leave."""
    fans_out = imputation_chunk_count(config, chunks) > 0 or robustness_job_count(
        config, fold_jobs) > 0
    return fans_out and bool(categorical_spec_keys(config))


def imputation_chunk(m: int, chunks: int, chunk: int) -> list[int]:
    """The imputation numbers (0 … m − 1) of chunk ``chunk`` (1 … chunks): consecutive
    runs whose sizes differ by at most one."""
    if not 1 <= chunk <= chunks <= m:
        raise ConfigError(f"imputation chunk {chunk} of {chunks} does not exist for {m} "
                          "imputations; rerun the workflow so that it makes the chunks anew")
    return _consecutive_run(m, chunks, chunk)


def _consecutive_run(count: int, parts: int, part: int) -> list[int]:
    """Part ``part`` (1 … parts) of 0 … count − 1 split into ``parts`` consecutive runs
    whose sizes differ by at most one (the imputation chunks' and the fold jobs' split)."""
    return [int(number) for number in np.array_split(np.arange(count), parts)[part - 1]]


@contextmanager
def _recorded_warnings(config: SurveyConfig) -> Iterator[Callable[[], list[str]]]:
    """Collect the user warnings of a part, as the one-process model step collects them, so
    that the gather reports the same warnings; library argument errors name the config."""
    with warnings.catch_warnings(record=True) as caught, config_errors(config):
        warnings.simplefilter("always")
        yield lambda: sorted({str(w.message) for w in caught
                              if issubclass(w.category, UserWarning)})


def _weighted_design(config_path: str | Path, harmonised_path: str | Path,
                     concepts_path: str | Path, weights_path: str | Path,
                     adjustments_path: str | Path,
                     workflow_config: dict[str, Any] | str | Path | None,
                     root: str | Path | None) -> tuple[SurveyConfig, StepSettings, Any,
                                                       pd.DataFrame]:
    config = load_survey_config(config_path, root=root)
    settings = step_settings(config, workflow_config)
    data, concepts = read_harmonised(harmonised_path, concepts_path, model_columns(config))
    design = read_weighted_design(data, concepts, config, weights_path, adjustments_path)
    return config, settings, design, data


def run_imputation_chunk(config_path: str | Path, harmonised_path: str | Path,
                         concepts_path: str | Path, weights_path: str | Path,
                         adjustments_path: str | Path, out: str | Path, chunk: int,
                         chunks: int, workflow_config: dict[str, Any] | str | Path | None = None,
                         root: str | Path | None = None) -> None:
    """Fit the logit on the imputations of one chunk; write their estimates (JSON).

    The file holds, per imputation, the parameter names, estimates, design-based covariance
    and residual df: all that Rubin's rules need. Floats are written so that they read
    back exactly.
    """
    from surveykit.models.imputation import imputation_fits

    config, settings, design, data = _weighted_design(
        config_path, harmonised_path, concepts_path, weights_path, adjustments_path,
        workflow_config, root)
    m = imputations(config)
    if not m:
        raise ConfigError(f"{config.path}: models.imputations is not at least 2, so there is "
                          "nothing to impute in chunks")
    numbers = imputation_chunk(m, chunks, chunk)
    formula = model_formula(data, config, "outcome")
    with _recorded_warnings(config) as recorded:
        # One fit at a time, keeping only what Rubin's rules need: the chunk then holds one
        # completed data set and one fit (at a million respondents 1.7 → 1.3–1.4 GB).
        entries = [{"number": number, "parameters": list(fit.params.index),
                    "estimates": fit.params.tolist(),
                    "covariance": fit.cov.to_numpy().tolist(),
                    "df_resid": float(fit.df_resid)}
                   for number, fit in zip(numbers, imputation_fits(
                       design, formula, "logit", m=m, seed=settings.seed, only=numbers),
                       strict=True)]
    document = {"survey": config.id, "formula": formula, "m": m, "seed": settings.seed,
                "warnings": recorded(), "imputations": entries}
    with output_set() as output:
        output.write_json(out, document)


def run_robustness_folds(config_path: str | Path, harmonised_path: str | Path,
                         concepts_path: str | Path, weights_path: str | Path,
                         adjustments_path: str | Path, out: str | Path, job: int, jobs: int,
                         workflow_config: dict[str, Any] | str | Path | None = None,
                         root: str | Path | None = None) -> None:
    """Cross-validate boosting against the logit on the folds of robustness job ``job``
    of ``jobs`` (`robustness_job_folds`); write them (JSON)."""
    from surveykit.models.robustness import robustness_folds

    numbers = robustness_job_folds(jobs, job)
    config, settings, design, _ = _weighted_design(
        config_path, harmonised_path, concepts_path, weights_path, adjustments_path,
        workflow_config, root)
    outcome, predictors = model_predictors(config)
    with _recorded_warnings(config) as recorded:
        parts = robustness_folds(design, outcome, predictors, folds=ROBUSTNESS_FOLDS,
                                 seed=settings.seed, only=numbers)
    document = {"survey": config.id, "seed": settings.seed, "folds": ROBUSTNESS_FOLDS,
                "warnings": recorded(), "fold_results": [part.to_dict() for part in parts]}
    with output_set() as output:
        output.write_json(out, document)


def run_categorical_models(config_path: str | Path, harmonised_path: str | Path,
                           concepts_path: str | Path, weights_path: str | Path,
                           adjustments_path: str | Path, out: str | Path,
                           workflow_config: dict[str, Any] | str | Path | None = None,
                           root: str | Path | None = None) -> None:
    """Fit the ordinal and multinomial models (`surveykit.pipeline.model.
    categorical_sections`); write their sections of the model step's results (JSON,
    floats written so that they read back exactly)."""
    config, settings, design, data = _weighted_design(
        config_path, harmonised_path, concepts_path, weights_path, adjustments_path,
        workflow_config, root)
    with _recorded_warnings(config) as recorded:
        sections = categorical_sections(design, data, config)
    document = {"survey": config.id, "seed": settings.seed, "warnings": recorded(),
                "sections": sections}
    with output_set() as output:
        output.write_json(out, document)


def _read(path: str | Path, config: SurveyConfig, seed: int) -> dict[str, Any]:
    document = json.loads(Path(path).read_text(encoding="utf-8"))
    if document.get("survey") != config.id or document.get("seed") != seed:
        raise DataError(f"{path}: made for survey {document.get('survey')!r} with seed "
                        f"{document.get('seed')!r}, not for {config.id!r} with seed {seed}; "
                        "delete it and rerun the workflow")
    return document


def read_imputation_parts(paths: Sequence[str | Path], config: SurveyConfig, seed: int
                          ) -> ImputationParts:
    """Estimates, covariances and residual df of every imputation, in imputation order,
    from the chunk files; each of 0 … m − 1 exactly once."""
    m = imputations(config)
    records: dict[int, dict[str, Any]] = {}
    for path in paths:
        document = _read(path, config, seed)
        if document.get("m") != m:
            raise DataError(f"{path}: holds imputations of m = {document.get('m')}, but "
                            f"{config.path} asks for models.imputations = {m}; rerun the "
                            "workflow")
        for record in document["imputations"]:
            if record["number"] in records:
                raise DataError(f"{path}: imputation {record['number']} is also in another "
                                "chunk file; give each chunk once")
            records[record["number"]] = record
    if sorted(records) != list(range(m)):
        missing = sorted(set(range(m)) - set(records))
        raise DataError(f"the imputation chunks {', '.join(map(str, paths))} lack imputations "
                        f"{missing} of m = {m}; rerun the workflow")
    estimates, covariances, df_resid = [], [], []
    for number in range(m):
        record = records[number]
        names = record["parameters"]
        estimates.append(pd.Series(np.asarray(record["estimates"], dtype=float), index=names))
        covariances.append(pd.DataFrame(np.asarray(record["covariance"], dtype=float),
                                        index=names, columns=names))
        df_resid.append(float(record["df_resid"]))
    return estimates, covariances, df_resid


def read_robustness_parts(paths: Sequence[str | Path], config: SurveyConfig, seed: int
                          ) -> list[Any]:
    """The robustness check's folds (`FoldResult`) from their files."""
    from surveykit.models.robustness import FoldResult

    parts = []
    for path in paths:
        document = _read(path, config, seed)
        if document.get("folds") != ROBUSTNESS_FOLDS:
            raise DataError(f"{path}: one of {document.get('folds')} folds, not of "
                            f"{ROBUSTNESS_FOLDS}; rerun the workflow")
        if not isinstance(document.get("fold_results"), list):
            raise DataError(f"{path}: holds no list of folds, as the parts of older "
                            "versions; delete it and rerun the workflow")
        parts += [FoldResult.from_dict(record) for record in document["fold_results"]]
    return parts


def read_categorical_part(path: str | Path, config: SurveyConfig, seed: int
                          ) -> dict[str, Any]:
    """The ordinal and multinomial models' sections from their job's file; the sections
    the survey config asks for, no other."""
    sections = _read(path, config, seed).get("sections")
    expected = categorical_spec_keys(config)
    if not isinstance(sections, dict) or sorted(sections) != sorted(expected):
        found = sorted(sections) if isinstance(sections, dict) else None
        raise DataError(f"{path}: holds the model sections {found}, but {config.path} asks "
                        f"for {sorted(expected)}; rerun the workflow")
    return sections


def read_parts(imputation_parts: Sequence[str | Path] | None,
               robustness_parts: Sequence[str | Path] | None, config: SurveyConfig,
               seed: int, categorical_parts: Sequence[str | Path] | None = None
               ) -> ModelParts:
    """The parts for `surveykit.pipeline.model.fit_models`; a kind given no files is
    computed by the model step itself."""
    if categorical_parts and len(categorical_parts) != 1:
        raise DataError(f"the ordinal and multinomial models come in one file, not "
                        f"{len(categorical_parts)}: {', '.join(map(str, categorical_parts))}")
    messages: set[str] = set()
    for path in [*(imputation_parts or []), *(robustness_parts or []),
                 *(categorical_parts or [])]:
        messages.update(_read(path, config, seed).get("warnings", []))
    return ModelParts(
        imputations=read_imputation_parts(imputation_parts, config, seed)
        if imputation_parts else None,
        folds=read_robustness_parts(robustness_parts, config, seed)
        if robustness_parts else None,
        categorical=read_categorical_part(categorical_parts[0], config, seed)
        if categorical_parts else None,
        warnings=tuple(sorted(messages)))
