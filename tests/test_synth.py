"""Tests of the synthetic example survey generator (surveykit.synth)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from surveykit._core.errors import ConfigError
from surveykit.synth import SynthSurvey, generate, truth_markdown

LEISURE = ["zuf_kultur", "zuf_freizeit", "zuf_sport", "zuf_gastro", "zuf_verein", "zuf_treff"]
INFRA = ["zuf_oepnv", "zuf_aerzte", "zuf_schulen", "zuf_einkauf", "zuf_internet"]
COLUMNS = ["lfdnr", "gemeinde", "alter", "geschlecht", "schulabschluss", "berufsabschluss",
           "erwerb", "pendler", "pendelzeit", "kinder", "wohneigentum", "wohndauer", "herkunft",
           *LEISURE, *INFRA, "mitwirkung", "kontakte", "wegzug", "wegzug_ziel", "dgew"]
AGE_GROUPS = ["18-29", "30-44", "45-59", "60-74", "75+"]


@pytest.fixture(scope="module")
def survey() -> SynthSurvey:
    return generate()


@pytest.fixture(scope="module")
def big() -> SynthSurvey:
    return generate(n=60000, seed=1)


def _age_group(age: pd.Series) -> pd.Series:
    return pd.cut(age, [17, 29, 44, 59, 74, 200], labels=AGE_GROUPS)


def _cronbach_alpha(items: np.ndarray) -> float:
    k = items.shape[1]
    return k / (k - 1) * (1 - items.var(axis=0, ddof=1).sum() / items.sum(axis=1).var(ddof=1))


def _complete_leisure(data: pd.DataFrame) -> pd.DataFrame:
    return data.loc[(data[LEISURE] < 9).all(axis=1)]


def _logit_fit(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Maximum-likelihood logit by Newton-Raphson; returns estimates and standard errors."""
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-x @ beta))
        info = x.T @ (x * (p * (1 - p))[:, None])
        step = np.linalg.solve(info, x.T @ (y - p))
        beta += step
        if np.max(np.abs(step)) < 1e-10:
            break
    p = 1 / (1 + np.exp(-x @ beta))
    cov = np.linalg.inv(x.T @ (x * (p * (1 - p))[:, None]))
    return beta, np.sqrt(np.diag(cov))


def test_deterministic_from_seed(survey: SynthSurvey) -> None:
    again = generate()
    pd.testing.assert_frame_equal(survey.data, again.data)
    assert survey.truth == again.truth
    other = generate(seed=7)
    assert not survey.data.equals(other.data)
    assert survey.seed == 20261121 and survey.n_target == 2400


@pytest.mark.parametrize(("n", "seed"), [(2400, 20261121), (5000, 3), (400, 11)])
def test_sample_size_respected(n: int, seed: int) -> None:
    s = generate(n=n, seed=seed)
    assert abs(len(s.data) - n) <= 0.06 * n
    assert s.data["lfdnr"].tolist() == list(range(1, len(s.data) + 1))


@pytest.mark.parametrize("bad", [10, 2400.0, "2400", True])
def test_invalid_n_rejected(bad: object) -> None:
    with pytest.raises(ConfigError):
        generate(n=bad)  # type: ignore[arg-type]


def test_columns_and_metadata(survey: SynthSurvey) -> None:
    names = [v["name"] for v in survey.variables]
    assert list(survey.data.columns) == COLUMNS == names
    assert all(dtype == np.float64 for dtype in survey.data.dtypes)
    keys = {"name", "label", "measure", "value_labels", "missing_values", "missing_range",
            "format"}
    for v in survey.variables:
        assert set(v) == keys
        assert v["measure"] in {"nominal", "ordinal", "scale"}
        assert v["format"].startswith("F") and v["label"]
        assert all(isinstance(k, int) for k in v["value_labels"])
        assert set(v["missing_values"]) <= set(v["value_labels"])
    meta = {v["name"]: v for v in survey.variables}
    assert meta["dgew"]["format"] == "F8.4" and meta["lfdnr"]["format"] == "F6.0"
    assert meta["wegzug"]["missing_values"] == [8, 9]
    assert meta["wohndauer"]["missing_values"] == [] and 99 in meta["wohndauer"]["value_labels"]
    assert meta["pendler"]["missing_values"] == [] and 7 in meta["pendler"]["value_labels"]


