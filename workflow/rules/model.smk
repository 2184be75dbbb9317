# The model step fans out: the multiple imputations in `imputation_chunks` jobs, the
# robustness check's cross-validation folds in `robustness_fold_jobs` jobs and the ordinal
# and multinomial models in one job; rule model gathers them. Each part draws from its own
# random stream (seed and number), so the gathered result is the one-process result
# whatever the number of jobs.


rule model_imputations:
    """One chunk of the multiple imputations: the logit fitted on each imputed data set."""
    input:
        config=survey_config,
        harmonised=rules.harmonise.output.harmonised,
        concepts=rules.harmonise.output.concepts,
        weights=rules.weight.output.weights,
        adjustments=rules.weight.output.adjustments,
    output:
        part=f"{RESULTS}/{{survey}}/models/parts/imputations_{{chunk}}_of_{{chunks}}.json",
    log:
        f"{RESULTS}/{{survey}}/logs/model_imputations_{{chunk}}_of_{{chunks}}.log",
    benchmark:
        "benchmarks/{survey}/model_imputations_{chunk}_of_{chunks}.tsv"
    wildcard_constraints:
        chunk=r"\d+",
        chunks=r"\d+",
    # Among the longest jobs after the weight step (see estimate.smk).
    priority: 2
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=60,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/model_imputations.py"


rule model_robustness:
    """Cross-validation folds of the robustness check (gradient boosting vs logit)."""
    input:
        config=survey_config,
        harmonised=rules.harmonise.output.harmonised,
        concepts=rules.harmonise.output.concepts,
        weights=rules.weight.output.weights,
        adjustments=rules.weight.output.adjustments,
    output:
        part=f"{RESULTS}/{{survey}}/models/parts/robustness_{{job}}_of_{{jobs}}.json",
    log:
        f"{RESULTS}/{{survey}}/logs/model_robustness_{{job}}_of_{{jobs}}.log",
    benchmark:
        "benchmarks/{survey}/model_robustness_{job}_of_{jobs}.tsv"
    wildcard_constraints:
        job=r"\d+",
        jobs=r"\d+",
    # Shorter than an imputation chunk, longer than the categorical models.
    priority: 1
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=60,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/model_robustness.py"


rule model_categorical:
    """The ordinal model of intent and the multinomial model of destinations."""
    input:
        config=survey_config,
        harmonised=rules.harmonise.output.harmonised,
        concepts=rules.harmonise.output.concepts,
        weights=rules.weight.output.weights,
        adjustments=rules.weight.output.adjustments,
    output:
        part=f"{RESULTS}/{{survey}}/models/parts/categorical.json",
    log:
        f"{RESULTS}/{{survey}}/logs/model_categorical.log",
    benchmark:
        "benchmarks/{survey}/model_categorical.tsv"
    # The shortest of the parts: on a few cores it runs last (see estimate.smk).
    priority: 0
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=60,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/model_categorical.py"


rule model:
    """Models of migration intent: logit (with multiple imputation), ordinal, destination."""
    input:
        config=survey_config,
        harmonised=rules.harmonise.output.harmonised,
        concepts=rules.harmonise.output.concepts,
        weights=rules.weight.output.weights,
        adjustments=rules.weight.output.adjustments,
        imputations=imputation_parts,
        robustness=robustness_parts,
        categorical=categorical_parts,
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
        predictions=f"{RESULTS}/{{survey}}/tables/predictions.csv",
    log:
        f"{RESULTS}/{{survey}}/logs/model.log",
    benchmark:
        "benchmarks/{survey}/model.tsv"
    conda:
        "../../environment.yml"
    threads: 1
    resources:
        mem_mb=memory_mb(base=1000, per_input_mb=40),
        runtime=60,
    params:
        seed=config["seed"],
        min_cell_n=config["min_cell_n"],
    script:
        "../scripts/model.py"
