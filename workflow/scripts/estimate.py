"""Snakemake script of rule estimate: a thin wrapper around surveykit.pipeline.estimate."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.estimate import run_estimate
from surveykit.pipeline.layout import stale_remover

with exit_on_error(
    "surveykit estimate", log=snakemake.log[0],
    cleanup=stale_remover("estimate", snakemake.output[0]),
):
    run_estimate(
        snakemake.input.config,
        snakemake.input.harmonised,
        snakemake.input.concepts,
        snakemake.input.weights,
        snakemake.input.adjustments,
        snakemake.output.shares,
        snakemake.output.workbook,
        snakemake.output.summary,
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
    )
