"""Build surveykit designs from the golden cases of R's survey package (tests/golden/).

`tests/golden/README.md` documents the layout; this module turns one case's design
description into a `SurveyDesign` and compares results keyed by R's names.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import surveykit as sk

GOLDEN_DIR = Path(__file__).resolve().parent / "golden"
RTOL = 1e-8


@cache
def golden() -> dict[str, Any]:
    return json.loads((GOLDEN_DIR / "golden.json").read_text(encoding="utf-8"))


def cases(*ops: str, prefix: str | None = None) -> list[dict[str, Any]]:
    """Golden cases with one of ``ops`` (and an id starting with ``prefix``)."""
    return [c for c in golden()["cases"] if c["op"] in ops
            and (prefix is None or c["id"].startswith(prefix))]


@cache
def dataset(name: str) -> pd.DataFrame:
    frame = pd.read_csv(GOLDEN_DIR / "data" / f"{name}.csv", dtype={"cds": str})
    return frame


def _filtered(case: dict[str, Any]) -> pd.DataFrame:
    data = dataset(case["dataset"]).copy()
    design = case["design"]
    filt = design.get("data_filter")
    if filt:
        drop = np.ones(len(data), dtype=bool)
        for column, value in filt["drop_rows_where"].items():
            drop &= (data[column] == value).to_numpy()
        data = data[~drop].reset_index(drop=True)
        assert len(data) == filt["n_rows_after"]
    return data


def build_design(case: dict[str, Any]) -> sk.SurveyDesign:
    """The case's design: base design, replicate conversion, adjustments, domain."""
    spec = case["design"]
    data = _filtered(case)
    design = sk.SurveyDesign(data, weights=spec["weights"], strata=spec["strata"],
                             ids=spec["ids"], fpc=spec["fpc"], nest=spec["nest"],
                             lonely_psu=spec["lonely_psu"])
    if spec.get("replicate"):
        from golden_replicate import to_replicate

        design = to_replicate(design, spec["replicate"], data)
    for step in spec.get("adjust") or []:
        from golden_weighting import apply_adjust

        design = apply_adjust(design, step, data)
    domain = spec.get("domain")
    if domain:
        design = design.subset((data[domain["variable"]] == domain["equals"]).to_numpy())
    return design


def r_name(label: object) -> str:
    """surveykit's ``stype[E]`` → R's ``stypeE``; other labels as text."""
    text = str(label)
    match = re.fullmatch(r"(.*)\[(.*)\]", text)
    return match.group(1) + match.group(2) if match else text


def assert_close(actual: float, expected: float | None, what: str, rtol: float = RTOL,
                 atol: float = 0.0) -> None:
    if expected is None:
        assert actual is None or np.isnan(actual), f"{what}: expected NA, got {actual}"
        return
    assert np.isclose(actual, expected, rtol=rtol, atol=atol), \
        f"{what}: {actual!r} != R {expected!r} (rel. diff {abs(actual / expected - 1):.2e})"


def compare_frame(frame: pd.DataFrame, result: dict[str, Any], case_id: str,
                  columns: dict[str, str], names=r_name, atol: float = 0.0) -> None:
    """Compare a result frame's columns (ours → R's key) per row, keyed by R names."""
    ours = {names(i): row for i, row in frame.iterrows()}
    for column, key in columns.items():
        if key not in result:
            continue
        expected = result[key]
        assert set(expected) <= set(ours), f"{case_id}: rows {set(expected)} vs {set(ours)}"
        for name, value in expected.items():
            assert_close(float(ours[name][column]), value, f"{case_id} {column}[{name}]",
                         atol=atol)


def run_linear(case: dict[str, Any], design: sk.SurveyDesign | None = None) -> pd.DataFrame:
    """Evaluate a mean/total/ratio/by_mean/by_total case on its (or the given) design."""
    design = build_design(case) if design is None else design
    op, args = case["op"], case["args"]
    deff = args.get("deff", False)
    if op == "mean":
        return design.mean(args["variables"], deff=deff)
    if op == "total":
        return design.total(args["variables"], deff=deff)
    if op == "ratio":
        return design.ratio(args["numerator"], args["denominator"])
    if op == "by_mean":
        return design.mean(args["variables"], by=args["by"], deff=False)
    if op == "by_total":
        return design.total(args["variables"], by=args["by"], deff=False)
    raise AssertionError(f"{case['id']}: op {op!r} is not a linear estimator")
