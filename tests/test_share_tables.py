"""Share tables beyond the golden cases: the one-pass totals route agrees with estimating
every statistic on its own (raked, clustered, multi-stage designs), replicate designs work,
and bad arguments are refused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import surveykit as sk
from surveykit.estimation import share_tables
from surveykit.estimation.share_tables import share_table


def _frame(n: int = 1500, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "stratum": rng.integers(0, 5, n), "psu": rng.integers(0, 12, n),
        "w": rng.uniform(0.5, 4, n),
        "age": pd.Categorical(rng.choice(["young", "mid", "old"], n),
                              categories=["young", "mid", "old"]),
        "sex": pd.Categorical(rng.choice(["f", "m"], n)),
        "score": rng.normal(3, 1, n),
        "intent": pd.Categorical(rng.choice(["no", "maybe", "yes"], n),
                                 categories=["no", "maybe", "yes"], ordered=True),
    })
    frame["willing"] = (rng.random(n) < np.where(frame["age"] == "young", 0.6, 0.3)
                        ).astype(float)
    frame.loc[rng.random(n) < 0.05, "willing"] = np.nan
    frame.loc[rng.random(n) < 0.04, "age"] = np.nan
    frame.loc[rng.random(n) < 0.03, "score"] = np.nan
    return frame


DESIGNS = {
    "clustered_raked": lambda f: sk.SurveyDesign(f, weights="w", strata="stratum", ids="psu",
                                                 nest=True).rake(
        {"sex": {"f": 5200, "m": 4800}}),
    "calibrated_average": lambda f: sk.SurveyDesign(
        f, weights="w", strata="stratum", lonely_psu="average").calibrate(
        {"sex": {"f": 5200, "m": 4800}}),
}


@pytest.mark.parametrize("make", sorted(DESIGNS))
@pytest.mark.parametrize(("indicator", "kind", "by"), [
    ("willing", "binary", "age"), ("intent", "ordinal", ["age", "sex"]),
    ("score", "numeric", "age"), ("intent", "ordinal", None)])
def test_one_pass_over_totals_equals_each_statistic_on_its_own(make, indicator, kind,
                                                               by) -> None:
    frame = _frame()
    design = DESIGNS[make](frame)
    breakdown = [] if by is None else [by] if isinstance(by, str) else by
    values = frame[indicator] if kind == "numeric" else share_tables._categorical(
        frame[indicator])
    working = design.with_data(frame.assign(**{indicator: values})) if kind != "numeric" \
        else design
    fast, fast_test = share_tables._by_totals(working, values, kind, breakdown, "logit", 0.95,
                                              "replace", frame)
    slow, slow_test = share_tables._by_statistics(design, working, values, indicator, kind,
                                                  breakdown, "logit", 0.95, "replace",
                                                  frame)
    keys = [*breakdown, "level"]
    fast = fast.sort_values(keys).reset_index(drop=True)
    slow = slow.dropna(subset=["estimate"]).sort_values(keys).reset_index(drop=True)
    columns = ["estimate", "se", "ci_low", "ci_high", "n", "n_weighted", "deff"]
    if breakdown:
        columns += ["difference", "difference_se", "p_value"]
    np.testing.assert_allclose(fast[columns].to_numpy(float), slow[columns].to_numpy(float),
                               rtol=1e-8, atol=1e-13)
    if breakdown:
        assert fast_test is not None and slow_test is not None
        np.testing.assert_allclose([fast_test["statistic"], fast_test["p_value"]],
                                   [slow_test["statistic"], slow_test["p_value"]], rtol=1e-8)


def test_a_replicate_design_recomputes_every_cell() -> None:
    frame = _frame(600)
    design = sk.SurveyDesign(frame, weights="w", strata="stratum", ids="psu", nest=True)
    replicate = design.replicate("JKn")
    table = share_table(replicate, "willing", "binary", by="age")
    direct = replicate.proportion("willing", by="age")
    ones = direct[direct.index.get_level_values("willing") == 1]
    np.testing.assert_allclose(table.cells["estimate"], ones["estimate"], rtol=1e-12)
    np.testing.assert_allclose(table.cells["se"], ones["se"], rtol=1e-12)
    assert table.cells["p_adjusted"].notna().all() and table.test["p_value"] < 1


def test_bad_arguments_are_refused() -> None:
    design = sk.SurveyDesign(_frame(300), weights="w")
    with pytest.raises(sk.ArgumentError, match="kind='share'"):
        share_table(design, "willing", "share")
    with pytest.raises(sk.ArgumentError, match=r"'wiling' is not a column.*'willing'"):
        share_table(design, "wiling", "binary")
    with pytest.raises(sk.ArgumentError, match="not numeric"):
        share_table(design, "intent", "numeric")
    with pytest.raises(sk.ArgumentError, match="must be 0/1"):
        share_table(design, "score", "binary")
    with pytest.raises(sk.ArgumentError, match="by itself"):
        share_table(design, "age", "categorical", by="age")


@pytest.mark.parametrize("seed", range(5))
def test_holm_and_bh_agree_with_statsmodels(seed: int) -> None:
    from statsmodels.stats.multitest import multipletests

    p = np.random.default_rng(seed).uniform(0, 0.2, 12) ** (seed + 1)
    p[3] = p[7]  # ties
    for ours, theirs in (("holm", "holm"), ("bh", "fdr_bh")):
        np.testing.assert_allclose(share_tables.adjust_p_values(p, ours),
                                   multipletests(p, method=theirs)[1], rtol=1e-14)
    with_nan = np.append(p, np.nan)
    assert np.isnan(share_tables.adjust_p_values(with_nan, "holm")[-1])


@pytest.mark.parametrize("lonely_psu", ["fail", "average"])
@pytest.mark.parametrize("kind", ["categorical", "binary", "scale"])
def test_patterned_cell_totals_equal_the_entry_per_total_route(monkeypatch, kind: str,
                                                                lonely_psu: str) -> None:
    """Cell totals' influence as one entry per respondent (its answer pattern) times a
    projection gives the covariance of one entry per total it adds to."""
    from surveykit.estimation import share_totals

    rng = np.random.default_rng(8)
    n = 3_000
    frame = pd.DataFrame({
        "stratum": rng.integers(0, 5, n), "w": rng.uniform(1, 5, n),
        "group": pd.Categorical(rng.choice(["a", "b", "c"], n)),
        "answer": pd.Categorical(rng.choice(["x", "y", "z", None], n)),
        "flag": rng.choice([0.0, 1.0, np.nan], n), "rating": rng.choice([1.0, 2, 3, 4, 5], n),
    })
    frame["psu"] = frame["stratum"] * 30 + rng.integers(0, 30, n)
    if lonely_psu == "average":
        frame.loc[frame["stratum"] == 4, "psu"] = 400
    design = sk.SurveyDesign(frame, weights="w", strata="stratum", ids="psu",
                             lonely_psu=lonely_psu).rake(
        {"group": {"a": 4000.0, "b": 3000.0, "c": 3000.0}})
    variable = {"categorical": "answer", "binary": "flag", "scale": "rating"}[kind]
    used = []
    original = share_totals._patterned_influence
    monkeypatch.setattr(share_totals, "_patterned_influence",
                        lambda *args: used.append(1) or original(*args))
    patterned = share_table(design, variable, kind, by=["group"])
    assert used
    monkeypatch.setattr(share_totals, "_patterned_influence", lambda *args: None)
    entries = share_table(design, variable, kind, by=["group"])
    numbers = patterned.cells.select_dtypes("number").columns
    assert {"estimate", "se"} <= set(numbers)
    pd.testing.assert_frame_equal(patterned.cells[numbers], entries.cells[numbers],
                                  rtol=1e-9)
    assert patterned.test["p_value"] == pytest.approx(entries.test["p_value"], rel=1e-9)


@pytest.mark.parametrize("ids", [None, "psu"])
def test_domain_degrees_of_freedom_count_psus_and_strata_of_each_domain(ids) -> None:
    """A domain's df is its PSUs minus its strata among respondents with a non-zero
    weight (R's degf of the subset design); with one respondent per PSU its PSUs are
    its respondents."""
    from surveykit.estimation.share_totals import domain_degrees_of_freedom

    rng = np.random.default_rng(61)
    n = 2000
    frame = pd.DataFrame({"stratum": rng.integers(0, 5, n), "w": rng.uniform(1, 4, n)})
    frame["psu"] = frame["stratum"] * 100 + rng.integers(0, 30, n)
    dropped = rng.random(n) < 0.05   # out of a subset: weight 0, rows kept
    design = sk.SurveyDesign(frame, weights="w", strata="stratum", ids=ids).subset(~dropped)
    assert (design.weights == 0).sum() == dropped.sum()
    assert design.structure.one_cluster_per_row() == (ids is None)
    codes = rng.integers(-1, 4, n)
    df = domain_degrees_of_freedom(design, codes, 4)
    kept = frame.assign(domain=codes, row=np.arange(n))
    kept = kept[~dropped & (kept["domain"] >= 0)]
    units = kept["psu"] if ids else kept["row"]
    expected = (units.groupby(kept["domain"]).nunique()
                - kept.groupby("domain")["stratum"].nunique()).reindex(range(4))
    np.testing.assert_array_equal(df, expected.to_numpy(dtype=float))
