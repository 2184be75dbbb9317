rule ingest:
    """Read the raw survey file with its codebook; never modify it."""
    input:
        config=survey_config,
        raw=raw_inputs,
    output:
        data=f"{RESULTS}/{{survey}}/ingest/data.parquet",
        codebook=f"{RESULTS}/{{survey}}/ingest/codebook.json",
        report_json=f"{RESULTS}/{{survey}}/ingest/ingest_report.json",
        report_csv=report(
            f"{RESULTS}/{{survey}}/ingest/ingest_report.csv",
            caption="../report/ingest.rst",
            category="Ingest",
        ),
    log:
        f"{RESULTS}/{{survey}}/logs/ingest.log",
    benchmark:
        "benchmarks/{survey}/ingest.tsv"
    conda:
        "../../environment.yml"
    # two processes parse a large SPSS file (from 200,000 cases) in about 60 % of the time
    threads: 2
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=20),
        runtime=15,
    script:
        "../scripts/ingest.py"
