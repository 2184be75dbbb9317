"""Snakemake script of rule model: a thin wrapper around surveykit.pipeline.model."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.layout import stale_remover
from surveykit.pipeline.model import run_models

with exit_on_error(
    "surveykit model", log=snakemake.log[0],
    cleanup=stale_remover("model", snakemake.output[0]),
):
    run_models(
        snakemake.input.config,
        snakemake.input.harmonised,
        snakemake.input.concepts,
        snakemake.input.weights,
        snakemake.input.adjustments,
        snakemake.output.models,
        snakemake.output.odds_ratios,
        snakemake.output.effects,
        snakemake.output.predictions,
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
        imputation_parts=snakemake.input.imputations,
        robustness_parts=snakemake.input.robustness,
        categorical_parts=snakemake.input.categorical,
    )
