"""Every concept and level reference in a config is checked when the config is loaded.

The property: take the example config, change any one reference (a ``true_values`` level,
an ``order`` entry, a ``map`` key or target, a ``level_labels`` key, a ``reference_levels``
level, a concept named under ``groups``, ``indicators`` or ``models`` …) to a value that
does not exist, and loading fails with a `ConfigError` naming the file, the key and the
value — never a run that gives a different number.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import EXAMPLE_CONFIG, ROOT, write_changed_config

from surveykit._core.errors import ConfigError
from surveykit.data.config import load_survey_config
from surveykit.data.references import (
    REFERENCES,
    Reference,
    check_config_references,
    concept_levels,
    config_codebook,
    iter_references,
)

SPEC = yaml.safe_load(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def _mutated(value: Any) -> Any:
    """A value close to ``value`` that is not it: the typos people make."""
    if isinstance(value, bool):
        return "maybe"
    if isinstance(value, (int, float)):
        return value + 100
    return value.replace("_", " ") if "_" in value else value + "x"


def _parent(spec: dict, reference: Reference, key: str) -> Any:
    """The mapping or list that holds a reference found at dotted ``key``."""
    node: Any = spec
    parts = key.split(".")
    for part in parts:
        node = node[part] if part in node else node[int(part) if part.isdigit() else part]
    return node


def _cases() -> list[tuple[Reference, str, Any]]:
    return [(reference, key, value) for reference in REFERENCES
            for key, value, _ in iter_references(SPEC, reference)]


def _mutate(spec: dict, reference: Reference, key: str, value: Any) -> None:
    """Replace one occurrence of ``value`` at ``key`` by its typo, in place."""
    holder = _parent(spec, reference, key)
    last = reference.path.split(".")[-1]
    if last == "<keys>":
        holder[_mutated(value)] = holder.pop(value)
    elif last.endswith("[]"):
        holder[holder.index(value)] = _mutated(value)
    elif last == "*":
        parent_key, _, own = key.rpartition(".")
        container = _parent(spec, reference, parent_key)
        own_key = next(k for k in container if str(k) == own)
        container[own_key] = _mutated(value)
    else:
        parent_key, _, own = key.rpartition(".")
        holder = _parent(spec, reference, parent_key) if parent_key else spec  # top level
        holder[own] = _mutated(value)


CASES = _cases()


def test_every_kind_of_reference_occurs_in_the_example() -> None:
    """The property below covers every line of REFERENCES but false_values (tested apart)."""
    covered = {reference.path for reference, _, _ in CASES}
    assert {r.path for r in REFERENCES} - covered == {"concepts.*.false_values[]"}
    assert len(CASES) > 80


@pytest.mark.parametrize(("reference", "key", "value"), CASES,
                         ids=[f"{r.path}:{k}={v}" for r, k, v in CASES])
def test_any_changed_reference_stops_loading(tmp_path: Path, reference: Reference, key: str,
                                             value: Any) -> None:
    path = tmp_path / "example.yaml"
    write_changed_config(EXAMPLE_CONFIG, path,
                         lambda spec: _mutate(spec, reference, key, value))
    with pytest.raises(ConfigError) as caught:
        load_survey_config(path, root=ROOT)
    message = str(caught.value)
    assert message.startswith(str(path)), message  # schema errors: "<file> does not follow…"
    # The key: the one changed, or (a renamed map target) the one that now dangles.
    section = ".".join(key.split(".")[:2]) if key.startswith("concepts.") else key
    assert f" {section}" in message or (reference.path.endswith("<keys>")
                                         and f" {key}." in message), message
    # The value: the typo, or the old level that the dangling key still names.
    shown = [v if isinstance(v, str) else f"{v:g}" for v in (_mutated(value), value)]
    assert any(f"'{v}'" in message for v in shown), message


def test_the_example_loads_and_its_levels_are_known() -> None:
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    levels = concept_levels(config, config_codebook(config))
    assert levels["willing_to_move"].inputs == ["very_unlikely", "rather_unlikely",
                                                "rather_likely", "very_likely"]
    assert levels["age_group"].levels == ["18-29", "30-44", "45-59", "60-74", "75+"]
    # levels: from_labels come from the file's value labels, missing codes left out.
    assert "Realschulabschluss/POS 10. Klasse" in levels["school"].levels
    assert not any("keine Angabe" in level for level in levels["school"].levels)


def test_true_value_typo_is_named_with_a_suggestion(tmp_path: Path) -> None:
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", lambda s: s[
        "concepts"]["willing_to_move"].update(true_values=["rather likely", "very_likely"]))
    with pytest.raises(ConfigError, match=rf"^{re.escape(str(path))}: concepts\.willing_to_move"
                       r"\.true_values names 'rather likely', which is not a level of the "
                       r"concept 'intent'.*did you mean 'rather_likely'"):
        load_survey_config(path, root=ROOT)


def test_false_values_and_source_codes_are_checked(tmp_path: Path) -> None:
    def change(spec: dict) -> None:
        spec["concepts"]["children"] = {"type": "binary", "source": "kinder",
                                        "true_values": [1], "false_values": [3]}

    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", change)
    with pytest.raises(ConfigError, match=r"concepts\.children\.false_values names '3', which "
                       r"is not a code of variable 'kinder' in .*example_survey\.sav"):
        load_survey_config(path, root=ROOT)


def test_codes_between_labelled_ends_count_as_existing(tmp_path: Path) -> None:
    """Only the ends of a scale labelled: the codes between them exist (no false alarm)."""
    config = load_survey_config(EXAMPLE_CONFIG, root=ROOT)
    codebook = config_codebook(config)
    spec = copy.deepcopy(dict(config.spec))
    spec["concepts"]["commuter"]["map"] = {1: True, 2: False, 5: False}  # pendler: 1, 2, 7
    changed = type(config)(config.id, config.path, spec, config.root)
    check_config_references(changed, codebook)
    spec["concepts"]["commuter"]["map"] = {1: True, 2: False, 8: False}
    with pytest.raises(ConfigError, match=r"map names '8'"):
        check_config_references(changed, codebook)


def test_order_must_list_every_level_the_map_produces(tmp_path: Path) -> None:
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", lambda s: s[
        "concepts"]["qualification"].update(order=["low", "medium"]))
    with pytest.raises(ConfigError, match=r"concepts\.qualification\.order lacks the level\(s\) "
                       r"'high'"):
        load_survey_config(path, root=ROOT)


def test_model_outcome_must_be_binary(tmp_path: Path) -> None:
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", lambda s: s[
        "models"].update(outcome="intent"))
    with pytest.raises(ConfigError, match=r"models\.outcome names 'intent', a ordinal concept, "
                       r"but models\.outcome needs a binary concept"):
        load_survey_config(path, root=ROOT)


def test_levels_from_labels_are_checked_for_a_csv_source(tmp_path: Path) -> None:
    def change(spec: dict) -> None:
        spec["source"]["path"] = "data/raw/example_survey.csv"
        spec["models"]["reference_levels"]["school"] = "Abitur / Hochschulreife"
        spec["models"]["predictors"].append("school")

    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", change)
    with pytest.raises(ConfigError, match=r"reference_levels\.school names 'Abitur / "
                       r"Hochschulreife'.*did you mean 'Abitur/Hochschulreife'"):
        load_survey_config(path, root=ROOT)


def test_absent_data_file_skips_only_the_checks_that_need_it(tmp_path: Path) -> None:
    def change(spec: dict) -> None:
        spec["source"]["path"] = "data/raw/not_there.sav"

    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", change)
    load_survey_config(path, root=ROOT)  # the ingest step reports the missing file
    typo = write_changed_config(path, tmp_path / "typo.yaml", lambda s: s["concepts"][
        "willing_to_move"].update(true_values=["very likely"]))
    with pytest.raises(ConfigError, match=r"true_values names 'very likely'"):
        load_survey_config(typo, root=ROOT)


def test_areas_must_be_one_of_the_groups(tmp_path: Path) -> None:
    """The area comparison reads the estimate stage's breakdowns: an area concept that is
    not a group would have nothing to compare, so loading says what to add."""
    path = write_changed_config(EXAMPLE_CONFIG, tmp_path / "example.yaml", lambda spec: spec[
        "groups"].remove("municipality"))
    with pytest.raises(ConfigError, match=r"example.yaml: areas names 'municipality', which "
                                          r"is not in groups .*add 'municipality' to groups"):
        check_config_references(load_survey_config(path, root=ROOT))
