"""Second synthetic example: a small town in Thuringia, asked with another questionnaire.

``generate_town`` draws the adult register population of the fictional "Stadt Grünfelde"
(5 Ortsteile, 9,000 adults, Landkreis Waldau, Thüringen), an unstratified simple random
sample from it, MAR unit non-response and the answers to a questionnaire that differs from
the Harz example in everything a real second survey would: variable names (``F02_ALTER``),
codes (sex 1 = female, Ortsteil codes 10–50, satisfaction 5 = very satisfied, negative
missing codes -8/-9), a 5-point intent item with a middle category, no item on
participation, destinations or migration background, and an item on housing the example
lacks. It ships as CSV plus codebook. The data-generating process is documented in
``SynthSurvey.truth`` so that models fitted to it can be checked against the true values.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from surveykit.synth.generator import (
    SynthSurvey,
    _draw,
    _logistic,
    _named,
    _ordinal,
    checked_size_and_seed,
)

__all__ = ["TOWN_FILE_LABEL", "generate_town", "town_markdown"]

TOWN_FILE_LABEL = "Einwohnerbefragung Stadt Grünfelde 2025 (synthetisch)"
REGION = "Stadt Grünfelde (fiktiv), Landkreis Waldau (fiktiv), Thüringen"
DISTRICTS = ("Kernstadt", "Altenhain", "Buchholz", "Neudorf", "Steinbach")
DISTRICT_CODES = (10, 20, 30, 40, 50)
BASE_SIZES = np.array([5200, 1300, 1000, 800, 700])
BASE_N = 900
AGE_GROUPS = ("18-29", "30-44", "45-59", "60-74", "75+")
AGE_PROBS = np.array([0.11, 0.18, 0.26, 0.27, 0.18])
AGE_LOWER = np.array([18, 30, 45, 60, 75])
AGE_WIDTH = np.array([12, 15, 15, 15, 16])
FEMALE_BY_AGE = np.array([0.46, 0.47, 0.49, 0.53, 0.61])
# qualification low / medium / high by age group (rows)
QUALIFICATION_PROBS = np.array([[0.22, 0.58, 0.20], [0.10, 0.62, 0.28], [0.08, 0.70, 0.22],
                                [0.10, 0.72, 0.18], [0.20, 0.68, 0.12]])
RESPONSE = {"intercept": -0.55, "age_minus_50": 0.02, "female": 0.25,
            "qualification[high]": 0.5, "qualification[low]": -0.35,
            "district": dict(zip(DISTRICTS, [0.1, -0.05, -0.1, -0.15, -0.2], strict=True))}
BETA = {"age_group[18-29]": 1.0, "age_group[30-44]": 0.5, "age_group[60-74]": -0.5,
        "age_group[75+]": -1.1, "qualification[high]": 0.7, "qualification[low]": -0.2,
        "commuter": 0.6, "leisure_satisfaction": -0.5, "housing_satisfaction": -0.25,
        "children": -0.25, "home_owner": -0.8, "female": -0.1}
CUTPOINTS = {"1|2": -1.2, "2|3": 0.0, "3|4": 1.1, "4|5": 2.4}
LEISURE_CENTRE = 3.0
HOUSING_CENTRE = 3.0
LEISURE_ITEMS = {"F10_A": ("Kulturangebot", -0.4), "F10_B": ("Freizeitangebote", -0.2),
                 "F10_C": ("Vereinsleben", 0.4), "F10_D": ("Gastronomie", -0.3)}
INFRA_ITEMS = {"F10_E": ("Busverbindungen", -0.7), "F10_F": ("Ärztliche Versorgung", -0.3),
               "F10_G": ("Einkaufsmöglichkeiten", 0.3), "F10_H": ("Internet", -0.2),
               "F10_I": ("Wohnungsangebot", -0.1)}
FACTOR = {"loading": 0.65, "factor_correlation": 0.35, "item_cuts": [-1.5, -0.5, 0.5, 1.5],
          "leisure_district": [0.3, 0.0, -0.1, -0.3, -0.4],
          "infra_district": [0.5, 0.0, -0.2, -0.5, -0.6]}
ITEM_MISSING = {"satisfaction_item": 0.02, "bildung_-9": 0.015, "wegzug_-8": 0.06,
                "wegzug_-9": 0.02}
PREDICTORS = {
    "intent": "F20_WEGZUG 1 bestimmt nicht ... 5 bestimmt (5 levels)",
    "willing_to_move": "1 if F20_WEGZUG in {4, 5} else 0",
    "age_group": "F02_ALTER banded 18-29, 30-44, 45-59, 60-74, 75+; reference 45-59",
    "qualification": "F04_BILDUNG 4 = low, 2/3 = medium, 1 = high; reference medium",
    "commuter": "1 if F05_PENDELN == 1 else 0 (-1 = not employed counts as 0)",
    "leisure_satisfaction": "mean of F10_A..F10_D (1 sehr unzufrieden ... 5 sehr zufrieden); "
                            "enters the DGP centred as (leisure_satisfaction - 3)",
    "housing_satisfaction": "F10_I (1..5), centred at 3; in the DGP only, the town config "
                            "shows it as a table",
    "children": "1 if F06_KINDER == 1 else 0",
    "home_owner": "1 if F07_WOHNEN in {1, 2} else 0",
    "female": "1 if F03_GESCHLECHT == 1 else 0",
}
SAT = {1: "sehr unzufrieden", 2: "eher unzufrieden", 3: "teils/teils", 4: "eher zufrieden",
       5: "sehr zufrieden", -9: "keine Angabe"}
INTENT = {1: "bestimmt nicht", 2: "eher nicht", 3: "vielleicht", 4: "eher ja", 5: "bestimmt",
          -8: "weiß nicht", -9: "keine Angabe"}


def _population(rng: np.random.Generator, n: int) -> dict[str, np.ndarray]:
    """Register population: district (0-4), age, age group (0-4), female, qualification 0-2."""
    sizes = np.rint(BASE_SIZES * max(1.0, n / BASE_N)).astype(np.int64)
    district = np.repeat(np.arange(len(DISTRICTS), dtype=np.int8), sizes)
    size = int(sizes.sum())
    tilt = np.array([0.02, 0.0, -0.01, -0.02, -0.03])[district]  # villages are older
    probs = AGE_PROBS[None, :] + tilt[:, None] * np.array([1.0, 0.5, 0.0, -0.5, -1.0])
    ag = _draw(rng.random(size), probs)
    age = (AGE_LOWER[ag] + np.floor(rng.random(size) * AGE_WIDTH[ag])).astype(np.int16)
    female = rng.random(size) < FEMALE_BY_AGE[ag]
    qualification = _draw(rng.random(size), QUALIFICATION_PROBS[ag])
    return {"sizes": sizes, "district": district, "age": age, "ag": ag, "female": female,
            "qualification": qualification}


def _response_logit(pop: dict[str, np.ndarray], idx: np.ndarray) -> np.ndarray:
    effect = np.array(list(RESPONSE["district"].values()))
    qualification = pop["qualification"][idx]
    return (RESPONSE["intercept"] + RESPONSE["age_minus_50"] * (pop["age"][idx] - 50.0)
            + RESPONSE["female"] * pop["female"][idx]
            + RESPONSE["qualification[high]"] * (qualification == 2)
            + RESPONSE["qualification[low]"] * (qualification == 0)
            + effect[pop["district"][idx]])


def _margins(pop: dict[str, np.ndarray]) -> dict[str, pd.DataFrame]:
    cells = np.bincount(pop["ag"].astype(np.int64) * 2 + pop["female"], minlength=10)
    return {
        "age_sex": pd.DataFrame({"age_group": np.repeat(AGE_GROUPS, 2),
                                 "sex": ["male", "female"] * 5, "population": cells}),
        "district": pd.DataFrame({"district": DISTRICTS, "population": pop["sizes"]}),
    }


def _respondents(rng: np.random.Generator, pop: dict[str, np.ndarray], idx: np.ndarray,
                 weight: float) -> dict[str, np.ndarray]:
    """Questionnaire answers (codes as float64) of the respondents ``idx``."""
    m = idx.shape[0]
    district = pop["district"][idx].astype(np.int64)
    ag, age = pop["ag"][idx], pop["age"][idx].astype(np.float64)
    female = pop["female"][idx]
    qualification = pop["qualification"][idx]
    high, low = qualification == 2, qualification == 0
    village = district > 0
    employed = rng.random(m) < np.where(age < 25, 0.55, np.where(age < 63, 0.82,
                                                                 np.where(age < 67, 0.3, 0.02)))
    commuter = employed & (rng.random(m) < _logistic(0.1 + 0.7 * village + 0.3 * high))
    children = rng.random(m) < np.array([0.12, 0.6, 0.35, 0.04, 0.01])[ag]
    owner = rng.random(m) < _logistic(-0.6 + 0.05 * (np.clip(age, 20, 65) - 40)
                                      + 0.9 * village + 0.3 * high - 0.4 * low)
    rented_flat = ~owner & (rng.random(m) < np.where(age < 25, 0.35, 0.05))
    wohnen = np.where(owner, np.where(village | (rng.random(m) < 0.6), 1.0, 2.0),
                      np.where(rented_flat, 4.0, 3.0))
    lam, rho = FACTOR["loading"], FACTOR["factor_correlation"]
    eta_l = rng.standard_normal(m)
    eta_i = rho * eta_l + np.sqrt(1 - rho**2) * rng.standard_normal(m)
    f_l = np.asarray(FACTOR["leisure_district"])[district] + eta_l
    f_i = np.asarray(FACTOR["infra_district"])[district] + eta_i
    items: dict[str, np.ndarray] = {}
    for block, factor in ((LEISURE_ITEMS, f_l), (INFRA_ITEMS, f_i)):
        for name, (_, mean) in block.items():
            z = mean + lam * factor + np.sqrt(1 - lam**2) * rng.standard_normal(m)
            items[name] = _ordinal(z, FACTOR["item_cuts"]).astype(np.float64)  # 5 = very satisfied
    leisure = np.mean([items[k] for k in LEISURE_ITEMS], axis=0)
    x = {f"age_group[{g}]": (ag == j).astype(np.float64) for j, g in enumerate(AGE_GROUPS)}
    x.update({"qualification[high]": high, "qualification[low]": low, "commuter": commuter,
              "leisure_satisfaction": leisure - LEISURE_CENTRE,
              "housing_satisfaction": items["F10_I"] - HOUSING_CENTRE,
              "children": children, "home_owner": owner, "female": female})
    design = np.column_stack([x[t] for t in BETA]).astype(np.float64)
    ystar = design @ np.array(list(BETA.values())) + rng.logistic(size=m)
    wegzug = _ordinal(ystar, list(CUTPOINTS.values())).astype(np.float64)
    # MCAR item non-response after the data-generating process
    for name in items:
        items[name][rng.random(m) < ITEM_MISSING["satisfaction_item"]] = -9.0
    bildung = np.array([4.0, 3.0, 1.0])[qualification]
    bildung[(qualification == 1) & (rng.random(m) < 0.3)] = 2.0  # Meister/Fachschule
    bildung[rng.random(m) < ITEM_MISSING["bildung_-9"]] = -9.0
    u = rng.random(m)
    wegzug = np.where(u < ITEM_MISSING["wegzug_-8"], -8.0, np.where(
        u < ITEM_MISSING["wegzug_-8"] + ITEM_MISSING["wegzug_-9"], -9.0, wegzug))
    return {"LFD": np.arange(1001.0, 1001 + m), "OT": np.asarray(DISTRICT_CODES, float)[district],
            "F02_ALTER": age, "F03_GESCHLECHT": np.where(female, 1.0, 2.0),
            "F04_BILDUNG": bildung, "F05_PENDELN": np.where(employed, commuter * 1.0, -1.0),
            "F06_KINDER": children * 1.0, "F07_WOHNEN": wohnen, **items, "F20_WEGZUG": wegzug,
            "GEW_D": np.full(m, weight)}


def _variables() -> tuple[dict, ...]:
    def var(name: str, label: str, measure: str, labels: dict[int, str] | None = None,
            missing: tuple[int, ...] = (), fmt: str = "F1.0") -> dict:
        return {"name": name, "label": label, "measure": measure, "value_labels": labels or {},
                "missing_values": list(missing), "missing_range": None, "format": fmt}

    sat = [var(k, f"Zufriedenheit mit: {lab}", "ordinal", dict(SAT), (-9,), "F2.0")
           for k, (lab, _) in (LEISURE_ITEMS | INFRA_ITEMS).items()]
    return (
        var("LFD", "Fragebogennummer", "scale", fmt="F7.0"),
        var("OT", "Ortsteil", "nominal", dict(zip(DISTRICT_CODES, DISTRICTS, strict=True)),
            fmt="F2.0"),
        var("F02_ALTER", "Wie alt sind Sie?", "scale", fmt="F3.0"),
        var("F03_GESCHLECHT", "Geschlecht", "nominal", {1: "weiblich", 2: "männlich"}),
        var("F04_BILDUNG", "Welchen beruflichen Abschluss haben Sie?", "ordinal",
            {1: "Hochschul-/Fachhochschulabschluss", 2: "Meister/Techniker/Fachschule",
             3: "Lehre/Facharbeiter", 4: "ohne Berufsabschluss", -9: "keine Angabe"},
            (-9,), "F2.0"),
        var("F05_PENDELN", "Arbeiten oder lernen Sie außerhalb von Grünfelde?", "nominal",
            {1: "ja", 0: "nein", -1: "nicht erwerbstätig"}, fmt="F2.0"),
        var("F06_KINDER", "Leben Kinder unter 18 Jahren in Ihrem Haushalt?", "nominal",
            {1: "ja", 0: "nein"}),
        var("F07_WOHNEN", "Wie wohnen Sie?", "nominal",
            {1: "eigenes Haus", 2: "Eigentumswohnung", 3: "zur Miete",
             4: "bei den Eltern/Sonstiges"}),
        *sat,
        var("F20_WEGZUG", "Haben Sie vor, in den nächsten zwei Jahren aus Grünfelde "
            "wegzuziehen?", "ordinal", dict(INTENT), (-8, -9), "F2.0"),
        var("GEW_D", "Designgewicht (Einwohner je Bruttostichprobe)", "scale", fmt="F8.4"),
    )


def generate_town(n: int = BASE_N, seed: int = 20251015) -> SynthSurvey:
    """Generate the second synthetic example survey (Stadt Grünfelde).

    Parameters
    ----------
    n : int, default 900
        Expected number of respondents; the population (9,000 adults) is scaled by
        ``n / 900`` for ``n > 900``.
    seed : int, default 20251015
        Seed of the numpy random generator; equal seeds give identical surveys.

    Returns
    -------
    SynthSurvey
        Data, codebook metadata, population margins and the documented true parameters.

    Raises
    ------
    ConfigError
        If ``n`` is not an integer of at least 50 or ``seed`` is not a non-negative integer.
    """
    n, seed = checked_size_and_seed("synth.generate_town", n, seed)
    rng = np.random.default_rng(seed)
    pop = _population(rng, n)
    size = int(pop["sizes"].sum())
    mean_p = float(_logistic(_response_logit(pop, np.arange(size))).mean())
    gross = min(size, round(n / mean_p))
    drawn = np.sort(rng.choice(size, size=gross, replace=False))
    responded = rng.random(gross) < _logistic(_response_logit(pop, drawn))
    idx = rng.permutation(drawn[responded])
    weight = size / gross
    data = pd.DataFrame(_respondents(rng, pop, idx, weight))
    variables = _variables()
    zeta3 = CUTPOINTS["3|4"]
    shift = LEISURE_CENTRE * BETA["leisure_satisfaction"] + HOUSING_CENTRE * BETA[
        "housing_satisfaction"]
    truth = {
        "title": "Synthetic resident survey on migration intent (second example region)",
        "region": REGION, "seed": seed, "n_target": n, "population_size": size,
        "population": {"district_sizes": _named(DISTRICTS, pop["sizes"]),
                       "age_group_probs": _named(AGE_GROUPS, AGE_PROBS),
                       "female_prob_by_age_group": _named(AGE_GROUPS, FEMALE_BY_AGE)},
        "sampling": {"design": "simple random sample without replacement from the residents' "
                               "register (not stratified)",
                     "gross_sample": gross, "design_weight": f"GEW_D = N / gross n = "
                                                             f"{size} / {gross}",
                     "respondents_by_district": _named(
                         DISTRICTS, np.bincount(pop["district"][idx], minlength=5))},
        "response_model": {"form": "logit P(response) = intercept + age_minus_50*(age - 50) + "
                                   "female + qualification[high] + qualification[low] + "
                                   "district effect (MAR)", **RESPONSE,
                           "respondents": len(data),
                           "response_rate": round(len(data) / gross, 4)},
        "predictors": PREDICTORS,
        "ordinal": {"model": "y* = x'beta + e, e ~ standard logistic; F20_WEGZUG = k if "
                             "zeta_{k-1} < y* <= zeta_k; logit P(intent <= k) = zeta_k - x'beta; "
                             "leisure and housing satisfaction enter centred at 3",
                    "beta": dict(BETA), "cutpoints": dict(CUTPOINTS),
                    "cutpoints_uncentred": {k: round(v + shift, 6) for k, v in CUTPOINTS.items()}},
        "binary": {"model": "logit P(willing_to_move = 1) = intercept + x'beta "
                            "(willing = F20_WEGZUG in {4, 5})",
                   "intercept": -zeta3, "intercept_uncentred": round(-zeta3 - shift, 6),
                   "beta": dict(BETA)},
        "satisfaction_factors": {
            "model": "z_ij = item_mean_j + loading*f_i + sqrt(1 - loading^2)*e_ij; code 1..5 by "
                     "item_cuts (5 = sehr zufrieden); f = district effect + N(0, 1) factor",
            **FACTOR, "leisure_district": _named(DISTRICTS, np.array(FACTOR["leisure_district"])),
            "infra_district": _named(DISTRICTS, np.array(FACTOR["infra_district"])),
            "item_means": {k: v[1] for k, v in (LEISURE_ITEMS | INFRA_ITEMS).items()}},
        "item_nonresponse": {"mechanism": "MCAR, applied after the data-generating process",
                             **ITEM_MISSING},
        "user_missing": {v["name"]: v["missing_values"] for v in variables
                         if v["missing_values"]},
        "not_collected": ["participation wish", "destination of a move",
                          "migration background", "school leaving certificate"],
    }
    json.dumps(truth)  # guard: truth must stay JSON-serialisable
    return SynthSurvey(data=data, variables=variables, margins=_margins(pop), truth=truth,
                       seed=seed, n_target=n)


def _rows(values: dict[str, float]) -> list[str]:
    return ["| `" + k.replace("|", "\\|") + f"` | {v:+.3f} |" for k, v in values.items()]


def town_markdown(survey: SynthSurvey) -> str:
    """The town's true data-generating process as a German/English markdown section."""
    t = survey.truth
    s, r = t["sampling"], t["response_model"]
    return "\n".join([
        "## Wahres datenerzeugendes Modell / True data-generating process", "",
        f"Vollständig synthetische Daten (keine realen Personen) - fully synthetic data: "
        f"{t['region']}. Seed `{survey.seed}`, n_target {survey.n_target}, "
        f"Grundgesamtheit / population N = {t['population_size']} Erwachsene (18+).", "",
        "### Stichprobe / Sampling", "",
        f"{s['design']}; brutto / gross n = {s['gross_sample']}; `{s['design_weight']}`.", "",
        "| Ortsteil | N | Befragte / respondents |", "|---|---:|---:|",
        *[f"| {d} | {t['population']['district_sizes'][d]} | "
          f"{s['respondents_by_district'][d]} |" for d in DISTRICTS], "",
        f"Unit-Nonresponse / unit non-response: `{r['form']}`. Ausschöpfung / response "
        f"rate: {r['response_rate']:.1%} ({r['respondents']} of {s['gross_sample']}).", "",
        "### Prädiktoren / Predictors", "",
        *[f"- `{k}`: {v}" for k, v in t["predictors"].items()], "",
        "### Wegzugsabsicht (5 Stufen) / Migration intent (proportional odds)", "",
        t["ordinal"]["model"] + ".", "", "| term | beta |", "|---|---:|",
        *_rows(t["ordinal"]["beta"]), "", "| cut-point | zeta |", "|---|---:|",
        *_rows(t["ordinal"]["cutpoints"]), "",
        f"Binär / binary `willing_to_move`: intercept = -zeta_3 = "
        f"{t['binary']['intercept']:+.3f}, same beta.", "",
        "### Nicht erhoben / Not collected", "",
        ", ".join(t["not_collected"]) + " (the comparison shows them as \"–\").", "",
        "User-missing: " + "; ".join(f"`{k}` {v}" for k, v in t["user_missing"].items()), "",
    ])
