"""Snakemake script of rule figures_descriptive: a thin wrapper around
surveykit.pipeline.figures.run_descriptive_figures."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.figures import run_descriptive_figures
from surveykit.pipeline.layout import stale_remover

with exit_on_error(
    "surveykit figures", log=snakemake.log[0],
    cleanup=stale_remover("figures_descriptive", snakemake.output[0]),
):
    run_descriptive_figures(
        snakemake.input.config,
        snakemake.input.concepts,
        snakemake.input.shares,
        snakemake.input.summary,
        snakemake.input.weights,
        snakemake.input.margins[0] if snakemake.input.margins else None,
        snakemake.input.diagnostics,
        snakemake.output.figures,
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
        workers=snakemake.threads,
    )
