"""Snakemake script of rule ingest: a thin wrapper around surveykit.pipeline.ingest."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.ingest import run_ingest
from surveykit.pipeline.layout import stale_remover

with exit_on_error(
    "surveykit ingest", log=snakemake.log[0],
    cleanup=stale_remover("ingest", snakemake.output[0]),
):
    run_ingest(
        snakemake.input.config,
        snakemake.output.data,
        snakemake.output.codebook,
        snakemake.output.report_json,
        snakemake.output.report_csv,
        processes=snakemake.threads,
    )
