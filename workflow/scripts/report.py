"""Snakemake script of rule report: a thin wrapper around surveykit.pipeline.report."""

from pathlib import Path

from surveykit.cli import exit_on_error
from surveykit.pipeline.layout import stale_remover
from surveykit.pipeline.report import run_report

with exit_on_error(
    "surveykit report", log=snakemake.log[0],
    cleanup=stale_remover("report", snakemake.output[0]),
):
    models = snakemake.input.models
    tables = snakemake.input.model_tables
    strategies = snakemake.input.strategies
    run_report(
        snakemake.input.config,
        snakemake.input.concepts,
        snakemake.input.shares,
        snakemake.input.summary,
        snakemake.input.figures,
        snakemake.input.diagnostics,
        snakemake.input.weighting_margins[0] if snakemake.input.weighting_margins else None,
        models[0] if models else None,
        str(Path(tables[0]).parent) if tables else None,
        strategies[0] if strategies else None,
        snakemake.output.report,
        snakemake.output.slides,
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
    )
