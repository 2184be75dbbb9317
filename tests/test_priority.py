"""The priority matrix against independent computations: shares and differences by hand
with numpy, SEs from the R-checked cell-versus-rest test, quadrants by the items' means."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import surveykit as sk
from surveykit.estimation.priority import priority_matrix
from surveykit.estimation.share_tables import share_table

LEVELS = ["satisfied", "neutral", "dissatisfied"]


@pytest.fixture(scope="module")
def design() -> sk.SurveyDesign:
    rng = np.random.default_rng(8)
    n = 2500
    frame = pd.DataFrame({"stratum": rng.integers(0, 4, n), "w": rng.uniform(1, 3, n)})
    effects = {"culture": (0.45, 0.25), "transport": (0.6, 0.02), "clubs": (0.15, 0.2)}
    risk = np.full(n, -1.0)
    for item, (share, effect) in effects.items():
        codes = np.where(rng.random(n) < share, 2, rng.integers(0, 2, n))
        values = pd.Categorical.from_codes(codes, categories=LEVELS)
        frame[item] = values
        risk = risk + effect * 4 * (codes == 2)
    frame.loc[rng.random(n) < 0.03, "culture"] = np.nan
    frame["willing"] = (rng.random(n) < 1 / (1 + np.exp(-risk))).astype(float)
    return sk.SurveyDesign(frame, weights="w", strata="stratum")


def test_coordinates_and_quadrants_agree_with_hand_computations(design) -> None:
    matrix = priority_matrix(design, ["culture", "transport", "clubs"], ["dissatisfied"],
                             "willing")
    data, w = design.data, design.weights
    for row in matrix.items.itertuples():
        answered = data[row.item].notna().to_numpy()
        dissatisfied = (data[row.item] == "dissatisfied").to_numpy()
        share = (w * dissatisfied)[answered].sum() / w[answered].sum()
        assert row.share_dissatisfied == pytest.approx(share, rel=1e-12)
        y = data["willing"].to_numpy()
        inside, outside = answered & dissatisfied, answered & ~dissatisfied
        difference = (np.average(y[inside], weights=w[inside])
                      - np.average(y[outside], weights=w[outside]))
        assert row.importance == pytest.approx(difference, rel=1e-12)
        flag = data[row.item].map(lambda v: np.nan if pd.isna(v) else float(
            v == "dissatisfied")).astype("Float64")
        check = share_table(design.with_data(data.assign(d=flag)), "willing", "binary",
                            by="d", correction="none").cells
        se = check.loc[check["d"] == 1, "difference_se"].iloc[0]
        half = (row.importance_ci_high - row.importance_ci_low) / 2
        quantile = stats.t.ppf(0.975, design.degf)  # t with the design's df
        assert half == pytest.approx(se * quantile, rel=1e-10)
    assert matrix.x_threshold == pytest.approx(matrix.items["share_dissatisfied"].mean())
    quadrant = matrix.items.set_index("item")["quadrant"]
    assert quadrant["culture"] == "critical"      # often dissatisfied, strong link
    assert quadrant["transport"] == "irritant"    # most dissatisfied, weak link
    assert quadrant["clubs"] == "maintain"        # few dissatisfied, strong link


def test_an_item_without_the_dissatisfied_levels_is_refused(design) -> None:
    with pytest.raises(sk.ArgumentError, match="none of the dissatisfied levels"):
        priority_matrix(design, ["culture", "clubs"], ["unhappy"], "willing")


def test_dissatisfied_levels_match_codes_by_value_or_by_text(design) -> None:
    """A rating coded 1–5 (missing answers <NA>): levels given as numbers or as their text
    ("5", as a config may give them) flag the same respondents."""
    rng = np.random.default_rng(3)
    data = design.data.assign(rating=pd.array(rng.integers(1, 6, len(design.data)),
                                              dtype="Int64"))
    data.loc[rng.random(len(data)) < 0.05, "rating"] = pd.NA
    rated = design.with_data(data)
    by_text = priority_matrix(rated, ["rating"], ["4", "5"], "willing").items.iloc[0]
    by_value = priority_matrix(rated, ["rating"], [4, 5.0], "willing").items.iloc[0]
    answered = data["rating"].notna().to_numpy()
    flagged = data["rating"].isin([4, 5]).fillna(False).to_numpy(dtype=bool)
    w = design.weights
    share = (w * flagged)[answered].sum() / w[answered].sum()
    assert by_text.share_dissatisfied == pytest.approx(share, rel=1e-12)
    assert by_value.share_dissatisfied == pytest.approx(share, rel=1e-12)
    assert by_text.n_dissatisfied == by_value.n_dissatisfied == int(flagged.sum())