def test_codes_are_labelled_or_declared(survey: SynthSurvey) -> None:
    for v in survey.variables:
        values = survey.data[v["name"]].dropna()
        assert np.all(values == np.round(values)) or v["name"] == "dgew"
        if v["measure"] != "scale":
            allowed = set(v["value_labels"]) | set(v["missing_values"])
            assert set(values.astype(int)) <= allowed, v["name"]


def test_user_missing_only_where_declared(survey: SynthSurvey) -> None:
    d = survey.data
    declared = {v["name"]: v["missing_values"] for v in survey.variables if v["missing_values"]}
    assert set(declared) == {"schulabschluss", "berufsabschluss", "mitwirkung", "wegzug",
                             *LEISURE, *INFRA}
    for name in LEISURE + INFRA:
        assert 0.015 <= (d[name] == 9).mean() <= 0.05
    assert 0.03 <= (d["wegzug"] == 8).mean() <= 0.07
    assert 0.005 <= (d["wegzug"] == 9).mean() <= 0.04
    assert 0.015 <= (d["wohndauer"] == 99).mean() <= 0.05
    valid = d["wohndauer"] != 99
    assert (d.loc[valid, "wohndauer"] <= d.loc[valid, "alter"]).all()
    assert d["alter"].between(18, 95).all()
    assert d.drop(columns=["pendelzeit", "wegzug_ziel"]).notna().all().all()


def test_skip_patterns(survey: SynthSurvey) -> None:
    d = survey.data
    movers = d["wegzug"].isin([1, 2])
    assert (d["wegzug_ziel"].isna() == ~movers).all()
    assert (d["pendelzeit"].notna() == (d["pendler"] == 1)).all()
    assert d["pendelzeit"].dropna().between(10, 120).all()
    assert ((d["pendler"] == 7) == d["erwerb"].isin([3, 5, 6])).all()
    active = d["pendler"] != 7
    assert 0.45 <= (d.loc[active, "pendler"] == 1).mean() <= 0.65


def test_margins(survey: SynthSurvey) -> None:
    m, total = survey.margins, survey.truth["population_size"]
    assert total == 25000
    assert list(m["age_sex"].columns) == ["age_group", "sex", "population"]
    assert sorted(set(m["age_sex"]["age_group"])) == sorted(AGE_GROUPS)
    assert set(m["age_sex"]["sex"]) == {"male", "female"} and len(m["age_sex"]) == 10
    assert m["municipality"]["population"].tolist() == [6200, 4800, 3900, 3100, 2600, 2000,
                                                        1400, 1000]
    assert m["municipality"]["municipality"].iloc[0] == "Bergstedt"
    assert m["qualification"]["qualification"].tolist() == ["low", "medium", "high"]
    for frame in m.values():
        assert frame["population"].sum() == total
    shares = m["age_sex"].groupby("age_group")["population"].sum() / total
    assert 0.09 <= shares["18-29"] <= 0.15 and 0.36 <= shares["60-74"] + shares["75+"] <= 0.46
    q = m["qualification"].set_index("qualification")["population"] / total
    assert 0.09 <= q["low"] <= 0.16 and 0.18 <= q["high"] <= 0.28
    scaled = generate(n=4800, seed=2)
    assert scaled.truth["population_size"] == 50000


def test_design_weights(survey: SynthSurvey) -> None:
    s = survey.truth["sampling"]
    d = survey.data
    for code, (name, size) in enumerate(s["N_h"].items(), start=1):
        w = d.loc[d["gemeinde"] == code, "dgew"]
        assert np.allclose(w, size / s["gross_n_h"][name])
    assert d.groupby("gemeinde")["dgew"].first().is_monotonic_decreasing  # small oversampled


def test_nonresponse_bias(big: SynthSurvey) -> None:
    d, m = big.data, big.margins["age_sex"]
    pop_old = m.loc[m["age_group"].isin(["60-74", "75+"]), "population"].sum() / m[
        "population"].sum()
    pop_female = m.loc[m["sex"] == "female", "population"].sum() / m["population"].sum()
    assert (d["alter"] >= 60).mean() > pop_old + 0.03
    assert (d["geschlecht"] == 2).mean() > pop_female + 0.02
    q = big.margins["qualification"].set_index("qualification")["population"]
    assert (d["berufsabschluss"].isin([4, 5])).mean() > q["high"] / q.sum()
    assert 0.35 <= big.truth["response_model"]["response_rate"] <= 0.45


