rule harmonise:
    """Map source variables to canonical concepts as the survey config declares."""
    input:
        config=survey_config,
        data=rules.ingest.output.data,
        codebook=rules.ingest.output.codebook,
    output:
        harmonised=f"{RESULTS}/{{survey}}/harmonised.parquet",
        concepts=f"{RESULTS}/{{survey}}/harmonise/concepts.json",
        report=report(
            f"{RESULTS}/{{survey}}/harmonise/report.json",
            caption="../report/harmonise.rst",
            category="Harmonise",
        ),
    log:
        f"{RESULTS}/{{survey}}/logs/harmonise.log",
    benchmark:
        "benchmarks/{survey}/harmonise.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=15,
    script:
        "../scripts/harmonise.py"
