"""Snakemake script of rule model_categorical: the ordinal and multinomial models
(a thin wrapper around surveykit.pipeline.model_parts)."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.layout import stale_remover
from surveykit.pipeline.model_parts import run_categorical_models

with exit_on_error(
    "surveykit model", log=snakemake.log[0],
    cleanup=stale_remover("model_parts", snakemake.output.part),
):
    run_categorical_models(
        snakemake.input.config,
        snakemake.input.harmonised,
        snakemake.input.concepts,
        snakemake.input.weights,
        snakemake.input.adjustments,
        snakemake.output.part,
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
    )
