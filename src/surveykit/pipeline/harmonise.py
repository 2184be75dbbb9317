"""Workflow step ``harmonise``: ingested data → canonical concepts, as the config declares."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

from surveykit.data.config import load_survey_config
from surveykit.data.harmonisation import harmonise
from surveykit.data.outputs import output_set
from surveykit.pipeline.ingest import read_ingested
from surveykit.pipeline.step_files import read_frame_and_json

__all__ = ["read_harmonised", "run_harmonise"]


def run_harmonise(config_path: str | Path, data_path: str | Path, codebook_path: str | Path,
                  harmonised_out: str | Path, concepts_out: str | Path,
                  report_out: str | Path, root: str | Path | None = None) -> None:
    """Harmonise ingested data to canonical concepts; write data, concepts and report."""
    config = load_survey_config(config_path, root=root)
    data, codebook = read_ingested(data_path, codebook_path)
    result = harmonise(data, codebook, config)
    with output_set() as out:
        out.write_with(harmonised_out, lambda p: result.data.to_parquet(p, index=False))
        out.write_json(concepts_out, {"survey": config.id, "design": result.design,
                                      "concepts": result.concepts})
        out.write_json(report_out, {"survey": config.id, **result.report})


def read_harmonised(harmonised_path: str | Path, concepts_path: str | Path,
                    columns: Callable[[dict], Iterable[str] | None] | None = None
                    ) -> tuple[pd.DataFrame, dict]:
    """Read what :func:`run_harmonise` wrote: the data and the concept metadata; with
    ``columns`` (given the metadata, the columns a step needs) only those columns
    (`surveykit.pipeline.columns`)."""
    return read_frame_and_json(harmonised_path, concepts_path, "harmonised data", "harmonise",
                               columns)
