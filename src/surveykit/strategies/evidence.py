"""What an evaluated strategy condition yields: the evidence record and its sentences.

Every condition, met or not, leaves one `Evidence`: the finding's label, its number and
95 % interval, the threshold, whether it was met (and if not, why), where the number is
published (table id, figure name) and a short sentence in German and English, with the
German number formats of the tables ("AME +20 Pp. (95-%-KI: +10 bis +30 Pp.)",
"65 % (95-%-KI: 56–73 %)"). A strategy that did not fire thus still shows the number that
fell short.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from surveykit._core.numbers import format_interval, format_number, format_percent, format_pp

__all__ = [
    "LANGUAGES",
    "QUADRANT_NAMES",
    "REASONS",
    "Evidence",
    "ame_text",
    "difference_text",
    "not_evaluable_text",
    "priority_text",
    "share_text",
]

LANGUAGES = ("de", "en")

#: Why a condition was met or not (``Evidence.reason``).
REASONS = {
    "met": "the condition holds",
    "short_of_threshold": "the number is not beyond the threshold",
    "ci_includes_zero": "the number is beyond the threshold but its 95 % interval includes 0",
    "not_significant": "no significant difference after the table's correction",
    "opposite_direction": "significant, but in the other direction",
    "other_quadrant": "the item lies in another quadrant",
    "suppressed": "the cell is suppressed (disclosure control)",
    "no_estimate": "the cell has no estimate",
    "not_in_results": "the finding is not among the published results",
    "separation": "not evaluable: separation (everyone or no one in the group gives the "
                  "answer, so the model cannot estimate the effect)",
}

#: Quadrants of the priority matrix as the report names them.
QUADRANT_NAMES = {
    "de": {"critical": "kritisch", "maintain": "Bezug zum Wegzug, wenig Unzufriedenheit",
           "irritant": "verbreitet unzufrieden, schwacher Bezug", "low": "geringe Priorität"},
    "en": {"critical": "critical", "maintain": "linked to leaving, few dissatisfied",
           "irritant": "widespread dissatisfaction, weak link", "low": "low priority"},
}

_CI = {"de": "95-%-KI", "en": "95% CI"}
_TO = {"de": "bis", "en": "to"}
_CORRECTION = {"holm": "Holm", "bh": "Benjamini-Hochberg", "none": ""}


@dataclass(frozen=True)
class Evidence:
    """One evaluated condition.

    Attributes
    ----------
    kind
        ``"ame"``, ``"share"``, ``"difference"`` or ``"priority"``.
    condition
        Where the condition stands in its strategy (``"when.any[0]"``).
    label
        The finding, per language (``{"de": "Altersgruppe (18-29 vs. 45-59)", "en": …}``).
    value, ci_low, ci_high
        The number and its 95 % interval (``None`` where not evaluable): a share (0–1) for
        ``share``, ``difference`` and ``priority`` (share dissatisfied), the mean for a
        scale's ``difference``, percentage points for ``ame``.
    unit
        ``"share"``, ``"mean"`` or ``"pp"``.
    threshold
        The threshold (share or pp), the direction (``"higher"``/``"lower"``) or the
        quadrant asked for.
    comparison
        ``"above"``, ``"below"``, ``"direction"`` or ``"quadrant"``.
    met
        Whether the condition holds; never true when not ``evaluable``.
    evaluable
        False for a suppressed cell or a finding the results do not have.
    reason
        A key of `REASONS`.
    reference
        ``{"table": id or None, "figure": name or None}``: where the number is published.
    text
        The sentence per language.
    details
        Secondary numbers (difference to the rest, adjusted p, the mark, importance …).
    """

    kind: str
    condition: str
    label: Mapping[str, str]
    value: float | None
    ci_low: float | None
    ci_high: float | None
    unit: str
    threshold: float | str | None
    comparison: str
    met: bool
    evaluable: bool
    reason: str
    reference: Mapping[str, str | None]
    text: Mapping[str, str]
    details: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self, language: str = "de") -> dict[str, Any]:
        """A JSON-ready record: ``label`` and ``text`` in ``language``, both sentences in
        ``sentences``."""
        return {
            "kind": self.kind, "condition": self.condition, "label": self.label[language],
            "value": _plain(self.value), "ci_low": _plain(self.ci_low),
            "ci_high": _plain(self.ci_high), "unit": self.unit,
            "threshold": _plain(self.threshold), "comparison": self.comparison,
            "met": self.met, "evaluable": self.evaluable, "reason": self.reason,
            "reference": dict(self.reference), "text": self.text[language],
            "sentences": dict(self.text),
            "details": {key: _plain(value) for key, value in self.details.items()},
        }


def _plain(value: Any) -> Any:
    """NaN → None, numpy numbers → Python numbers (JSON has neither NaN nor numpy)."""
    if value is None or isinstance(value, (str, bool)):
        return value
    number = float(value)
    return None if math.isnan(number) else number


def _decimals(value: float, threshold: float | None, scale: float) -> int:
    """0 decimals, or 1 where rounding would make the value look equal to the threshold."""
    if threshold is None:
        return 0
    return 1 if round(value * scale) == round(threshold * scale) and value != threshold else 0


def _signed(value: float, decimals: int, language: str) -> str:
    """``+10`` / ``−3`` (a number of percentage points, signed, without unit)."""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return sign + format_number(abs(value), decimals, language)


def _pp_interval(low: float, high: float, decimals: int, language: str) -> str:
    """``+10 bis +30 Pp.`` / ``+10 to +30 pp`` (bounds in percentage points)."""
    unit = "Pp." if language == "de" else "pp"
    return (f"{_signed(low, decimals, language)} {_TO[language]} "
            f"{_signed(high, decimals, language)} {unit}")


def _pp(value: float, decimals: int, language: str) -> str:
    return format_pp(value / 100, decimals, language)


def _share_with_ci(value: float, low: float, high: float, decimals: int,
                   language: str) -> str:
    """``65 % (95-%-KI: 56–73 %)``."""
    return (f"{format_percent(value, decimals, language)} ({_CI[language]}: "
            f"{format_interval(low, high, decimals, language)})")


def _mean_with_ci(value: float, low: float, high: float, language: str) -> str:
    """``3,21 (95-%-KI: 3,14–3,28)``."""
    return (f"{format_number(value, 2, language)} ({_CI[language]}: "
            f"{format_interval(low, high, 2, language, percent=False)})")


def _sentence(label: str, number: str, verdict: str) -> str:
    """``label: number – verdict.`` (one full stop, also after "Pp.")."""
    text = f"{label}: {number} – {verdict}"
    return text if text.endswith(".") else text + "."


def _p(value: float | None, language: str) -> str:
    if value is None or math.isnan(value):
        return ""
    if value < 0.001:
        return f"p < {format_number(0.001, 3, language)}"
    return f"p = {format_number(value, 2 if value >= 0.01 else 3, language)}"


def ame_text(label: Mapping[str, str], ame: float, low: float, high: float,
             threshold: float, direction: str, reason: str) -> dict[str, str]:
    """Sentences of an AME condition (numbers in percentage points).

    ``direction`` is ``"above"`` or ``"below"``; ``reason`` is ``"met"``,
    ``"short_of_threshold"`` or ``"ci_includes_zero"``.
    """
    decimals = _decimals(ame, threshold, 1)
    out = {}
    for language in LANGUAGES:
        number = (f"AME {_pp(ame, decimals, language)} ({_CI[language]}: "
                  f"{_pp_interval(low, high, decimals, language)})")
        limit = _pp(threshold, decimals, language)
        if language == "de":
            side = "über" if direction == "above" else "unter"
            verdict = {
                "met": f"{side} der Schwelle von {limit}, KI schließt 0 aus",
                "short_of_threshold": f"nicht {side} der Schwelle von {limit}",
                "ci_includes_zero": f"{side} {limit}, aber das KI schließt 0 ein",
            }[reason]
        else:
            side = direction
            verdict = {
                "met": f"{side} the threshold of {limit}, CI excludes 0",
                "short_of_threshold": f"not {side} the threshold of {limit}",
                "ci_includes_zero": f"{side} {limit}, but the CI includes 0",
            }[reason]
        out[language] = _sentence(label[language], number, verdict)
    return out


def share_text(label: Mapping[str, str], value: float, low: float, high: float,
               threshold: float, direction: str, met: bool) -> dict[str, str]:
    """Sentences of a share condition (shares 0–1)."""
    decimals = _decimals(value, threshold, 100)
    out = {}
    for language in LANGUAGES:
        number = _share_with_ci(value, low, high, decimals, language)
        limit = format_percent(threshold, decimals, language)
        if language == "de":
            side = "über" if direction == "above" else "unter"
            verdict = f"{'' if met else 'nicht '}{side} der Schwelle von {limit}"
        else:
            verdict = f"{'' if met else 'not '}{direction} the threshold of {limit}"
        out[language] = _sentence(label[language], number, verdict)
    return out


def difference_text(label: Mapping[str, str], unit: str, value: float, low: float,
                    high: float, difference: float | None, p_adjusted: float | None,
                    mark: str, direction: str, correction: str) -> dict[str, str]:
    """Sentences of a group-difference condition: the cell, its difference to the rest of
    the population and the published mark (▲/▼, after the table's correction)."""
    name = _CORRECTION.get(correction, correction)
    out = {}
    for language in LANGUAGES:
        number = (_share_with_ci(value, low, high, 0, language) if unit == "share"
                  else _mean_with_ci(value, low, high, language))
        if difference is not None and not math.isnan(difference):
            gap = format_pp(difference, 0, language) if unit == "share" else \
                _signed(difference, 2, language)
            number += (f", {gap} gegenüber der übrigen Bevölkerung" if language == "de"
                       else f", {gap} compared with the rest of the population")
        p = _p(p_adjusted, language)
        if language == "de":
            corrected = f"{name}-korrigiert" if name else "ohne Korrektur"
            verdict = {
                "▲": f"signifikant höher (▲, {corrected})",
                "▼": f"signifikant niedriger (▼, {corrected})",
            }.get(mark, (f"nach {name}-Korrektur nicht signifikant" if name else
                         "nicht signifikant") + (f" ({p})" if p else ""))
            wanted = "höher" if direction == "higher" else "niedriger"
            if mark and mark != ("▲" if direction == "higher" else "▼"):
                verdict += f", nicht {wanted}"
        else:
            corrected = f"{name}-corrected" if name else "uncorrected"
            verdict = {
                "▲": f"significantly higher (▲, {corrected})",
                "▼": f"significantly lower (▼, {corrected})",
            }.get(mark, ("not significant" + (f" after {name} correction" if name else ""))
                  + (f" ({p})" if p else ""))
            if mark and mark != ("▲" if direction == "higher" else "▼"):
                verdict += f", not {direction}"
        out[language] = _sentence(label[language], number, verdict)
    return out


def priority_text(label: Mapping[str, str], outcome: Mapping[str, str], share: float,
                  share_low: float, share_high: float, importance: float,
                  importance_low: float, importance_high: float, quadrant: str,
                  wanted: str) -> dict[str, str]:
    """Sentences of a priority-matrix condition: share dissatisfied, the difference in the
    outcome between the dissatisfied and the others, and the quadrant."""
    out = {}
    for language in LANGUAGES:
        names = QUADRANT_NAMES[language]
        dissatisfied = "unzufrieden" if language == "de" else "dissatisfied"
        among = "Unzufriedene" if language == "de" else "the dissatisfied"
        number = (f"{_share_with_ci(share, share_low, share_high, 0, language)} "
                  f"{dissatisfied}; {among}: {outcome[language]} "
                  f"{format_pp(importance, 0, language)} ({_CI[language]}: "
                  f"{_pp_interval(importance_low * 100, importance_high * 100, 0, language)})")
        if language == "de":
            verdict = f"Quadrant „{names[quadrant]}“"
            if quadrant != wanted:
                verdict += f", nicht „{names[wanted]}“"
        else:
            verdict = f"quadrant “{names[quadrant]}”"
            if quadrant != wanted:
                verdict += f", not “{names[wanted]}”"
        out[language] = _sentence(label[language], number, verdict)
    return out


def not_evaluable_text(label: Mapping[str, str], reason: str, flag: str = ""
                       ) -> dict[str, str]:
    """Sentences of a condition that cannot be evaluated (suppressed cell, no finding)."""
    secondary = flag.endswith("secondary")
    why = {
        "de": {"suppressed": "Zelle ausgeblendet (zum Schutz einer kleinen Zelle)" if secondary
               else "Zelle ausgeblendet (Basis unter der Mindestfallzahl)",
               "no_estimate": "kein Schätzwert",
               "not_in_results": "in den Ergebnissen dieser Befragung nicht vorhanden",
               "separation": "Separation: in dieser Gruppe haben alle oder keine Befragten "
                             "dieselbe Antwort, der Effekt ist nicht schätzbar"},
        "en": {"suppressed": "cell hidden (to protect a small cell)" if secondary
               else "cell hidden (base below the minimum)",
               "no_estimate": "no estimate",
               "not_in_results": "not among the results of this survey",
               "separation": "separation: everyone or no one in this group gives the "
                             "answer, so the effect cannot be estimated"},
    }
    lead = {"de": "nicht auswertbar", "en": "not evaluable"}
    return {language: f"{label[language]}: {lead[language]} – {why[language][reason]}."
            for language in LANGUAGES}
