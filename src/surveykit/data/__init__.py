"""The data layer: files in, harmonised concepts out.

Job
    Reading SPSS (``.sav/.zsav/.por``) and CSV + codebook files (`io`), survey configs and
    their JSON Schemas (`config`, `schemas`), missing-value codes (`missing`), declarative
    recodes (`recode`), ingest with its report (`ingestion`), harmonisation to canonical
    concepts (`harmonisation`), the codebook listing of ``surveykit inspect`` (`describe`),
    the config skeleton of ``surveykit init`` (`skeleton`) and all-or-nothing output files
    (`outputs`).

May import
    `surveykit._core` only. No statistical layer depends on this one: computing a mean loads
    neither yaml nor jsonschema.
"""
