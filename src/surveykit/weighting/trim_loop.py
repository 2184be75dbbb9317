"""Trimming that keeps the margins: alternate trimming and re-adjustment until both hold.

Trimming alone would leave the margins off; re-adjusting alone would undo the trim. This is
the loop a weighting practitioner runs by hand (trim, rake again, look, repeat), as a
function of any adjustment, so the workflow and the API share it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from surveykit._core.errors import ArgumentError

if TYPE_CHECKING:
    from surveykit.design import SurveyDesign

__all__ = ["trim_and_readjust"]

#: Slack when checking that the weights lie within the bounds (0.1 %).
SLACK = 1e-3


def trim_and_readjust(design: SurveyDesign, adjust: Callable[[SurveyDesign], SurveyDesign],
                      lower: float | None = None, upper: float | None = None,
                      relative: bool = False, max_rounds: int = 20
                      ) -> tuple[SurveyDesign, int]:
    """Trim and re-adjust until the adjusted weights respect the bounds.

    Parameters
    ----------
    design
        The adjusted design (e.g. raked).
    adjust
        The adjustment to repeat after each trim (e.g. ``lambda d: d.rake(margins)``).
    lower, upper
        Bounds on the weights; ``None`` leaves a side open.
    relative
        Bounds are multiples of the mean weight (of respondents with a non-zero weight).
    max_rounds
        Most trim-and-adjust rounds.

    Returns
    -------
    design, rounds
        The final design (it always fits the margins) and the number of rounds used; it
        stops when the weights lie within the bounds (0.1 % slack) or after ``max_rounds``.
    """
    if lower is None and upper is None:
        return design, 0
    if lower is not None and upper is not None and lower > upper:
        raise ArgumentError(f"trim: lower={lower} is above upper={upper}; give lower ≤ upper")
    for round_ in range(1, max_rounds + 1):
        used = design.weights[design.weights != 0]
        factor = float(used.mean()) if relative else 1.0
        low = lower * factor if lower is not None else None
        high = upper * factor if upper is not None else None
        inside = (low is None or used.min() >= low * (1 - SLACK)) and \
            (high is None or used.max() <= high * (1 + SLACK))
        if inside:
            return design, round_ - 1
        design = adjust(design.trim_weights(lower=low, upper=high, strict=True))
    return design, max_rounds
