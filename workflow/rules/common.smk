# Load and validate the workflow config, the survey sheet and every survey config.
# Validation uses the JSON Schemas shipped in the surveykit package (workflow/schemas/ links
# to them); surveykit's own loader runs first because its messages name key and fix.
import sys
from pathlib import Path

from snakemake.utils import validate

from surveykit import SurveyError
from surveykit.data.config import (
    check_workflow_paths,
    load_survey_config,
    load_surveys_sheet,
)
from surveykit.data.io import default_codebook_path, detect_format
from surveykit.data.schemas import validate as validate_schema
from surveykit.pipeline.model_parts import (
    categorical_model_job,
    imputation_chunk_count,
    robustness_job_count,
)
from surveykit.pipeline.settings import skipped_steps, weighting_method


def _fail(error):
    """Print a configuration error as one message and stop (no traceback)."""
    print(f"surveykit: error: {error}", file=sys.stderr)
    sys.exit(1)


try:
    # surveykit's own check first: its message names the key, a did-you-mean and the fix.
    validate_schema(dict(config), "config", "config/config.yaml")
    check_workflow_paths(config, "config/config.yaml")
except SurveyError as error:
    _fail(error)
validate(config, schema="../schemas/config.schema.json")
RESULTS = config.get("results", "results")
# The model step's fan-out (config/config.yaml; no effect on any result).
IMPUTATION_CHUNKS = config.get("imputation_chunks", "auto")
ROBUSTNESS_FOLD_JOBS = config.get("robustness_fold_jobs", "auto")

try:
    # Every file named in the configs lies inside the project or a declared data_dirs folder.
    DATA_DIRS = config.get("data_dirs", [])
    SURVEYS = {
        row["survey_id"]: load_survey_config(row["config"], data_dirs=DATA_DIRS)
        for row in load_surveys_sheet(config["surveys"], data_dirs=DATA_DIRS)
    }
except SurveyError as error:
    _fail(error)

for _survey_id, _survey in SURVEYS.items():
    validate(dict(_survey.spec), schema="../schemas/survey.schema.json")
    if _survey_id == "comparison":
        _fail(
            f"{config['surveys']}: 'comparison' is the name of the comparison's results "
            "folder; give the survey another id"
        )
    if _survey.id != _survey_id:
        _fail(
            f"{_survey.path}: id is {_survey.id!r} but {config['surveys']} lists it as "
            f"{_survey_id!r}; make them equal"
        )


wildcard_constraints:
    survey="|".join(SURVEYS) or "NO_SURVEY",


def survey_pattern(adjusted):
    """Wildcard pattern of the surveys that weight to margins (or of those that do not)."""
    ids = [
        survey_id
        for survey_id, survey in SURVEYS.items()
        if (weighting_method(survey) != "none") == adjusted
    ]
    return "|".join(ids) or "-"  # "-" is no survey id: the rule matches none


# Nothing is skipped in silence: say once, when the workflow loads, what is left out and why.
if workflow.is_main_process:
    for _survey in SURVEYS.values():
        for _notice in skipped_steps(_survey).values():
            print(f"surveykit: notice: {_notice}", file=sys.stderr)


def survey_config(wildcards):
    """The survey's YAML config (an input, so editing it reruns the steps)."""
    return str(SURVEYS[wildcards.survey].path)


def raw_inputs(wildcards):
    """The raw data file and, for CSV, its codebook (inputs of rule ingest)."""
    return raw_inputs_of(SURVEYS[wildcards.survey])


def raw_inputs_of(survey):
    """The raw files one survey config points to."""
    files = [str(survey.source_path)]
    if detect_format(survey.source_path, survey.source.get("format")) == "csv":
        files.append(
            str(survey.codebook_path or default_codebook_path(survey.source_path))
        )
    return files


def margins_files(wildcards):
    """The population margins files of a survey's weighting section."""
    survey = SURVEYS[wildcards.survey]
    weighting = survey.spec.get("weighting") or {}
    return [
        str(survey.resolve(entry["file"])) for entry in weighting.get("margins") or []
    ]


def population_file(wildcards):
    """The survey's official population series, if its config names one."""
    survey = SURVEYS[wildcards.survey]
    population = survey.spec.get("population")
    return [str(survey.resolve(population["file"]))] if population else []


def all_population_files():
    """Every survey's official population series (inputs of rule compare)."""
    return [
        str(survey.resolve(survey.spec["population"]["file"]))
        for survey in SURVEYS.values()
        if survey.spec.get("population")
    ]


