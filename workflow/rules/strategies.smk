rule strategies:
    """Handlungsstrategien: which conditions of the config's strategies the findings meet."""
    input:
        config=survey_config,
        shares=rules.estimate.output.shares,
        summary=rules.estimate.output.summary,
        models=model_tables,
    output:
        strategies=report(
            f"{RESULTS}/{{survey}}/strategies.json",
            caption="../report/strategies.rst",
            category="Strategies",
        ),
    log:
        f"{RESULTS}/{{survey}}/logs/strategies.log",
    benchmark:
        "benchmarks/{survey}/strategies.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=500, per_input_mb=0),
        runtime=10,
    script:
        "../scripts/strategies.py"
