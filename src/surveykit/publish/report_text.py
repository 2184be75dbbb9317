"""The report's fixed wording in German and English (everything else comes from data)."""

from __future__ import annotations

__all__ = ["TEXT"]

TEXT: dict[str, dict[str, str]] = {
    "de": {
        "lang": "de",
        "contents": "Inhalt",
        "key_findings": "Kernergebnisse",
        "study": "Studiendesign",
        "total": "Insgesamt",
        "basis": "Basis: n = {n} Befragte, gewichtet",
        "group": "Gruppe", "level": "Ausprägung", "share": "Anteil in %", "mean": "Mittelwert",
        "interval": "95-%-KI", "n": "n", "n_weighted": "N (gewichtet)", "deff": "Deff",
        "mark": "Sig.",
        "show_table": "Tabelle zur Abbildung",
        "under_estimate": "unter jedem Anteil bzw. Mittelwert.",
        "ch_willing": "Wanderungsbereitschaft nach Gruppen",
        "ch_willing_intro": "Wie viele Befragte einen Wegzug für wahrscheinlich halten, "
                            "insgesamt und in den Gruppen der Befragung; jeder Anteil mit "
                            "95-%-Konfidenzintervall und Fallzahl.",
        "ch_models": "Wer und warum: Einflussfaktoren",
        "ch_models_intro": "Ein design-basiertes Logit-Modell schätzt, welche Merkmale bei "
                           "sonst gleichen Bedingungen mit der Wanderungsbereitschaft "
                           "zusammenhängen. Zusammenhänge sind keine Ursachen.",
        "ch_deficits": "Defizite: Was für das Bleiben zählt",
        "ch_deficits_intro": "Die Prioritätenmatrix stellt den Anteil der Unzufriedenen mit "
                             "jedem Angebot dem Zusammenhang dieser Unzufriedenheit mit der "
                             "Wanderungsbereitschaft gegenüber.",
        "ch_participation": "Der Wunsch mitzuwirken",
        "ch_newcomers": "Zugezogene und Alteingesessene",
        "ch_destinations": "Wegzugsziele",
        "ch_population": "Bevölkerungsentwicklung",
        "year": "Jahr",
        "ch_weighting": "Gewichtung",
        "ch_weighting_intro": "Die Stichprobe wird an bekannte Verteilungen der Bevölkerung "
                              "angepasst; die Abbildungen zeigen die Anteile vor und nach der "
                              "Gewichtung und wie stark die Gewichte streuen.",
        "ch_strategies": "Handlungsstrategien nach Handlungsfeldern",
        "ch_strategies_intro": "Welche Handlungsstrategien die Befunde dieser Befragung "
                               "stützen. Jede Strategie nennt die Zahlen, auf denen sie beruht.",
        "fired": "durch die Befragung gestützt",
        "not_fired": "in dieser Befragung keine Evidenz",
        "evidence": "Befund",
        "no_strategies": "Für diese Befragung sind keine Handlungsstrategien konfiguriert "
                         "(Abschnitt strategies der Konfiguration).",
        "methods": "Methoden",
        "limitations": "Grenzen der Aussagekraft",
        "privacy": "Datenschutz und Zeichenerklärung",
        "reproducibility": "Reproduzierbarkeit",
        "population": "Grundgesamtheit", "sample": "Stichprobe", "mode": "Erhebung",
        "field_period": "Feldzeit", "response": "Rücklauf", "weighting": "Gewichtung",
        "design_effect": "Designeffekt der Gewichtung (Kish)",
        "effective_n": "Effektive Fallzahl",
        "models": "Modelle", "imputation": "Multiple Imputation",
        "respondents": "{n} Befragte",
        "response_rate": "{n} von {gross} Angeschriebenen ({rate})",
        "weighting_text": "{method} an {margins}; Gewichte gekappt bei {trim}.",
        "weighting_none": "Die Daten bringen ihre eigenen Gewichte mit.",
        "models_text": "Design-basierte logistische Regression ({formula}); n = {n}. "
                       "Als Prüfung ein ordinales Logit-Modell der ganzen Skala "
                       "(Proportional-Odds-Test: p {p_po}).",
        "imputation_text": "Fehlende Angaben der Einflussgrößen werden {m}-fach imputiert "
                           "(verkettete Gleichungen); die Ergebnisse werden nach Rubin "
                           "zusammengefasst und mit den vollständigen Fällen verglichen.",
        "privacy_text": "Der Bericht enthält nur zusammengefasste Ergebnisse, keine "
                        "Einzelangaben, Freitexte oder Kennungen. Zellen mit weniger als "
                        "{min_n} Befragten werden nicht ausgewiesen („/“), Zellen mit weniger "
                        "als {rel_n} Befragten stehen in Klammern („( )“); ist eine Zelle "
                        "ausgeblendet, wird eine weitere ausgeblendet, damit sie nicht aus "
                        "der Summe errechnet werden kann. ▲/▼: signifikant höher/niedriger "
                        "als in der übrigen Bevölkerung (Holm-korrigiert über die Zellen "
                        "einer Tabelle); „–“: nicht erhoben.",
        "command": "Befehl zum Neuerstellen",
        "inputs": "Eingangsdaten (SHA-256)",
        "versions": "Programmversionen",
        "config_digest": "Konfiguration (SHA-256)",
        "generated": "Erstellt mit surveykit aus den Rohdaten; jede Zahl lässt sich mit "
                     "dem Befehl oben neu berechnen.",
        "limitations_items": "\n".join([
            "Querschnittsbefragung: Die Befunde beschreiben Zusammenhänge, keine Ursachen; "
            "Wanderungsbereitschaft ist eine Absicht, kein tatsächlicher Wegzug.",
            "Die Ausschöpfung liegt bei {rate}; die Gewichtung gleicht Unterschiede nach "
            "{margins} aus, nicht aber nach Merkmalen, die nicht in den Randverteilungen "
            "stehen.",
            "Die Gewichtung vergrößert die Unsicherheit: die effektive Fallzahl beträgt "
            "{n_eff} statt {n}.",
            "Kleine Gruppen sind unsicher: Konfidenzintervalle, Fallzahlen und die "
            "Kennzeichnung „( )“ zeigen das; Zellen unter {min_n} Befragten werden nicht "
            "ausgewiesen.",
            "Viele Vergleiche: Signifikanzmarken sind über die Zellen jeder Tabelle "
            "korrigiert, einzelne Zufallsbefunde sind dennoch möglich.",
            "Selbstauskünfte können durch Erinnerung und soziale Erwünschtheit verzerrt "
            "sein.",
        ]),
    },
    "en": {
        "lang": "en",
        "contents": "Contents",
        "key_findings": "Key findings",
        "study": "Study design",
        "total": "Total",
        "basis": "Base: n = {n} respondents, weighted",
        "group": "Group", "level": "Level", "share": "Share in %", "mean": "Mean",
        "interval": "95% CI", "n": "n", "n_weighted": "N (weighted)", "deff": "Deff",
        "mark": "Sig.",
        "show_table": "Table of the figure",
        "under_estimate": "under each share or mean.",
        "ch_willing": "Willingness to move by group",
        "ch_willing_intro": "How many respondents think moving away likely, overall and in "
                            "the survey's groups; every share with its 95% confidence "
                            "interval and base.",
        "ch_models": "Who and why: factors",
        "ch_models_intro": "A design-based logit model estimates which characteristics go "
                           "with willingness to move, other things equal. Associations are "
                           "not causes.",
        "ch_deficits": "Deficits: what matters for staying",
        "ch_deficits_intro": "The priority matrix sets the share dissatisfied with each item "
                             "against how that dissatisfaction goes with willingness to move.",
        "ch_participation": "The wish to take part",
        "ch_newcomers": "Newcomers and long-standing residents",
        "ch_destinations": "Destinations",
        "ch_population": "Population trend",
        "year": "Year",
        "ch_weighting": "Weighting",
        "ch_weighting_intro": "The sample is adjusted to known population distributions; the "
                              "figures show the shares before and after weighting and how "
                              "widely the weights spread.",
        "ch_strategies": "Action strategies by field of action",
        "ch_strategies_intro": "Which action strategies the findings of this survey support. "
                               "Each strategy cites the numbers it rests on.",
        "fired": "supported by the survey",
        "not_fired": "no evidence in this survey",
        "evidence": "Finding",
        "no_strategies": "No action strategies are configured for this survey (section "
                         "strategies of the config).",
        "methods": "Methods",
        "limitations": "Limitations",
        "privacy": "Data protection and symbols",
        "reproducibility": "Reproducibility",
        "population": "Population", "sample": "Sample", "mode": "Mode",
        "field_period": "Field period", "response": "Response", "weighting": "Weighting",
        "design_effect": "Design effect of weighting (Kish)",
        "effective_n": "Effective sample size",
        "models": "Models", "imputation": "Multiple imputation",
        "respondents": "{n} respondents",
        "response_rate": "{n} of {gross} invited ({rate})",
        "weighting_text": "{method} to {margins}; weights trimmed at {trim}.",
        "weighting_none": "The data bring their own weights.",
        "models_text": "Design-based logistic regression ({formula}); n = {n}. As a check, "
                       "an ordinal logit model of the whole scale (proportional-odds test: "
                       "p {p_po}).",
        "imputation_text": "Missing answers of the predictors are imputed {m} times "
                           "(chained equations); results are pooled by Rubin's rules and "
                           "compared with the complete cases.",
        "privacy_text": "The report contains aggregates only: no individual answers, free "
                        "text or identifiers. Cells with fewer than {min_n} respondents are "
                        "not shown (\"/\"), cells with fewer than {rel_n} are in parentheses "
                        "(\"( )\"); where one cell is hidden another is hidden too, so it "
                        "cannot be derived from the total. ▲/▼: significantly higher/lower "
                        "than in the rest of the population (Holm-corrected across the cells "
                        "of a table); \"–\": not collected.",
        "command": "Command to rebuild",
        "inputs": "Input data (SHA-256)",
        "versions": "Package versions",
        "config_digest": "Configuration (SHA-256)",
        "generated": "Made with surveykit from the raw data; every number can be "
                     "recomputed with the command above.",
        "limitations_items": "\n".join([
            "Cross-sectional survey: the findings describe associations, not causes; "
            "willingness to move is an intention, not an actual move.",
            "The response rate is {rate}; weighting corrects differences by {margins}, "
            "not by characteristics outside the margins.",
            "Weighting widens uncertainty: the effective sample size is {n_eff} instead of "
            "{n}.",
            "Small groups are uncertain: intervals, bases and the \"( )\" mark show it; "
            "cells below {min_n} respondents are not shown.",
            "Many comparisons: significance marks are corrected across the cells of each "
            "table, but single chance findings remain possible.",
            "Self-reports can be biased by recall and social desirability.",
        ]),
    },
}
