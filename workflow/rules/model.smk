rule model:
    """Models of migration intent: logit (with multiple imputation), ordinal, destination."""
    input:
        config=survey_config,
        harmonised=rules.harmonise.output.harmonised,
        concepts=rules.harmonise.output.concepts,
        margins=margins_files,
    output:
        models=f"{RESULTS}/{{survey}}/models/models.json",
        odds_ratios=report(
            f"{RESULTS}/{{survey}}/tables/odds_ratios.csv",
            caption="../report/odds_ratios.rst",
            category="Models",
        ),
        effects=report(
            f"{RESULTS}/{{survey}}/tables/ame.csv",
            caption="../report/ame.rst",
            category="Models",
        ),
    log:
        f"{RESULTS}/{{survey}}/logs/model.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/model.py"
