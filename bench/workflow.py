"""Workflow benchmark: the whole Snakemake workflow on a million synthetic respondents.

``surveykit synth --n N`` writes the example survey with N respondents into a temporary
copy of the project's config (never into the repository's ``data/raw``); then
``snakemake --cores K`` runs every rule of the workflow on it — ingest, harmonise, weight
(raking, trimming), estimate (every share table with SEs, tests, workbook), model (logit,
multiple imputation, ordinal and multinomial models, robustness), figures, strategies,
report and slides — and the rules' ``benchmark:`` files (``benchmarks/<survey>/<rule>.tsv``:
wall seconds, peak RSS, CPU seconds) give the table per rule.

The machine is shared, so the script prints the load average before and after, and CPU
time next to wall time: CPU seconds do not grow with the load the way wall seconds do.

Usage::

    .venv/bin/python bench/workflow.py [--n N] [--cores K] [--layout config|fan-out|one-job]
                                       [--keep] [--json FILE]

Targets (issue 12, on a 2-core machine): the whole run in under 2 minutes and under 4 GB.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parent.parent
SURVEY = "example"
RULES = ("ingest", "harmonise", "weight", "estimate", "model", "figures", "strategies",
         "report")
TARGET_SECONDS = 120.0
TARGET_MB = 4096.0


def _executable(name: str) -> str:
    """A command of this Python's environment (the project's .venv), else from PATH."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        sys.exit(f"{name} is not installed; run `make lint` (it sets up .venv) first")
    return found


def prepare(project: Path, n: int, seed: int) -> float:
    """Copy the workflow config of the example survey and synthesise its data; seconds."""
    (project / "config").mkdir(parents=True)
    shutil.copy(REPOSITORY / "config" / "config.yaml", project / "config" / "config.yaml")
    shutil.copytree(REPOSITORY / "config" / "surveys", project / "config" / "surveys")
    shutil.copytree(REPOSITORY / "config" / "population", project / "config" / "population")
    with open(REPOSITORY / "config" / "surveys.tsv", newline="") as sheet:
        rows = [row for row in csv.reader(sheet, delimiter="\t")]
    with open(project / "config" / "surveys.tsv", "w", newline="") as sheet:
        writer = csv.writer(sheet, delimiter="\t", lineterminator="\n")
        writer.writerows([rows[0], *(row for row in rows[1:] if row[0] == SURVEY)])
    start = time.perf_counter()
    subprocess.run([_executable("surveykit"), "synth", "--n", str(n), "--seed", str(seed),
                    "--out", "data/raw", "--margins", "config/margins", "--formats", "sav"],
                   check=True, stdout=subprocess.DEVNULL, cwd=project)  # paths inside it
    return time.perf_counter() - start


#: ``--layout``: the model step as config/config.yaml has it (``auto``: fanned out from
#: 100,000 respondents), always fanned out (as profiles/slurm), or always one job.
LAYOUTS = {"config": [],
           "fan-out": ["--config", "imputation_chunks=4", "robustness_fold_jobs=True"],
           "one-job": ["--config", "imputation_chunks=0", "robustness_fold_jobs=False"]}


