"""The model step's fan-out: imputation chunks and robustness folds computed as separate jobs
and gathered give the one-process result byte for byte, whatever the number of chunks."""

from __future__ import annotations

import dataclasses
import inspect
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from conftest import ROOT

import surveykit as sk
from surveykit.data.config import load_survey_config
from surveykit.models import robustness
from surveykit.models.imputation import fit_imputations, fit_imputed, impute, pool_imputed
from surveykit.models.robustness import (
    FoldResult,
    robustness_check,
    robustness_folds,
    robustness_from_folds,
)
from surveykit.pipeline.harmonise import run_harmonise
from surveykit.pipeline.ingest import run_ingest
from surveykit.pipeline.model import ROBUSTNESS_FOLDS, run_models
from surveykit.pipeline.model_parts import (
    categorical_model_job,
    imputation_chunk,
    imputation_chunk_count,
    run_categorical_models,
    run_imputation_chunk,
    run_robustness_folds,
)
from surveykit.pipeline.weight import run_weight

CI_PROJECT = ROOT / ".test"
CONFIG = "config/surveys/example.yaml"  # relative to CI_PROJECT, as the workflow uses it
WORKFLOW = {"seed": 20261121, "min_cell_n": 30}
OUTPUTS = ("models.json", "odds_ratios.csv", "ame.csv", "predictions.csv")


