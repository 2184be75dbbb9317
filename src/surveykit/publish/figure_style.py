"""The look every figure shares, and writing figures reproducibly.

* a colour-blind-safe palette (Okabe–Ito), the same colour for the same meaning in every
  figure;
* number formats in the report language (decimal comma and "45 %" in German);
* a caption under the plot: "Basis: n = …, gewichtet; Quelle: …";
* deterministic files: SVG with a fixed ``svg.hashsalt`` and no date in its metadata, PNG
  without a timestamp, so a rerun gives the same bytes.

matplotlib and seaborn are imported here, inside functions, so `import surveykit` and the
statistical layers never load them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from surveykit.publish.formats import format_count, format_number

__all__ = ["OKABE_ITO", "add_caption", "add_title", "caption_text", "figure_context",
           "percent_formatter", "save_figure", "warm_up", "wrap"]

#: Okabe–Ito colours (safe for the common colour-vision deficiencies).
OKABE_ITO = {
    "orange": "#E69F00", "sky": "#56B4E9", "green": "#009E73", "yellow": "#F0E442",
    "blue": "#0072B2", "vermillion": "#D55E00", "purple": "#CC79A7", "grey": "#7F7F7F",
    "black": "#000000",
}
#: Diverging colours for ordered scales, from the "negative" to the "positive" end.
DIVERGING = ["#0072B2", "#56B4E9", "#E69F00", "#D55E00"]
_BASE = {
    "de": "Basis: n = {n} Befragte, gewichtet", "en": "Base: n = {n} respondents, weighted",
}
_SOURCE = {"de": "Quelle", "en": "Source"}


@contextmanager
def figure_context() -> Iterator[Any]:
    """matplotlib with the project's style, deterministic SVG output and no GUI backend."""
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    import seaborn as sns

    style = {
        "svg.hashsalt": "surveykit",
        "svg.fonttype": "path",
        "font.family": "DejaVu Sans",
        "font.size": 9,
        "axes.titlesize": 11,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "figure.dpi": 100,
        "savefig.dpi": 150,
    }
    with plt.rc_context(style), sns.axes_style("whitegrid", {"grid.color": "#e6e6e6"}):
        plt.rcParams.update(style)
        yield plt


def percent_formatter(language: str, decimals: int = 0) -> Any:
    """An axis formatter for shares: 0.45 → "45 %" (de) or "45%" (en)."""
    from matplotlib.ticker import FuncFormatter

    def show(value: float, _position: int) -> str:
        number = format_number(value * 100, decimals, language)
        return f"{number} %" if language == "de" else f"{number}%"

    return FuncFormatter(show)


def number_formatter(language: str, decimals: int = 1) -> Any:
    """An axis formatter with the language's decimal separator."""
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _position: format_number(value, decimals, language))


def caption_text(n: int | None, source: str, language: str, note: str = "") -> str:
    """"Basis: n = 2.377 Befragte, gewichtet; Quelle: …" plus an optional note."""
    parts = []
    if n is not None:
        parts.append(_BASE[language].format(n=format_count(n, language)))
    if source:
        parts.append(f"{_SOURCE[language]}: {source}")
    text = "; ".join(parts)
    return f"{text}. {note}".strip() if note else text


def wrap(text: str, width: int = 28) -> str:
    """Break a long label over lines at spaces."""
    import textwrap

    return "\n".join(textwrap.wrap(str(text), width)) or str(text)


def add_caption(figure: Any, caption: str) -> None:
    """Write the caption under the axes, wrapped to the figure's width."""
    width = int(figure.get_figwidth() * 15)
    figure.text(0.01, 0.01, wrap(caption, width), fontsize=7.5, color="#444444",
                ha="left", va="bottom")


def caption_lines(figure: Any, caption: str) -> int:
    """How many lines `add_caption` wraps ``caption`` into (to leave room under the axes)."""
    return wrap(caption, int(figure.get_figwidth() * 15)).count("\n") + 1


def add_title(figure: Any, title: str) -> None:
    """The figure's title at its top left, wrapped to the figure's width."""
    width = int(figure.get_figwidth() * 11)
    figure.text(0.01, 0.995, wrap(title, width), fontsize=11, fontweight="bold", ha="left",
                va="top")


def warm_up() -> None:
    """Load what every first figure of a process loads (matplotlib, seaborn, the font and
    both file writers) by drawing a small figure into memory.

    Called before forking figure workers: each forked worker then starts warm instead of
    loading it all again (about a second per worker, as long as three ordinary figures).
    Nothing is written and no state that shapes a figure's file is kept (the SVG ids come
    from the fixed ``svg.hashsalt``, tested: the files are those of one cold process).
    """
    import io

    with figure_context() as plt:
        figure, axes = plt.subplots(figsize=(2, 1))
        axes.bar(["ä"], [1.0])
        axes.set_title("45 %")
        figure.text(0.0, 0.0, "Basis")
        for kind in ("svg", "png"):
            figure.savefig(io.BytesIO(), format=kind)
        plt.close(figure)


def save_figure(figure: Any, directory: Path, name: str) -> list[Path]:
    """Write ``name.svg`` and ``name.png`` (deterministic) and close the figure."""
    import matplotlib.pyplot as plt

    paths = [directory / f"{name}.svg", directory / f"{name}.png"]
    figure.savefig(paths[0], format="svg", metadata={"Date": None, "Creator": "surveykit"})
    figure.savefig(paths[1], format="png", metadata={"Software": "surveykit"})
    plt.close(figure)
    return paths
