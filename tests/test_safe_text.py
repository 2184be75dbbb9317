"""Text made inert for spreadsheets (OWASP CSV injection), and read back unchanged."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from surveykit.publish.safe_text import (
    FORMULA_STARTS,
    neutralise,
    restore,
    restore_frame,
    write_inert_csv,
)


def test_every_formula_start_is_neutralised_and_numbers_are_not() -> None:
    for start in FORMULA_STARTS:
        assert neutralise(f"{start}SUM(A1)") == f"'{start}SUM(A1)"
    assert neutralise("Bergstedt") == "Bergstedt" and neutralise(-2.0) == -2.0


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=20))
def test_restore_undoes_neutralise(text: str) -> None:
    inert = neutralise(text)
    assert not inert.startswith(FORMULA_STARTS)
    if not text.startswith("'"):
        assert restore(inert) == text


def test_an_inert_csv_reads_back_as_written(tmp_path: Path) -> None:
    frame = pd.DataFrame({"level": ["=1+2", "@A", "\tTab", "\rCR", "-low", "plain"],
                          "value": [-1.5, 2.0, 3.0, 4.0, 5.0, 6.0]})
    path = tmp_path / "table.csv"
    write_inert_csv(frame, path)
    with path.open(encoding="utf-8", newline="") as handle:
        cells = [row[0] for row in csv.reader(handle)][1:]
    # A carriage return would break the row (writers quote only fields with a line feed).
    assert cells == ["'=1+2", "'@A", "'\tTab", "'\nCR", "'-low", "plain"]
    back = restore_frame(pd.read_csv(path, keep_default_na=False))
    pd.testing.assert_frame_equal(back, frame.replace({"\rCR": "\nCR"}))
