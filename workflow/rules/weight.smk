rule weight:
    """Design weights adjusted to the population margins (rake, calibrate …), trimmed."""
    input:
        config=survey_config,
        harmonised=rules.harmonise.output.harmonised,
        concepts=rules.harmonise.output.concepts,
        margins=margins_files,
    output:
        weights=f"{RESULTS}/{{survey}}/weights.parquet",
        adjustments=f"{RESULTS}/{{survey}}/weighting/adjustments.npz",
        diagnostics=f"{RESULTS}/{{survey}}/weighting/diagnostics.json",
        margins=report(
            f"{RESULTS}/{{survey}}/weighting/margins.csv",
            caption="../report/weighting.rst",
            category="Weighting",
        ),
    log:
        f"{RESULTS}/{{survey}}/logs/weight.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/weight.py"
