"""Fully synthetic example survey: migration intent in a fictional Harz Verbandsgemeinde.

``generate`` draws a register population of the fictional "Verbandsgemeinde Oberes Wippertal"
(8 member municipalities, 25,000 adults, Saxony-Anhalt), a stratified disproportionate sample
from it, MAR unit non-response and a questionnaire with SPSS-style codes. Every parameter of
the data-generating process is a module constant and is documented in ``SynthSurvey.truth``,
so that design-based models fitted to the data can be checked against the true values.
Only vectorised numpy is used; ``generate(n=1_000_000)`` runs in seconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from surveykit._core.errors import ConfigError

__all__ = ["SynthSurvey", "generate", "truth_markdown"]

REGION = "Verbandsgemeinde Oberes Wippertal (fiktiv), Harz, Sachsen-Anhalt"
MUNICIPALITIES = ("Bergstedt", "Eichenrode", "Falkenhain", "Hohenwarte",
                  "Kieferntal", "Lindenau", "Silberbach", "Wippertal")
BASE_SIZES = np.array([6200, 4800, 3900, 3100, 2600, 2000, 1400, 1000])
BASE_N = 2400
AGE_GROUPS = ("18-29", "30-44", "45-59", "60-74", "75+")
AGE_PROBS = np.array([0.12, 0.20, 0.27, 0.25, 0.16])
AGE_TILT = np.array([0.02, 0.015, 0.005, 0.0, -0.01, -0.02, -0.025, -0.03])  # small = older
AGE_LOWER = np.array([18, 30, 45, 60, 75])
FEMALE_BY_AGE = np.array([0.47, 0.47, 0.49, 0.52, 0.60])
# berufsabschluss 1..5 by age group (rows); women 75+ get BERUF_OLD_WOMEN added
BERUF_PROBS = np.array([[0.18, 0.48, 0.06, 0.11, 0.17], [0.09, 0.50, 0.11, 0.12, 0.18],
                        [0.08, 0.54, 0.14, 0.11, 0.13], [0.10, 0.55, 0.15, 0.10, 0.10],
                        [0.19, 0.55, 0.12, 0.07, 0.07]])
BERUF_OLD_WOMEN = np.array([0.08, -0.02, -0.02, -0.02, -0.02])
RESPONSE = {"intercept": -0.78, "age_minus_50": 0.025, "female": 0.3,
            "qualification[high]": 0.6, "qualification[low]": -0.4,
            "municipality": dict(zip(MUNICIPALITIES, [-0.10, -0.05, 0.0, 0.0, 0.05, 0.05,
                                                               0.10, 0.15], strict=True))}
BETA = {"age_group[18-29]": 0.8, "age_group[30-44]": 0.45, "age_group[60-74]": -0.6,
        "age_group[75+]": -1.2, "qualification[high]": 0.6, "qualification[low]": -0.3,
        "commuter": 0.5, "leisure_satisfaction": -0.45, "participation_wish": 0.35,
        "children": -0.3, "home_owner": -0.7, "female": -0.1, "migration_background": 0.4}
CUTPOINTS = {"1|2": -0.95, "2|3": 0.3, "3|4": 1.85}
LEISURE_CENTRE = 3.0
DEST_LEVELS = ("innerhalb der Region", "anderswo in Deutschland", "ins Ausland")
DEST_TERMS = ("age_group[18-29]", "age_group[30-44]", "age_group[60-74]", "age_group[75+]",
              "qualification[high]", "qualification[low]", "commuter", "home_owner",
              "children", "migration_background")
DESTINATION = {
    "anderswo in Deutschland": {"intercept": 0.0, "beta": dict(zip(
        DEST_TERMS, [0.9, 0.4, -0.5, -0.9, 0.8, -0.4, -0.5, -0.6, -0.2, 0.3], strict=True))},
    "ins Ausland": {"intercept": -2.3, "beta": dict(zip(
        DEST_TERMS, [0.6, 0.3, -0.3, -0.6, 0.7, 0.0, -0.3, -0.6, -0.2, 2.2], strict=True))},
}
PREDICTORS = {
    "intent_canonical": "5 - wegzug (1 sehr unwahrscheinlich ... 4 sehr wahrscheinlich)",
    "willing_to_move": "1 if wegzug in {1, 2} else 0",
    "age_group": "alter banded 18-29, 30-44, 45-59, 60-74, 75+; reference 45-59",
    "qualification": "berufsabschluss 1 = low, 2/3 = medium, 4/5 = high; reference medium",
    "commuter": "1 if pendler == 1 else 0",
    "leisure_satisfaction": "mean of (6 - code) over zuf_kultur, zuf_freizeit, zuf_sport, "
                            "zuf_gastro, zuf_verein, zuf_treff (1-5); enters the DGP "
                            "centred as (leisure_satisfaction - 3)",
    "participation_wish": "1 if mitwirkung in {1, 2} else 0",
    "children": "1 if kinder == 1 else 0", "home_owner": "1 if wohneigentum == 1 else 0",
    "female": "1 if geschlecht == 2 else 0", "migration_background": "1 if herkunft == 3 else 0",
}
LEISURE_ITEMS = {"zuf_kultur": ("Kulturangebot", -0.3), "zuf_freizeit": ("Freizeitangebote", -0.1),
                 "zuf_sport": ("Sportmöglichkeiten", 0.2), "zuf_gastro": ("Gastronomie", -0.2),
                 "zuf_verein": ("Vereinsleben", 0.5), "zuf_treff": ("Treffpunkte", -0.1)}
INFRA_ITEMS = {"zuf_oepnv": ("Öffentlicher Nahverkehr", -0.6), "zuf_aerzte": ("Ärztliche "
               "Versorgung", -0.4), "zuf_schulen": ("Schulen und Kitas", 0.2),
               "zuf_einkauf": ("Einkaufsmöglichkeiten", 0.1), "zuf_internet": ("Internet", -0.3)}
FACTOR = {"loading": 0.66, "factor_correlation": 0.3, "item_cuts": [-1.5, -0.5, 0.5, 1.5],
          "leisure_municipality": [0.25, 0.2, 0.1, 0.0, -0.1, -0.25, -0.35, -0.45],
          "infra_municipality": [0.45, 0.3, 0.15, 0.0, -0.2, -0.4, -0.55, -0.7]}
ITEM_MISSING = {"satisfaction_block_skip": 0.015, "satisfaction_item": 0.012,
                "schulabschluss_9": 0.01, "berufsabschluss_9": 0.015, "mitwirkung_8": 0.06,
                "wegzug_8": 0.05, "wegzug_9": 0.02, "wohndauer_99": 0.03}
# Erwerbsstatus (VZ, TZ, AL, Ausbildung, Rente, Sonstiges) by age bracket
ERW_EDGES = np.array([18, 25, 30, 55, 63, 67])
ERW_PROBS = np.array([[0.33, 0.06, 0.07, 0.46, 0.00, 0.08], [0.62, 0.10, 0.08, 0.12, 0.00, 0.08],
                      [0.68, 0.15, 0.07, 0.01, 0.02, 0.07], [0.62, 0.14, 0.09, 0.00, 0.08, 0.07],
                      [0.25, 0.08, 0.05, 0.00, 0.60, 0.02], [0.01, 0.03, 0.00, 0.00, 0.94, 0.02]])
SCHOOL_PROBS = np.array([[0.20, 0.45, 0.25, 0.03, 0.07], [0.02, 0.30, 0.58, 0.04, 0.06],
                         [0.01, 0.25, 0.62, 0.07, 0.05], [0.00, 0.00, 0.30, 0.40, 0.30],
                         [0.00, 0.00, 0.02, 0.03, 0.95]])
SCHOOL_YOUNG_NONE = np.array([0.06, 0.20, 0.30, 0.10, 0.34])  # under 30, no qualification yet

SAT = {1: "sehr zufrieden", 2: "eher zufrieden", 3: "teils/teils", 4: "eher unzufrieden",
       5: "sehr unzufrieden", 9: "keine Angabe"}
YESNO = {1: "ja", 2: "nein"}


@dataclass(frozen=True)
class SynthSurvey:
    """A generated survey with its codebook, population margins and true parameters.

    Attributes
    ----------
    data : pandas.DataFrame
        One row per respondent, SPSS-style raw codes as float64 (NaN = system-missing).
    variables : tuple of dict
        Codebook entry per column of ``data`` (name, label, measure, value_labels,
        missing_values, missing_range, format), in column order.
    margins : dict of str to pandas.DataFrame
        Exact population counts: ``age_sex``, ``municipality``, ``qualification``.
    truth : dict
        JSON-serialisable description of the data-generating process.
    seed : int
        Seed the survey was generated from.
    n_target : int
        Requested expected number of respondents.
    """

    data: pd.DataFrame
    variables: tuple[dict, ...]
    margins: dict[str, pd.DataFrame]
    truth: dict
    seed: int
    n_target: int


def checked_size_and_seed(caller: str, n: object, seed: object) -> tuple[int, int]:
    """``(n, seed)`` as ints, or a `ConfigError` if ``n`` < 50 or ``seed`` < 0 or either is
    not an integer (a generator's arguments)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 50:
        raise ConfigError(f"{caller}: n must be an integer >= 50, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise ConfigError(f"{caller}: seed must be a non-negative integer, got {seed!r}")
    return int(n), int(seed)


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _draw(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Draw 0-based categories from row-wise probabilities ``probs`` (m, k) with uniforms ``u``."""
    cum = np.cumsum(probs / probs.sum(axis=1, keepdims=True), axis=1)
    out = np.zeros(u.shape[0], dtype=np.int8)
    for k in range(probs.shape[1] - 1):  # loop over categories, not rows
        out += u > cum[:, k]
    return out


def _population(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Register population: municipality (0-7), age, age group (0-4), female, berufsabschluss."""
    sizes = np.rint(BASE_SIZES * max(1.0, n / BASE_N)).astype(np.int64)
    muni = np.repeat(np.arange(8, dtype=np.int8), sizes)
    size = int(sizes.sum())
    age_probs = AGE_PROBS + AGE_TILT[:, None] * np.array([1.0, 0.5, 0.0, -0.5, -1.0])
    cum = np.cumsum(age_probs, axis=1)
    u = rng.random(size, dtype=np.float32)
    ag = np.zeros(size, dtype=np.int8)
    for k in range(4):
        ag += u > cum[muni, k].astype(np.float32)
    u = rng.random(size)
    old = 75 + np.floor(-7.0 * np.log1p(-u * (1.0 - np.exp(-21.0 / 7.0))))
    width = np.array([12, 15, 15, 15, 0])[ag]
    age = np.where(ag < 4, AGE_LOWER[ag] + np.floor(u * width), np.minimum(old, 95))
    age = age.astype(np.int8)
    del old, width
    female = rng.random(size, dtype=np.float32) < FEMALE_BY_AGE[ag].astype(np.float32)
    table = np.repeat(BERUF_PROBS, 2, axis=0)
    table[9] += BERUF_OLD_WOMEN
    cum = np.cumsum(table, axis=1).astype(np.float32)
    row = ag * 2 + female
    u = rng.random(size, dtype=np.float32)
    beruf = np.ones(size, dtype=np.int8)
    for k in range(4):
        beruf += u > cum[row, k]
    beruf[(age < 22) & (beruf >= 4)] = 1  # still studying: no qualification yet
    beruf[(age < 23) & (beruf == 3)] = 2
    return {"sizes": sizes, "muni": muni, "age": age, "ag": ag, "female": female, "beruf": beruf}


def _response_logit(pop: dict[str, np.ndarray], idx: np.ndarray | slice) -> np.ndarray:
    muni_eff = np.array(list(RESPONSE["municipality"].values()))
    beruf = pop["beruf"][idx]
    return (RESPONSE["intercept"] + RESPONSE["age_minus_50"] * (pop["age"][idx] - 50.0)
            + RESPONSE["female"] * pop["female"][idx]
            + RESPONSE["qualification[high]"] * (beruf >= 4)
            + RESPONSE["qualification[low]"] * (beruf == 1) + muni_eff[pop["muni"][idx]])


def _margins(pop: dict[str, np.ndarray]) -> dict[str, pd.DataFrame]:
    cells = np.bincount(pop["ag"].astype(np.int64) * 2 + pop["female"], minlength=10)
    qual = np.bincount(pop["beruf"], minlength=6)
    return {
        "age_sex": pd.DataFrame({"age_group": np.repeat(AGE_GROUPS, 2),
                                 "sex": ["male", "female"] * 5, "population": cells}),
        "municipality": pd.DataFrame({"municipality": MUNICIPALITIES,
                                      "population": pop["sizes"]}),
        "qualification": pd.DataFrame({"qualification": ["low", "medium", "high"], "population":
                                       [qual[1], qual[2] + qual[3], qual[4] + qual[5]]}),
    }


def _named(names: tuple[str, ...], values: np.ndarray) -> dict:
    return dict(zip(names, values.tolist(), strict=True))


def _ordinal(latent: np.ndarray, cuts: list[float] | np.ndarray) -> np.ndarray:
    """Category 1..K with cut_{k-1} < latent <= cut_k."""
    return np.searchsorted(np.asarray(cuts), latent, side="left") + 1


def _design_matrix(x: dict[str, np.ndarray], terms: tuple[str, ...] | list[str]) -> np.ndarray:
    return np.column_stack([x[t] for t in terms]).astype(np.float64)


def _respondents(rng: np.random.Generator, pop: dict[str, np.ndarray], idx: np.ndarray,
                 weight: np.ndarray) -> dict[str, np.ndarray]:
    """Questionnaire answers (SPSS codes, float64) for the respondents ``idx``."""
    m = idx.shape[0]
    muni, ag = pop["muni"][idx].astype(np.int64), pop["ag"][idx]
    age = pop["age"][idx].astype(np.float64)
    female, beruf = pop["female"][idx], pop["beruf"][idx].astype(np.float64)
    high, low = beruf >= 4, beruf == 1
    small = muni / 7.0  # 0 = largest municipality, 1 = smallest
    # school consistent with vocational qualification and age
    probs = SCHOOL_PROBS[beruf.astype(np.int64) - 1]
    probs[(age < 30) & low] = SCHOOL_YOUNG_NONE
    old = (age >= 75) & (beruf <= 3)
    probs[old, 1] += 0.5 * probs[old, 2]
    probs[old, 2] *= 0.5
    school = _draw(rng.random(m), probs) + 1.0
    # employment status consistent with age
    probs = ERW_PROBS[np.searchsorted(ERW_EDGES, age, side="right") - 1]
    probs[:, 2] *= np.where(low, 2.5, np.where(high, 0.5, 1.0))
    probs[(age < 25) & low, 3] *= 1.8
    shift = np.where(female & (age >= 25) & (age < 63), 0.15, 0.0)
    probs[:, 0] -= shift
    probs[:, 1] += shift
    erwerb = _draw(rng.random(m), probs) + 1.0
    active = np.isin(erwerb, (1, 2, 4))
    commuter = active & (rng.random(m) < _logistic(-0.3 + 0.8 * small + 0.25 * high
                                                   + 0.15 * (erwerb == 1)))
    pendler = np.where(active, np.where(commuter, 1.0, 2.0), 7.0)
    minutes = np.clip(np.exp(np.log(24.0 + 8.0 * small) + 0.55 * rng.standard_normal(m)), 10, 120)
    minutes = np.where(rng.random(m) < 0.7, np.maximum(10, 5 * np.rint(minutes / 5)), minutes)
    pendelzeit = np.where(commuter, np.rint(minutes), np.nan)
    p_child = np.array([0.15, 0.35, 0.65, 0.55, 0.15, 0.02])
    children = rng.random(m) < p_child[np.searchsorted([18, 25, 30, 40, 50, 60], age, "right") - 1]
    p_other = np.where(age < 25, 0.30, 0.03)
    p_own = _logistic(-0.2 + 0.05 * (np.clip(age, 20, 65) - 40) + 0.6 * small + 0.4 * high
                      - 0.4 * low - 0.3 * (erwerb == 3))
    u = rng.random(m)
    owner = (u >= p_other) & (u < p_other + (1 - p_other) * p_own)
    wohneigentum = np.where(u < p_other, 3.0, np.where(owner, 1.0, 2.0))
    p_abroad = np.where(age < 45, 0.08, 0.03)
    u = rng.random(m)
    herkunft = np.where(u < p_abroad, 3.0, np.where(u < p_abroad + 0.28 + 0.1 * high, 2.0, 1.0))
    u = rng.random(m)
    stay = np.where(u < 0.6, 0.0, np.floor(rng.random(m) * 12) + 1)
    moved = np.floor(u * np.maximum(age - 16, 1))
    wohndauer = np.clip(np.where(herkunft == 1, age - stay, moved), 0, age)
    # satisfaction items: two correlated latent factors, ordinal items 1 (sehr zufr.)..5
    lam, rho = FACTOR["loading"], FACTOR["factor_correlation"]
    eta_l = rng.standard_normal(m)
    eta_i = rho * eta_l + np.sqrt(1 - rho**2) * rng.standard_normal(m)
    f_l = np.asarray(FACTOR["leisure_municipality"])[muni] + 0.15 * (age >= 60) + eta_l
    f_i = np.asarray(FACTOR["infra_municipality"])[muni] + eta_i
    items: dict[str, np.ndarray] = {}
    for block, factor in ((LEISURE_ITEMS, f_l), (INFRA_ITEMS, f_i)):
        for name, (_, mean) in block.items():
            z = mean + lam * factor + np.sqrt(1 - lam**2) * rng.standard_normal(m)
            items[name] = 6.0 - _ordinal(z, FACTOR["item_cuts"])  # code 1 = sehr zufrieden
    leisure = np.mean([6.0 - items[k] for k in LEISURE_ITEMS], axis=0)
    mitwirkung = _ordinal(-(-0.3 + 0.4 * high - 0.3 * low + 0.2 * ((age >= 30) & (age < 60))
                            - 0.4 * (age >= 75) + rng.logistic(size=m)), [-1.5, 0.0, 1.2])
    kontakte = _ordinal(-(0.5 * small + 0.3 * (herkunft == 1) + 0.2 * (age >= 60)
                          + 0.3 * (leisure - 3) + rng.logistic(size=m)), [-2.3, -0.6, 0.7, 2.3])
    # true predictors (before item non-response) and the latent migration intent
    x = {f"age_group[{g}]": (ag == j).astype(np.float64) for j, g in enumerate(AGE_GROUPS)}
    x.update({"qualification[high]": high, "qualification[low]": low, "commuter": commuter,
              "leisure_satisfaction": leisure - LEISURE_CENTRE,
              "participation_wish": mitwirkung <= 2, "children": children, "home_owner": owner,
              "female": female, "migration_background": herkunft == 3})
    ystar = _design_matrix(x, tuple(BETA)) @ np.array(list(BETA.values())) + rng.logistic(size=m)
    wegzug = 5.0 - _ordinal(ystar, list(CUTPOINTS.values()))
    eta = np.column_stack([np.zeros(m)] + [
        DESTINATION[lev]["intercept"] + _design_matrix(x, DEST_TERMS)
        @ np.array([DESTINATION[lev]["beta"][t] for t in DEST_TERMS]) for lev in DEST_LEVELS[1:]])
    ziel = _draw(rng.random(m), np.exp(eta)) + 1.0
    # MCAR item non-response, applied after the DGP
    miss = ITEM_MISSING
    for block in (LEISURE_ITEMS, INFRA_ITEMS):
        skip = rng.random(m) < miss["satisfaction_block_skip"]
        for name in block:
            items[name][skip | (rng.random(m) < miss["satisfaction_item"])] = 9.0
    school[rng.random(m) < miss["schulabschluss_9"]] = 9.0
    beruf_obs = np.where(rng.random(m) < miss["berufsabschluss_9"], 9.0, beruf)
    mitwirkung = np.where(rng.random(m) < miss["mitwirkung_8"], 8.0, mitwirkung)
    u = rng.random(m)
    wegzug = np.where(u < miss["wegzug_8"], 8.0,
                      np.where(u < miss["wegzug_8"] + miss["wegzug_9"], 9.0, wegzug))
    wohndauer = np.where(rng.random(m) < miss["wohndauer_99"], 99.0, wohndauer)
    cols = {"lfdnr": np.arange(1.0, m + 1), "gemeinde": muni + 1.0, "alter": age,
            "geschlecht": female + 1.0, "schulabschluss": school, "berufsabschluss": beruf_obs,
            "erwerb": erwerb, "pendler": pendler, "pendelzeit": pendelzeit,
            "kinder": np.where(children, 1.0, 2.0), "wohneigentum": wohneigentum,
            "wohndauer": wohndauer, "herkunft": herkunft, **items,
            "mitwirkung": mitwirkung, "kontakte": kontakte.astype(np.float64), "wegzug": wegzug,
            "wegzug_ziel": np.where(wegzug <= 2, ziel, np.nan), "dgew": weight}
    return cols


def _variables(n_rows: int) -> tuple[dict, ...]:
    def var(name: str, label: str, measure: str, labels: dict[int, str] | None = None,
            missing: tuple[int, ...] = (), fmt: str = "F1.0") -> dict:
        return {"name": name, "label": label, "measure": measure, "value_labels": labels or {},
                "missing_values": list(missing), "missing_range": None, "format": fmt}

    sat = [var(k, f"Zufriedenheit: {lab}", "ordinal", dict(SAT), (9,))
           for k, (lab, _) in (LEISURE_ITEMS | INFRA_ITEMS).items()]
    return (
        var("lfdnr", "Laufende Nummer", "scale", fmt=f"F{max(6, len(str(n_rows)))}.0"),
        var("gemeinde", "Mitgliedsgemeinde", "nominal", dict(enumerate(MUNICIPALITIES, 1))),
        var("alter", "Alter in Jahren", "scale", fmt="F2.0"),
        var("geschlecht", "Geschlecht", "nominal", {1: "männlich", 2: "weiblich"}),
        var("schulabschluss", "Höchster allgemeinbildender Schulabschluss", "ordinal",
            {1: "ohne Schulabschluss", 2: "Hauptschulabschluss",
             3: "Realschulabschluss/POS 10. Klasse", 4: "Fachhochschulreife",
             5: "Abitur/Hochschulreife", 9: "keine Angabe"}, (9,)),
        var("berufsabschluss", "Höchster beruflicher Abschluss", "ordinal",
            {1: "kein beruflicher Abschluss", 2: "Lehre/Berufsausbildung", 3: "Meister/Techniker",
             4: "Fachhochschulabschluss", 5: "Universitätsabschluss", 9: "keine Angabe"}, (9,)),
        var("erwerb", "Erwerbsstatus", "nominal",
            {1: "Vollzeit erwerbstätig", 2: "Teilzeit erwerbstätig", 3: "arbeitslos",
             4: "in Ausbildung/Studium", 5: "Rente/Pension", 6: "Sonstiges"}),
        var("pendler", "Pendeln Sie zur Arbeit oder Ausbildung in eine andere Gemeinde?",
            "nominal", {**YESNO, 7: "trifft nicht zu (nicht erwerbstätig)"}),
        var("pendelzeit", "Pendelzeit in Minuten (einfacher Weg)", "scale", fmt="F3.0"),
        var("kinder", "Kinder unter 18 im Haushalt", "nominal", dict(YESNO)),
        var("wohneigentum", "Wohnverhältnis", "nominal", {1: "Eigentum", 2: "Miete",
                                                          3: "Sonstiges"}),
        var("wohndauer", "Wohndauer in der Gemeinde in Jahren", "scale", {99: "keine Angabe"},
            fmt="F2.0"),
        var("herkunft", "Herkunft", "nominal",
            {1: "seit Geburt/Kindheit hier", 2: "aus anderem Ort in Deutschland zugezogen",
             3: "aus dem Ausland zugezogen"}),
        *sat,
        var("mitwirkung", "Würden Sie sich gern stärker an Entscheidungen in Ihrer Gemeinde "
            "beteiligen?", "ordinal", {1: "ja, sehr gern", 2: "eher ja", 3: "eher nein",
                                       4: "nein", 8: "weiß nicht"}, (8,)),
        var("kontakte", "Wie oft treffen Sie Freunde oder Bekannte in Ihrer Gemeinde?", "ordinal",
            {1: "täglich", 2: "mehrmals pro Woche", 3: "mehrmals im Monat", 4: "seltener",
             5: "nie"}),
        var("wegzug", "Wie wahrscheinlich ist es, dass Sie in den nächsten zwei Jahren aus Ihrer "
            "Gemeinde wegziehen?", "ordinal",
            {1: "sehr wahrscheinlich", 2: "eher wahrscheinlich", 3: "eher unwahrscheinlich",
             4: "sehr unwahrscheinlich", 8: "weiß nicht", 9: "keine Angabe"}, (8, 9)),
        var("wegzug_ziel", "Wohin würden Sie am ehesten ziehen?", "nominal",
            dict(enumerate(DEST_LEVELS, 1))),
        var("dgew", "Designgewicht", "scale", fmt="F8.4"),
    )


def generate(n: int = 2400, seed: int = 20261121) -> SynthSurvey:
    """Generate the synthetic resident survey.

    Parameters
    ----------
    n : int, default 2400
        Expected number of respondents (the realised number varies by a few per cent).
        The population is 25,000 adults, scaled by ``n / 2400`` for ``n > 2400``.
    seed : int, default 20261121
        Seed of the numpy random generator; equal seeds give identical surveys.

    Returns
    -------
    SynthSurvey
        Data, codebook, population margins and the documented true parameters.

    Raises
    ------
    ConfigError
        If ``n`` is not an integer of at least 50 or ``seed`` is not a non-negative integer.
    """
    n, seed = checked_size_and_seed("synth.generate", n, seed)
    rng = np.random.default_rng(seed)
    pop = _population(rng, n)
    sizes = pop["sizes"]
    p_resp = _logistic(_response_logit(pop, slice(None)))
    mean_p = np.bincount(pop["muni"], weights=p_resp, minlength=8) / sizes
    del p_resp
    share = np.sqrt(sizes) / np.sqrt(sizes).sum()
    gross = np.minimum(sizes, np.maximum(2, np.rint(n * share / (share * mean_p).sum()))).astype(
        np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    idx = np.concatenate([s + np.sort(rng.choice(int(nh), size=int(gh), replace=False))
                          for s, nh, gh in zip(starts, sizes, gross, strict=True)])
    responded = rng.random(idx.shape[0]) < _logistic(_response_logit(pop, idx))
    idx = rng.permutation(idx[responded])
    weight = (sizes / gross)[pop["muni"][idx]]
    data = pd.DataFrame(_respondents(rng, pop, idx, weight))
    variables = _variables(len(data))
    resp_h = np.bincount(pop["muni"][idx], minlength=8)
    zeta2 = CUTPOINTS["2|3"]
    shift = LEISURE_CENTRE * BETA["leisure_satisfaction"]
    truth = {
        "title": "Synthetic resident survey on migration intent (Wanderungsbereitschaft)",
        "region": REGION, "seed": seed, "n_target": n,
        "population_size": int(sizes.sum()),
        "population": {"municipality_sizes": _named(MUNICIPALITIES, sizes),
                       "age_group_probs": _named(AGE_GROUPS, AGE_PROBS),
                       "age_group_tilt_by_municipality": _named(MUNICIPALITIES, AGE_TILT),
                       "female_prob_by_age_group": _named(AGE_GROUPS, FEMALE_BY_AGE)},
        "sampling": {"design": "stratified simple random sampling without replacement from the "
                               "residents' register, strata = gemeinde",
                     "allocation": "gross n_h proportional to sqrt(N_h), scaled so that the "
                                   "expected number of respondents equals n_target",
                     "N_h": _named(MUNICIPALITIES, sizes),
                     "gross_n_h": _named(MUNICIPALITIES, gross),
                     "respondents_h": _named(MUNICIPALITIES, resp_h),
                     "design_weight": "dgew = N_h / gross n_h"},
        "response_model": {"form": "logit P(response) = intercept + age_minus_50*(alter - 50) "
                                   "+ female + qualification[high] + qualification[low] "
                                   "+ municipality effect (MAR)", **RESPONSE,
                           "gross_sample": int(gross.sum()), "respondents": len(data),
                           "response_rate": round(len(data) / int(gross.sum()), 4)},
        "predictors": PREDICTORS,
        "ordinal": {"model": "y* = x'beta + e, e ~ standard logistic; intent_canonical = k if "
                             "zeta_{k-1} < y* <= zeta_k; logit P(intent <= k) = zeta_k - x'beta "
                             "(R svyolr / MASS polr parametrisation); leisure enters centred "
                             "at 3",
                    "beta": dict(BETA), "cutpoints": dict(CUTPOINTS),
                    "cutpoints_uncentred_leisure": {k: round(v + shift, 6)
                                                    for k, v in CUTPOINTS.items()}},
        "binary": {"model": "logit P(willing_to_move = 1) = intercept + x'beta", "intercept":
                   -zeta2, "intercept_uncentred_leisure": round(-zeta2 - shift, 6),
                   "beta": dict(BETA)},
        "destination": {"model": "multinomial logit for wegzug_ziel among respondents with "
                                 "wegzug in {1, 2}", "reference": DEST_LEVELS[0],
                        "outcomes": DESTINATION},
        "auxiliary_variables": "schulabschluss, erwerb, pendler, pendelzeit, kinder, "
                               "wohneigentum, herkunft, wohndauer, mitwirkung and kontakte are "
                               "drawn from age, sex, qualification and municipality (see the "
                               "module source); they are inputs, not targets, of the true models",
        "satisfaction_factors": {
            "model": "z_ij = item_mean_j + loading*f_i + sqrt(1 - loading^2)*e_ij, e ~ N(0, 1); "
                     "satisfaction 1..5 by item_cuts, code = 6 - satisfaction; f = municipality "
                     "effect (+0.15 leisure if alter >= 60) + N(0, 1) factor, factors correlated",
            **FACTOR, "leisure_municipality": _named(MUNICIPALITIES,
                                                     np.array(FACTOR["leisure_municipality"])),
            "infra_municipality": _named(MUNICIPALITIES, np.array(FACTOR["infra_municipality"])),
            "item_means": {k: v[1] for k, v in (LEISURE_ITEMS | INFRA_ITEMS).items()}},
        "item_nonresponse": {"mechanism": "MCAR, applied after the data-generating process; "
                                          "the DGP uses the complete leisure items, so "
                                          "complete-case analyses are unbiased",
                             **ITEM_MISSING},
        "user_missing": {v["name"]: v["missing_values"] for v in variables if
                         v["missing_values"]},
        "missing_by_design": {
            "pendelzeit": "system-missing unless pendler == 1",
            "wegzug_ziel": "system-missing unless wegzug in {1, 2} (filter question)",
            "pendler": "7 = trifft nicht zu (not employed/in training); valid, not user-missing",
            "wohndauer": "99 = keine Angabe has a value label but is NOT declared missing"},
    }
    json.dumps(truth)  # guard: truth must stay JSON-serialisable
    return SynthSurvey(data=data, variables=variables, margins=_margins(pop), truth=truth,
                       seed=seed, n_target=n)


def _table(rows: dict[str, float], head: tuple[str, str]) -> list[str]:
    out = [f"| {head[0]} | {head[1]} |", "|---|---:|"]
    return out + ["| `" + k.replace("|", "\\|") + f"` | {v:+.3f} |" for k, v in rows.items()]


def truth_markdown(survey: SynthSurvey) -> str:
    """Render the true data-generating process as a German/English markdown section.

    Parameters
    ----------
    survey : SynthSurvey
        A survey returned by :func:`generate`.

    Returns
    -------
    str
        Markdown text for ``data/raw/example_survey.md``.
    """
    t = survey.truth
    s, r = t["sampling"], t["response_model"]
    lines = [
        "## Wahres datenerzeugendes Modell / True data-generating process", "",
        f"Vollständig synthetische Daten (keine realen Personen) - fully synthetic data: "
        f"{t['region']}. Seed `{survey.seed}`, n_target {survey.n_target}, "
        f"Grundgesamtheit / population N = {t['population_size']} Erwachsene (18+).", "",
        "### Stichprobe / Sampling", "",
        f"{s['design']}; {s['allocation']}. `{s['design_weight']}`.", "",
        "| Gemeinde | N_h | brutto n_h | Befragte / respondents |", "|---|---:|---:|---:|",
        *[f"| {g} | {s['N_h'][g]} | {s['gross_n_h'][g]} | {s['respondents_h'][g]} |"
          for g in s["N_h"]], "",
        f"Unit-Nonresponse (MAR) / unit non-response: `{r['form']}`; intercept "
        f"{r['intercept']}, age {r['age_minus_50']}/year, female {r['female']}, high "
        f"{r['qualification[high]']}, low {r['qualification[low]']}. Realisierte "
        f"Ausschöpfung / response rate: {r['response_rate']:.1%} ({r['respondents']} of "
        f"{r['gross_sample']}). Ungewichtet sind Ältere, Frauen und Höherqualifizierte "
        "überrepräsentiert / unweighted, the old, women and the highly qualified are "
        "over-represented.", "",
        "### Prädiktoren / Predictors", "",
        *[f"- `{k}`: {v}" for k, v in t["predictors"].items()], "",
        "### Wegzugsabsicht (ordinal) / Migration intent (proportional odds)", "",
        t["ordinal"]["model"] + ".", "", *_table(t["ordinal"]["beta"], ("term", "beta")), "",
        *_table(t["ordinal"]["cutpoints"], ("cut-point", "zeta")), "",
        f"Binär / binary `willing_to_move`: intercept = -zeta_2 = {t['binary']['intercept']:+.3f}"
        f" (with uncentred leisure_satisfaction: {t['binary']['intercept_uncentred_leisure']:+.3f}"
        "), same beta. Beide Modelle gelten exakt / both models hold exactly.", "",
        "### Wegzugsziel / Destination (multinomial logit)", "",
        f"Referenz / reference: {t['destination']['reference']}.", "",
        "| term | " + " | ".join(t["destination"]["outcomes"]) + " |",
        "|---|" + "---:|" * len(t["destination"]["outcomes"]),
    ]
    outs = list(t["destination"]["outcomes"].values())
    lines.append("| `(intercept)` | " + " | ".join(f"{o['intercept']:+.3f}" for o in outs) + " |")
    lines += ["| `" + k + "` | " + " | ".join(f"{o['beta'][k]:+.3f}" for o in outs) + " |"
              for k in outs[0]["beta"]]
    lines += ["", "### Fehlende Werte / Missing values", "",
              "Item-Nonresponse MCAR / item non-response MCAR: " + ", ".join(
                  f"{k} {v}" for k, v in t["item_nonresponse"].items() if k != "mechanism")
              + ". " + t["item_nonresponse"]["mechanism"] + ".",
              "", "User-missing: " + "; ".join(f"`{k}` {v}" for k, v in t["user_missing"].items()),
              "", *[f"- `{k}`: {v}" for k, v in t["missing_by_design"].items()], ""]
    return "\n".join(lines)
