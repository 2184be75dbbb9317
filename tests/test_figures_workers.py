"""The figures step's drawing in several processes: the same files and captions as one
process, and one process where the system cannot fork."""

from __future__ import annotations

import concurrent.futures
import multiprocessing
from pathlib import Path

import pytest

from surveykit.pipeline import figures


def _plans() -> list[tuple]:
    def plan(number: int):
        def draw(plt):
            figure, axes = plt.subplots(figsize=(3, 2))
            axes.bar(["a", "b", "c"], [number, number + 1, 2 * number])
            axes.set_title(f"Abbildung {number}")
            figure.text(0.01, 0.01, f"Quelle: Test\nBasis: n = {100 * number}")
            return figure
        return (f"figure_{number}", draw, None, "")
    return [plan(number) for number in range(1, 5)]


def _draw(directory: Path, workers: int) -> tuple[list[str], dict[str, bytes]]:
    directory.mkdir()
    captions = figures._draw_all(_plans(), directory, workers)
    return captions, {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def test_two_processes_draw_what_one_draws(tmp_path: Path) -> None:
    one = _draw(tmp_path / "one", 1)
    two = _draw(tmp_path / "two", 2)
    assert one == two
    assert one[0] == [f"Quelle: Test Basis: n = {100 * k}" for k in range(1, 5)]
    assert len(one[1]) == 8  # SVG and PNG of each
    assert figures._PLANS == []  # nothing left behind for a later call


def test_without_fork_one_process_draws(tmp_path: Path,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def no_pool(*args, **kwargs):
        raise AssertionError("a process pool was started without fork")
    monkeypatch.setattr(multiprocessing, "get_all_start_methods", lambda: ["spawn"])
    monkeypatch.setattr(concurrent.futures, "ProcessPoolExecutor", no_pool)
    assert _draw(tmp_path / "spawn", 2) == _draw(tmp_path / "one", 1)
