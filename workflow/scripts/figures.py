"""Snakemake script of rule figures: a thin wrapper around surveykit.pipeline.figures."""

from pathlib import Path

from surveykit.cli import exit_on_error
from surveykit.pipeline.figures import run_figures
from surveykit.pipeline.layout import stale_remover

with exit_on_error(
    "surveykit figures", log=snakemake.log[0],
    cleanup=stale_remover("figures", snakemake.output[0]),
):
    models = snakemake.input.models
    run_figures(
        snakemake.input.config,
        snakemake.input.concepts,
        snakemake.input.shares,
        snakemake.input.summary,
        snakemake.input.weights,
        snakemake.input.margins[0] if snakemake.input.margins else None,
        snakemake.input.diagnostics,
        str(Path(models[0]).parent) if models else None,
        snakemake.output.figures,
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
        workers=snakemake.threads,  # the figures are drawn in that many processes
        drawn=snakemake.input.drawn,  # rule figures_descriptive's
    )
