"""Quantiles and their intervals against R's svyquantile (tests/golden/make_golden.R).

Every golden ``quantile`` case: linearisation designs (math/school rules; Woodruff, score
and beta intervals) and the replicate designs R exported (JK1, JK1-mse, JKn, bootstrap,
subbootstrap). R is exact here (estimates and limits are data values; the SE is their
difference over a t quantile), so all columns are compared to 1e-8 relative.
"""

from __future__ import annotations

import pytest
from golden_cases import assert_close, build_design, cases

QUANTILE = [c for c in cases("quantile") if not c["expect_error"]]


@pytest.mark.parametrize("case", QUANTILE, ids=[c["id"] for c in QUANTILE])
def test_quantiles_match_svyquantile(case) -> None:
    args, result = case["args"], case["result"]
    design = build_design(case)
    frame = design.quantile(args["variable"], args["quantiles"], qrule=args["qrule"],
                            interval=args["interval_type"], level=1 - args["alpha"])
    assert frame.dof == result["ci_df"] == args["df"]
    for column in ("estimate", "ci_low", "ci_high", "se"):
        for key, expected in result[column].items():
            assert_close(float(frame.loc[float(key), column]), expected,
                         f"{case['id']} {column}[{key}]")


def test_every_quantile_case_is_covered() -> None:
    linear = [c for c in QUANTILE if c["design"]["replicate"] is None]
    replicate = [c for c in QUANTILE if c["design"]["replicate"] is not None]
    assert len(linear) == 17
    assert len(replicate) == 5
    assert {c["args"]["interval_type"] for c in linear} == {"mean", "score", "beta"}
    assert {c["args"]["qrule"] for c in linear} == {"math", "school"}
