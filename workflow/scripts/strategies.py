"""Snakemake script of rule strategies: a thin wrapper around surveykit.pipeline.strategies."""

from pathlib import Path

from surveykit.cli import exit_on_error
from surveykit.pipeline.layout import stale_remover
from surveykit.pipeline.strategies import run_strategies

with exit_on_error(
    "surveykit strategies", log=snakemake.log[0],
    cleanup=stale_remover("strategies", snakemake.output[0]),
):
    models = snakemake.input.models
    run_strategies(
        snakemake.input.config,
        snakemake.input.shares,
        str(Path(models[0]).parent) if models else None,
        snakemake.input.summary,
        snakemake.output.strategies,
    )
