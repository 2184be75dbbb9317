"""Snakemake script of rule weight: a thin wrapper around surveykit.pipeline.weight."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.layout import stale_remover
from surveykit.pipeline.weight import run_weight

with exit_on_error(
    "surveykit weight", log=snakemake.log[0],
    cleanup=stale_remover("weight", snakemake.output[0]),
):
    run_weight(
        snakemake.input.config,
        snakemake.input.harmonised,
        snakemake.input.concepts,
        snakemake.output.weights,
        snakemake.output.adjustments,
        snakemake.output.diagnostics,
        snakemake.output.get("margins"),  # only when weighting to margins
    )
