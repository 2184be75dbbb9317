"""Snakemake script of rule model_robustness: a group of folds of the robustness check
(a thin wrapper around surveykit.pipeline.model_parts)."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.layout import stale_remover
from surveykit.pipeline.model_parts import run_robustness_folds

with exit_on_error(
    "surveykit model", log=snakemake.log[0],
    cleanup=stale_remover("model_parts", snakemake.output.part),
):
    run_robustness_folds(
        snakemake.input.config,
        snakemake.input.harmonised,
        snakemake.input.concepts,
        snakemake.input.weights,
        snakemake.input.adjustments,
        snakemake.output.part,
        int(snakemake.wildcards.job),
        int(snakemake.wildcards.jobs),
        workflow_config={"seed": snakemake.params.seed,
                         "min_cell_n": snakemake.params.min_cell_n},
    )
