"""Reading back what an earlier step wrote, with one message when it cannot be read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd

from surveykit._core.errors import DataError

__all__ = ["read_frame_and_json"]


def read_frame_and_json(parquet_path: str | Path, json_path: str | Path, what: str,
                        step: str) -> tuple[pd.DataFrame, Any]:
    """A step's parquet table and JSON document; a `DataError` naming the step to rerun."""
    try:
        frame = pd.read_parquet(parquet_path)
        document = json.loads(Path(json_path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise DataError(f"cannot read the {what} ({error}); rerun the {step} step") from None
    return frame, document
