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
    benchmark:
        "benchmarks/{survey}/weight.tsv"
    wildcard_constraints:
        survey=survey_pattern(adjusted=True),
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=30,
    script:
        "../scripts/weight.py"


# weighting: none (a survey that brings its own weight): the weights as given, trimmed if
# asked, and no margins table, since there are no margins to compare with.
use rule weight as weight_as_given with:
    output:
        weights=f"{RESULTS}/{{survey}}/weights.parquet",
        adjustments=f"{RESULTS}/{{survey}}/weighting/adjustments.npz",
        diagnostics=f"{RESULTS}/{{survey}}/weighting/diagnostics.json",
    wildcard_constraints:
        survey=survey_pattern(adjusted=False),
