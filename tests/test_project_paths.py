"""Paths a config or the command line names stay inside the project or a declared data
folder (`surveykit.data.project_paths`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveykit._core.errors import ConfigError
from surveykit.data.project_paths import check_inside, declared_data_dirs


def _check(path: str, root: Path, data_dirs=()) -> Path:
    return check_inside(path, root=root, data_dirs=data_dirs, where="x.yaml", key="source.path")


def test_inside_the_project_is_allowed_and_made_absolute(tmp_path: Path) -> None:
    assert _check("data/raw/s.sav", tmp_path) == tmp_path / "data" / "raw" / "s.sav"
    assert _check("data/../data/raw/s.sav", tmp_path) == tmp_path / "data" / "raw" / "s.sav"
    assert _check(str(tmp_path / "s.sav"), tmp_path) == tmp_path / "s.sav"


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.sav", "data/../../outside.sav",
                                  "~/survey.sav"])
def test_outside_the_project_is_refused_naming_key_value_and_fix(tmp_path: Path,
                                                                 path: str) -> None:
    with pytest.raises(ConfigError, match=r"x\.yaml: source\.path is .*which lies outside "
                                          r"the project .*declare the folder under data_dirs"):
        _check(path, tmp_path / "project")


def test_a_sibling_folder_with_the_same_prefix_is_outside(tmp_path: Path) -> None:
    (tmp_path / "project").mkdir()
    with pytest.raises(ConfigError, match="outside the project"):
        _check(str(tmp_path / "project-other" / "s.sav"), tmp_path / "project")


def test_a_declared_data_folder_is_allowed(tmp_path: Path) -> None:
    store = tmp_path / "store"
    project = tmp_path / "project"
    (project / "config").mkdir(parents=True)
    (project / "config" / "config.yaml").write_text(
        f"surveys: config/surveys.tsv\ndata_dirs: [{store}, ../shared]\n", encoding="utf-8")
    folders = declared_data_dirs(project)
    assert folders == [str(store), "../shared"]
    assert _check(str(store / "s.sav"), project, folders) == store / "s.sav"
    assert _check("../shared/s.sav", project, folders) == tmp_path / "shared" / "s.sav"
    with pytest.raises(ConfigError, match=r"or the declared data_dirs"):
        _check("../elsewhere/s.sav", project, folders)


def test_data_dirs_may_not_be_the_whole_file_system(tmp_path: Path) -> None:
    (tmp_path / "config").mkdir()
    (tmp_path / "config" / "config.yaml").write_text(
        "surveys: config/surveys.tsv\ndata_dirs: [/]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"data_dirs names '/', the whole file system"):
        declared_data_dirs(tmp_path)
