"""Plain report tables under the model and weighting figures.

The share tables have their own blocks (`surveykit.publish.report.html_rows`); these are the
other tables a figure in the report stands on: the average marginal effects, the odds
ratios (complete cases and pooled over multiple imputations), and the sample against the
population per weighting margin — each with its unit and base, formatted in the report
language.
"""

from __future__ import annotations

import pandas as pd

from surveykit.publish.findings import finite
from surveykit.publish.formats import format_count, format_number
from surveykit.publish.labels import Labels
from surveykit.publish.report import ReportTable

__all__ = ["ame_table", "margins_table", "odds_ratio_table", "predictions_table",
           "separation_sentence"]


def _number(value: object, decimals: int, language: str) -> str:
    return format_number(float(value), decimals, language) if finite(value) else "–"


def _contrast(variable: str, contrast: str, labels: Labels, language: str) -> str:
    if " vs " in contrast:
        high, low = contrast.split(" vs ", 1)
        joiner = " vs. " if language == "de" else " vs "
        return f"{labels.level(variable, high)}{joiner}{labels.level(variable, low)}"
    return "+1" if labels.kind(variable) not in ("binary",) else \
        f"{labels.level(variable, 1)}{' vs. ' if language == 'de' else ' vs '}" \
        f"{labels.level(variable, 0)}"


#: A flagged row's cell and the note under its table (see `surveykit.models.separation`).
SEPARATION = {"de": "nicht schätzbar (Separation)¹", "en": "not estimable (separation)¹"}
SEPARATION_NOTE = {
    "de": "¹ Separation: in dieser Gruppe sind alle oder keine Befragten wanderungsbereit. "
          "Das Modell kann den Effekt dann nicht schätzen; es wird kein Wert gezeigt und keine "
          "Handlungsstrategie darauf gestützt. Abhilfe: die Gruppe in der Konfiguration mit "
          "einer benachbarten zusammenfassen.",
    "en": "¹ Separation: everyone or no one in this group is willing to move. The model "
          "cannot estimate the effect then; no value is shown and no action strategy rests "
          "on it. Remedy: merge the group with a neighbouring one in the config.",
}


def _separated(row: object) -> bool:
    return str(getattr(row, "flag", "") or "") == "separation"


def ame_table(ame: pd.DataFrame, labels: Labels, language: str, n: int) -> ReportTable:
    """Average marginal effects in percentage points with 95 % intervals and p-values; a
    contrast the model step flagged (separation) shows the flag instead of numbers."""
    de = language == "de"
    headers = (["Merkmal", "Vergleich", "Effekt (Pp.)", "95-%-KI", "p"] if de else
               ["Characteristic", "Contrast", "Effect (pp)", "95% CI", "p"])
    rows = []
    for row in ame.itertuples(index=False):
        line = [labels.concept(row.variable), _contrast(row.variable, str(row.contrast),
                                                        labels, language)]
        if _separated(row):
            line += [SEPARATION[language], "–", "–"]
        else:
            line += [_number(row.ame, 1, language),
                     f"{_number(row.ci_low, 1, language)} – "
                     f"{_number(row.ci_high, 1, language)}",
                     _p(row.p_value, language)]
        rows.append(line)
    caption = "Durchschnittliche marginale Effekte" if de else "Average marginal effects"
    note = ("Veränderung der Wahrscheinlichkeit in Prozentpunkten, wenn alle Befragten die "
            "Ausprägung wechseln, übrige Merkmale wie beobachtet (design-basiert)." if de else
            "Change of the probability in percentage points when every respondent changes "
            "level, other characteristics as observed (design-based).")
    notes = [note] + ([SEPARATION_NOTE[language]]
                      if any(_separated(row) for row in ame.itertuples(index=False)) else [])
    return ReportTable(caption=caption, base=_base(n, language), numeric=True, blocks=[],
                       notes=notes, tests=[], anchor="tab-ame", headers=headers, rows=rows)


def odds_ratio_table(odds: pd.DataFrame, labels: Labels, language: str, n: int
                     ) -> ReportTable:
    """Odds ratios with intervals: complete cases beside the pooled imputations."""
    from surveykit.publish.figures import parameter_label

    de = language == "de"
    models = list(dict.fromkeys(odds["model"]))
    pooled = next((m for m in models if "pooled" in m), None)
    headers = ["Parameter", "OR", "95-%-KI" if de else "95% CI"]
    if pooled:
        headers += ["OR (MI)", "95-%-KI (MI)" if de else "95% CI (MI)", "FMI"]
    complete = odds[odds["model"] == models[0]].set_index("parameter")
    imputed = odds[odds["model"] == pooled].set_index("parameter") if pooled else None
    rows = []
    separated = False
    for parameter, row in complete.iterrows():
        if parameter == "(Intercept)":
            continue
        line = [parameter_label(str(parameter), labels)]
        line += [SEPARATION[language], "–"] if _flagged(row) else [
            _number(row["odds_ratio"], 2, language),
            f"{_number(row['ci_low'], 2, language)} – {_number(row['ci_high'], 2, language)}"]
        if imputed is not None and parameter in imputed.index:
            other = imputed.loc[parameter]
            line += [SEPARATION[language], "–"] if _flagged(other) else [
                _number(other["odds_ratio"], 2, language),
                f"{_number(other['ci_low'], 2, language)} – "
                f"{_number(other['ci_high'], 2, language)}"]
            line.append(_number(other.get("fmi"), 2, language))
        separated = separated or _flagged(row)
        rows.append(line)
    caption = "Odds Ratios" if de else "Odds ratios"
    note = ("MI: über multiple Imputationen gepoolt (Rubin); FMI: Anteil fehlender "
            "Information." if de else
            "MI: pooled over multiple imputations (Rubin); FMI: fraction of missing "
            "information.") if pooled else ""
    notes = ([note] if note else []) + ([SEPARATION_NOTE[language]] if separated else [])
    return ReportTable(caption=caption, base=_base(n, language), numeric=True, blocks=[],
                       notes=notes, tests=[], anchor="tab-odds_ratios",
                       headers=headers, rows=rows)


