rule report:
    """The German (or English) report: key findings, chapters, strategies, methods."""
    input:
        config=survey_config,
        population=population_file,
        raw=raw_inputs,
        margins=margins_files,
        concepts=rules.harmonise.output.concepts,
        shares=rules.estimate.output.shares,
        summary=rules.estimate.output.summary,
        figures=rules.figures.output.figures,
        diagnostics=rules.weight.output.diagnostics,
        weighting_margins=margins_table,
        models=model_results,
        model_tables=model_tables,
        strategies=strategy_results,
    output:
        report=report(
            f"{RESULTS}/{{survey}}/report.html",
            caption="../report/report.rst",
            category="Report",
        ),
        slides=report(
            f"{RESULTS}/{{survey}}/slides.pptx",
            caption="../report/slides.rst",
            category="Report",
        ),
    log:
        f"{RESULTS}/{{survey}}/logs/report.log",
    benchmark:
        "benchmarks/{survey}/report.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=20),
        runtime=30,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/report.py"
