"""Fuzzing (issue 13): damaged .sav and CSV bytes, survey configs and margins files.

The only exceptions that may leave the library are `SurveyError`s, and the command line
always ends with one message and exit status 1 (never a traceback, never status 2). The
damage is drawn by Hypothesis with ``derandomize=True``, so every run tries the same
inputs and CI stays deterministic; the numbers of examples keep the module under a minute.
What it found is kept as explicit regression cases at the end of this file.
"""

from __future__ import annotations

import contextlib
import io
import os
from pathlib import Path

import pandas as pd
import pytest
import yaml
from conftest import EXAMPLE_CODEBOOK, EXAMPLE_CONFIG, EXAMPLE_CSV, ROOT, copy_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveykit._core.errors import SurveyError
from surveykit.cli import main
from surveykit.data.config import load_survey_config
from surveykit.data.harmonisation import harmonise
from surveykit.data.ingestion import ingest
from surveykit.data.io import read_survey
from surveykit.weighting.margins import read_margins

SMALL_SAV = ROOT / ".test" / "data" / "raw" / "example_survey.sav"
MARGINS = ROOT / "config" / "margins" / "example_municipality.csv"
#: More examples for a longer hunt than CI's (``SURVEYKIT_FUZZ_SCALE=20 pytest …``).
SCALE = int(os.environ.get("SURVEYKIT_FUZZ_SCALE", "1"))
FUZZ = settings(derandomize=True, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow,
                                       HealthCheck.function_scoped_fixture])

#: One damage: (kind, where as a fraction of the length, bytes to put there).
DAMAGE = st.tuples(st.sampled_from(["flip", "insert", "delete", "truncate", "duplicate"]),
                   st.floats(0, 1), st.binary(min_size=1, max_size=8))
#: Bytes that matter in text formats: separators, quotes, line ends, YAML syntax, digits.
TEXT_BYTES = st.binary(min_size=1, max_size=6) | st.sampled_from(
    [b",", b";", b"\"", b"\n", b"\r", b":", b"- ", b"{", b"[", b"&a", b"*a", b"!!python/",
     b"-1", b"1e308", b"nan", b"\xff", b"\t", b"  ", b"#", b"'"]).map(bytes)
TEXT_DAMAGE = st.tuples(st.sampled_from(["flip", "insert", "delete", "duplicate"]),
                        st.floats(0, 1), TEXT_BYTES)


def damaged(original: bytes, damages: list[tuple[str, float, bytes]]) -> bytes:
    """``original`` after each damage in turn."""
    data = bytearray(original)
    for kind, where, chunk in damages:
        at = int(where * len(data))
        if kind == "flip":
            data[at:at + len(chunk)] = chunk
        elif kind == "insert":
            data[at:at] = chunk
        elif kind == "delete":
            del data[at:at + 16 * len(chunk)]
        elif kind == "truncate":
            del data[at:]
        else:  # duplicate a stretch (a line given twice, a header repeated)
            data[at:at] = data[at:at + 40 * len(chunk)]
    return bytes(data)


def only_survey_errors(call) -> None:
    """Run ``call``; a `SurveyError` is a refusal, anything else fails the test."""
    with contextlib.suppress(SurveyError):
        call()


#: The first 150 respondents of the example CSV.
SMALL_CSV = b"\n".join(EXAMPLE_CSV.read_bytes().split(b"\n")[:151]) + b"\n"


@settings(FUZZ, max_examples=150 * SCALE)
@given(damages=st.lists(DAMAGE, min_size=1, max_size=4))
def test_damaged_sav_bytes(tmp_path_factory, damages) -> None:
    path = tmp_path_factory.mktemp("sav") / "survey.sav"
    path.write_bytes(damaged(SMALL_SAV.read_bytes(), damages))
    only_survey_errors(lambda: read_survey(path))


@settings(FUZZ, max_examples=150 * SCALE)
@given(damages=st.lists(TEXT_DAMAGE, min_size=1, max_size=4), in_codebook=st.booleans())
def test_damaged_csv_and_codebook_bytes(tmp_path_factory, damages, in_codebook) -> None:
    folder = tmp_path_factory.mktemp("csv")
    data, book = SMALL_CSV, EXAMPLE_CODEBOOK.read_bytes()
    if in_codebook:
        book = damaged(book, damages)
    else:
        data = damaged(data, damages)
    (folder / "survey.csv").write_bytes(data)
    (folder / "survey.codebook.yaml").write_bytes(book)
    only_survey_errors(lambda: read_survey(folder / "survey.csv"))


@settings(FUZZ, max_examples=80 * SCALE)
@given(damages=st.lists(TEXT_DAMAGE, min_size=1, max_size=3))
def test_damaged_survey_config(tmp_path_factory, damages) -> None:
    path = tmp_path_factory.mktemp("config") / "example.yaml"
    path.write_bytes(damaged(EXAMPLE_CONFIG.read_bytes(), damages))
    only_survey_errors(lambda: load_survey_config(path, root=ROOT, data_dirs=[]))


