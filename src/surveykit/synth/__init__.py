"""Synthetic example surveys with their documented truth.

Job
    `generator`: a fictional Verbandsgemeinde's population, non-response and questionnaire
    with known coefficients; `example_files`: writing it as ``.sav``, ``.csv`` + codebook,
    margins and README under ``data/raw/`` and ``config/margins/``.

May import
    `surveykit.data` and `surveykit._core`.
"""

from surveykit.synth.generator import SynthSurvey, generate, truth_markdown

__all__ = ["SynthSurvey", "generate", "truth_markdown"]
