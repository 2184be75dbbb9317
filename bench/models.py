"""Model benchmark: surveykit's design-based logit against R's ``svyglm``.

A synthetic stratified cluster sample (default 1,000,000 respondents in 20 strata with 50
PSUs each) is drawn from a fixed seed, with five predictors — age group (5 levels), education
(3), female and commuter (0/1) and income (numeric) — so that the logit has 10 coefficients.
The outcome ``y`` (0/1) follows a logit in these predictors plus a PSU random effect, so the
clustering matters for the standard errors. Sampling weights are the stratum's expansion
factor times a log-normal non-response factor.

Both contenders do the same job on the same data, in the same run:

* R (``bench/models.R``): ``svydesign(ids=~psu, strata=~stratum, weights=~w)``,
  ``svyglm(y ~ age_group + education + female + commuter + income,
  family=quasibinomial())`` and ``summary(model)$coefficients``, each inside
  ``system.time``;
* surveykit: ``SurveyDesign(df, weights="w", strata="stratum", ids="psu")``,
  ``design.logit(formula)`` and ``model.summary()``, each with ``time.perf_counter``, best of
  ``--repeat`` runs in a fresh Python process, for both spellings of the categorical
  predictors: plainly (``age_group + education`` on pandas categoricals) and as
  ``C(age_group) + C(education)`` on integer level codes (0 …), as a user with a coded file
  writes them. R's time is the same for both (its factors are factors either way).

Loading and data generation are not timed. The surveykit side runs in a subprocess that reads
the same raw vectors as R; its peak RSS is the kernel's high-water mark (``VmHWM``) reset
after loading, the memory one design + logit + summary allocates is measured with
``tracemalloc``. R's peak RSS (whole process, loading included) comes from
``/usr/bin/time -v``, the growth of its heap during the timed part from ``gc()``. The
coefficients and standard errors of both are printed with their relative differences.

Usage::

    .venv/bin/python bench/models.py [--n N] [--repeat K] [--r-repeat K] [--no-r] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import os
import pstats
import sys
import time
import tracemalloc
from pathlib import Path

import harness
import numpy as np
import pandas as pd

SEED = 20261122
STRATA = 20
PSUS_PER_STRATUM = 50
BENCH_DIR = Path(__file__).resolve().parent
TARGET_VS_R = 30.0
LEVELS = {
    "age_group": ("18-29", "30-44", "45-59", "60-74", "75+"),
    "education": ("low", "medium", "high"),
}
FORMULA = "y ~ age_group + education + female + commuter + income"
#: The spellings timed: plain names of categorical columns, and C() of integer codes.
SPELLINGS = {"plain": FORMULA,
             "C()": "y ~ C(age_group) + C(education) + female + commuter + income"}
# true logit: intercept, then per level (reference 0) and per numeric predictor
INTERCEPT = -0.4
EFFECTS = {"age_group": (0.0, -0.35, -0.8, -1.3, -1.9), "education": (0.0, 0.3, 0.8)}
SLOPES = {"female": -0.1, "commuter": 0.5, "income": 0.12}
PSU_SD = 0.3  # PSU random effect on the logit scale
INTEGER_COLUMNS = ("stratum", "psu", "age_group", "education", "female", "commuter")
DOUBLE_COLUMNS = ("income", "w", "y")


# --------------------------------------------------------------------------- data


def generate(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """The sample: design columns, predictor codes/values, weights and the 0/1 outcome."""
    rng = np.random.default_rng(seed)
    psus = STRATA * PSUS_PER_STRATUM
    psu = np.sort(rng.integers(0, psus, n)).astype(np.int32)  # respondents by sampling point
    stratum = (psu // PSUS_PER_STRATUM).astype(np.int32)
    # strata differ in sampling fraction: expansion factors 40 … 400
    expansion = np.geomspace(40, 400, STRATA)[stratum]
    weight = expansion * rng.lognormal(-0.045, 0.3, n)
    age = rng.choice(5, n, p=[0.14, 0.21, 0.26, 0.23, 0.16]).astype(np.int32)
    # education leans younger; female and commuter depend on age
    education = np.argmax(np.log([0.25, 0.5, 0.25]) + np.outer(2 - age, [-0.2, 0.0, 0.25])
                          + rng.gumbel(size=(n, 3)), axis=1).astype(np.int32)
    female = (rng.random(n) < 0.48 + 0.03 * age).astype(np.int32)
    commuter = (rng.random(n) < np.where(age < 4, 0.45, 0.05)).astype(np.int32)
    income = np.round(rng.lognormal(np.log(2.2) + 0.1 * education, 0.45, n), 3)  # 1,000 EUR
    eta = (INTERCEPT + np.asarray(EFFECTS["age_group"])[age]
           + np.asarray(EFFECTS["education"])[education] + SLOPES["female"] * female
           + SLOPES["commuter"] * commuter + SLOPES["income"] * income
           + rng.normal(0, PSU_SD, psus)[psu])
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(float)
    return {"stratum": stratum, "psu": psu, "age_group": age, "education": education,
            "female": female, "commuter": commuter, "income": income, "w": weight, "y": y}


def write_inputs(directory: Path, data: dict[str, np.ndarray]) -> None:
    """Raw little-endian vectors that base R reads with ``readBin``, plus levels.csv."""
    for name in INTEGER_COLUMNS:
        data[name].astype("<i4").tofile(directory / f"{name}.bin")
    for name in DOUBLE_COLUMNS:
        data[name].astype("<f8").tofile(directory / f"{name}.bin")
    rows = [(variable, level) for variable, levels in LEVELS.items() for level in levels]
    pd.DataFrame(rows, columns=["variable", "level"]).to_csv(directory / "levels.csv",
                                                             index=False)


def read_inputs(directory: Path) -> pd.DataFrame:
    """The respondents as surveykit sees them (categoricals for the coded predictors)."""
    columns: dict[str, object] = {}
    for name in INTEGER_COLUMNS:
        values = np.fromfile(directory / f"{name}.bin", dtype="<i4")
        columns[name] = (pd.Categorical.from_codes(values, LEVELS[name]) if name in LEVELS
                         else values.astype(np.int64))
    for name in DOUBLE_COLUMNS:
        columns[name] = np.fromfile(directory / f"{name}.bin", dtype="<f8")
    return pd.DataFrame(columns)


# --------------------------------------------------------------------------- workers


def _blas_threads() -> str:
    """numpy's BLAS and its thread count (OpenBLAS threads slow down on a busy machine)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    pools = [f"{pool['internal_api']} {pool['num_threads']} threads"
             for pool in threadpool_info() if pool["user_api"] == "blas"]
    return ", ".join(sorted(set(pools))) or "unknown"