@pytest.fixture(scope="module")
def weighted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The ingest, harmonise and weight steps of the CI sample (844 respondents)."""
    out = tmp_path_factory.mktemp("weighted")
    files = {name: out / name for name in (
        "data.parquet", "codebook.json", "ingest.json", "ingest.csv", "harmonised.parquet",
        "concepts.json", "harmonise.json", "weights.parquet", "adjustments.npz",
        "diagnostics.json", "margins.csv")}
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(CI_PROJECT)
        run_ingest(CONFIG, files["data.parquet"], files["codebook.json"], files["ingest.json"],
                   files["ingest.csv"])
        run_harmonise(CONFIG, files["data.parquet"], files["codebook.json"],
                      files["harmonised.parquet"], files["concepts.json"],
                      files["harmonise.json"])
        run_weight(CONFIG, files["harmonised.parquet"], files["concepts.json"],
                   files["weights.parquet"], files["adjustments.npz"],
                   files["diagnostics.json"], files["margins.csv"])
    return files


def _inputs(files: dict[str, Path]) -> list[Path]:
    return [files["harmonised.parquet"], files["concepts.json"], files["weights.parquet"],
            files["adjustments.npz"]]


def _run_models(files: dict[str, Path], out: Path, **parts: list[Path]) -> dict[str, bytes]:
    out.mkdir()
    targets = [out / name for name in OUTPUTS]
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(CI_PROJECT)
        run_models(CONFIG, *_inputs(files), *targets, workflow_config=WORKFLOW, **parts)
    return {target.name: target.read_bytes() for target in targets}


def test_gathered_parts_give_the_one_process_result_for_any_chunk_count(
        weighted: dict[str, Path], tmp_path: Path) -> None:
    whole = _run_models(weighted, tmp_path / "whole")
    m = json.loads(whole["models.json"])["binary"]["multiple_imputation"]["m"]
    assert m == 5
    fold_jobs = {}  # jobs → their part files
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(CI_PROJECT)
        for jobs in (ROBUSTNESS_FOLDS, 2):
            fold_jobs[jobs] = [tmp_path / f"robustness_{job}_of_{jobs}.json"
                               for job in range(1, jobs + 1)]
            for job, path in enumerate(fold_jobs[jobs], start=1):
                run_robustness_folds(CONFIG, *_inputs(weighted), path, job, jobs,
                                     workflow_config=WORKFLOW)
        categorical = tmp_path / "categorical.json"
        run_categorical_models(CONFIG, *_inputs(weighted), categorical,
                               workflow_config=WORKFLOW)
    assert [len(json.loads(path.read_text(encoding="utf-8"))["fold_results"])
            for path in fold_jobs[2]] == [3, 2]
    assert sorted(json.loads(categorical.read_text(encoding="utf-8"))["sections"]) == [
        "destination", "ordinal"]
    alone = _run_models(weighted, tmp_path / "categorical_alone",
                        categorical_parts=[categorical])
    for name in OUTPUTS:
        assert alone[name] == whole[name], f"{name} differs with the categorical part"
    for chunks, folds in ((1, fold_jobs[ROBUSTNESS_FOLDS]), (2, fold_jobs[2]),
                          (m, fold_jobs[2])):
        chunk_files = []
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(CI_PROJECT)
            for chunk in range(1, chunks + 1):
                chunk_files.append(tmp_path / f"imputations_{chunk}_of_{chunks}.json")
                run_imputation_chunk(CONFIG, *_inputs(weighted), chunk_files[-1], chunk,
                                     chunks, workflow_config=WORKFLOW)
        # Reversed order of the files: the gather orders imputations and folds itself.
        gathered = _run_models(weighted, tmp_path / f"gathered{chunks}",
                               imputation_parts=chunk_files[::-1],
                               robustness_parts=folds[::-1], categorical_parts=[categorical])
        for name in OUTPUTS:
            assert gathered[name] == whole[name], f"{name} differs with {chunks} chunks"


def test_parts_that_do_not_fit_are_refused(weighted: dict[str, Path], tmp_path: Path) -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(CI_PROJECT)
        first = tmp_path / "imputations_1_of_2.json"
        run_imputation_chunk(CONFIG, *_inputs(weighted), first, 1, 2, workflow_config=WORKFLOW)
        fold = tmp_path / "robustness_1_of_5.json"
        run_robustness_folds(CONFIG, *_inputs(weighted), fold, 1, 5, workflow_config=WORKFLOW)
    with pytest.raises(sk.DataError, match=r"lack imputations \[3, 4\] of m = 5"):
        _run_models(weighted, tmp_path / "half", imputation_parts=[first])
    with pytest.raises(sk.DataError, match=r"folds \[1\], not each of 1 … 5 once"):
        _run_models(weighted, tmp_path / "one_fold", robustness_parts=[fold])
    with pytest.raises(sk.DataError, match=r"folds \[1, 1\], not each of 1 … 5 once"):
        _run_models(weighted, tmp_path / "twice", robustness_parts=[fold, fold])
    single = json.loads(fold.read_text(encoding="utf-8"))
    old = tmp_path / "robustness_1_of_5_old.json"  # as a one-fold part of older versions
    old.write_text(json.dumps({**{k: v for k, v in single.items() if k != "fold_results"},
                               **single["fold_results"][0]}), encoding="utf-8")
    with pytest.raises(sk.DataError, match=r"_old\.json: holds no list of folds, as the "
                       "parts of older versions; delete it and rerun"):
        _run_models(weighted, tmp_path / "old", robustness_parts=[old])
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(CI_PROJECT)
        categorical = tmp_path / "categorical.json"
        run_categorical_models(CONFIG, *_inputs(weighted), categorical,
                               workflow_config=WORKFLOW)
    with pytest.raises(sk.DataError, match="in one file, not 2"):
        _run_models(weighted, tmp_path / "two", categorical_parts=[categorical, categorical])
    document = json.loads(categorical.read_text(encoding="utf-8"))
    del document["sections"]["destination"]
    categorical.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(sk.DataError, match=r"categorical\.json: holds the model sections "
                       r"\['ordinal'\], but .*example\.yaml asks for \['destination', "
                       r"'ordinal'\]; rerun"):
        _run_models(weighted, tmp_path / "sections", categorical_parts=[categorical])
    # A part left from a run with another seed (here: edited) is not mixed in.
    stale = json.loads(first.read_text(encoding="utf-8"))
    first.write_text(json.dumps({**stale, "seed": 7}), encoding="utf-8")
    with pytest.raises(sk.DataError, match=r"imputations_1_of_2\.json: made for survey "
                       r"'example' with seed 7, not for 'example' with seed 20261121; "
                       "delete it and rerun"):
        _run_models(weighted, tmp_path / "seed", imputation_parts=[first])
    assert not any((tmp_path / "seed").iterdir())  # nothing written


def test_the_weight_and_model_steps_read_their_columns_alone_with_the_same_results(
        weighted: dict[str, Path], tmp_path: Path) -> None:
    """Reading only the columns a step needs (`surveykit.pipeline.columns`) gives every
    output byte for byte as reading all of them."""
    import surveykit.pipeline.model as model_step
    import surveykit.pipeline.model_parts as parts_step
    import surveykit.pipeline.weight as weight_step
    from surveykit.pipeline.columns import model_columns, weighting_columns

    config = load_survey_config(CI_PROJECT / CONFIG, root=CI_PROJECT)
    concepts = json.loads(weighted["concepts.json"].read_text(encoding="utf-8"))
    every = list(pd.read_parquet(weighted["harmonised.parquet"]).columns)
    for columns, needed in ((model_columns, {"willing_to_move", "age_group", "intent",
                                             "destination", "design_weight"}),
                            (weighting_columns, {"age_group", "sex", "design_weight"})):
        read = columns(config)(concepts) & set(every)
        assert needed <= read and len(read) < len(every) / 2, sorted(read)

    def outputs(directory: Path, all_columns: bool) -> dict[str, bytes]:
        directory.mkdir()
        weights = [directory / name for name in ("weights.parquet", "adjustments.npz",
                                                 "diagnostics.json", "margins.csv")]
        with pytest.MonkeyPatch.context() as patch:
            patch.chdir(CI_PROJECT)
            if all_columns:
                for module, name in ((model_step, "model_columns"),
                                     (parts_step, "model_columns"),
                                     (weight_step, "weighting_columns")):
                    patch.setattr(module, name, lambda config: lambda concepts: None)
            run_weight(CONFIG, weighted["harmonised.parquet"], weighted["concepts.json"],
                       *weights)
            inputs = [weighted["harmonised.parquet"], weighted["concepts.json"], *weights[:2]]
            run_imputation_chunk(CONFIG, *inputs, directory / "chunk.json", 1, 2,
                                 workflow_config=WORKFLOW)
            run_robustness_folds(CONFIG, *inputs, directory / "folds.json", 1, 5,
                                 workflow_config=WORKFLOW)
            run_categorical_models(CONFIG, *inputs, directory / "categorical.json",
                                   workflow_config=WORKFLOW)
            run_models(CONFIG, *inputs, *(directory / name for name in OUTPUTS),
                       workflow_config=WORKFLOW)
        return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}

    alone, everything = outputs(tmp_path / "alone", False), outputs(tmp_path / "all", True)
    assert sorted(alone) == sorted(everything) and len(alone) == 11
    for name, content in alone.items():
        assert content == everything[name], f"{name} differs when all columns are read"


def test_the_columns_a_step_reads_are_found_in_its_config_and_files(tmp_path: Path) -> None:
    from surveykit.pipeline.columns import model_columns, weighting_columns
    from surveykit.pipeline.harmonise import read_harmonised

    config = load_survey_config(CI_PROJECT / CONFIG, root=CI_PROJECT)
    # the concepts `models` names (config references), not its numbers or level names
    assert model_columns(config)({"design": {"weights": "w", "ids": ["psu"]}}) == {
        "willing_to_move", "intent", "destination", "age_group", "qualification", "commuter",
        "leisure_satisfaction", "participation_wish", "children", "home_owner", "female",
        "migration_background", "w", "psu"}
    frame = pd.DataFrame({"z": [1.0], "design_weight": [2.0], "a": ["x"], "b": [3]})
    frame.to_parquet(tmp_path / "h.parquet", index=False)
    (tmp_path / "c.json").write_text(json.dumps({"design": {"weights": "design_weight"}}),
                                     encoding="utf-8")
    data, _ = read_harmonised(tmp_path / "h.parquet", tmp_path / "c.json",
                              lambda concepts: {"b", "unknown",
                                                concepts["design"]["weights"]})
    assert list(data.columns) == ["design_weight", "b"]  # the file's order; unknown: none
    margins = tmp_path / "margins.csv"
    margins.write_text("\ufeff age_group , sex,population\n18-29,male,10\n", encoding="utf-8")
    spec = {**config.spec, "weighting": {**config.spec["weighting"],
                                         "margins": [{"file": str(margins)}]}}
    edited = dataclasses.replace(config, spec=spec)
    assert {"age_group", "sex", "design_weight"} == weighting_columns(edited)(
        {"design": {"weights": "design_weight"}})
    missing = dataclasses.replace(config, spec={**spec, "weighting": {
        **spec["weighting"], "margins": [{"file": str(tmp_path / "nowhere.csv")}]}})
    assert weighting_columns(missing)({"design": {}}) is None  # all: the step reports it


def test_chunks_split_the_imputations_evenly_and_never_exceed_them() -> None:
    assert [imputation_chunk(20, 3, k) for k in (1, 2, 3)] == [
        list(range(0, 7)), list(range(7, 14)), list(range(14, 20))]
    assert [imputation_chunk(5, 5, k) for k in range(1, 6)] == [[0], [1], [2], [3], [4]]
    config = load_survey_config(CI_PROJECT / CONFIG, root=CI_PROJECT)
    assert imputation_chunk_count(config, 4) == 4
    assert imputation_chunk_count(config, 50) == 5  # models.imputations: 5
    assert imputation_chunk_count(config, 0) == 0
    with pytest.raises(sk.ConfigError, match="imputation_chunks is -1; use a whole number"):
        imputation_chunk_count(config, -1)
    with pytest.raises(sk.ConfigError, match="imputation chunk 4 of 3 does not exist"):
        imputation_chunk(20, 3, 4)


def test_robustness_jobs_split_the_folds_evenly() -> None:
    from surveykit.pipeline.model_parts import robustness_job_folds

    assert [robustness_job_folds(2, job) for job in (1, 2)] == [[1, 2, 3], [4, 5]]
    assert [robustness_job_folds(5, job) for job in range(1, 6)] == [[1], [2], [3], [4], [5]]
    assert robustness_job_folds(1, 1) == [1, 2, 3, 4, 5]
    with pytest.raises(sk.ConfigError, match="robustness job 3 of 2 does not exist"):
        robustness_job_folds(2, 3)
    with pytest.raises(sk.ConfigError, match="robustness job 1 of 6 does not exist"):
        robustness_job_folds(6, 1)


def test_auto_fans_out_a_survey_by_its_respondents_on_file(monkeypatch, tmp_path) -> None:
    """``auto`` (the default) reads the respondents from the raw file's header (SPSS) or
    its lines (CSV) and fans the model step out from FAN_OUT_RESPONDENTS on; a file it
    cannot read counts as 0 (the ingest step reports it), and other values are refused."""
    from surveykit.pipeline import model_parts

    example = load_survey_config(ROOT / "config/surveys/example.yaml", root=ROOT)
    gruenfelde = load_survey_config(ROOT / "config/surveys/gruenfelde.yaml", root=ROOT)
    raw = pd.read_csv(ROOT / "data/raw/gruenfelde_survey.csv", dtype=str)
    assert model_parts.respondents_on_file(gruenfelde) == len(raw) == 893
    respondents = model_parts.respondents_on_file(example)
    assert respondents == len(pd.read_spss(ROOT / "data/raw/example_survey.sav"))
    count = model_parts.robustness_job_count
    assert imputation_chunk_count(example, "auto") == 0
    assert count(example, "auto") == 0
    monkeypatch.setattr(model_parts, "FAN_OUT_RESPONDENTS", respondents)
    assert imputation_chunk_count(example, "auto") == model_parts.AUTO_CHUNKS
    assert count(example, "auto") == model_parts.AUTO_FOLD_JOBS < ROBUSTNESS_FOLDS
    assert imputation_chunk_count(gruenfelde, "auto") == 0   # 893 < 4,000-odd
    # the ordinal and multinomial models get their job where the model step fans out
    assert categorical_model_job(example, "auto", "auto")
    assert categorical_model_job(example, 0, True) and categorical_model_job(example, 2, False)
    assert categorical_model_job(example, 0, 2)
    assert not categorical_model_job(example, 0, False)
    assert not categorical_model_job(gruenfelde, "auto", "auto")
    assert count(example, False) == 0 and count(example, True) == ROBUSTNESS_FOLDS
    assert count(example, 2) == 2 and count(example, 9) == ROBUSTNESS_FOLDS
    for name, content in (("broken.sav", b"not an SPSS file"), ("portable.por", b"x")):
        (tmp_path / name).write_bytes(content)
        assert model_parts._respondents_on_file(str(tmp_path / name), 1, 1) == 0
    with pytest.raises(sk.ConfigError, match="robustness_fold_jobs is 'yes'; use true"):
        count(example, "yes")
    with pytest.raises(sk.ConfigError, match="robustness_fold_jobs is -1; use true"):
        count(example, -1)
    with pytest.raises(sk.ConfigError, match="imputation_chunks is 'many'; use a whole"):
        imputation_chunk_count(example, "many")


# --------------------------------------------------------------------------- the library


def _design(n: int = 600, seed: int = 3) -> sk.SurveyDesign:
    rng = np.random.default_rng(seed)
    region = rng.choice(["A", "B", "C"], n)
    x = rng.normal(size=n)
    y = (rng.random(n) < 1 / (1 + np.exp(-(0.8 * x + 0.5 * (region == "B"))))).astype(float)
    x_seen = np.where(rng.random(n) < 0.2, np.nan, x)
    frame = pd.DataFrame({"y": y, "x": x_seen, "region": pd.Categorical(region),
                          "w": rng.uniform(0.5, 2.0, n)})
    return sk.SurveyDesign(frame, weights="w")


def test_imputation_i_is_the_same_alone_or_among_all() -> None:
    design = _design()
    data = design.data
    every = impute(data, ["y", "x", "region"], m=6, seed=9)
    some = impute(data, ["y", "x", "region"], m=6, seed=9, only=[4, 1])
    pd.testing.assert_frame_equal(some[0], every[4])
    pd.testing.assert_frame_equal(some[1], every[1])
    with pytest.raises(sk.ArgumentError, match=r"only=\[6\] must list distinct imputation "
                       r"numbers from 0 to 5"):
        impute(data, ["x"], m=6, only=[6])


def test_pooling_fits_from_separate_jobs_equals_fit_imputed() -> None:
    design = _design()
    whole = fit_imputed(design, "y ~ x + region", m=6, seed=9)
    fits = [fit for part in ([0, 1, 2], [3], [4, 5])
            for fit in fit_imputations(design, "y ~ x + region", m=6, seed=9, only=part)]
    pooled = pool_imputed(design, "y ~ x + region", [f.params for f in fits],
                          [f.cov for f in fits], [f.df_resid for f in fits], seed=9)
    pd.testing.assert_frame_equal(pooled.summary(), whole.summary(), check_exact=True)
    pd.testing.assert_frame_equal(pooled.comparison(), whole.comparison(), check_exact=True)
    assert pooled.imputed == whole.imputed == {"x": int(design.data["x"].isna().sum())}


def test_robustness_folds_from_separate_jobs_equal_the_check() -> None:
    design = _design()
    predictors = ["x", "region"]
    design = design.subset(design.data["x"].notna())
    whole = robustness_check(design, "y", predictors, seed=4, n_repeats=2)
    parts = [FoldResult.from_dict(json.loads(json.dumps(part.to_dict())))
             for k in (5, 3, 1, 4, 2)
             for part in robustness_folds(design, "y", predictors, seed=4, n_repeats=2,
                                          only=[k])]
    gathered = robustness_from_folds(design, "y", predictors, parts, seed=4)
    pd.testing.assert_frame_equal(gathered.metrics, whole.metrics, check_exact=True)
    pd.testing.assert_frame_equal(gathered.importance, whole.importance, check_exact=True)
    pd.testing.assert_frame_equal(gathered.fold_metrics, whole.fold_metrics,
                                  check_exact=True)
    assert gathered.verdict == whole.verdict
    other = robustness_folds(design, "y", predictors, seed=5, n_repeats=2, only=[1])
    with pytest.raises(sk.DataError, match="fold 1 was computed on other respondents or "
                       "another fold assignment"):
        robustness_from_folds(design, "y", predictors,
                              [*other, *(part for part in parts if part.fold != 1)], seed=4)
    first_used = int(np.flatnonzero(np.asarray(design.weights) > 0)[0])
    fewer = design.subset(np.arange(len(design.weights)) != first_used)  # one less
    with pytest.raises(sk.DataError, match="fold 1 was computed on other respondents"):
        robustness_from_folds(fewer, "y", predictors, parts, seed=4)
    # a part an older version of the check made (another FOLD_METHOD) is refused too
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(robustness, "FOLD_METHOD", "1")
        older = robustness_folds(design, "y", predictors, seed=4, n_repeats=2, only=[3])
    with pytest.raises(sk.DataError, match=r"fold 3 was .* \(or by an older version"):
        robustness_from_folds(design, "y", predictors,
                              [*older, *(part for part in parts if part.fold != 3)], seed=4)


def test_fold_parts_must_cover_every_complete_case_once() -> None:
    design = _design()
    design = design.subset(design.data["x"].notna())
    parts = robustness_folds(design, "y", ["x", "region"], seed=4, n_repeats=1)
    first, second = parts[0], parts[1]
    overlapping = dataclasses.replace(first, test=np.union1d(first.test, second.test[:1]))
    # fold 2's first respondent is claimed by fold 1 too: found at fold 2
    with pytest.raises(sk.DataError, match="fold 2 was computed on other respondents"):
        robustness_from_folds(design, "y", ["x", "region"], [overlapping, *parts[1:]], seed=4)
    short = dataclasses.replace(second, test=second.test[1:])
    with pytest.raises(sk.DataError, match="leave 1 complete respondents out"):
        robustness_from_folds(design, "y", ["x", "region"],
                              [first, short, *parts[2:]], seed=4)
    with pytest.raises(sk.DataError, match=r"parts are folds \[1, 2, 3, 4\]"):
        robustness_from_folds(design, "y", ["x", "region"], parts[:4], seed=4)


def test_gathering_the_folds_imports_no_scikit_learn(tmp_path: Path) -> None:
    design = _design()
    design = design.subset(design.data["x"].notna())
    parts = robustness_folds(design, "y", ["x", "region"], seed=4, n_repeats=1)
    (tmp_path / "parts.json").write_text(json.dumps([p.to_dict() for p in parts]))
    # the same design in a fresh process (`_design`'s code), then the parts gathered there
    script = "\n".join([
        "import json, sys",
        "import numpy as np, pandas as pd",
        "import surveykit as sk",
        "import surveykit.pipeline.model",
        "from surveykit.models.robustness import FoldResult, robustness_from_folds",
        inspect.getsource(_design),
        "design = _design()",
        "design = design.subset(design.data['x'].notna())",
        f"records = json.load(open({str(tmp_path / 'parts.json')!r}))",
        "parts = [FoldResult.from_dict(record) for record in records]",
        "result = robustness_from_folds(design, 'y', ['x', 'region'], parts, seed=4)",
        "print(result.n, [m for m in sys.modules if m.split('.')[0] == 'sklearn'])",
    ])
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == [str(sum(len(part.test) for part in parts)), "[]"]


def test_a_folds_arrays_read_back_bit_for_bit_and_old_parts_are_refused() -> None:
    rng = np.random.default_rng(3)
    predictions = rng.random(1001)
    predictions[:3] = [0.0, 1.0, np.nextafter(0.5, 1.0)]
    part = FoldResult(2, np.arange(5, 2007, 2, dtype=np.int64),
                      {"logit": predictions, "boosting": predictions[::-1].copy()},
                      [{"fold": 2, "model": "logit"}], {"logit": [[0.1, 0.2]]})
    record = json.loads(json.dumps(part.to_dict()))
    assert record["test"]["dtype"] == "int64" and record["test"]["length"] == 1001
    back = FoldResult.from_dict(record)
    assert np.array_equal(back.test, part.test) and back.test.dtype == np.int64
    for model in ("logit", "boosting"):
        assert back.predictions[model].tobytes() == part.predictions[model].tobytes()
    old = {**record, "test": part.test.tolist()}  # as parts before the base64 form
    with pytest.raises(sk.DataError, match="another form than this version writes"):
        FoldResult.from_dict(old)
    keyless = {name: value for name, value in record.items() if name != "key"}
    with pytest.raises(sk.DataError, match="holds no key of what it was made from"):
        FoldResult.from_dict(keyless)
    short = {**record, "test": {**record["test"], "length": 1000}}
    with pytest.raises(sk.DataError, match="holds 1001 values where it says 1000"):
        FoldResult.from_dict(short)
