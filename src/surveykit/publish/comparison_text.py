"""The words of the comparison outputs, in German and English (one place for both)."""

from __future__ import annotations

import numpy as np

from surveykit.publish.formats import format_number, format_pp

__all__ = ["TEXT", "difference_text", "p_text", "test_name"]

TEXT = {
    "de": {
        "lang": "de",
        "title": "Befragungen im Vergleich",
        "subtitle": "{count} Befragungen: {names}",
        "contents": "Inhalt",
        "key_findings": "Kernergebnisse",
        "ch_surveys": "Die Befragungen",
        "ch_population": "Bevölkerungsentwicklung",
        "ch_indicators": "Indikatoren im Vergleich",
        "ch_areas": "Gebiete in {survey}",
        "methods": "Methoden",
        "privacy": "Datenschutz",
        "reproducibility": "Reproduzierbarkeit",
        "share": "Anteil in %", "mean": "Mittelwert",
        "survey": "Befragung", "interval": "95-%-KI", "n": "n",
        "difference": "Differenz", "versus": "gegenüber", "p": "p (korr.)", "mark": "",
        "total": "Insgesamt", "area": "Gebiet",
        "show_table": "Tabelle anzeigen",
        "study_headers": ["Befragung", "Region", "Jahr", "Befragte", "Feldzeit", "Modus",
                          "Grundgesamtheit"],
        "sheet_surveys": "Befragungen", "sheet_areas": "Gebiete",
        "xlsx_headers": ["Befragung", "Anteil in %", "95-%-KI von", "bis", "n (ungewichtet)",
                         "Differenz", "gegenüber", "p (korrigiert)", "Signifikanz"],
        "area_headers": ["Gebiet", "Wert", "95-%-KI von", "bis", "n (ungewichtet)",
                         "Signifikanz"],
        "area_test": "{method} über die Gebiete: p {p}",
        "xlsx_notes": [
            "– nicht erhoben (die Befragung enthält den Indikator nicht); nichts wird "
            "ergänzt oder geschätzt.",
            "/ Zahlenwert nicht sicher genug (Basis unter der Mindestfallzahl) – wie in der "
            "Auswertung der einzelnen Befragung.",
            "( ) eingeschränkte Aussagekraft (kleine Basis).",
            "▲/▼ signifikant höher/niedriger (t-Test für unabhängige Stichproben mit "
            "designbasierten Standardfehlern, Holm-korrigiert je Indikator).",
        ],
        "figure_caption": "Punkt: Schätzwert; Linie: 95-%-Konfidenzintervall; gepunktet: "
                          "Mittel der Befragungen. ▲/▼ signifikant höher/niedriger; "
                          "– nicht erhoben; / zu kleine Basis.",
        "stacked_caption": "Anteile der Antwortkategorien je Befragung (gewichtet); die "
                           "Tests je Kategorie stehen in der Tabelle. – nicht erhoben; "
                           "/ zu kleine Basis.",
        "areas_title": "Gebiete in {survey}",
        "areas_caption": "Punkt: Schätzwert; Linie: 95-%-Konfidenzintervall; gepunktet: "
                         "die Befragung insgesamt. ▲/▼ signifikant höher/niedriger als im "
                         "übrigen Gebiet (Holm-korrigiert); / Basis unter der "
                         "Mindestfallzahl; ( ) eingeschränkte Aussagekraft.",
        "finding_two": "{indicator}: {first} in {a} gegenüber {second} in {b} (Differenz "
                       "{difference}, p {p}).",
        "finding_two_none": "{indicator}: kein signifikanter Unterschied zwischen {a} "
                            "({first}) und {b} ({second}).",
        "finding_above": "{indicator}: signifikant über dem Mittel der übrigen Befragungen "
                         "in {names}",
        "finding_below": "signifikant darunter in {names}",
        "finding_many_none": "{indicator}: keine Befragung weicht signifikant vom Mittel der "
                             "übrigen ab.",
        "finding_areas": "{survey}: {indicator} reicht in den Gebieten von {low} ({low_area}) "
                         "bis {high} ({high_area}); die Unterschiede sind {significance} "
                         "({method}, p {p}).",
        "significant": "signifikant", "not_significant": "nicht signifikant",
        "not_comparable_finding": "{indicator} ist zwischen den Befragungen nicht "
                                  "vergleichbar ({note}); die Tabelle zeigt jede für sich.",
        "pp": "Prozentpunkte",
        "surveys_intro": "Jede Befragung ist mit ihrer eigenen Konfiguration ausgewertet "
                         "(eigener Fragebogen, eigene Codes, eigene Randverteilungen); "
                         "verglichen werden ihre veröffentlichten, gewichteten Ergebnisse.",
        "indicators_intro": "Für jeden Indikator stehen die Befragungen nebeneinander. Wo eine "
                            "Befragung den Indikator nicht erhoben hat, steht „–“; es wird "
                            "nichts ergänzt. Getestet wird nur, wo die Befragungen dasselbe "
                            "messen (gleiche Art und gleiche Antwortkategorien).",
        "areas_intro": "Die Gebiete von {survey} nebeneinander: Schätzwerte nach Gebiet mit "
                       "Vergleich gegen das übrige Gebiet (▲/▼) und dem Test, ob sich die "
                       "Gebiete überhaupt unterscheiden. Zellen unter der Mindestfallzahl "
                       "bleiben ausgeblendet („/“).",
        "population_intro": "Aus den amtlichen Bevölkerungsreihen, die in den "
                            "Befragungskonfigurationen angegeben sind.",
        "no_population": "Für keine der Befragungen ist eine Bevölkerungsreihe angegeben.",
        "methods_text": [
            "Grundlage sind die veröffentlichten Ergebnisse der einzelnen Befragungen: "
            "gewichtete Anteile und Mittelwerte mit designbasierten Standardfehlern "
            "(Linearisierung, wie das R-Paket survey). Mikrodaten werden für den Vergleich "
            "nicht zusammengeführt.",
            "Befragungen verschiedener Regionen sind unabhängige Stichproben: Die Varianz "
            "einer Differenz ist die Summe der beiden Varianzen. Getestet wird mit einem "
            "t-Test, dessen Freiheitsgrade nach Welch–Satterthwaite aus den "
            "Design-Freiheitsgraden der Befragungen folgen.",
            "Bei zwei Befragungen wird ihre Differenz getestet; bei mehr Befragungen jede "
            "gegen das ungewichtete Mittel der übrigen (jede Region zählt einmal). Die "
            "p-Werte eines Indikators werden gemeinsam nach Holm korrigiert.",
            "Ein Vergleich setzt gleiche Antwortkategorien voraus. Unterscheidet sich die "
            "Bildung eines Indikators (z. B. eine Wanderungsbereitschaft aus einer 4- bzw. "
            "5-stufigen Frage), steht das als Hinweis am Indikator: Die Differenz ist dann "
            "auch Folge der Frageform.",
            "Die Gebiete innerhalb einer Befragung werden mit deren eigenen Domänenschätzern "
            "verglichen: Rao-Scott-Test (zweiter Ordnung) für Anteile, Wald-Test für "
            "Mittelwerte, dazu jedes Gebiet gegen das übrige Gebiet (Holm-korrigiert).",
        ],
        "privacy_text": "Der Vergleich enthält nur Aggregate, die in den einzelnen "
                        "Befragungen bereits veröffentlicht sind; Zellen unter der "
                        "Mindestfallzahl bleiben ausgeblendet. Keine Einzeldaten, Freitexte "
                        "oder Kennungen.",
        "command": "Befehl", "inputs": "Eingaben (SHA-256)", "versions": "Software",
        "generated": "Erzeugt von surveykit; dieselben Eingaben ergeben dieselbe Datei.",
    },
    "en": {
        "lang": "en",
        "title": "Surveys compared",
        "subtitle": "{count} surveys: {names}",
        "contents": "Contents",
        "key_findings": "Key findings",
        "ch_surveys": "The surveys",
        "ch_population": "Population trend",
        "ch_indicators": "Indicators compared",
        "ch_areas": "Areas of {survey}",
        "methods": "Methods",
        "privacy": "Data protection",
        "reproducibility": "Reproducibility",
        "share": "Share in %", "mean": "Mean",
        "survey": "Survey", "interval": "95% CI", "n": "n",
        "difference": "Difference", "versus": "against", "p": "p (adj.)", "mark": "",
        "total": "Total", "area": "Area",
        "show_table": "Show table",
        "study_headers": ["Survey", "Region", "Year", "Respondents", "Field period", "Mode",
                          "Population"],
        "sheet_surveys": "Surveys", "sheet_areas": "Areas",
        "xlsx_headers": ["Survey", "Share in %", "95% CI from", "to", "n (unweighted)",
                         "Difference", "against", "p (adjusted)", "Significance"],
        "area_headers": ["Area", "Value", "95% CI from", "to", "n (unweighted)",
                         "Significance"],
        "area_test": "{method} across the areas: p {p}",
        "xlsx_notes": [
            "– not collected (the survey lacks the indicator); nothing is filled in.",
            "/ value not reliable enough (base below the minimum) – as in the survey's own "
            "results.",
            "( ) limited reliability (small base).",
            "▲/▼ significantly higher/lower (t test for independent samples with "
            "design-based standard errors, Holm-corrected per indicator).",
        ],
        "figure_caption": "Dot: estimate; line: 95% confidence interval; dotted: mean of "
                          "the surveys. ▲/▼ significantly higher/lower; – not collected; "
                          "/ base too small.",
        "stacked_caption": "Shares of the answer categories per survey (weighted); the "
                           "tests per category are in the table. – not collected; / base "
                           "too small.",
        "areas_title": "Areas of {survey}",
        "areas_caption": "Dot: estimate; line: 95% confidence interval; dotted: the survey "
                         "overall. ▲/▼ significantly higher/lower than the rest of the area "
                         "(Holm-corrected); / base below the minimum; ( ) limited "
                         "reliability.",
        "finding_two": "{indicator}: {first} in {a} against {second} in {b} (difference "
                       "{difference}, p {p}).",
        "finding_two_none": "{indicator}: no significant difference between {a} ({first}) "
                            "and {b} ({second}).",
        "finding_above": "{indicator}: significantly above the mean of the other surveys in "
                         "{names}",
        "finding_below": "significantly below in {names}",
        "finding_many_none": "{indicator}: no survey differs significantly from the mean of "
                             "the others.",
        "finding_areas": "{survey}: {indicator} ranges across the areas from {low} "
                         "({low_area}) to {high} ({high_area}); the differences are "
                         "{significance} ({method}, p {p}).",
        "significant": "significant", "not_significant": "not significant",
        "not_comparable_finding": "{indicator} is not comparable between the surveys "
                                  "({note}); the table shows each on its own.",
        "pp": "percentage points",
        "surveys_intro": "Each survey was analysed with its own config (own questionnaire, "
                         "codes and margins); the comparison uses their published, weighted "
                         "results.",
        "indicators_intro": "For each indicator the surveys stand side by side. Where a "
                            "survey did not collect it, \"–\" is shown; nothing is filled in. "
                            "Tests are run only where the surveys measure the same thing "
                            "(same kind and same answer categories).",
        "areas_intro": "The areas of {survey} side by side: estimates by area against the "
                       "rest of the area (▲/▼) and the test whether the areas differ at all. "
                       "Cells below the minimum base stay hidden (\"/\").",
        "population_intro": "From the official population series named in the survey "
                            "configs.",
        "no_population": "None of the surveys names a population series.",
        "methods_text": [
            "The comparison uses the published results of each survey: weighted shares and "
            "means with design-based standard errors (linearisation, as R's survey "
            "package). Microdata are not pooled.",
            "Surveys of different regions are independent samples: the variance of a "
            "difference is the sum of the two variances. The t test uses Welch–Satterthwaite "
            "degrees of freedom from the surveys' design degrees of freedom.",
            "With two surveys their difference is tested; with more, each against the "
            "unweighted mean of the others (every region counts once). The p-values of one "
            "indicator are Holm-corrected together.",
            "A comparison needs the same answer categories. Where an indicator is built "
            "differently (e.g. willingness from a 4- or 5-point item), a note says so: the "
            "difference then also reflects the question form.",
            "The areas within a survey are compared with its own domain estimates: "
            "second-order Rao-Scott test for shares, Wald test for means, and each area "
            "against the rest (Holm-corrected).",
        ],
        "privacy_text": "The comparison holds only aggregates already published by the "
                        "single surveys; cells below the minimum base stay hidden. No "
                        "microdata, free text or identifiers.",
        "command": "Command", "inputs": "Inputs (SHA-256)", "versions": "Software",
        "generated": "Made by surveykit; the same inputs give the same file.",
    },
}


def p_text(p_value: float, language: str) -> str:
    """"< 0,001" or "= 0,012" (German decimal comma); "" when there is no test."""
    if p_value is None or not np.isfinite(p_value):
        return ""
    if p_value < 0.001:
        return "< " + format_number(0.001, 3, language)
    return "= " + format_number(p_value, 3, language)


def test_name(method: str, language: str) -> str:
    """The published test method in the reader's words ("Rao-Scott-Test", "Wald-Test")."""
    wald = "wald" in str(method).lower()
    if language == "de":
        return "Wald-Test (Mittelwerte)" if wald else "Rao-Scott-Test"
    return "Wald test (means)" if wald else "Rao-Scott test"


def difference_text(value: float, numeric: bool, language: str) -> str:
    """A signed difference: "+14,4 Pp." for shares, "+0,17" for means; "" if none."""
    if value is None or not np.isfinite(value):
        return ""
    if numeric:
        sign = "+" if value > 0 else ("−" if value < 0 else "±")
        return sign + format_number(abs(value), 2, language)
    return format_pp(value, 1, language)
