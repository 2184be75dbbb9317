"""Snakemake script of rule harmonise: a thin wrapper around surveykit.pipeline.harmonise."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.harmonise import run_harmonise
from surveykit.pipeline.layout import stale_remover

with exit_on_error(
    "surveykit harmonise", log=snakemake.log[0],
    cleanup=stale_remover("harmonise", snakemake.output[0]),
):
    run_harmonise(
        snakemake.input.config,
        snakemake.input.data,
        snakemake.input.codebook,
        snakemake.output.harmonised,
        snakemake.output.concepts,
        snakemake.output.report,
    )
