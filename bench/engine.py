"""Engine benchmark: surveykit against R's ``survey`` package and a bare numpy IPF.

A synthetic sample of respondents (default 1,000,000) with four raking margins — age group
(6 levels), sex (2), education (4) and municipality (10), 480 cells — is drawn from a fixed
seed. Its sample shares differ from the population shares (older, female and better-educated
respondents and small municipalities are over-represented), so raking moves the weights; the
design weights are positive (municipality expansion factor times a non-response factor) and
the outcome ``willing_to_move`` (0/1) depends on all four margins.

Three contenders do the same job on the same data, in the same run:

* R: ``svydesign(ids=~1, weights=~w)``, ``rake(..., control=list(maxit=100,
  epsilon=1e-8))`` and ``svymean(~y)``, each timed with ``system.time`` (bench/engine.R);
* surveykit: ``SurveyDesign(df, weights="design_weight")``, ``.rake(margins, tol=1e-8,
  max_iter=100)`` and ``.mean("willing_to_move", deff=False)`` (R's ``svymean`` computes no
  design effect either);
* numpy: the rake alone as a bare cell-table IPF (factorise the four margins into one cell
  code, ``np.bincount`` the cell totals, iterate on the 480-cell table, map back to rows).

R's ``rake`` stops when, after a full sweep over the margins, no cell of the weighted
cross-table of all raking variables moved by more than ``epsilon × Σ design weights``
(``epsilon < 1`` is relative). The numpy IPF uses exactly that rule; surveykit is called
with ``tol=1e-8`` and its own documented rule. The agreement of the raked mean and its SE
with R's is printed, so the comparison is like for like.

Loading and data generation are not timed. The surveykit and numpy parts run in a fresh
Python subprocess that loads the same files R reads; its peak RSS is the kernel's high-water
mark (``VmHWM``) reset after loading, so it covers the timed surveykit runs (elsewhere
``ru_maxrss``, the whole process). The memory one design + rake + mean allocates is measured
separately with ``tracemalloc``. R's peak RSS (whole process, loading included) comes from
``/usr/bin/time -v``, the growth of its heap during the timed part from ``gc()``.

Usage::

    .venv/bin/python bench/engine.py [--n N] [--repeat K] [--r-repeat K] [--no-r] [--profile]
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import math
import os
import pstats
import sys
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import harness
import numpy as np
import pandas as pd

SEED = 20240611
POPULATION = 2_400_000  # adults in the (fictional) Landkreis
TOLERANCE = 1e-8
MAX_ITER = 100
OUTCOME = "willing_to_move"
DESIGN_WEIGHT = "design_weight"
BENCH_DIR = Path(__file__).resolve().parent
TARGET_VS_R = 20.0
TARGET_VS_NUMPY = 3.0


@dataclass(frozen=True)
class Margin:
    """A raking variable: its levels, population shares and (marginal) sample shares."""

    name: str
    levels: tuple[str, ...]
    population_share: tuple[float, ...]
    sample_share: tuple[float, ...]


MARGINS = (
    Margin("age_group", ("18-29", "30-39", "40-49", "50-59", "60-69", "70+"),
           (0.15, 0.14, 0.15, 0.19, 0.17, 0.20), (0.08, 0.11, 0.15, 0.21, 0.23, 0.22)),
    Margin("sex", ("female", "male"), (0.51, 0.49), (0.56, 0.44)),
    Margin("education", ("basic", "vocational", "upper_secondary", "tertiary"),
           (0.24, 0.46, 0.15, 0.15), (0.14, 0.41, 0.18, 0.27)),
    Margin("municipality", tuple(f"M{k:02d}" for k in range(1, 11)),
           (0.27, 0.14, 0.11, 0.09, 0.08, 0.07, 0.07, 0.06, 0.06, 0.05),
           (0.14, 0.11, 0.10, 0.10, 0.09, 0.10, 0.09, 0.09, 0.09, 0.09)),
)

# logit effects on willingness to move, per level (young, educated, small places move more)
EFFECTS = {
    "age_group": (0.9, 0.4, 0.0, -0.3, -0.8, -1.4),
    "sex": (0.0, 0.15),
    "education": (-0.4, -0.1, 0.3, 0.6),
    "municipality": (-0.4, -0.2, 0.0, 0.1, 0.2, 0.3, 0.3, 0.4, 0.5, 0.5),
}
# associations between the margins, so that raking one moves the others and IPF needs
# several sweeps: education leans younger, the town (M01) is younger than the villages
EDUCATION_BY_AGE = np.array([0.0, 0.15, 0.35, 0.55]) * np.array(
    [[1.0], [0.8], [0.4], [0.0], [-0.4], [-0.9]])
MUNICIPALITY_BY_AGE = np.array([0.6, 0.1, 0, 0, 0, -0.1, -0.1, -0.2, -0.2, -0.2]) * np.array(
    [[1.0], [0.7], [0.3], [0.0], [-0.4], [-0.8]])


# --------------------------------------------------------------------------- data


def population_counts(margin: Margin, total: int = POPULATION) -> dict[str, int]:
    """Integer population counts summing to ``total`` (largest remainder)."""
    exact = np.array(margin.population_share) / sum(margin.population_share) * total
    counts = np.floor(exact).astype(np.int64)
    counts[np.argsort(counts - exact)[: total - counts.sum()]] += 1
    return dict(zip(margin.levels, counts.tolist(), strict=True))


def generate(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    """Level codes (0-based) per raking variable, design weights and the 0/1 outcome."""
    rng = np.random.default_rng(seed)
    age, sex, education, municipality = MARGINS
    codes = {
        age.name: rng.choice(len(age.levels), n, p=age.sample_share),
        sex.name: rng.choice(len(sex.levels), n, p=sex.sample_share),
    }
    base = np.log(education.sample_share) + EDUCATION_BY_AGE[codes[age.name]]
    gumbel = rng.gumbel(size=(n, len(education.levels)))
    codes[education.name] = np.argmax(base + gumbel, axis=1)  # multinomial logit draw
    base = np.log(municipality.sample_share) + MUNICIPALITY_BY_AGE[codes[age.name]]
    gumbel = rng.gumbel(size=(n, len(municipality.levels)))
    codes[municipality.name] = np.argmax(base + gumbel, axis=1)
    codes = {name: values.astype(np.int32) for name, values in codes.items()}
    # disproportionate sample by municipality → expansion factor N_m / n_m, times a
    # log-normal non-response adjustment
    sampled = np.bincount(codes[municipality.name], minlength=len(municipality.levels))
    expansion = np.array(list(population_counts(municipality).values())) / sampled
    design_weight = expansion[codes[municipality.name]] * rng.lognormal(-0.045, 0.3, n)
    logit = -0.6 + sum(np.asarray(EFFECTS[name])[codes[name]] for name in codes)
    outcome = (rng.random(n) < 1.0 / (1.0 + np.exp(-logit))).astype(float)
    return {**codes, DESIGN_WEIGHT: design_weight, OUTCOME: outcome}


def write_inputs(directory: Path, data: dict[str, np.ndarray]) -> None:
    """Raw little-endian vectors that base R reads with ``readBin``, plus margins.csv."""
    for margin in MARGINS:
        data[margin.name].astype("<i4").tofile(directory / f"{margin.name}.bin")
    data[DESIGN_WEIGHT].astype("<f8").tofile(directory / "w.bin")
    data[OUTCOME].astype("<f8").tofile(directory / "y.bin")
    rows = [(m.name, level, count) for m in MARGINS
            for level, count in population_counts(m).items()]
    pd.DataFrame(rows, columns=["variable", "level", "count"]).to_csv(
        directory / "margins.csv", index=False)


def read_inputs(directory: Path) -> pd.DataFrame:
    """The respondents as surveykit sees them: categorical margins, weight, outcome."""
    columns = {m.name: pd.Categorical.from_codes(np.fromfile(directory / f"{m.name}.bin",
                                                             dtype="<i4"), m.levels)
               for m in MARGINS}
    columns[DESIGN_WEIGHT] = np.fromfile(directory / "w.bin", dtype="<f8")
    columns[OUTCOME] = np.fromfile(directory / "y.bin", dtype="<f8")
    return pd.DataFrame(columns)


def population_margins() -> dict[str, dict[str, int]]:
    return {m.name: population_counts(m) for m in MARGINS}


# --------------------------------------------------------------------------- numpy IPF


def numpy_rake(respondents: pd.DataFrame, margins: dict[str, dict[str, int]],
               tol: float = TOLERANCE, max_iter: int = MAX_ITER
               ) -> tuple[np.ndarray, int]:
    """Raked weights by IPF on the table of cell totals; returns (weights, sweeps).

    Stops with R's rule: after a full sweep, no cell total moved by ``tol × Σ weights``.
    """
    design_weight = respondents[DESIGN_WEIGHT].to_numpy()
    shape, targets = [], []
    cell = np.zeros(len(respondents), dtype=np.int64)
    for name, counts in margins.items():
        column = respondents[name].array
        cell = cell * len(column.categories) + column.codes
        shape.append(len(column.categories))
        targets.append(np.array([counts[level] for level in column.categories], dtype=float))
    start = np.bincount(cell, weights=design_weight, minlength=math.prod(shape))
    start = start.reshape(shape)
    table = start.copy()
    epsilon = tol * design_weight.sum()
    axes = range(len(shape))
    for sweeps in range(1, max_iter + 1):  # noqa: B007 (reported after the loop)
        previous = table.copy()
        for axis, target in enumerate(targets):
            current = table.sum(axis=tuple(a for a in axes if a != axis))
            factor = np.divide(target, current, out=np.zeros_like(target), where=current > 0)
            table *= factor.reshape([-1 if a == axis else 1 for a in axes])
        if np.abs(table - previous).max() < epsilon:
            break
    else:
        raise RuntimeError(f"numpy IPF did not converge in {max_iter} sweeps")
    adjustment = np.divide(table, start, out=np.ones_like(table), where=start > 0)
    return design_weight * adjustment.ravel()[cell], sweeps


# --------------------------------------------------------------------------- workers


def _surveykit_run(sk, respondents, margins, rake: bool):
    """One design + rake + mean; returns (times, estimate frame, raked design)."""
    start = time.perf_counter()
    design = sk.SurveyDesign(respondents, weights=DESIGN_WEIGHT)
    built = time.perf_counter()
    if rake:
        design = design.rake(margins, tol=TOLERANCE, max_iter=MAX_ITER)
    raked = time.perf_counter()
    estimate = design.mean(OUTCOME, deff=False)
    done = time.perf_counter()
    return (built - start, raked - built, done - raked), estimate, design


def rake_status() -> str | None:
    """``None`` when surveykit can rake, else why not."""
    try:
        from surveykit import weighting
    except ImportError as error:
        return f"surveykit.weighting cannot be imported ({error})"
    if not callable(getattr(weighting, "rake", None)):
        return "surveykit.weighting has no rake()"
    return None


def worker(directory: Path, repeat: int, profile: bool) -> dict:
    """The Python side, in a fresh process: surveykit and the numpy IPF, run by turns so
    that both see the same background load."""
    import surveykit as sk

    respondents = read_inputs(directory)
    margins = population_margins()
    missing = rake_status()
    result: dict = {"rake_missing": missing, "surveykit_version": sk.__version__}
    gc.collect()
    result["rss_loaded_mb"] = harness.status_mb("VmRSS") or harness.peak_rss_mb()
    times, numpy_times, peaks = [], [], []
    for _ in range(repeat):
        result["peak_reset"] = harness.reset_peak_rss()
        run_times, estimate, design = _surveykit_run(sk, respondents, margins, not missing)
        peaks.append(harness.peak_rss_mb())
        times.append(run_times)
        del design
        gc.collect()
        start = time.perf_counter()
        numpy_weights, sweeps = numpy_rake(respondents, margins)
        numpy_times.append(time.perf_counter() - start)
    result["rss_peak_mb"] = max(peaks)
    result["surveykit_times"] = times
    result["numpy_times"] = numpy_times
    result["numpy_sweeps"] = sweeps
    result["numpy_weight_total"] = float(numpy_weights.sum())
    if not missing:
        result["surveykit_raked"] = [float(estimate["estimate"].iloc[0]),
                                     float(estimate["se"].iloc[0])]
    unraked = sk.SurveyDesign(respondents, weights=DESIGN_WEIGHT).mean(OUTCOME, deff=False)
    result["surveykit_unraked"] = [float(unraked["estimate"].iloc[0]),
                                   float(unraked["se"].iloc[0])]

    tracemalloc.start()
    _, _, design = _surveykit_run(sk, respondents, margins, not missing)
    result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    if not missing:
        surveykit_weights = np.asarray(design.weights)
        result["weights_max_rel_diff"] = float(
            np.max(np.abs(surveykit_weights / numpy_weights - 1.0)))
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        _surveykit_run(sk, respondents, margins, not missing)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("cumulative").print_stats(25)
        result["profile"] = text.getvalue()
    return result


def run_python(directory: Path, repeat: int, profile: bool) -> dict:
    return harness.run_worker(__file__, directory, repeat, profile)


def run_r(directory: Path, repeat: int) -> dict:
    """Time R's svydesign + rake + svymean; peak RSS via /usr/bin/time when available."""
    lines, peak = harness.run_r_script(
        [str(BENCH_DIR / "engine.R"), str(directory), str(repeat), repr(TOLERANCE),
         str(MAX_ITER)], directory)
    result: dict = {"times": []}
    for line in lines:
        key, *values = line.split()
        if key == "time":
            result["times"].append([float(v) for v in values[1:]])
        elif key in ("raked", "unraked", "heap_mb", "weights"):
            result[key] = [float(v) for v in values]
        elif key == "converged":
            result[key] = values[0] == "TRUE"
        else:
            result[key] = " ".join(values)
    if peak is not None:
        result["rss_peak_mb"] = peak
    return result