def _coded(respondents: pd.DataFrame) -> pd.DataFrame:
    """The same respondents with the categorical predictors as integer codes 0 …"""
    return respondents.assign(**{name: respondents[name].cat.codes.astype(np.int64)
                                 for name in LEVELS})


def _surveykit_run(sk, respondents: pd.DataFrame, formula: str = FORMULA):
    """One design + logit + coefficient table; returns (times, table)."""
    start = time.perf_counter()
    design = sk.SurveyDesign(respondents, weights="w", strata="stratum", ids="psu")
    built = time.perf_counter()
    model = design.logit(formula)
    fitted = time.perf_counter()
    table = model.summary()
    done = time.perf_counter()
    return (built - start, fitted - built, done - fitted), table


def worker(directory: Path, repeat: int, profile: bool) -> dict:
    """The surveykit side, in a fresh process."""
    import surveykit as sk

    respondents = read_inputs(directory)
    gc.collect()
    result: dict = {"surveykit_version": sk.__version__,
                    "rss_loaded_mb": harness.status_mb("VmRSS") or harness.peak_rss_mb(),
                    "blas": _blas_threads()}
    frames = {"plain": respondents, "C()": _coded(respondents)}
    for spelling, formula in SPELLINGS.items():  # untimed: imports and first-call set-up
        _surveykit_run(sk, frames[spelling].iloc[:5000], formula)
    times: dict[str, list] = {spelling: [] for spelling in SPELLINGS}
    peaks = []
    tables = {}
    for _ in range(repeat):  # the spellings alternate, so both see the same load
        for spelling, formula in SPELLINGS.items():
            result["peak_reset"] = harness.reset_peak_rss()
            run_times, tables[spelling] = _surveykit_run(sk, frames[spelling], formula)
            peaks.append(harness.peak_rss_mb())
            times[spelling].append(run_times)
            gc.collect()
    result["times"] = times["plain"]
    result["times_by_spelling"] = times
    result["rss_peak_mb"] = max(peaks)
    result["coef"] = {name: [row["estimate"], row["se"]]
                      for name, row in tables["plain"].iterrows()}
    result["coef_c"] = [[row["estimate"], row["se"]] for _, row in tables["C()"].iterrows()]
    tracemalloc.start()
    _surveykit_run(sk, respondents)
    result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        _surveykit_run(sk, respondents)
        profiler.disable()
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("cumulative").print_stats(30)
        stats.sort_stats("tottime").print_stats(15)
        result["profile"] = text.getvalue()
    return result


def run_python(directory: Path, repeat: int, profile: bool) -> dict:
    return harness.run_worker(__file__, directory, repeat, profile)


