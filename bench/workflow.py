"""Workflow benchmark: the whole Snakemake workflow on a million synthetic respondents.

``surveykit synth --n N`` writes the example survey with N respondents into a temporary
copy of the project's config (never into the repository's ``data/raw``); then
``snakemake --cores K`` runs every rule of the workflow on it — ingest, harmonise, weight
(raking, trimming), estimate (every share table with SEs, tests, workbook), model (logit,
multiple imputation, ordinal and multinomial models, robustness), figures, strategies,
report and slides — and the rules' ``benchmark:`` files (``benchmarks/<survey>/<rule>.tsv``)
give each job's wall seconds.

CPU seconds and peak memory come from a sampler of this script (`ProcessSampler`, every
0.2 s: each job's Python process with its own child processes, and the sum over every
process of the run), not from those files: Snakemake samples a job every 0.5 s for its
first 15 s and then only every 30 s, so for longer jobs its CPU column stops near 15 s and
its peak misses what comes after. The largest single process's peak is also read exactly
from the kernel (``ru_maxrss`` of the finished child processes).

The machine is shared, so the script prints the load average before and after, and CPU
time next to wall time: CPU seconds do not grow with the load the way wall seconds do.

Usage::

    .venv/bin/python bench/workflow.py [--n N] [--cores K] [--layout config|fan-out|one-job]
                                       [--keep] [--json FILE] [--no-bytecode]

Before the run the bytecode of surveykit is compiled, as ``pip install`` does
(`compile_bytecode`): on a machine with ``PYTHONDONTWRITEBYTECODE`` set every job would
otherwise compile the package's modules again.

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
import threading
import time
from pathlib import Path

import psutil

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


class ProcessSampler(threading.Thread):
    """Every ``interval`` seconds: the resident memory of every process under ``pid`` (their
    sum: the whole run's memory at that moment) and, per workflow job (a Python process
    running a script of ``.snakemake/scripts/``), its memory and CPU seconds with those of
    its own child processes (the figures step's workers). Memory pages a forked worker
    shares with its parent count twice: the sums err on the high side."""

    def __init__(self, pid: int, interval: float = 0.2) -> None:
        super().__init__(daemon=True)
        self.root = psutil.Process(pid)
        self.interval = interval
        self.stopped = threading.Event()
        self.peak_total = 0
        self.jobs: dict[int, dict] = {}   # pid → script, start, peak (bytes), cpu (s)
        self._scripts: dict[int, str | None] = {}

    def _script(self, process: psutil.Process) -> str | None:
        """The rule a job process runs (``tmpabc123.model_imputations.py`` → its rule)."""
        if process.pid not in self._scripts:
            try:
                script = next((part for part in process.cmdline()
                               if "/.snakemake/scripts/" in part and part.endswith(".py")),
                              None)
            except psutil.Error:
                script = None
            self._scripts[process.pid] = None if script is None else \
                Path(script).name.split(".", 1)[1][:-3]
        return self._scripts[process.pid]

    def sample(self) -> None:
        try:
            processes = [self.root, *self.root.children(recursive=True)]
        except psutil.Error:
            return
        memory: dict[int, int] = {}
        for process in processes:
            try:
                memory[process.pid] = process.memory_info().rss
            except psutil.Error:
                continue
        self.peak_total = max(self.peak_total, sum(memory.values()))
        scripts = {process.pid for process in processes if self._script(process)}
        for process in processes:
            rule = self._script(process)
            if rule is None or process.pid not in memory:
                continue
            try:
                if process.ppid() in scripts:  # a worker a job forked: counted with it
                    continue
            except psutil.Error:
                continue
            try:
                workers = process.children(recursive=True)
                times = process.cpu_times()
                cpu = times.user + times.system + times.children_user + times.children_system
                for worker in workers:
                    worker_times = worker.cpu_times()
                    cpu += worker_times.user + worker_times.system
                start = process.create_time()
            except psutil.Error:
                continue
            rss = memory[process.pid] + sum(memory.get(w.pid, 0) for w in workers)
            job = self.jobs.setdefault(process.pid, {"rule": rule, "start": start,
                                                     "peak": 0, "cpu": 0.0})
            job["peak"] = max(job["peak"], rss)
            job["cpu"] = max(job["cpu"], cpu)

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.sample()


def compile_bytecode() -> tuple[int, float]:
    """Compile the bytecode of the surveykit that the jobs import, as ``pip install``
    does; the number of modules compiled and the seconds (not part of the workflow).

    An editable install writes a module's bytecode when it is first imported, unless
    ``PYTHONDONTWRITEBYTECODE`` is set, as it is on the machines these figures come from:
    every job of the workflow then compiled each surveykit module it imports again
    (0.2–0.4 s a job). The files are the usual ``__pycache__`` folders, which git ignores.
    Up to session 11 the benchmark ran without them; ``--no-bytecode`` skips this step
    (bytecode already there is still used: delete ``src/surveykit/**/__pycache__`` first
    to measure as then).
    """
    import compileall
    import importlib.util

    spec = importlib.util.find_spec("surveykit")
    if spec is None or spec.origin is None:
        sys.exit("surveykit is not installed; run `make lint` (it sets up .venv) first")
    package = Path(spec.origin).parent
    start = time.perf_counter()
    if not compileall.compile_dir(package, quiet=1):
        sys.exit(f"compiling the bytecode of {package} failed")
    return len(list(package.rglob("*.py"))), time.perf_counter() - start


def run_workflow(project: Path, cores: int, layout: str = "config") -> dict:
    """Run snakemake on the project; wall and CPU seconds of the whole run, its peak memory
    (`ProcessSampler`) and the largest process's peak (the kernel's). The model step's
    imputations (4 chunks) and robustness folds run as separate jobs where ``layout``
    (`LAYOUTS`) says so, and Snakemake spreads them over the cores."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    extra = LAYOUTS[layout]
    process = subprocess.Popen([_executable("snakemake"), "-s", str(REPOSITORY / "Snakefile"),
                                "--directory", str(project), "--cores", str(cores), "--quiet",
                                *extra],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = ProcessSampler(process.pid)
    sampler.start()
    _, stderr = process.communicate()
    wall = time.perf_counter() - start
    sampler.stopped.set()
    sampler.join()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode != 0:
        sys.exit(f"the workflow failed:\n{stderr[-4000:]}")
    return {"wall_s": wall,
            "cpu_s": (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime),
            "peak_total_mb": sampler.peak_total / 2**20,
            "largest_process_mb": after.ru_maxrss / 1024,  # KiB on Linux
            "jobs": sorted(sampler.jobs.values(), key=lambda job: job["start"])}


def read_benchmarks(project: Path, jobs: list[dict]) -> list[dict]:
    """One row per rule job in workflow order (fan-out jobs such as
    ``model_imputations_1_of_4`` after the rule they belong to): wall seconds from
    snakemake's benchmark files, CPU seconds and peak memory from the sampled ``jobs``
    (`ProcessSampler`), matched to the files by rule and start time."""
    folder = project / "benchmarks" / SURVEY

    def order(path: Path) -> tuple[int, bool, str]:
        stem = path.stem
        ranks = [i for i, rule in enumerate(RULES) if stem == rule or stem.startswith(f"{rule}_")]
        return (ranks[-1] if ranks else len(RULES), stem in RULES, stem)  # parts first

    rows = []
    for path in sorted(folder.glob("*.tsv"), key=order):
        with open(path, newline="") as handle:
            record = next(csv.DictReader(handle, delimiter="\t"))
        seconds = float(record["s"])
        rows.append({"rule": path.stem, "seconds": seconds,
                     "start": path.stat().st_mtime - seconds, "cpu_s": None, "peak_mb": None})
    for rule in {job["rule"] for job in jobs}:
        mine = sorted((row for row in rows if row["rule"] == rule
                       or (row["rule"].startswith(f"{rule}_") and row["rule"][len(rule) + 1]
                           .isdigit())), key=lambda row: row["start"])
        sampled = [job for job in jobs if job["rule"] == rule]
        if len(mine) == len(sampled):
            for row, job in zip(mine, sampled, strict=True):
                row["cpu_s"], row["peak_mb"] = job["cpu"], job["peak"] / 2**20
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

    def shown(value: float | None, digits: int) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    for row in rows:
        print(line.format(row["rule"], f"{row['seconds']:.1f}", shown(row["cpu_s"], 1),
                          shown(row["peak_mb"], 0)))
    rule_sum = sum(row["seconds"] for row in rows)
    largest = run["largest_process_mb"]
    print(line.format("sum of rules", f"{rule_sum:.1f}",
                      f"{sum(row['cpu_s'] or 0.0 for row in rows):.1f}", ""))
    print(line.format("whole run", f"{run['wall_s']:.1f}", f"{run['cpu_s']:.1f}",
                      f"{run['peak_total_mb']:.0f}"))
    print(f"largest single process (kernel's ru_maxrss): {largest:.0f} MB; whole run's "
          "peak: every process at one moment, sampled every 0.2 s")
    print()
    peak = max(run["peak_total_mb"], largest)
    ok_time = run["wall_s"] < TARGET_SECONDS
    ok_memory = peak < TARGET_MB
    print(f"target: whole run < {TARGET_SECONDS:.0f} s: {run['wall_s']:.1f} s "
          f"{'ok' if ok_time else 'MISSED'}; peak < {TARGET_MB:.0f} MB: {peak:.0f} MB "
          f"{'ok' if ok_memory else 'MISSED'} (all processes of the run together)")


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
    parser.add_argument("--no-bytecode", action="store_true",
                        help="do not compile surveykit's bytecode first (compile_bytecode; "
                             "bytecode already there is still used)")
    args = parser.parse_args(argv)
    project = Path(tempfile.mkdtemp(prefix="surveykit-bench-workflow-"))
    try:
        if not args.no_bytecode:
            modules, seconds = compile_bytecode()
            print(f"bytecode of {modules} surveykit modules compiled or up to date in "
                  f"{seconds:.1f} s (not part of the workflow)")
        synth_s = prepare(project, args.n, args.seed)
        load_before = os.getloadavg()
        run = run_workflow(project, args.cores, args.layout)
        load_after = os.getloadavg()
        rows = read_benchmarks(project, run["jobs"])
        report(args.n, args.cores, synth_s, run, rows, (load_before, load_after),
               args.layout)
        if args.json:
            args.json.write_text(json.dumps({"n": args.n, "cores": args.cores,
                                             "layout": args.layout,
                                             "bytecode": not args.no_bytecode,
                                             "synth_s": synth_s,
                                             **{k: v for k, v in run.items() if k != "jobs"},
                                             "rules": rows,
                                             "load_before": load_before,
                                             "load_after": load_after}, indent=2))
    finally:
        if args.keep:
            print(f"project kept in {project}")
        else:
            shutil.rmtree(project, ignore_errors=True)


if __name__ == "__main__":
    main()