# --------------------------------------------------------------------------- report


def _rel(a: float, b: float) -> float:
    return abs(a - b) / abs(b)


def report(args: argparse.Namespace, python: dict, r: dict | None) -> None:
    cells = math.prod(len(m.levels) for m in MARGINS)
    margins_text = ", ".join(f"{m.name} {len(m.levels)}" for m in MARGINS)
    print(f"engine benchmark  n = {args.n:,}  margins: {margins_text} ({cells} cells)  "
          f"seed {SEED}")
    print(f"machine: {os.cpu_count()} CPUs, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB, "
          f"Python {sys.version.split()[0]}, numpy {np.__version__}, pandas {pd.__version__}, "
          f"load average {os.getloadavg()[0]:.2f} at the end")
    print(f"convergence: R rake epsilon={TOLERANCE:g} (relative: max cell change < "
          f"{TOLERANCE:g} x sum of weights), maxit={MAX_ITER}; surveykit tol={TOLERANCE:g}, "
          f"max_iter={MAX_ITER}; numpy IPF R's rule")
    print()
    row = "{:<36}{:>10}  {:>14}  {:>16}"
    print(row.format("", "time (s)", "peak RSS (MB)", "working (MB)"))
    missing = python["rake_missing"]
    sk_steps, sk_total = harness.best(python["surveykit_times"])
    if r is not None:
        r_steps, r_total = harness.best(r["times"])
        heap_before, heap_peak = r["heap_mb"]
        print(f"R {r['r_version'].replace(' ', '.')}, survey {r['survey_version']} "
              f"(best of {len(r['times'])})")
        for name, value in zip(("svydesign", "rake", "svymean"), r_steps, strict=True):
            print(row.format(f"  {name}", f"{value:.4f}", "", ""))
        print(row.format("  total", f"{r_total:.4f}",
                         f"{r.get('rss_peak_mb', float('nan')):.0f}",
                         f"{heap_peak - heap_before:.0f} (gc)"))
        if not r.get("converged", True):
            print("  WARNING: R's rake did not converge")
    print(f"surveykit {python['surveykit_version']} (best of {len(python['surveykit_times'])})")
    for name, value in zip(("SurveyDesign", "rake", "mean"), sk_steps, strict=True):
        shown = "missing" if name == "rake" and missing else f"{value:.4f}"
        print(row.format(f"  {name}", shown, "", ""))
    print(row.format("  total" + (" (no rake)" if missing else ""), f"{sk_total:.4f}",
                     f"{python['rss_peak_mb']:.0f}",
                     f"{python['tracemalloc_peak_mb']:.0f} (tracemalloc)"))
    scope = "during the work" if python["peak_reset"] else "of the whole process"
    print(f"  (RSS after loading the data: {python['rss_loaded_mb']:.0f} MB; peak is {scope})")
    numpy_best = min(python["numpy_times"])
    print(f"numpy cell-table IPF (best of {len(python['numpy_times'])})")
    print(row.format(f"  rake ({python['numpy_sweeps']} sweeps)", f"{numpy_best:.4f}", "", ""))
    print()
    print("ratios" + ("" if args.n == 1_000_000 else "  (the targets are for n = 1,000,000)"))
    if missing:
        print(f"  surveykit cannot rake yet: {missing}")
    if r is not None and not missing:
        ratio = r_total / sk_total
        verdict = "ok" if ratio >= TARGET_VS_R else "MISSED"
        print(f"  R / surveykit (design+rake+mean)   {ratio:8.1f}x   target >= "
              f"{TARGET_VS_R:g}x  {verdict}")
    if r is not None:
        print(f"  R / numpy IPF (rake alone)         {r_steps[1] / numpy_best:8.1f}x")
    if not missing:
        ratio = sk_steps[1] / numpy_best
        verdict = "ok" if ratio <= TARGET_VS_NUMPY else "MISSED"
        print(f"  surveykit rake / numpy IPF         {ratio:8.2f}x   target <= "
              f"{TARGET_VS_NUMPY:g}x  {verdict}")
    if r is None and missing:
        return
    print()
    print("agreement")
    if r is not None:
        pairs = [("unraked", "surveykit_unraked")]
        if not missing:
            pairs.insert(0, ("raked", "surveykit_raked"))
        for label, key in pairs:
            r_mean, r_se = r[label]
            sk_mean, sk_se = python[key]
            print(f"  {label:<8} mean R {r_mean:.10f}  surveykit {sk_mean:.10f}  rel diff "
                  f"{_rel(sk_mean, r_mean):.1e}")
            print(f"  {label:<8} SE   R {r_se:.10f}  surveykit {sk_se:.10f}  rel diff "
                  f"{_rel(sk_se, r_se):.1e}")
        print(f"  raked weight total R {r['weights'][0]:.4f}  numpy IPF "
              f"{python['numpy_weight_total']:.4f}  population {POPULATION}")
    if not missing:
        print(f"  raked weights surveykit vs numpy IPF: max rel diff "
              f"{python['weights_max_rel_diff']:.1e}")
    if "profile" in python:
        print()
        print("cProfile of one surveykit design + rake + mean")
        print(python["profile"])


def main(argv: list[str] | None = None) -> None:
    harness.main(__doc__.split("\n")[0], worker, generate, write_inputs, run_python, run_r,
                 report, argv)


if __name__ == "__main__":
    main()
