"""Snakemake script of rule compare: a thin wrapper around surveykit.pipeline.compare."""

from surveykit.cli import exit_on_error
from surveykit.pipeline.compare import ComparisonInput, run_compare

with exit_on_error("surveykit compare", log=snakemake.log[0]):
    inputs = [
        ComparisonInput(config, concepts, summary, shares)
        for config, concepts, summary, shares in zip(
            snakemake.input.configs, snakemake.input.concepts,
            snakemake.input.summaries, snakemake.input.shares, strict=True)
    ]
    # threads: the figures are drawn in that many processes
    run_compare(inputs, snakemake.output.comparison,
                {"min_cell_n": snakemake.params.min_cell_n, **snakemake.params.settings,
                 "threads": snakemake.threads})
