rule compare:
    """Every survey of the sheet side by side, and each survey's areas (results/comparison/)."""
    input:
        configs=[str(survey.path) for survey in SURVEYS.values()],
        population=all_population_files(),
        concepts=expand(f"{RESULTS}/{{survey}}/harmonise/concepts.json", survey=SURVEYS),
        summaries=expand(f"{RESULTS}/{{survey}}/estimate/estimate.json", survey=SURVEYS),
        shares=expand(f"{RESULTS}/{{survey}}/tables/shares", survey=SURVEYS),
    output:
        comparison=report(
            directory(f"{RESULTS}/comparison"),
            patterns=["{name}.html"],
            caption="../report/comparison.rst",
            category="Comparison",
        ),
    log:
        f"{RESULTS}/logs/compare.log",
    benchmark:
        "benchmarks/compare.tsv"
    # After every job that leads to a survey's report, and in one process (threads: 1):
    # on a small machine it then runs beside the model gather, figures and report (one
    # core each, one after the other) instead of waiting for two free cores and holding
    # up the model gather (measured at 1M respondents on 2 cores: 5 s).
    priority: -1
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1500, per_input_mb=10),
        runtime=30,
    params:
        settings=config.get("comparison", {}),
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/compare.py"
