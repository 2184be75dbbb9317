"""Snakemake script of rule ingest: a thin wrapper around surveykit.pipeline.ingest."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.ingest import run_ingest

with exit_on_error("surveykit ingest", log=snakemake.log[0]):
    run_ingest(
        snakemake.input.config,
        snakemake.output.data,
        snakemake.output.codebook,
        snakemake.output.report_json,
        snakemake.output.report_csv,
    )
