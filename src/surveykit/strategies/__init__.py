"""The strategy rules: which *Handlungsstrategien* the findings of a survey support.

Job
    `rules` evaluates the conditions of the config's ``strategies`` section (structured
    data: an AME beyond a threshold with its interval excluding 0, a share beyond a
    threshold, a significant group difference after the table's correction, an item in a
    quadrant of the priority matrix, and ``all``/``any`` of these) against the published
    findings, given as tables (share rows, AMEs, priority matrix). `evidence` is what every
    evaluated condition yields: the number, its interval, the threshold, whether it was met,
    where it is published, and a sentence in German and English. Pure functions: no files
    are read or written here, and nothing from a config is evaluated as code.

May import
    `surveykit.models`, `surveykit.estimation`, `surveykit.design`, `surveykit._core`.
"""
