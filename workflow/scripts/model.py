"""Snakemake script of rule model: a thin wrapper around surveykit.steps.run_models."""

from surveykit.cli import exit_on_error
from surveykit.steps import run_models

with exit_on_error("surveykit model", log=snakemake.log[0]):
    run_models(
        snakemake.input.config,
        snakemake.input.harmonised,
        snakemake.input.concepts,
        snakemake.output.models,
        snakemake.output.odds_ratios,
        snakemake.output.effects,
    )