def run_workflow(project: Path, cores: int, layout: str = "config") -> dict:
    """Run snakemake on the project; wall and CPU seconds of the whole run. The model
    step's imputations (4 chunks) and robustness folds run as separate jobs where
    ``layout`` (`LAYOUTS`) says so, and Snakemake spreads them over the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    extra = LAYOUTS[layout]
    done = subprocess.run([_executable("snakemake"), "-s", str(REPOSITORY / "Snakefile"),
                           "--directory", str(project), "--cores", str(cores), "--quiet",
                           *extra],
                          capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"the workflow failed:\n{done.stderr[-4000:]}")
    return {"wall_s": wall,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)}


def read_benchmarks(project: Path) -> list[dict]:
    """One row per rule job from snakemake's benchmark files, in workflow order (fan-out
    jobs such as ``model_imputations_1_of_4`` after the rule they belong to)."""
    folder = project / "benchmarks" / SURVEY

    def order(path: Path) -> tuple[int, bool, str]:
        stem = path.stem
        ranks = [i for i, rule in enumerate(RULES) if stem == rule or stem.startswith(f"{rule}_")]
        return (ranks[-1] if ranks else len(RULES), stem in RULES, stem)  # parts first

    rows = []
    for path in sorted(folder.glob("*.tsv"), key=order):
        with open(path, newline="") as handle:
            record = next(csv.DictReader(handle, delimiter="\t"))
        rows.append({"rule": path.stem, "seconds": float(record["s"]),
                     "cpu_s": float(record["cpu_time"]),
                     "peak_mb": float(record["max_rss"])})
    return rows


def report(n: int, cores: int, synth_s: float, run: dict, rows: list[dict],
           loads: tuple[tuple[float, ...], tuple[float, ...]], layout: str = "config"
           ) -> None:
    print(f"workflow benchmark  n = {n:,}  survey {SURVEY!r}  snakemake --cores {cores}"
          f"  model step: {layout} layout")
    print(f"machine: {os.cpu_count()} CPUs, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.1f} GiB; "
          f"load average (1, 5, 15 min) before {', '.join(f'{v:.2f}' for v in loads[0])}, "
          f"after {', '.join(f'{v:.2f}' for v in loads[1])}")
    print(f"synth (not part of the workflow): {synth_s:.1f} s")
    print()
    line = "{:<28}{:>10}{:>10}{:>15}"
    print(line.format("rule", "wall (s)", "CPU (s)", "peak RSS (MB)"))
    for row in rows:
        print(line.format(row["rule"], f"{row['seconds']:.1f}", f"{row['cpu_s']:.1f}",
                          f"{row['peak_mb']:.0f}"))
    rule_sum = sum(row["seconds"] for row in rows)
    peak = max(row["peak_mb"] for row in rows)
    print(line.format("sum of rules", f"{rule_sum:.1f}",
                      f"{sum(row['cpu_s'] for row in rows):.1f}", f"{peak:.0f} (largest)"))
    print(line.format("whole run", f"{run['wall_s']:.1f}", f"{run['cpu_s']:.1f}", ""))
    print()
    ok_time = run["wall_s"] < TARGET_SECONDS
    ok_memory = peak < TARGET_MB
    print(f"target: whole run < {TARGET_SECONDS:.0f} s: {run['wall_s']:.1f} s "
          f"{'ok' if ok_time else 'MISSED'}; peak < {TARGET_MB:.0f} MB: {peak:.0f} MB "
          f"{'ok' if ok_memory else 'MISSED'} (rules may overlap with --cores > 1)")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents")
    parser.add_argument("--cores", type=int, default=2, help="snakemake --cores (default 2)")
    parser.add_argument("--seed", type=int, default=20261121, help="seed of the synthesis")
    parser.add_argument("--layout", choices=LAYOUTS, default="config",
                        help="the model step's jobs: as config/config.yaml says (auto: "
                             "imputation chunks and robustness folds as separate jobs from "
                             "100,000 respondents), fan-out (always, as profiles/slurm) or "
                             "one-job (never)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the temporary project (its path is printed)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    project = Path(tempfile.mkdtemp(prefix="surveykit-bench-workflow-"))
    try:
        synth_s = prepare(project, args.n, args.seed)
        load_before = os.getloadavg()
        run = run_workflow(project, args.cores, args.layout)
        load_after = os.getloadavg()
        rows = read_benchmarks(project)
        report(args.n, args.cores, synth_s, run, rows, (load_before, load_after),
               args.layout)
        if args.json:
            args.json.write_text(json.dumps({"n": args.n, "cores": args.cores,
                                             "layout": args.layout,
                                             "synth_s": synth_s, **run, "rules": rows,
                                             "load_before": load_before,
                                             "load_after": load_after}, indent=2))
    finally:
        if args.keep:
            print(f"project kept in {project}")
        else:
            shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