def run_r(directory: Path, repeat: int) -> dict:
    """Time R's svydesign + svyglm + summary; peak RSS via /usr/bin/time when available."""
    lines, peak = harness.run_r_script(
        [str(BENCH_DIR / "models.R"), str(directory), str(repeat)], directory)
    result: dict = {"times": [], "coef": {}}
    for line in lines:
        key, *values = line.split()
        if key == "time":
            result["times"].append([float(v) for v in values[1:]])
        elif key == "coef":
            result["coef"][values[0]] = [float(v) for v in values[1:]]
        elif key in ("heap_mb", "df_resid"):
            result[key] = [float(v) for v in values]
        else:
            result[key] = " ".join(values)
    if peak is not None:
        result["rss_peak_mb"] = peak
    return result


# --------------------------------------------------------------------------- report


def report(args: argparse.Namespace, python: dict, r: dict | None) -> None:
    print(f"model benchmark  n = {args.n:,}  {STRATA} strata x {PSUS_PER_STRATUM} PSUs  "
          f"seed {SEED}")
    print(f"  {FORMULA}  ({len(python['coef'])} coefficients, quasi-binomial logit)")
    print(f"machine: {os.cpu_count()} CPUs, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB, "
          f"Python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"load average {os.getloadavg()[0]:.2f} at the end; BLAS: {python['blas']}")
    print()
    row = "{:<36}{:>10}  {:>14}  {:>16}"
    print(row.format("", "time (s)", "peak RSS (MB)", "working (MB)"))
    if r is not None:
        r_steps, r_total = harness.best(r["times"])
        heap_before, heap_peak = r["heap_mb"]
        print(f"R {r['r_version'].replace(' ', '.')}, survey {r['survey_version']} "
              f"(best of {len(r['times'])})")
        for name, value in zip(("svydesign", "svyglm", "summary"), r_steps, strict=True):
            print(row.format(f"  {name}", f"{value:.4f}", "", ""))
        print(row.format("  total", f"{r_total:.4f}",
                         f"{r.get('rss_peak_mb', float('nan')):.0f}",
                         f"{heap_peak - heap_before:.0f} (gc)"))
    totals = {}
    for spelling, formula in SPELLINGS.items():
        runs = python["times_by_spelling"][spelling]
        sk_steps, totals[spelling] = harness.best(runs)
        print(f"surveykit {python['surveykit_version']}, {spelling} spelling (best of "
              f"{len(runs)}): {formula}")
        for name, value in zip(("SurveyDesign", "logit", "summary"), sk_steps, strict=True):
            print(row.format(f"  {name}", f"{value:.4f}", "", ""))
        print(row.format("  total", f"{totals[spelling]:.4f}",
                         f"{python['rss_peak_mb']:.0f}" if spelling == "plain" else "",
                         f"{python['tracemalloc_peak_mb']:.0f} (tracemalloc)"
                         if spelling == "plain" else ""))
    scope = "during the work" if python["peak_reset"] else "of the whole process"
    print(f"  (RSS after loading the data: {python['rss_loaded_mb']:.0f} MB; peak, both "
          f"spellings, is {scope})")
    if r is not None:
        print()
        print("ratio" + ("" if args.n == 1_000_000 else "  (the target is for n = 1,000,000)"))
        for spelling in SPELLINGS:
            ratio = r_total / totals[spelling]
            verdict = "ok" if ratio >= TARGET_VS_R else "MISSED"
            print(f"  R / surveykit, {spelling + ' spelling':<16}{ratio:8.1f}x   target >= "
                  f"{TARGET_VS_R:g}x  {verdict}")
        same = np.allclose(np.array(python["coef_c"]), np.array(list(python["coef"].values())),
                           rtol=1e-12, atol=0)
        print(f"  C() spelling gives the plain spelling's coefficients and SEs: "
              f"{'yes' if same else 'NO'}")
        print()
        print("agreement (relative differences to R)")
        print(f"  {'coefficient':<18}{'estimate':>20}{'rel diff':>10}{'SE':>14}{'rel diff':>10}")
        worst = [0.0, 0.0]
        for name, (r_estimate, r_se) in r["coef"].items():
            estimate, se = python["coef"].get(name, (float("nan"), float("nan")))
            differences = [abs(estimate - r_estimate) / abs(r_estimate),
                           abs(se - r_se) / abs(r_se)]
            worst = [max(w, d) for w, d in zip(worst, differences, strict=True)]
            print(f"  {name:<18}{estimate:>20.12f}{differences[0]:>10.1e}{se:>14.10f}"
                  f"{differences[1]:>10.1e}")
        print(f"  largest: estimates {worst[0]:.1e}, SEs {worst[1]:.1e}")
    if "profile" in python:
        print()
        print("cProfile of one surveykit design + logit + summary")
        print(python["profile"])


def main(argv: list[str] | None = None) -> None:
    harness.main(__doc__.split("\n")[0], worker, generate, write_inputs, run_python, run_r,
                 report, argv)


if __name__ == "__main__":
    main()
