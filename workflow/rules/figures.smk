rule figures_descriptive:
    """The figures that need no model, drawn while the models are fitted (rule figures
    takes them over and draws the model figures beside them)."""
    input:
        config=survey_config,
        population=population_file,
        concepts=rules.harmonise.output.concepts,
        shares=rules.estimate.output.shares,
        summary=rules.estimate.output.summary,
        weights=rules.weight.output.weights,
        margins=margins_table,
        diagnostics=rules.weight.output.diagnostics,
    output:
        figures=temp(directory(f"{RESULTS}/{{survey}}/figures_descriptive")),
    log:
        f"{RESULTS}/{{survey}}/logs/figures_descriptive.log",
    benchmark:
        "benchmarks/{survey}/figures_descriptive.tsv"
    # After the model parts, in one process: on a few cores it then runs beside the last
    # of them and the model gather (which wait for nothing it makes), not before them.
    priority: -1
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=30,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/figures_descriptive.py"


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
        drawn=rules.figures_descriptive.output.figures,
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
    # Before the strategies step where both wait for a core: the report waits for the
    # figures, which take longer.
    priority: 1
    conda:
        "../../environment.yml"
    # Only the model figures are drawn here, in one process: the strategies step runs
    # beside it.
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=30,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/figures.py"
