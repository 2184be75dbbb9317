"""Estimate-stage benchmark: a million respondents' share tables, surveykit against R.

A synthetic stratified sample (default 1,000,000 respondents, 20 strata, unequal weights)
carries 10 grouping variables (2–8 levels) and 6 indicators: three binary shares (5 %
missing), two ordinal items (4 and 5 levels) and one numeric mean. The estimate stage's
work is every indicator overall and by every group — 66 tables:

* surveykit: ``share_table`` for each, which gives estimates, SEs, logit intervals with each
  domain's design df, unweighted and weighted bases, design effects, effective n, the
  Rao–Scott test of the breakdown and the Holm-corrected test of every cell against the rest;
* R: ``svyby(~y, ~g, design, svyciprop, method="logit", vartype=c("se","ci"))`` for each
  share (each level of an ordinal item is its own share, as R needs it) and
  ``svyby(~m0, ~g, design, svymean, deff="replace")`` for the mean — estimates and intervals
  only, no tests, so R does less than surveykit.

R is slow on this (a glm per domain and level); ``--r-tables K`` times only the first K
tables and the ratio is then per table, as printed. Loading is not timed; both sides read
the same binary files. Peak memory: surveykit's from the kernel's high-water mark after
loading (a fresh process), R's from ``/usr/bin/time -v`` (whole process).

Usage::

    .venv/bin/python bench/estimate.py [--n N] [--repeat K] [--r-tables K] [--no-r]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
import harness

BENCH_DIR = Path(__file__).resolve().parent
SEED = 20261130
GROUP_SIZES = (5, 2, 3, 2, 8, 4, 3, 2, 6, 3)
INDICATORS = {"b0": "binary", "b1": "binary", "b2": "binary", "o0": "ordinal",
              "o1": "ordinal", "m0": "numeric"}
ORDINAL_LEVELS = {"o0": 4, "o1": 5}
R_TABLES = 66


def generate(n: int, seed: int = SEED) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    data: dict[str, np.ndarray] = {"stratum": rng.integers(0, 20, n).astype(float),
                                   "w": rng.uniform(0.5, 3.0, n)}
    for i, size in enumerate(GROUP_SIZES):
        data[f"g{i}"] = rng.integers(0, size, n).astype(np.int32)
    for i in range(3):
        values = (rng.random(n) < 0.25 + 0.1 * i).astype(float)
        values[rng.random(n) < 0.05] = np.nan
        data[f"b{i}"] = values
    for name, size in ORDINAL_LEVELS.items():
        data[name] = rng.integers(0, size, n).astype(np.int32)
    data["m0"] = rng.normal(3.0, 1.0, n)
    return data


def write_inputs(directory: Path, data: dict[str, np.ndarray]) -> None:
    rows = []
    for name, values in data.items():
        dtype = "<i4" if values.dtype == np.int32 else "<f8"
        values.astype(dtype).tofile(directory / f"{name}.bin")
        if values.dtype == np.int32:
            size = GROUP_SIZES[int(name[1:])] if name.startswith("g") else \
                ORDINAL_LEVELS[name]
            rows.append({"variable": name, "n_levels": size})
    pd.DataFrame(rows).to_csv(directory / "levels.csv", index=False)


def read_inputs(directory: Path) -> pd.DataFrame:
    levels = pd.read_csv(directory / "levels.csv").set_index("variable")["n_levels"]
    frame = {}
    for path in sorted(directory.glob("*.bin")):
        name = path.stem
        if name in levels.index:
            codes = np.fromfile(path, dtype="<i4")
            frame[name] = pd.Categorical.from_codes(
                codes, categories=[f"l{j}" for j in range(int(levels[name]))])
        else:
            frame[name] = np.fromfile(path, dtype="<f8")
    return pd.DataFrame(frame)


def _plan() -> list[tuple[str, str | None]]:
    return [(indicator, by) for indicator in INDICATORS
            for by in [None, *(f"g{i}" for i in range(len(GROUP_SIZES)))]]


def worker(directory: Path, repeat: int, profile: bool) -> dict:
    import surveykit as sk
    from surveykit.estimation.share_tables import share_table

    frame = read_inputs(directory)
    design = sk.SurveyDesign(frame, weights="w", strata="stratum")
    gc.collect()
    times = []
    for _ in range(repeat):
        harness.reset_peak_rss()
        start = time.perf_counter()
        for indicator, by in _plan():
            share_table(design, indicator, INDICATORS[indicator], by=by)
        times.append([time.perf_counter() - start])
    return {"times": times, "rss_peak_mb": harness.peak_rss_mb(), "tables": len(_plan()),
            "surveykit_version": sk.__version__}


def run_python(directory: Path, repeat: int, profile: bool) -> dict:
    return harness.run_worker(__file__, directory, repeat, profile)


def run_r(directory: Path, repeat: int) -> dict:
    lines, peak = harness.run_r_script(
        [str(BENCH_DIR / "estimate.R"), str(directory), str(repeat), str(R_TABLES)],
        directory)
    fields = [line.split(maxsplit=1) for line in lines if line.strip()]
    result: dict = {key: value.strip() for key, value in fields if key != "time"}
    result["times"] = [[float(value.split()[1])] for key, value in fields if key == "time"]
    result["rss_peak_mb"] = peak
    return result


def report(args: argparse.Namespace, python: dict, r: dict | None) -> None:
    print(f"estimate benchmark  n = {args.n:,}  10 groups, 6 indicators, "
          f"{python['tables']} tables  seed {SEED}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} at the end")
    _, total = harness.best(python["times"])
    per_table = total / python["tables"]
    print(f"surveykit {python['surveykit_version']}: {total:.1f} s for all tables "
          f"({per_table:.2f} s per table), peak RSS {python['rss_peak_mb']:.0f} MB")
    if r is None:
        return
    _, r_total = harness.best(r["times"])
    tables = int(r.get("tables", python["tables"]))
    r_per_table = r_total / tables
    peak = r.get("rss_peak_mb")
    print(f"R {r.get('r_version', '?')} survey {r.get('survey_version', '?')}: "
          f"{r_total:.1f} s for {tables} tables ({r_per_table:.2f} s per table)"
          + (f", peak RSS {peak:.0f} MB" if peak else ""))
    print(f"ratio (R / surveykit, per table): {r_per_table / per_table:.1f}x")


def main(argv: list[str] | None = None) -> None:
    global R_TABLES
    extra = argparse.ArgumentParser(add_help=False)
    extra.add_argument("--r-tables", type=int, default=R_TABLES)
    known, rest = extra.parse_known_args(argv)
    R_TABLES = max(1, min(known.r_tables, 66))
    harness.main(__doc__.split("\n")[0], worker, generate, write_inputs, run_python, run_r,
                 report, rest)


if __name__ == "__main__":
    main()