def test_cronbach_alpha(survey: SynthSurvey, big: SynthSurvey) -> None:
    for s in (survey, big):
        for items in (LEISURE, INFRA):
            values = s.data.loc[(s.data[items] < 9).all(axis=1), items].to_numpy()
            assert 0.7 <= _cronbach_alpha(values) <= 0.9


def test_small_municipalities_less_satisfied(big: SynthSurvey) -> None:
    d = _complete_leisure(big.data)
    leisure = (6 - d[LEISURE]).mean(axis=1).groupby(d["gemeinde"]).mean()
    assert leisure.loc[1] > leisure.loc[8] + 0.2


def test_realistic_shares(big: SynthSurvey) -> None:
    d = big.data.loc[big.data["wegzug"] <= 4]
    willing = d["wegzug"] <= 2
    overall = np.average(willing, weights=d["dgew"])
    assert 0.30 <= overall <= 0.40
    young = _age_group(d["alter"]) == "18-29"
    assert 0.55 <= np.average(willing[young], weights=d.loc[young, "dgew"]) <= 0.70
    dest = big.data["wegzug_ziel"].value_counts(normalize=True)
    assert dest[1] > dest[3] and dest[2] > dest[3] and dest[3] > 0.02


def test_binary_dgp_recovered(big: SynthSurvey) -> None:
    d = big.data
    ok = (d["wegzug"] <= 4) & (d["berufsabschluss"] != 9) & (d["mitwirkung"] != 8) & (
        d[LEISURE] < 9).all(axis=1)
    d = d.loc[ok]
    age = _age_group(d["alter"])
    x = {f"age_group[{g}]": age == g for g in AGE_GROUPS if g != "45-59"}
    x |= {"qualification[high]": d["berufsabschluss"] >= 4,
          "qualification[low]": d["berufsabschluss"] == 1,
          "commuter": d["pendler"] == 1,
          "leisure_satisfaction": (6 - d[LEISURE]).mean(axis=1) - 3,
          "participation_wish": d["mitwirkung"] <= 2, "children": d["kinder"] == 1,
          "home_owner": d["wohneigentum"] == 1, "female": d["geschlecht"] == 2,
          "migration_background": d["herkunft"] == 3}
    truth = big.truth["binary"]
    assert set(truth["beta"]) == set(x)
    names = list(truth["beta"])
    design = np.column_stack([np.ones(len(d))] + [np.asarray(x[k], dtype=float) for k in names])
    est, se = _logit_fit(design, (d["wegzug"] <= 2).to_numpy(dtype=float))
    true = np.array([truth["intercept"]] + [truth["beta"][k] for k in names])
    z = (est - true) / se
    assert np.all(np.abs(z) < 4), dict(zip(["intercept", *names], z.round(2), strict=True))
    assert truth["intercept"] == -big.truth["ordinal"]["cutpoints"]["2|3"]


def test_truth_documentation(survey: SynthSurvey) -> None:
    t = survey.truth
    json.dumps(t)
    assert list(t["ordinal"]["cutpoints"]) == ["1|2", "2|3", "3|4"]
    cuts = list(t["ordinal"]["cutpoints"].values())
    assert cuts == sorted(cuts)
    assert t["ordinal"]["beta"] == t["binary"]["beta"]
    assert t["destination"]["reference"] == "innerhalb der Region"
    assert sum(t["sampling"]["N_h"].values()) == t["population_size"]
    assert sum(t["sampling"]["respondents_h"].values()) == len(survey.data)
    for key in ("response_model", "predictors", "missing_by_design", "user_missing"):
        assert t[key]
    md = truth_markdown(survey)
    assert "Wegzugsabsicht" in md and "Migration intent" in md and "`commuter`" in md
    assert f"{t['binary']['intercept']:+.3f}" in md


@pytest.mark.slow
def test_million_respondents() -> None:
    s = generate(n=1_000_000)
    assert abs(len(s.data) - 1_000_000) <= 20_000
    assert s.truth["population_size"] == sum(s.truth["sampling"]["N_h"].values())
    assert s.variables[0]["format"] == "F7.0"