def separation_sentence(odds: pd.DataFrame | None, labels: Labels, language: str
                        ) -> str | None:
    """A sentence naming every model term flagged for separation (for the model chapter
    and the slides), or ``None`` when there is none."""
    from surveykit.publish.figures import parameter_label

    if odds is None or "flag" not in odds.columns:
        return None
    flagged = odds[odds["flag"].fillna("").astype(str) == "separation"]
    names = list(dict.fromkeys(parameter_label(str(p), labels) for p in flagged["parameter"]
                               if str(p) != "(Intercept)"))
    if not names:
        return None
    if language == "de":
        return (f"Hinweis – nicht schätzbar wegen Separation: {'; '.join(names)}. In dieser "
                "Gruppe sind alle oder keine Befragten wanderungsbereit; das Modell kann den "
                "Effekt nicht schätzen, es wird kein Wert gezeigt und keine "
                "Handlungsstrategie darauf gestützt. Abhilfe: die Gruppe in der "
                "Konfiguration mit einer benachbarten zusammenfassen.")
    return (f"Note – not estimable because of separation: {'; '.join(names)}. Everyone or no "
            "one in this group is willing to move; the model cannot estimate the effect, no "
            "value is shown and no action strategy rests on it. Remedy: merge the group with "
            "a neighbouring one in the config.")


def _flagged(row: pd.Series) -> bool:
    return str(row.get("flag", "") or "") == "separation"


def predictions_table(predictions: pd.DataFrame, labels: Labels, language: str, n: int
                      ) -> ReportTable:
    """Average predicted probabilities of one predictor pair, in percent with intervals."""
    de = language == "de"
    x, hue = str(predictions["x"].iloc[0]), str(predictions["hue"].iloc[0] or "")
    numeric = labels.kind(x) in ("numeric", "scale")
    headers = [labels.concept(x)] + ([labels.concept(hue)] if hue else []) + \
        (["Wahrscheinlichkeit %", "95-%-KI"] if de else ["Probability %", "95% CI"])
    rows = []
    for row in predictions.itertuples(index=False):
        x_text = _number(row.x_value, 2, language) if numeric else labels.level(x, row.x_value)
        line = [x_text] + ([labels.level(hue, row.hue_value)] if hue else [])
        line += [_number(row.estimate * 100, 1, language),
                 f"{_number(row.ci_low * 100, 1, language)} – "
                 f"{_number(row.ci_high * 100, 1, language)}"]
        rows.append(line)
    caption = (f"Vorhergesagte Wahrscheinlichkeit: {labels.concept(x)}" if de else
               f"Predicted probability: {labels.concept(x)}") + (
        f" × {labels.concept(hue)}" if hue else "")
    return ReportTable(caption=caption, base=_base(n, language), numeric=True, blocks=[],
                       notes=[], tests=[],
                       anchor=f"tab-predicted_{int(predictions['set'].iloc[0])}",
                       headers=headers, rows=rows)


def margins_table(margins: pd.DataFrame, labels: Labels, language: str) -> ReportTable:
    """Sample shares before and after weighting against the population, per margin level."""
    de = language == "de"
    headers = (["Merkmal", "Ausprägung", "n", "vor Gewichtung %", "nach Gewichtung %",
                "Bevölkerung %"] if de else
               ["Characteristic", "Level", "n", "before weighting %", "after weighting %",
                "population %"])
    rows = []
    for row in margins.itertuples(index=False):
        parts = str(row.variable).split(" × ")
        values = str(row.level).split(" × ")
        if len(values) != len(parts):
            values = [str(row.level)] * len(parts)
        rows.append([" × ".join(labels.concept(p) for p in parts),
                     " × ".join(labels.level(p, v) for p, v in zip(parts, values, strict=True)),
                     format_count(row.n, language),
                     _number(row.before_share * 100, 1, language),
                     _number(row.after_share * 100, 1, language),
                     _number(row.population_share * 100, 1, language)])
    caption = "Randverteilungen der Gewichtung" if de else "Weighting margins"
    return ReportTable(caption=caption, base="", numeric=True, blocks=[], notes=[], tests=[],
                       anchor="tab-margins", headers=headers, rows=rows)


def _p(value: object, language: str) -> str:
    """A p-value: three decimals, "< 0,001" below that."""
    if finite(value) and float(value) < 0.001:
        return "< 0,001" if language == "de" else "< 0.001"
    return _number(value, 3, language)


def _base(n: int, language: str) -> str:
    return (f"Basis: n = {format_count(n, language)} Befragte, gewichtet" if language == "de"
            else f"Base: n = {format_count(n, language)} respondents, weighted")
