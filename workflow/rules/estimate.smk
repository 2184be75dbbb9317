rule estimate:
    """Share tables by group with intervals, tests and suppression; priority matrix; workbook."""
    input:
        config=survey_config,
        harmonised=rules.harmonise.output.harmonised,
        concepts=rules.harmonise.output.concepts,
        weights=rules.weight.output.weights,
        adjustments=rules.weight.output.adjustments,
    output:
        shares=report(
            directory(f"{RESULTS}/{{survey}}/tables/shares"),
            patterns=["{name}.csv"],
            caption="../report/shares.rst",
            category="Tables",
        ),
        workbook=report(
            f"{RESULTS}/{{survey}}/tables.xlsx",
            caption="../report/workbook.rst",
            category="Tables",
        ),
        summary=f"{RESULTS}/{{survey}}/estimate/estimate.json",
    log:
        f"{RESULTS}/{{survey}}/logs/estimate.log",
    benchmark:
        "benchmarks/{survey}/estimate.tsv"
    # After the weight step all of estimate, model_imputations, model_robustness and
    # model_categorical are ready at once. On a few cores the longest go first (priority
    # 2: the estimate step and the imputation chunks, 1: the robustness folds, 0: the
    # categorical models), so that the cores finish together instead of one long job
    # running alone at the end (measured at 1M respondents on 2 cores: bench/README.md).
    priority: 2
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1500, per_input_mb=40),
        runtime=60,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/estimate.py"
