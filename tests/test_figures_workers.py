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


def _planned(survey: str = "example", language: str = "de") -> figures._Planned:
    """Four figures, the third drawn from the models."""
    return figures._Planned(survey, language, {}, _plans(), frozenset({"figure_3"}), [])


def _drawn_early(directory: Path, planned: figures._Planned) -> None:
    """What run_descriptive_figures leaves: the figures that need no model, listed."""
    early = figures._Planned(planned.survey, planned.language, planned.titles,
                             [plan for plan in planned.plans
                              if plan[0] not in planned.model_figures],
                             frozenset(), planned.notices)
    directory.mkdir()
    figures._write_listing(directory, early, figures._draw_all(early.plans, directory, 1))


def test_figures_drawn_before_the_models_complete_to_what_one_step_draws(
        tmp_path: Path) -> None:
    planned = _planned()
    whole = tmp_path / "whole"
    whole.mkdir()
    figures._write_listing(whole, planned, figures._draw_all(planned.plans, whole, 1))
    _drawn_early(tmp_path / "early", planned)
    completed = tmp_path / "completed"
    completed.mkdir()
    captions = figures._complete_drawn(planned, tmp_path / "early", completed, 1)
    figures._write_listing(completed, planned, captions)
    assert captions == [f"Quelle: Test Basis: n = {100 * k}" for k in range(1, 5)]
    assert sorted(path.name for path in completed.iterdir()) == sorted(
        path.name for path in whole.iterdir())
    for path in whole.iterdir():
        assert (completed / path.name).read_bytes() == path.read_bytes(), path.name
    # only the model figure was drawn in the final step
    assert not (tmp_path / "early" / "figure_3.png").exists()


@pytest.mark.parametrize("change", ["survey", "language", "figures", "listing", "file"])
def test_figures_drawn_early_for_other_inputs_are_refused(tmp_path: Path,
                                                           change: str) -> None:
    from surveykit._core.errors import DataError

    early = tmp_path / "early"
    if change == "survey":
        _drawn_early(early, _planned(survey="harz"))
    elif change == "language":
        _drawn_early(early, _planned(language="en"))
    elif change == "figures":
        other = _planned()
        _drawn_early(early, figures._Planned(other.survey, other.language, {},
                                             other.plans[:2], frozenset(), []))
    elif change == "file":
        _drawn_early(early, _planned())
        (early / "figure_2.png").unlink()
    else:
        early.mkdir()
        (early / "figures.json").write_text("{not json", encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    pattern = r"figure_2\.png that its listing names cannot be read.*rerun the workflow" \
        if change == "file" else r"figures\.json.*rerun the workflow"
    with pytest.raises(DataError, match=pattern) as raised:
        figures._complete_drawn(_planned(), early, out, 1)
    assert str(early) in str(raised.value)
    if change != "file":
        assert list(out.iterdir()) == []  # nothing drawn from a listing that does not fit
