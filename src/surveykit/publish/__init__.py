"""The publish layer: what readers see.

Job
    Share tables (CSV/XLSX), figures (seaborn), the report (Jinja2) and slides
    (python-pptx), with the disclosure symbols and the German/English number formats.

May import
    `surveykit.models`, `surveykit.estimation`, `surveykit.data`, `surveykit._core` (and
    the strategy rules once they exist). Plotting libraries are imported inside the
    functions that draw.
"""
