"""Raking, post-stratification, calibration and trimming against R's survey package.

Golden values: tests/golden/golden.json (tests/golden/make_golden.R). Two kinds of cases:

* the adjustment itself (op ``rake``/``poststratify``/``calibrate``/``trim``): weights and
  g-weights (new / weights before that step) elementwise at 1e-8 relative;
* estimates on adjusted designs (``mean``/``total``/``by_*`` whose design has ``adjust``):
  estimate, SE, CIs and vcov as in tests/test_estimation_golden.py.

Tolerances. R calibrates some quantities exactly (e.g. ``svytotal(~stype)`` after
calibrating on ``stype``); their SEs are rounding noise around zero (1e-13 … 1e-7,
depending on how R's iterations stopped), which no relative tolerance can compare. SEs and
interval ends therefore also pass within ``1e-9 × max|estimate|`` of the case (and vcov
entries within that squared plus its product with the largest R SE): far below any SE that
is not zero by construction. Cases raked with R's default control (``rake_clus1_default*``,
which stops ~3e-5 short of convergence) are compared with our converged raking at 1e-4
relative with SEs within ``1e-5 × max|estimate|``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from golden_cases import (
    GOLDEN_DIR,
    RTOL,
    _filtered,
    assert_close,
    build_design,
    cases,
    compare_frame,
    r_name,
    run_linear,
)
from golden_weighting import apply_adjust

import surveykit as sk

ADJUST_OPS = ("rake", "poststratify", "calibrate", "trim")
ADJUST = [c for c in cases(*ADJUST_OPS) if c["design"]["replicate"] is None
          and not c["expect_error"]]
FAILING = [c for c in cases(*ADJUST_OPS) if c["expect_error"]]
ESTIMATES = [c for c in cases("mean", "total", "by_mean", "by_total")
             if c["design"].get("adjust") and c["design"]["replicate"] is None
             and not c["expect_error"]]
REPLICATE_ADJUST = [c for c in cases(*ADJUST_OPS) if c["design"]["replicate"] is not None]

#: SEs of exactly calibrated quantities are compared absolutely, relative to this × scale.
ZERO_SE_SCALE = 1e-9
#: R's default rake control stops early: looser comparison for those cases.
DEFAULT_RTOL, DEFAULT_ZERO_SE_SCALE = 1e-4, 1e-5


def _tolerances(case) -> tuple[float, float]:
    if "_default" in case["id"]:
        return DEFAULT_RTOL, DEFAULT_ZERO_SE_SCALE
    return RTOL, ZERO_SE_SCALE


def _before_last_step(case) -> sk.SurveyDesign:
    """The case's design with every adjustment but the last one."""
    spec = case["design"]
    data = _filtered(case)
    design = sk.SurveyDesign(data, weights=spec["weights"], strata=spec["strata"],
                             ids=spec["ids"], fpc=spec["fpc"], nest=spec["nest"],
                             lonely_psu=spec["lonely_psu"])
    for step in spec["adjust"][:-1]:
        design = apply_adjust(design, step, data)
    return design


@pytest.mark.parametrize("case", ADJUST, ids=[c["id"] for c in ADJUST])
def test_adjusted_weights_match_r(case) -> None:
    rtol, _ = _tolerances(case)
    design = build_design(case)
    before = _before_last_step(case)
    result = case["result"]
    np.testing.assert_allclose(design.weights, result["weights"], rtol=rtol, atol=0,
                               err_msg=f"{case['id']} weights")
    np.testing.assert_allclose(design.weights / before.weights, result["g_weights"],
                               rtol=rtol, atol=0, err_msg=f"{case['id']} g-weights")


@pytest.mark.parametrize("case", FAILING, ids=[c["id"] for c in FAILING])
def test_calibration_failures_raise(case) -> None:
    design = build_design(case)
    with pytest.raises(sk.ConvergenceError, match=r"did not converge.*bounds"):
        apply_adjust(design, {"op": case["op"], "args": case["args"]}, _filtered(case))


def _run(case, design: sk.SurveyDesign) -> pd.DataFrame:
    return run_linear(case, design)


@pytest.mark.parametrize("case", ESTIMATES, ids=[c["id"] for c in ESTIMATES])
def test_estimates_on_adjusted_designs_match_r(case) -> None:
    rtol, zero_scale = _tolerances(case)
    design = build_design(case)
    frame = _run(case, design)
    result = case["result"]
    scale = max(abs(v) for v in result["estimate"].values())
    atol = zero_scale * scale
    compare = {"estimate": "estimate"} if rtol == RTOL else {}
    compare_frame(frame, result, case["id"], compare)
    ours = {r_name(i): row for i, row in frame.iterrows()}
    for column, key in [("estimate", "estimate"), ("se", "se"), ("ci_low", "ci_low"),
                        ("ci_high", "ci_high"), ("deff", "deff")]:
        for name, value in result.get(key, {}).items():
            assert_close(float(ours[name][column]), value, f"{case['id']} {column}[{name}]",
                         rtol=rtol, atol=0 if column == "estimate" else atol)
    if "vcov" in result:
        vcov = result["vcov"]
        matrix = frame.vcov
        matrix.index = [r_name(i) for i in matrix.index]
        matrix.columns = [r_name(i) for i in matrix.columns]
        largest_se = max(result["se"].values())
        for i, row in enumerate(vcov["rownames"]):
            for j, col in enumerate(vcov["colnames"]):
                assert_close(matrix.loc[row, col], vcov["values"][i][j],
                             f"{case['id']} vcov[{row},{col}]", rtol=rtol,
                             atol=atol**2 + atol * largest_se)
    if "ci_low_t" in result:
        t_frame = (design.mean if case["op"] in ("mean", "by_mean") else design.total)(
            case["args"]["variables"], by=(case["args"].get("by") or None), deff=False,
            df="design")
        ours_t = {r_name(i): row for i, row in t_frame.iterrows()}
        for column, key in [("ci_low", "ci_low_t"), ("ci_high", "ci_high_t")]:
            for name, value in result[key].items():
                assert_close(float(ours_t[name][column]), value,
                             f"{case['id']} {key}[{name}]", rtol=rtol, atol=atol)
        assert t_frame.dof == result["ci_df"]


def _replicate_available() -> bool:
    try:
        import golden_replicate  # noqa: F401

        from surveykit.design.replicate import ReplicateDesign  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.mark.parametrize("case", REPLICATE_ADJUST, ids=[c["id"] for c in REPLICATE_ADJUST])
def test_adjusting_replicate_weights_matches_r(case) -> None:
    """The same adjustment applied to every replicate gives R's adjusted replicate weights."""
    if not _replicate_available():
        pytest.skip("surveykit.replicate is not available")
    design = build_design(case)
    result = case["result"]
    np.testing.assert_allclose(design.weights, result["weights"], rtol=RTOL, atol=0)
    expected = pd.read_csv(GOLDEN_DIR / result["adjusted_weights_file"])
    columns = [c for c in expected.columns if c.startswith("rep")]
    np.testing.assert_allclose(design.replicate_weights, expected[columns].to_numpy(),
                               rtol=RTOL, atol=0, err_msg=case["id"])


def test_every_weighting_case_is_covered() -> None:
    """The parametrised lists above are not silently empty."""
    assert len(ADJUST) == 14
    assert len(FAILING) == 1
    assert len(ESTIMATES) >= 60
    assert len(REPLICATE_ADJUST) == 4
