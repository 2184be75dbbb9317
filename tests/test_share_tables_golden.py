"""Whole share tables against R's survey package (svyby, svyciprop, svychisq, svycontrast).

`golden/make_golden_tables.R` computed every table on `golden/data/example_tables.csv`
(the example survey's harmonised data with its final weights, stratified by municipality):
binary shares, the levels of the 4-point intent scale and a mean, overall, by four groups
and by age group × commuter, with the Rao–Scott test of each one-way breakdown and the
difference of every cell to the rest of the population with Holm and BH corrections.

Tolerances: 1e-9 relative where R is exact (svymean estimates and SEs, deff, tests);
1e-7 for the logit intervals, because R's svyciprop takes its point estimate from a fitted
glm, which differs from the exact weighted share by up to 7e-9 (recorded in the golden
file's meta).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.estimation.share_tables import share_table

GOLDEN = Path(__file__).parent / "golden"
TABLES = json.loads((GOLDEN / "golden_tables.json").read_text(encoding="utf-8"))
LEVELS = {"age_group": ["18-29", "30-44", "45-59", "60-74", "75+"],
          "qualification": ["low", "medium", "high"],
          "intent": ["very_unlikely", "rather_unlikely", "rather_likely", "very_likely"]}
KINDS = {"binary_share": "binary", "categorical_shares": "ordinal", "mean": "numeric"}


@pytest.fixture(scope="module")
def design() -> sk.SurveyDesign:
    frame = pd.read_csv(GOLDEN / "data" / "example_tables.csv")
    for name, levels in LEVELS.items():
        frame[name] = pd.Categorical(frame[name], categories=levels, ordered=True)
    frame["municipality"] = frame["municipality"].astype("category")
    for name in ("commuter", "willing_to_move", "participation_wish"):
        frame[name] = frame[name].astype("Int8")
    return sk.SurveyDesign(frame, weights="weight", strata="design_stratum")


def _key(domain: dict, level: object) -> tuple:
    return (*(str(value) for value in domain.values()), str(level))


def _ours(table: pd.DataFrame, by: list[str]) -> dict[tuple, pd.Series]:
    rows = {}
    for _, row in table.iterrows():
        domain = tuple(str(int(row[b])) if isinstance(row[b], (int, np.integer, float))
                       and not isinstance(row[b], bool) else str(row[b]) for b in by)
        level = row["level"]
        level = "" if level == "" else str(int(level)) if isinstance(
            level, (int, np.integer, float)) else str(level)
        rows[(*domain, level)] = row
    return rows


@pytest.mark.parametrize("golden", TABLES["tables"], ids=lambda t: t["id"])
def test_a_whole_table_matches_r(design: sk.SurveyDesign, golden: dict) -> None:
    kind = KINDS[golden["type"]]
    by = golden["breakdown"]
    ours = share_table(design, golden["indicator"], kind, by=by or None, deff="replace")
    rows = _ours(ours.cells, by)
    assert len(rows) == len(golden["rows"])
    for expected in golden["rows"]:
        level = "" if expected["level"] is None else expected["level"]
        got = rows[_key(expected["domain"], level)]
        exact = expected.get("estimate_svymean", expected["estimate"])
        np.testing.assert_allclose(got["estimate"], exact, rtol=1e-10, atol=1e-15)
        se = expected.get("se_svymean", expected["se"])
        np.testing.assert_allclose(got["se"], se, rtol=1e-9, atol=1e-15)
        assert got["n"] == expected["n"]
        np.testing.assert_allclose(got["n_weighted"], expected["n_weighted"], rtol=1e-10)
        if expected.get("deff") is not None:
            np.testing.assert_allclose(got["deff"], expected["deff"], rtol=1e-9)
        if kind == "numeric":
            np.testing.assert_allclose([got["ci_low"], got["ci_high"]],
                                       [expected["ci_low_t"], expected["ci_high_t"]],
                                       rtol=1e-10)
        elif expected["se"] > 0:  # R's fit diverges on a share of 0 (see the README)
            np.testing.assert_allclose([got["ci_low"], got["ci_high"]],
                                       [expected["ci_low"], expected["ci_high"]], rtol=1e-7)
    if golden["rao_scott"] is not None:
        test = golden["rao_scott"]
        assert ours.test is not None
        np.testing.assert_allclose(
            [ours.test["statistic"], ours.test["ndf"], ours.test["ddf"], ours.test["p_value"]],
            [test["statistic"], test["ndf"], test["ddf"], test["p_value"]], rtol=1e-8)
    if golden["cell_tests"]:
        bh = share_table(design, golden["indicator"], kind, by=by, correction="bh")
        bh_rows = _ours(bh.cells, by)
        for expected in golden["cell_tests"]:
            got = rows[(str(expected["level"]), "1")]
            np.testing.assert_allclose(got["difference"], expected["difference"], rtol=1e-9)
            np.testing.assert_allclose(got["difference_se"], expected["se"], rtol=1e-9)
            np.testing.assert_allclose(got["p_value"], expected["p_value"], rtol=1e-7)
            np.testing.assert_allclose(got["p_adjusted"], expected["p_holm"], rtol=1e-7)
            np.testing.assert_allclose(bh_rows[(str(expected["level"]), "1")]["p_adjusted"],
                                       expected["p_bh"], rtol=1e-7)
            mark = ("▲" if expected["difference"] > 0 else "▼") \
                if expected["p_holm"] < 0.05 else ""
            assert got["mark"] == mark