def margins_table(wildcards):
    """The weight step's margins table, or nothing for a survey weighted as given."""
    if weighting_method(SURVEYS[wildcards.survey]) == "none":
        return []
    return [f"{RESULTS}/{wildcards.survey}/weighting/margins.csv"]


def model_tables(wildcards):
    """The model step's tables the figures draw, or none for a survey without models."""
    if not SURVEYS[wildcards.survey].spec.get("models"):
        return []
    base = f"{RESULTS}/{wildcards.survey}/tables"
    return [f"{base}/odds_ratios.csv", f"{base}/ame.csv", f"{base}/predictions.csv"]


def model_results(wildcards):
    """The model step's JSON, or nothing for a survey without models."""
    if not SURVEYS[wildcards.survey].spec.get("models"):
        return []
    return [f"{RESULTS}/{wildcards.survey}/models/models.json"]


def strategy_results(wildcards):
    """The strategies step's JSON, or nothing for a survey without strategies."""
    if not SURVEYS[wildcards.survey].spec.get("strategies"):
        return []
    return [f"{RESULTS}/{wildcards.survey}/strategies.json"]


def imputation_parts(wildcards):
    """The model step's imputation chunks (none: rule model computes the imputations)."""
    chunks = imputation_chunk_count(SURVEYS[wildcards.survey], IMPUTATION_CHUNKS)
    return [
        f"{RESULTS}/{wildcards.survey}/models/parts/imputations_{chunk}_of_{chunks}.json"
        for chunk in range(1, chunks + 1)
    ]


def robustness_parts(wildcards):
    """The robustness check's jobs, each a group of folds (none: rule model computes
    them)."""
    jobs = robustness_job_count(SURVEYS[wildcards.survey], ROBUSTNESS_FOLD_JOBS)
    return [
        f"{RESULTS}/{wildcards.survey}/models/parts/robustness_{job}_of_{jobs}.json"
        for job in range(1, jobs + 1)
    ]


def categorical_parts(wildcards):
    """The ordinal and multinomial models' job (none: rule model fits them)."""
    survey = SURVEYS[wildcards.survey]
    if not categorical_model_job(survey, IMPUTATION_CHUNKS, ROBUSTNESS_FOLD_JOBS):
        return []
    return [f"{RESULTS}/{wildcards.survey}/models/parts/categorical.json"]


def memory_mb(base, per_input_mb):
    """A job's memory request in MB: ``base`` for Python and the libraries plus
    ``per_input_mb`` times the size of its inputs (parquet files hold the data compressed;
    in memory, with the copies a step makes, it takes many times that). Override per rule
    with the profile's ``set-resources``."""

    def request(wildcards, input):
        return int(base + per_input_mb * input.size_mb)

    return request


def all_outputs():
    """Every final output of every survey in the sheet."""
    outputs = []
    for survey_id in SURVEYS:
        outputs += [
            f"{RESULTS}/{survey_id}/harmonised.parquet",
            f"{RESULTS}/{survey_id}/harmonise/report.json",
            f"{RESULTS}/{survey_id}/ingest/ingest_report.csv",
            f"{RESULTS}/{survey_id}/weights.parquet",
            f"{RESULTS}/{survey_id}/weighting/diagnostics.json",
            f"{RESULTS}/{survey_id}/tables/shares",
            f"{RESULTS}/{survey_id}/tables.xlsx",
            f"{RESULTS}/{survey_id}/figures",
            f"{RESULTS}/{survey_id}/report.html",
            f"{RESULTS}/{survey_id}/slides.pptx",
        ]
        if weighting_method(SURVEYS[survey_id]) != "none":
            outputs.append(f"{RESULTS}/{survey_id}/weighting/margins.csv")
        if SURVEYS[survey_id].spec.get("models"):
            outputs.append(f"{RESULTS}/{survey_id}/models/models.json")
        if SURVEYS[survey_id].spec.get("strategies"):
            outputs.append(f"{RESULTS}/{survey_id}/strategies.json")
    if SURVEYS:
        outputs.append(f"{RESULTS}/comparison")
    return outputs


try:
    for _survey in SURVEYS.values():
        for _raw in raw_inputs_of(_survey):
            if not Path(_raw).is_file():
                _fail(
                    f"{_raw}: file not found (source of survey {_survey.id!r} in "
                    f"{_survey.path}); put the file there or correct source.path / "
                    "source.codebook"
                )
except SurveyError as error:
    _fail(error)
