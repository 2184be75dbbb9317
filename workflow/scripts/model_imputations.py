"""Snakemake script of rule model_imputations: one chunk of the multiple imputations
(a thin wrapper around surveykit.pipeline.model_parts)."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.layout import stale_remover
from surveykit.pipeline.model_parts import run_imputation_chunk

with exit_on_error(
    "surveykit model", log=snakemake.log[0],
    cleanup=stale_remover("model_parts", snakemake.output.part),
):
    run_imputation_chunk(
        snakemake.input.config,
        snakemake.input.harmonised,
        snakemake.input.concepts,
        snakemake.input.weights,
        snakemake.input.adjustments,
        snakemake.output.part,
        int(snakemake.wildcards.chunk),
        int(snakemake.wildcards.chunks),
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
    )
