"""Estimators and their SEs against R's survey package (tests/golden/make_golden.R)."""

from __future__ import annotations

import numpy as np
import pytest
from golden_cases import assert_close, build_design, cases, compare_frame, r_name, run_linear

import surveykit as sk

LINEAR = [c for c in cases("mean", "total", "ratio", "by_mean", "by_total", "degf")
          if c["design"]["replicate"] is None and not c["design"].get("adjust")
          and not c["expect_error"]]


def _run(case):
    return run_linear(case)


@pytest.mark.parametrize("case", LINEAR, ids=[c["id"] for c in LINEAR])
def test_linear_estimators_match_r(case) -> None:
    result = case["result"]
    if case["op"] == "degf":
        assert build_design(case).degf == result["degf"]
        return
    frame = _run(case)
    compare_frame(frame, result, case["id"], {"estimate": "estimate", "se": "se",
                                               "deff": "deff", "ci_low": "ci_low",
                                               "ci_high": "ci_high"}, atol=1e-12)
    if "vcov" in result:
        vcov = result["vcov"]
        ours = frame.vcov
        ours.index = [r_name(i) for i in ours.index]
        ours.columns = [r_name(i) for i in ours.columns]
        for i, row in enumerate(vcov["rownames"]):
            for j, col in enumerate(vcov["colnames"]):
                assert_close(ours.loc[row, col], vcov["values"][i][j],
                             f"{case['id']} vcov[{row},{col}]", atol=1e-12)
    if "ci_low_t" in result:
        t_frame = frame.copy()
        design = build_design(case)
        args = case["args"]
        df_frame = {"mean": design.mean, "total": design.total}.get(case["op"])
        if df_frame is not None:
            t_frame = df_frame(args["variables"], deff=False, df="design")
            compare_frame(t_frame, result, case["id"], {"ci_low": "ci_low_t",
                                                         "ci_high": "ci_high_t"}, atol=1e-12)
            assert t_frame.dof == result["ci_df"]


LONELY_FAIL = [c for c in cases("mean", "total", "by_mean") if c["expect_error"]
               and c["id"].startswith("lonely_fail")]


@pytest.mark.parametrize("case", LONELY_FAIL, ids=[c["id"] for c in LONELY_FAIL])
def test_lonely_psu_fail_raises(case) -> None:
    with pytest.raises(sk.DataError, match=r"only one PSU at stage 1.*lonely_psu="):
        _run(case)


CIPROP = [c for c in cases("ciprop") if c["design"]["replicate"] is None
          and c["args"]["method"] in ("logit", "mean", "xlogit", "asin", "beta")]


@pytest.mark.parametrize("case", CIPROP, ids=[c["id"] for c in CIPROP])
def test_proportion_intervals_match_svyciprop(case) -> None:
    _check_ciprop(case)


def test_every_linear_case_is_covered() -> None:
    """The parametrised cases above are not silently empty."""
    assert len(LINEAR) > 130
    assert len(LONELY_FAIL) >= 4
    assert len(CIPROP) >= 30
    assert np.isfinite(len(LINEAR))


REPLICATE = [c for c in cases("mean", "total", "ratio", "by_mean", "by_total", "degf")
             if c["design"]["replicate"] is not None]


@pytest.mark.parametrize("case", REPLICATE, ids=[c["id"] for c in REPLICATE])
def test_replicate_designs_match_r(case) -> None:
    """R's own replicate weights, so the variance formula (svrVar) is tested exactly."""
    if case["op"] == "degf":
        assert build_design(case).degf == case["result"]["degf"]
        return
    frame = _run(case)
    # After raking/calibration every replicate is fitted to convergence here, while R's
    # replicates stop after the sweeps the full sample needed: quantities fitted exactly
    # have SEs of rounding size on both sides, so compare on the estimates' scale.
    scale = max(abs(v) for v in case["result"]["estimate"].values())
    atol = 1e-9 * scale if case["design"].get("adjust") else 1e-12
    compare_frame(frame, case["result"], case["id"], {"estimate": "estimate", "se": "se",
                                                      "ci_low": "ci_low",
                                                      "ci_high": "ci_high"}, atol=atol)


REPLICATE_CIPROP = [c for c in cases("ciprop") if c["design"]["replicate"] is not None
                    and c["args"]["method"] in ("logit", "mean", "xlogit", "asin", "beta")]


@pytest.mark.parametrize("case", REPLICATE_CIPROP, ids=[c["id"] for c in REPLICATE_CIPROP])
def test_replicate_proportion_intervals(case) -> None:
    _check_ciprop(case)


def _check_ciprop(case) -> None:
    design = build_design(case)
    args, result = case["args"], case["result"]
    frame = design.proportion(args["variable"], method=args["method"],
                              level=args["conf_level"])
    row = frame.loc[args["success_value"]]
    for key in ("estimate", "se", "ci_low", "ci_high"):
        assert_close(row[key], result[key], f"{case['id']} {key}")


def test_replicate_cases_are_covered() -> None:
    assert len(REPLICATE) >= 40 and len(REPLICATE_CIPROP) >= 5


def _extra() -> dict:
    import json

    from golden_cases import GOLDEN_DIR

    document = json.loads((GOLDEN_DIR / "golden_extra.json").read_text(encoding="utf-8"))
    return {case["id"]: case for case in document["cases"]}


def test_design_effects_of_ratios_and_domains_match_r() -> None:
    """tests/golden/make_golden_extra.R: deff of svyratio, svyby and factor totals."""
    from golden_cases import dataset

    extra = _extra()
    clus1 = sk.SurveyDesign(dataset("apiclus1"), weights="pw", ids="dnum", fpc="fpc")
    strat = sk.SurveyDesign(dataset("apistrat"), weights="pw", strata="stype", fpc="fpc")
    for design, key in ((clus1, "clus1"), (strat, "strat")):
        ratio = design.ratio("api00", "api99")
        assert_close(ratio["deff"].iloc[0], extra[f"{key}_ratio_deff"]["deff"], key)
        assert_close(ratio["se"].iloc[0], extra[f"{key}_ratio_deff"]["se"], key)
    by_mean = clus1.mean("api00", by="stype")
    by_total = clus1.total("enroll", by="stype")
    totals = clus1.total("stype")
    for level, value in extra["clus1_by_stype_mean_api00_deff"]["deff"].items():
        assert_close(by_mean.loc[level, "deff"], value, f"by mean deff {level}")
    for level, value in extra["clus1_by_stype_total_enroll_deff"]["deff"].items():
        assert_close(by_total.loc[level, "deff"], value, f"by total deff {level}")
    for name, value in extra["clus1_total_stype_deff"]["deff"].items():
        assert_close(totals.loc[f"stype[{name.removeprefix('stype')}]", "deff"], value, name)
