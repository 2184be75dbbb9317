rule figures:
    """Figures (SVG and PNG) from the published tables, the weights and the models."""
    input:
        config=survey_config,
        population=population_file,
        concepts=rules.harmonise.output.concepts,
        shares=rules.estimate.output.shares,
        summary=rules.estimate.output.summary,
        weights=rules.weight.output.weights,
        margins=margins_table,
        diagnostics=rules.weight.output.diagnostics,
        models=model_tables,
    output:
        figures=report(
            directory(f"{RESULTS}/{{survey}}/figures"),
            patterns=["{name}.png"],
            caption="../report/figures.rst",
            category="Figures",
        ),
    log:
        f"{RESULTS}/{{survey}}/logs/figures.log",
    benchmark:
        "benchmarks/{survey}/figures.tsv"
    conda:
        "../../environment.yml"
    # Drawn in two processes: the step runs near the end, when the other cores are free.
    threads: 2
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=30,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/figures.py"
