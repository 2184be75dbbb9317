"""What the benchmarks share: memory high-water marks, best-of timing and the command line.

Each benchmark generates its data once, times surveykit in a fresh worker process (so peak
memory covers only the timed work) and R in the same run, and reports the ratio.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

__all__ = ["best", "main", "peak_rss_mb", "reset_peak_rss", "run_r_script", "run_worker",
           "status_mb"]


def status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith(f"{field}:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def reset_peak_rss() -> bool:
    """Reset the kernel's RSS high-water mark (Linux), so the peak covers only the work."""
    try:
        with open("/proc/self/clear_refs", "w") as clear_refs:
            clear_refs.write("5")
    except OSError:
        return False
    return True


def peak_rss_mb() -> float:
    peak = status_mb("VmHWM")
    if peak is None:  # not Linux: the process's lifetime peak
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return peak


def best(times: list[list[float]]) -> tuple[list[float], float]:
    """Per-step minima and the best total over repeats."""
    steps = [min(column) for column in zip(*times, strict=True)]
    return steps, min(sum(run) for run in times)


def main(description: str, worker: Callable[[Path, int, bool], dict],
         generate: Callable[[int], dict], write_inputs: Callable[[Path, dict], None],
         run_python: Callable[[Path, int, bool], dict], run_r: Callable[[Path, int], dict],
         report: Callable[[argparse.Namespace, dict, dict | None], None],
         argv: list[str] | None = None) -> None:
    """Parse the common options, then generate, time surveykit and R, and report."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--n", type=int, default=1_000_000, help="respondents")
    parser.add_argument("--repeat", type=int, default=3,
                        help="runs of each Python contender; the best counts (default 3)")
    parser.add_argument("--r-repeat", type=int, default=1, help="runs of R (default 1)")
    parser.add_argument("--no-r", action="store_true", help="skip R")
    parser.add_argument("--profile", action="store_true",
                        help="print a cProfile of one surveykit run")
    parser.add_argument("--worker", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if min(args.n, args.repeat, args.r_repeat) < 1:
        parser.error("--n, --repeat and --r-repeat must be at least 1")
    if args.worker is not None:
        print(json.dumps(worker(args.worker, args.repeat, args.profile)))
        return
    with tempfile.TemporaryDirectory(prefix="surveykit-bench-") as name:
        directory = Path(name)
        write_inputs(directory, generate(args.n))
        python = run_python(directory, args.repeat, args.profile)
        r = None if args.no_r else run_r(directory, args.r_repeat)
    report(args, python, r)


def run_worker(script: str, directory: Path, repeat: int, profile: bool) -> dict:
    """Run ``script --worker`` in a fresh Python process; its last output line is JSON."""
    command = [sys.executable, script, "--worker", str(directory), "--repeat", str(repeat)]
    if profile:
        command.append("--profile")
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"the Python worker failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_r_script(arguments: list[str], directory: Path) -> tuple[list[str], float | None]:
    """Run an R benchmark script (under ``/usr/bin/time -v`` when available).

    Returns its output lines and the peak RSS in MB (``None`` without /usr/bin/time).
    """
    rscript = shutil.which("Rscript")
    if rscript is None:
        sys.exit("Rscript is not on PATH; install R with the survey package or pass --no-r")
    command = [rscript, *arguments]
    time_file = directory / "time.txt"
    if Path("/usr/bin/time").exists():
        command = ["/usr/bin/time", "-v", "-o", str(time_file), *command]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"R failed:\n{done.stderr}")
    peak = None
    if time_file.exists():
        for line in time_file.read_text().splitlines():
            if "Maximum resident set size" in line:
                peak = int(line.rsplit(":", 1)[1]) / 1024
    return done.stdout.splitlines(), peak