@settings(FUZZ, max_examples=150 * SCALE)
@given(damages=st.lists(TEXT_DAMAGE, min_size=1, max_size=3))
def test_damaged_margins_file(tmp_path_factory, damages) -> None:
    path = tmp_path_factory.mktemp("margins") / "example_municipality.csv"
    path.write_bytes(damaged(MARGINS.read_bytes(), damages))
    only_survey_errors(lambda: read_margins([path]))


def _leaves(node, path=()):
    """Every key path of a parsed config, to the leaves and to each mapping and list."""
    yield path
    children = node.items() if isinstance(node, dict) else (
        enumerate(node) if isinstance(node, list) else ())
    for key, child in children:
        yield from _leaves(child, (*path, key))


EXAMPLE_SPEC = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
EXAMPLE_SPEC["source"]["path"] = str(SMALL_SAV.relative_to(ROOT))  # 844 respondents
SPEC_PATHS = [path for path in _leaves(EXAMPLE_SPEC) if path]
#: Values a hand-edited config gets wrong: wrong types, empty, extreme, misspelt.
ODD_VALUES = st.sampled_from([None, "", 0, -1, 1.5, 1e308, float("inf"), True, [], {}, [0],
                              ["x"], {"x": 1}, "x", "from_labels", "age", "intent", [1, 2],
                              "1", "ordinal", "binary", "scale", ".inf"])


@settings(FUZZ, max_examples=30 * SCALE)
@given(edits=st.lists(st.tuples(st.sampled_from(SPEC_PATHS), ODD_VALUES), min_size=1,
                      max_size=3))
def test_config_values_of_the_wrong_kind_through_harmonise(tmp_path_factory, edits) -> None:
    spec = yaml.safe_load(yaml.safe_dump(EXAMPLE_SPEC))  # a deep copy
    for path, value in edits:
        node = spec
        try:
            for key in path[:-1]:
                node = node[key]
            node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier edit removed this place
    target = tmp_path_factory.mktemp("values") / "example.yaml"
    target.write_text(yaml.safe_dump(spec, allow_unicode=True, sort_keys=False),
                      encoding="utf-8")

    def run() -> None:
        config = load_survey_config(target, root=ROOT, data_dirs=[])
        ingested = ingest(config)
        harmonise(ingested.data, ingested.codebook, config)

    only_survey_errors(run)


@pytest.fixture(scope="module")
def weighing(tmp_path_factory):
    """A project copy whose ingest and harmonise steps have run (for the weight step)."""
    project = copy_project(tmp_path_factory.mktemp("weighing") / "project")
    with _in(project):
        for args in (["ingest", "config/surveys/example.yaml", "--out", "results/example/ingest"],
                     ["harmonise", "config/surveys/example.yaml", "--ingested",
                      "results/example/ingest", "--out", "results/example"]):
            assert _cli(args)[0] == 0
    return project


@contextlib.contextmanager
def _in(folder: Path):
    here = Path.cwd()
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(here)


def _cli(args: list[str]) -> tuple[int, str]:
    """``surveykit ARGS`` in this process: the exit status and what it printed to stderr."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            status = main(args)
        except SystemExit as stop:
            status = stop.code
    return status, err.getvalue()


#: Margins rows as data: level names and counts that are plausible typos.
COUNTS = st.sampled_from(["", "0", "-1", "1e308", "nan", "inf", "4 800", "4.800", "4,8",
                          "abc", "1e-300", "99999999999999", "3900"])
LEVELS = st.sampled_from(["Bergstedt", "bergstedt", "", " Eichenrode", "Eichenrode ",
                          "=1+1", "Unbekannt", "Lindenau", "Wippertal"])


@settings(FUZZ, max_examples=25 * SCALE)
@given(rows=st.lists(st.tuples(LEVELS, COUNTS), min_size=0, max_size=10))
def test_the_weight_step_on_fuzzed_margins(weighing, rows) -> None:
    margins = weighing / "config" / "margins" / "example_municipality.csv"
    original = margins.read_bytes()
    frame = pd.DataFrame(rows, columns=["municipality", "population"])
    try:
        frame.to_csv(margins, index=False)
        with _in(weighing):
            status, err = _cli(["weight", "config/surveys/example.yaml", "--out",
                                "results/example"])
    finally:
        margins.write_bytes(original)
    assert status in (0, 1), err
    if status == 1:
        assert err.startswith("surveykit: error: ") and err.count("\n") == 1, err
        assert not (weighing / "results" / "example" / "weights.parquet").exists()


@settings(FUZZ, max_examples=25 * SCALE)
@given(damages=st.lists(TEXT_DAMAGE, min_size=1, max_size=2))
def test_the_cli_on_fuzzed_configs(weighing, damages) -> None:
    config = weighing / "config" / "surveys" / "example.yaml"
    original = config.read_bytes()
    try:
        config.write_bytes(damaged(original, damages))
        with _in(weighing):
            status, err = _cli(["ingest", "config/surveys/example.yaml", "--out",
                                "results/fuzz/ingest"])
    finally:
        config.write_bytes(original)
    assert status in (0, 1), err
    if status == 1:
        assert err.startswith("surveykit: error: ") and "Traceback" not in err, err
