"""Design-based GLMs and Wald tests of terms against R's svyglm and regTermTest."""

from __future__ import annotations

import pandas as pd
import pytest
from golden_cases import assert_close, build_design, cases, golden

COEF_RTOL, SE_RTOL = 1e-6, 1e-5  # the tolerances; R's glm stops at 1e-8 deviance


def _formula(case) -> str:
    return case["args"]["formula"]


def _design(case):
    design = build_design(case)
    derived = case["design"].get("derived") or {}
    data = design._data
    changes = {}
    for column, spec in derived.items():
        if spec["r"].startswith("factor("):
            changes[column] = pd.Categorical(data[column].astype("Int64").astype(str)
                                             .where(data[column].notna()),
                                             categories=spec["levels"])
        elif spec["r"].startswith("cut("):
            changes[column] = pd.cut(data[spec["r"][4:].split(",")[0]],
                                     bins=spec["breaks"], right=spec["right"],
                                     labels=spec["levels"])
    if changes:
        design = design._derive()
        design._data = data.assign(**changes)
    return design


GLM = cases("glm")


def fit(case):
    design = _design(case)
    family = {"quasibinomial": "binomial", "gaussian": "gaussian"}[case["args"]["family"]]
    return design.glm(_formula(case), family=family)


@pytest.mark.parametrize("case", GLM, ids=[c["id"] for c in GLM])
def test_svyglm_matches_r(case) -> None:
    model = fit(case)
    result = case["result"]
    assert model.df_resid == result["df_residual"]
    summary = model.summary()
    for name, value in result["coefficients"].items():
        assert_close(model.params[name], value, f"{case['id']} coef {name}", rtol=COEF_RTOL)
        assert_close(model.bse[name], result["se"][name], f"{case['id']} se {name}",
                     rtol=SE_RTOL)
        assert_close(summary.loc[name, "p_value"], result["p_value"][name],
                     f"{case['id']} p {name}", rtol=1e-4)
        assert_close(summary.loc[name, "ci_low"], result["ci_low"][name],
                     f"{case['id']} ci_low {name}", rtol=SE_RTOL)
    vcov = result["vcov"]
    for i, row in enumerate(vcov["rownames"]):
        for j, col in enumerate(vcov["colnames"]):
            assert_close(model.cov.loc[row, col], vcov["values"][i][j],
                         f"{case['id']} vcov[{row},{col}]", rtol=SE_RTOL, atol=1e-14)
    if result.get("dispersion") is not None and case["design"]["replicate"] is None:
        assert_close(model.dispersion, result["dispersion"], f"{case['id']} dispersion",
                     rtol=1e-6)


WALD = [c for c in cases("regtermtest") if c["args"]["method"] == "Wald"]
MODELS = {c["id"]: c for c in golden()["cases"] if c["op"] in ("glm", "olr")}


@pytest.mark.parametrize("case", WALD, ids=[c["id"] for c in WALD])
def test_regtermtest_wald_matches_r(case) -> None:
    model_case = MODELS[case["args"]["model_case"]]
    if model_case["op"] != "glm":
        pytest.importorskip("surveykit.models.ordinal")
        design = _design(model_case)
        model = design.ordinal_logit(model_case["args"]["formula"],
                                     link=model_case["args"]["link"])
    else:
        model = fit(model_case)
    test = model.wald_test(case["args"]["test_terms"])
    result = case["result"]
    assert test.df == result["df"]
    assert test.ddf == result["ddf"]
    assert_close(test.statistic, result["statistic"], f"{case['id']} F", rtol=SE_RTOL)
    assert_close(test.p_value, result["p_value"], f"{case['id']} p", rtol=1e-4)


def test_all_glm_cases_are_here() -> None:
    assert len(GLM) >= 10 and len(WALD) >= 8
