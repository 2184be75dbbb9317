"""Reading back what an earlier step wrote, with one message when it cannot be read."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit._core.errors import DataError

__all__ = ["read_frame_and_json"]


def read_frame_and_json(parquet_path: str | Path, json_path: str | Path, what: str,
                        step: str,
                        columns: Callable[[Any], Iterable[str] | None] | None = None
                        ) -> tuple[pd.DataFrame, Any]:
    """A step's parquet table and JSON document; a `DataError` naming the step to rerun.

    ``columns``, given the JSON document, names the columns the caller needs (None: all):
    only those the table has are read, in the table's order. A step that needs a few of a
    survey's columns then reads a million respondents' worth of those alone.
    """
    try:
        document = json.loads(Path(json_path).read_text(encoding="utf-8"))
        wanted = None if columns is None else columns(document)
        if wanted is None:
            frame = pd.read_parquet(parquet_path)
        else:
            import pyarrow.parquet as pq

            wanted = set(wanted)
            frame = pd.read_parquet(parquet_path, columns=[
                name for name in pq.read_schema(parquet_path).names if name in wanted])
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read the {what} ({error}); rerun the {step} step") from None
    return frame, document
