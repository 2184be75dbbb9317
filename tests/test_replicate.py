"""Replicate designs made by surveykit (JK1, JKn, Rao–Wu bootstrap) against R and theory."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from golden_cases import GOLDEN_DIR, assert_close, dataset, golden

import surveykit as sk

CASES = {c["id"]: c for c in golden()["cases"]}


def _clus1() -> sk.SurveyDesign:
    return sk.SurveyDesign(dataset("apiclus1"), weights="pw", ids="dnum", fpc="fpc")


def _strat(fpc: bool = True) -> sk.SurveyDesign:
    return sk.SurveyDesign(dataset("apistrat"), weights="pw", strata="stype",
                           fpc="fpc" if fpc else None)


@pytest.mark.parametrize(("make", "kind", "prefix"), [(_clus1, "JK1", "rep_jk1_clus1"),
                                                       (_strat, "JKn", "rep_jkn_strat")])
def test_jackknife_replicates_reproduce_r(make, kind, prefix) -> None:
    replicated = make().replicate(kind)
    assert replicated.degf == CASES[f"{prefix}_degf"]["result"]["degf"]
    for statistic, variable in (("mean", "api00"), ("total", "api00"), ("total", "enroll")):
        case = CASES[f"{prefix}_{statistic}_{variable}"]
        frame = getattr(replicated, statistic)(variable)
        assert_close(frame["estimate"].iloc[0], case["result"]["estimate"][variable],
                     f"{kind} {statistic} estimate")
        assert_close(frame["se"].iloc[0], case["result"]["se"][variable],
                     f"{kind} {statistic} se")


def test_jk1_weights_equal_rs_up_to_column_order() -> None:
    ours = _clus1().replicate("JK1").replicate_weights
    import pandas as pd

    table = pd.read_csv(GOLDEN_DIR / "data" / "repweights_rclus1.csv")
    theirs = table[[c for c in table.columns if c.startswith("rep")]].to_numpy()
    key = lambda m: m[:, np.lexsort(m[::-1])]  # noqa: E731 - sort columns canonically
    np.testing.assert_allclose(key(ours), key(theirs), rtol=1e-13)


def test_bootstrap_is_seeded_and_approximates_the_linearisation_variance() -> None:
    design = _strat(fpc=False)
    first = design.replicate("bootstrap", replicates=50, seed=7).replicate_weights
    again = design.replicate("bootstrap", replicates=50, seed=7).replicate_weights
    other = design.replicate("bootstrap", replicates=50, seed=8).replicate_weights
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)
    boot = design.replicate("bootstrap", replicates=4000, seed=1)
    taylor_se = design.mean("api00")["se"].iloc[0]
    boot_se = boot.mean("api00")["se"].iloc[0]
    # Rao–Wu rescaling is unbiased for the with-replacement variance; with 4000
    # replicates the Monte Carlo error of the SE is about 1.1 %.
    assert boot_se == pytest.approx(taylor_se, rel=0.05)
    np.testing.assert_allclose(boot.weights, design.weights)


def test_replicate_design_keeps_the_estimators_and_domains() -> None:
    replicated = _clus1().replicate("JK1")
    by = replicated.mean("api00", by="stype")
    case = CASES["rep_jk1_clus1_by_stype_mean_api00"]
    for level, value in case["result"]["se"].items():
        assert_close(by.loc[level, "se"], value, f"by se {level}")
    assert isinstance(replicated.subset(dataset("apiclus1")["stype"] == "E"),
                      sk.ReplicateDesign)


def test_bad_replicate_requests() -> None:
    with pytest.raises(sk.ArgumentError, match="JK1 is for unstratified designs"):
        _strat().replicate("JK1")
    with pytest.raises(sk.ArgumentError, match="JKn needs a stratified design"):
        _clus1().replicate("JKn")
    with pytest.raises(sk.ArgumentError, match="replicate type 'BRR' is not known"):
        _clus1().replicate("BRR")
    with pytest.raises(sk.ArgumentError, match="replicate weights already"):
        _clus1().replicate("JK1").replicate("JK1")
    with pytest.raises(sk.ArgumentError, match="no linearisation variance"):
        _clus1().replicate("JK1").variance(np.ones((183, 1)))


@pytest.mark.parametrize("missing", [np.nan, None, pd.NA])
def test_a_missing_value_in_a_subset_mask_means_outside_in_both_kinds_of_design(missing
                                                                               ) -> None:
    design = _clus1()
    replicate = design.replicate("JK1")
    wanted = (design.data["stype"] == "E").to_numpy()
    mask = pd.Series(np.where(wanted, True, missing), dtype=object)
    mask.iloc[np.flatnonzero(wanted)[:3]] = missing  # three wanted rows become unknown
    expected = wanted.copy()
    expected[np.flatnonzero(wanted)[:3]] = False
    for kind in (design, replicate):
        subset = kind.subset(mask)
        np.testing.assert_array_equal(subset.weights != 0, expected)
        np.testing.assert_array_equal(kind.subset(expected).weights, subset.weights)
    np.testing.assert_array_equal(
        replicate.subset(mask).replicate_weights, replicate.subset(expected).replicate_weights)
    with pytest.raises(sk.ArgumentError, match="one entry per respondent"):
        design.subset(expected[:-1])
