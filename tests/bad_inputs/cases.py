"""The catalogue of bad inputs: each a damage to a fresh copy of the project, the step that
must refuse it and the message it must give (a regex over the one error line).

A case's ``step`` is the latest CLI step that may refuse it: the test runs the steps in
order (``ingest`` → ``harmonise`` → ``weight`` → ``estimate``/``model``) and expects the
first failure at or before ``step``; ``snakemake`` runs the whole workflow instead (slow).
A case that surveykit does not handle yet carries ``xfail`` (why), so the catalogue
documents it without turning CI red. ``command`` runs one CLI command (``init``, ``synth``,
a step with its own options) instead of the steps; ``rerun`` first runs every step on the
undamaged project, so the failure is a rerun that must leave no stale output behind.
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from conftest import write_changed_config

CONFIG = "config/surveys/example.yaml"
SAV = "data/raw/example_survey.sav"
DATA_CSV = "data/raw/example_survey.csv"


@dataclass(frozen=True)
class Case:
    """One bad input: ``damage(project)`` breaks a fresh copy, ``step`` must refuse it with
    one line matching ``message``."""

    name: str
    category: str
    damage: Callable[[Path], None]
    step: str
    message: str
    xfail: str | None = None
    command: tuple[str, ...] | None = None
    rerun: bool = False


# ---------------------------------------------------------------- damages


def change_config(change: Callable[[dict], None]) -> Callable[[Path], None]:
    """A damage that edits the parsed survey config with ``change(spec)``."""
    def damage(project: Path) -> None:
        write_changed_config(project / CONFIG, project / CONFIG, change)
    return damage


def edit_config_text(edit: Callable[[str], str]) -> Callable[[Path], None]:
    """A damage that edits the survey config as text (for YAML-level mistakes)."""
    def damage(project: Path) -> None:
        path = project / CONFIG
        path.write_text(edit(path.read_text(encoding="utf-8")), encoding="utf-8")
    return damage


def _use_csv(spec: dict) -> None:
    spec["source"]["path"] = DATA_CSV


def edit_csv(column: str, value: Callable[[int, str], str]) -> Callable[[Path], None]:
    """A damage that sets ``column`` of data row i to ``value(i, old)`` in the CSV copy of
    the data and points the config at it."""
    def damage(project: Path) -> None:
        path = project / DATA_CSV
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        where = rows[0].index(column)
        for i, row in enumerate(rows[1:]):
            row[where] = value(i, row[where])
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        change_config(_use_csv)(project)
    return damage


def edit_margins(name: str, edit: Callable[[list[list[str]]], None]) -> Callable[[Path], None]:
    """A damage that edits the rows (header first) of ``config/margins/<name>``."""
    def damage(project: Path) -> None:
        path = project / "config" / "margins" / name
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        edit(rows)
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
    return damage


def _truncate_sav(project: Path) -> None:
    path = project / SAV
    path.write_bytes(path.read_bytes()[:5000])


def _garbage_sav(project: Path) -> None:
    (project / SAV).write_bytes(b"this is not an SPSS file\n" * 40)


def _empty_sav(project: Path) -> None:
    import pyreadstat

    path = project / SAV
    data, meta = pyreadstat.read_sav(str(path), user_missing=True)
    pyreadstat.write_sav(
        data.iloc[:0], str(path), column_labels=meta.column_names_to_labels,
        variable_value_labels=meta.variable_value_labels,
        missing_ranges=meta.missing_ranges, variable_measure=meta.variable_measure)


def _append_line(project: Path, line: str) -> None:
    with (project / DATA_CSV).open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")


def _duplicate_codebook_key(project: Path) -> None:
    path = project / "data" / "raw" / "example_survey.codebook.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("    label: Designgewicht\n",
                                 "    label: Designgewicht\n    label: Gewicht\n", 1),
                    encoding="utf-8")
    change_config(_use_csv)(project)


def _drop_column(column: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        where = rows[0].index(column)
        for row in rows:
            del row[where]
    return edit


def _set_cell(row: int, column: str, value: str) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        rows[row][rows[0].index(column)] = value
    return edit


def _duplicate_row(row: int) -> Callable[[list[list[str]]], None]:
    def edit(rows: list[list[str]]) -> None:
        rows.insert(row + 1, list(rows[row]))
    return edit


def change_workflow_config(line: str) -> Callable[[Path], None]:
    """A damage that appends ``line`` to ``config/config.yaml``."""
    def damage(project: Path) -> None:
        path = project / "config" / "config.yaml"
        path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")
    return damage


def _sav_named_por(project: Path) -> None:
    (project / "data" / "raw" / "example_survey.por").write_bytes((project / SAV).read_bytes())
    change_config(lambda s: s["source"].update(path="data/raw/example_survey.por"))(project)


def _margins_outside(spec: dict) -> None:
    spec["weighting"]["margins"][0]["file"] = "/etc/passwd"


def _margin_twice(project: Path) -> None:
    margins = project / "config" / "margins"
    (margins / "example_qualification_2.csv").write_bytes(
        (margins / "example_qualification.csv").read_bytes())
    change_config(lambda s: s["weighting"]["margins"].append(
        {"file": "config/margins/example_qualification_2.csv"}))(project)


def _sheet_outside(project: Path) -> None:
    (project / "config" / "surveys.tsv").write_text(
        "survey_id\tconfig\nexample\t../../elsewhere/example.yaml\n", encoding="utf-8")


def _billion_laughs(text: str) -> str:
    lines = ["laughs:", "  a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    for level, name in enumerate("bcdefghi"):
        previous = "abcdefghi"[level]
        lines.append(f"  {name}: &{name} [" + ", ".join([f"*{previous}"] * 9) + "]")
    return text + "\n".join(lines) + "\n"


def _set_encoding(encoding: str) -> Callable[[dict], None]:
    def change(spec: dict) -> None:
        spec["source"]["encoding"] = encoding
    return change


def _csv_with_place_names(encoding: str) -> Callable[[Path], None]:
    """A damage: the CSV copy gets a text column of place names with umlauts (UTF-8, as
    written), the codebook describes it, and the config declares ``encoding``."""
    def damage(project: Path) -> None:
        path = project / DATA_CSV
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        rows[0].append("ortsteil")
        for i, row in enumerate(rows[1:]):
            row.append("Größenbach" if i % 3 == 2 else "Au")
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, lineterminator="\n").writerows(rows)
        codebook = project / "data" / "raw" / "example_survey.codebook.yaml"
        with codebook.open("a", encoding="utf-8") as handle:
            handle.write("  ortsteil:\n    label: Ortsteil\n    type: string\n"
                         "    measure: nominal\n")
        change_config(lambda s: (_use_csv(s), _set_encoding(encoding)(s)))(project)
    return damage


def _duplicate_header(project: Path) -> None:
    """The CSV header names 'alter' twice (the second column was 'geschlecht')."""
    path = project / DATA_CSV
    lines = path.read_text(encoding="utf-8").split("\n")
    lines[0] = lines[0].replace(",geschlecht,", ",alter,", 1)
    path.write_text("\n".join(lines), encoding="utf-8")
    change_config(_use_csv)(project)


def _semicolon_csv(edit: Callable[[int, str], str], decimal: str | None = None
                   ) -> Callable[[Path], None]:
    """A damage: the CSV as a German Excel export (';'-separated, decimal commas in the
    weight column), with ``edit(i, weight)`` applied to the weights and, if given,
    ``source.decimal`` declared."""
    def damage(project: Path) -> None:
        path = project / DATA_CSV
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle))
        where = rows[0].index("dgew")
        for i, row in enumerate(rows[1:]):
            row[where] = edit(i, row[where].replace(".", ","))
        with path.open("w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter=";", lineterminator="\n").writerows(rows)

        def change(spec: dict) -> None:
            _use_csv(spec)
            if decimal is not None:
                spec["source"]["decimal"] = decimal
        change_config(change)(project)
    return damage


# ---------------------------------------------------------------- the catalogue

CASES: list[Case] = [
    # --- config files that are not (valid) YAML
    Case("config is not YAML", "config syntax",
         edit_config_text(lambda t: t.replace("concepts:\n", "concepts: [\n", 1)), "ingest",
         r"example\.yaml: not valid YAML at line \d+, column \d+"),
    Case("config is binary", "config syntax",
         lambda p: (p / CONFIG).write_bytes(b"\xff\xfe\x00\x01" * 100), "ingest",
         r"example\.yaml: survey config is not UTF-8 text; save it as UTF-8"),
    Case("duplicate YAML key", "config syntax",
         edit_config_text(lambda t: t.replace("year: 2026\n", "year: 2026\nregion: X\n", 1)),
         "ingest",
         r"example\.yaml: not valid YAML at line 11.*the key 'region' is given twice, at "
         r"line 9 and line 11; keep one of them"),
    Case("billion laughs", "config syntax", edit_config_text(_billion_laughs), "ingest",
         r"example\.yaml: not valid YAML at line \d+.*more than 50 aliases"),
    # --- config that names what does not exist, or asks for the impossible
    Case("misspelt variable", "config references",
         change_config(lambda s: s["concepts"]["age"].update(source="alte")), "ingest",
         r"concepts\.age\.source names the variable 'alte'.*did you mean 'alter'"),
    Case("unknown level in true_values", "config references",
         change_config(lambda s: s["concepts"]["female"].update(true_values=["femal"])),
         "ingest", r"concepts\.female\.true_values names.*'femal'.*did you mean 'female'"),
    Case("schema: unknown key", "config references",
         change_config(lambda s: s["design"].update(weight="dgew")), "ingest",
         r"at design: Additional properties are not allowed \('weight' was unexpected\) "
         r"\('weight': did you mean 'weights'\?\)"),
    Case("trim lower above upper", "config references",
         change_config(lambda s: s["weighting"]["trim"].update(lower=4.0, upper=3.0)),
         "ingest", r"example\.yaml: weighting\.trim: lower=4\.0 is above upper=3\.0; give "
                   r"lower ≤ upper"),
    Case("trim upper not positive", "config references",
         change_config(lambda s: s["weighting"]["trim"].update(upper=-1)), "ingest",
         r"example\.yaml: weighting\.trim\.upper is -1, but weights are positive"),
    Case("misspelt top-level key", "config references",
         change_config(lambda s: s.update(indicator=s.pop("indicators"))), "ingest",
         r"'indicator' was unexpected\) \('indicator': did you mean 'indicators'\?\)"),
    Case("misspelt workflow config key", "config references",
         change_workflow_config("min_cel_n: 3"), "ingest",
         r"config/config\.yaml does not follow the config schema(.|\n)*'min_cel_n': did you "
         r"mean 'min_cell_n'\?"),
    # --- data files that cannot be read
    Case("missing data file", "data file", lambda p: (p / SAV).unlink(), "ingest",
         r"example_survey\.sav: file not found; check source\.path"),
    Case("truncated .sav", "data file", _truncate_sav, "ingest",
         r"example_survey\.sav: cannot read this SPSS file"),
    Case("corrupt .sav", "data file", _garbage_sav, "ingest",
         r"example_survey\.sav: cannot read this SPSS file"),
    Case("empty .sav (0 rows)", "data file", _empty_sav, "ingest",
         r"example_survey\.sav: the file has variables but no rows \(0 respondents\)"),
    Case("empty .sav (0 bytes)", "data file", lambda p: (p / SAV).write_bytes(b""), "ingest",
         r"example_survey\.sav: the file is empty \(0 bytes\), so the export or the copy did "
         r"not complete"),
    Case(".sav file named .por", "data file", _sav_named_por, "ingest",
         r"example_survey\.por: cannot read this SPSS file .*it is an SPSS system file, not a "
         r"portable file: rename it to \.sav"),
    Case("empty CSV (0 bytes)", "data file",
         lambda p: ((p / DATA_CSV).write_text(""), change_config(_use_csv)(p)), "ingest",
         r"example_survey\.csv: the file is empty"),
    Case("CSV with a header only", "data file",
         lambda p: ((p / DATA_CSV).write_text((p / DATA_CSV).read_text().split("\n")[0] + "\n"),
                    change_config(_use_csv)(p)), "ingest",
         r"example_survey\.csv: the file has variables but no rows \(0 respondents\)"),
    Case("20 MB cell", "data file", edit_csv("alter", lambda i, v: "9" * 20_000_000 if i == 2
                                             else v),
         "ingest", r"'alter'.*\(20000002 characters\)"),
    # --- data values that would give a wrong number
    Case("infinite weight", "data values",
         edit_csv("dgew", lambda i, v: "inf" if i == 5 else v), "harmonise",
         r"example_survey\.csv: design variable 'dgew' \(weights\) is inf in data row 6; "
         r"weights must be positive finite numbers"),
    Case("all-missing outcome", "data values", edit_csv("wegzug", lambda i, v: ""), "model",
         r"no respondent has all its variables: willing_to_move is missing for every respondent"),
    Case("outcome with one category", "data values",
         change_config(lambda s: s["concepts"]["willing_to_move"].update(
             true_values=["very_unlikely", "rather_unlikely", "rather_likely",
                          "very_likely"])),
         "model", r"binary outcome 'willing_to_move' is true \(1\) for every respondent in the "
                  r"model, so there is nothing to model"),
    Case("constant predictor", "data values",
         change_config(lambda s: s["concepts"]["commuter"].update(
             map={1: True, 2: True, 7: True})),
         "model", r"collinear \(commuter has one value for every respondent in the model\)"),
    Case("weight that overflows (1e400)", "data values",
         edit_csv("dgew", lambda i, v: "1e400" if i == 7 else v), "harmonise",
         r"example_survey\.csv: design variable 'dgew' \(weights\) is inf in data row 8"),
    Case("weight of 1e308", "data values",
         edit_csv("dgew", lambda i, v: "1e308" if i == 6 else v), "harmonise",
         r"example_survey\.csv: design variable 'dgew' \(weights\) is 1e\+308 in data row 7, "
         r"more than 1e\+13; a weights value counts people"),
    Case("negative weight", "data values",
         edit_csv("dgew", lambda i, v: "-2.5" if i == 0 else v), "harmonise",
         r"example_survey\.csv: design variable 'dgew' \(weights\) is -2\.5 in data row 1; "
         r"weights must be positive"),
    Case("missing weight", "data values",
         edit_csv("dgew", lambda i, v: "" if i == 9 else v), "harmonise",
         r"example_survey\.csv: design variable 'dgew' \(weights\) is missing in data row 10; "
         r"every respondent needs a value"),
    Case("duplicate respondent id", "data values",
         edit_csv("lfdnr", lambda i, v: "1" if i == 4 else v), "harmonise",
         r"example_survey\.csv: the respondent id 'lfdnr' is the same in data rows 1 and 5; "
         r"ids must be unique"),
    Case("truncated CSV (short last row)", "data file",
         lambda p: (_append_line(p, "99999,2,3"), change_config(_use_csv)(p)), "ingest",
         r"example_survey\.csv: line 2379 has 3 field\(s\) but the header has 29; the file "
         r"is probably truncated"),
    Case("duplicate key in the CSV codebook", "config syntax", _duplicate_codebook_key,
         "ingest", r"example_survey\.codebook\.yaml: not valid YAML at line 372, column 5: the "
         r"key 'label' is given twice, at line 371 and line 372"),
    Case("empty config file", "config syntax", lambda p: (p / CONFIG).write_text(""),
         "ingest", r"example\.yaml: a survey config is a YAML mapping with keys id, source"),
    Case("config is a list", "config syntax",
         lambda p: (p / CONFIG).write_text("- id: example\n"), "ingest",
         r"example\.yaml: a survey config is a YAML mapping with keys id, source"),
    Case("path-like survey id", "config references",
         change_config(lambda s: s.update(id="../../outside")), "ingest",
         r"does not follow the survey schema(.|\n)*- at id: '\.\./\.\./outside'"),
    Case("unknown predictor", "config references",
         change_config(lambda s: s["models"]["predictors"].append("agegroup")), "ingest",
         r"models\.predictors names the concept 'agegroup', which is not defined \(did you "
         r"mean 'age_group'\?\)"),
    Case("bins not increasing", "config references",
         change_config(lambda s: s["concepts"]["age_group"]["bins"].update(
             breaks=[18, 45, 30, 60, 75, float("inf")])), "ingest",
         r"concepts\.age_group\.bins\.breaks: 30 follows 45; the breaks must increase"),
    Case("margins file missing", "margins",
         lambda p: (p / "config" / "margins" / "example_qualification.csv").unlink(),
         "weight", r"margins file .*example_qualification\.csv does not exist; check the path"),
    Case("margins level the data lack", "margins",
         edit_margins("example_municipality.csv", _set_cell(2, "municipality", "Eichenrod")),
         "weight", r"example_municipality\.csv\) has no population count for 'Eichenrode'"),
    Case("workflow config not YAML", "config syntax",
         lambda p: (p / "config" / "config.yaml").write_text("surveys: [\n"), "estimate",
         r"config/config\.yaml: not valid YAML at line 2, column 1"),
    # --- margins files
    Case("margins without population column", "margins",
         edit_margins("example_municipality.csv", _drop_column("population")), "weight",
         r"example_municipality\.csv.*population"),
    Case("margins with a negative count", "margins",
         edit_margins("example_municipality.csv", _set_cell(2, "population", "-4800")),
         "weight", r"example_municipality\.csv.*-4800"),
    Case("margins with a duplicate level", "margins",
         edit_margins("example_municipality.csv", _duplicate_row(2)), "weight",
         r"example_municipality\.csv.*Eichenrode"),
    Case("one margin in two files (its variable has missing values)", "margins",
         _margin_twice, "weight",
         r"example_qualification\.csv and .*example_qualification_2\.csv both give the "
         r"margin 'qualification'; keep one of them"),
    Case("margins count of 1e308", "margins",
         edit_margins("example_municipality.csv", _set_cell(2, "population", "1e308")),
         "weight", r"example_municipality\.csv, line 3: population '1e308' is more than 1e\+13"),
    # --- paths and side effects: nothing outside the project, nothing overwritten unasked
    Case("source.path /etc/passwd", "paths and side effects",
         change_config(lambda s: s["source"].update(path="/etc/passwd", format="csv")),
         "ingest", r"example\.yaml: source\.path is '/etc/passwd', which lies outside the "
                   r"project .*declare the folder under data_dirs in config/config\.yaml"),
    Case("source.path with ../..", "paths and side effects",
         change_config(lambda s: s["source"].update(path="../../data/raw/example_survey.sav")),
         "ingest", r"source\.path is '\.\./\.\./data/raw/example_survey\.sav', which lies "
                   r"outside the project"),
    Case("codebook outside the project", "paths and side effects",
         change_config(lambda s: s["source"].update(path=DATA_CSV,
                                                     codebook="/etc/hostname.yaml")),
         "ingest", r"source\.codebook is '/etc/hostname\.yaml', which lies outside"),
    Case("margins file outside the project", "paths and side effects",
         change_config(_margins_outside), "ingest",
         r"weighting\.margins\[0\]\.file is '/etc/passwd', which lies outside the project"),
    Case("population file outside the project", "paths and side effects",
         change_config(lambda s: s["population"].update(file="../../population.csv")),
         "ingest", r"population\.file is '\.\./\.\./population\.csv', which lies outside"),
    Case("results outside the project", "paths and side effects",
         lambda p: (p / "config" / "config.yaml").write_text(
             (p / "config" / "config.yaml").read_text().replace("results: results",
                                                                 "results: /tmp/results")),
         "ingest", r"config/config\.yaml: results is '/tmp/results', which lies outside"),
    Case("data_dirs: the whole file system", "paths and side effects",
         change_workflow_config("data_dirs: [/]"), "ingest",
         r"config/config\.yaml: data_dirs names '/', the whole file system"),
    Case("--out outside the project", "paths and side effects", lambda p: None, "command",
         r"--out is '\.\./outside', which lies outside the project",
         command=("ingest", CONFIG, "--out", "../outside")),
    Case("a step's config outside the project", "paths and side effects", lambda p: None,
         "command", r"CONFIG is '\.\./\.\./etc/example\.yaml', which lies outside the project",
         command=("harmonise", "../../etc/example.yaml", "--ingested", "results/example/ingest",
                  "--out", "results/example")),
    Case("synth --out outside the project", "paths and side effects", lambda p: None,
         "command", r"--out is '\.\./raw', which lies outside the project",
         command=("synth", "--out", "../raw", "--n", "200")),
    Case("synth would overwrite data/raw", "paths and side effects", lambda p: None,
         "command", r"data/raw/example_survey\.sav, .* exist already and would be overwritten; "
                    r"pass --force",
         command=("synth",)),
    Case("init --id with a space", "paths and side effects", lambda p: None, "command",
         r"--id 'bad id' is not a plain identifier.*\(e\.g\. --id bad_id\)",
         command=("init", SAV, "--id", "bad id")),
    Case("init --id that is YAML", "paths and side effects", lambda p: None, "command",
         r"--id 'x: \{a: 1\}' is not a plain identifier",
         command=("init", SAV, "--id", "x: {a: 1}")),
    Case("init --id that is a path", "paths and side effects", lambda p: None, "command",
         r"--id '\.\./\.\./x' is not a plain identifier",
         command=("init", SAV, "--id", "../../x")),
    Case("init on a file outside the project", "paths and side effects", lambda p: None,
         "command", r"FILE is '/etc/passwd', which lies outside the project",
         command=("init", "/etc/passwd", "--id", "other")),
    Case("init over an existing config", "paths and side effects", lambda p: None,
         "command", r"config/surveys/example\.yaml exists already; choose another --id or "
                    r"pass --force",
         command=("init", SAV, "--id", "example")),
    Case("init on a file that is not SPSS", "paths and side effects",
         lambda p: (p / "data" / "raw" / "other.sav").write_bytes(b"no SPSS here\n" * 40),
         "command", r"other\.sav: cannot read this SPSS file .*it does not start like a \.sav "
                    r"file; it is not an SPSS file",
         command=("init", "data/raw/other.sav", "--id", "other")),
    Case("failed rerun leaves no stale output", "paths and side effects",
         edit_margins("example_municipality.csv", _set_cell(2, "population", "-4800")),
         "weight", r"example_municipality\.csv, line 3: population '-4800'", rerun=True),
    # --- the whole workflow
    Case("snakemake: survey sheet names a config outside", "workflow", _sheet_outside,
         "snakemake", r"config/surveys\.tsv, line 2: config is '\.\./\.\./elsewhere/example"
                      r"\.yaml', which lies outside the project"),
    Case("snakemake: misspelt workflow config key", "workflow",
         change_workflow_config("min_cel_n: 3"), "snakemake",
         r"config/config\.yaml does not follow the config schema(.|\n)*did you mean "
         r"'min_cell_n'"),
    Case("snakemake: duplicate YAML key", "workflow",
         edit_config_text(lambda t: t.replace("year: 2026\n", "year: 2026\nregion: X\n", 1)),
         "snakemake", r"example\.yaml: not valid YAML at line 11.*given twice"),
    Case("snakemake: negative margin", "workflow",
         edit_margins("example_municipality.csv", _set_cell(2, "population", "-4800")),
         "snakemake", r"example_municipality\.csv.*-4800"),
    # ---- issue-13-values cases
    # text encodings: garbled labels are refused, the encoding (not the file) is blamed
    Case(".sav read with a wrong encoding (latin1)", "data file",
         change_config(_set_encoding("latin1")), "ingest",
         r"example_survey\.sav: text read as 'latin1' is garbled \(mojibake\) — the file "
         r"label: 'BÃ¼rgerbefragung .*\(meant: 'Bürgerbefragung .*remove source\.encoding"),
    Case(".sav read as cp1251 (Cyrillic mojibake)", "data file",
         change_config(_set_encoding("cp1251")), "ingest",
         r"example_survey\.sav: text read as 'cp1251' is garbled.*'BГјrgerbefragung"),
    Case(".sav with an encoding it cannot be read in", "data file",
         change_config(_set_encoding("ascii")), "ingest",
         r"example_survey\.sav: the file's text cannot be read as 'ascii' "
         r"\(source\.encoding\), not because the file is damaged; the file declares UTF-8"),
    Case(".sav with an encoding that contradicts the file's (utf-16)", "data file",
         change_config(_set_encoding("utf-16")), "ingest",
         r"example_survey\.sav: source\.encoding is 'utf-16', but the file declares UTF-8 "
         r"and reading it as 'utf-16' changes its text.*remove source\.encoding"),
    Case("UTF-8 CSV declared cp1252", "data file", _csv_with_place_names("cp1252"), "ingest",
         r"example_survey\.csv: line \d+, column 'ortsteil': 'GrÃ¶ÃŸenbach' \(meant: "
         r"'Größenbach'\): the file is UTF-8 but source\.encoding says 'cp1252'.*set "
         r"source\.encoding: utf-8"),
    Case("UTF-8 CSV declared latin1", "data file", _csv_with_place_names("latin1"), "ingest",
         r"example_survey\.csv: line \d+, column 'ortsteil'.*source\.encoding says "
         r"'latin1'"),
    # German number formats and duplicated headers in CSV input
    Case("duplicated CSV header", "data file", _duplicate_header, "ingest",
         r"example_survey\.csv: the header names the column 'alter' twice \(columns 3 and "
         r"4\), so one of them would be silently dropped"),
    Case("decimal commas and a thousands point in one column", "data values",
         _semicolon_csv(lambda i, v: "1.234" if i == 6 else v), "ingest",
         r"example_survey\.csv: variable 'dgew' mixes number formats — data row 1 "
         r"\(line 2\): '2,262443438914027' has a comma, data row 7 \(line 8\): '1\.234' "
         r"a point.*source\.decimal: ','"),
    Case("decimal point where source.decimal is ','", "data values",
         _semicolon_csv(lambda i, v: "2.5" if i == 3 else v, decimal=","), "ingest",
         r"example_survey\.csv: variable 'dgew', data row 4 \(line 5\): '2\.5' has a "
         r"point, but source\.decimal is ',' \(German\)"),
    Case("decimal comma where source.decimal is '.'", "data values",
         _semicolon_csv(lambda i, v: v, decimal="."), "ingest",
         r"example_survey\.csv: variable 'dgew', data row 1 \(line 2\): '2,262443438914027' "
         r"has a comma, but source\.decimal is '\.' \(English\)"),
    Case("source.decimal that is not a decimal mark", "config references",
         change_config(lambda s: (_use_csv(s), s["source"].update(decimal=";"))), "ingest",
         r"at source\.decimal: ';' is not allowed; use one of ',', '\.'"),
    # outcomes and predictors without information name the variable
    Case("categorical predictor with one level in the data", "data values",
         edit_csv("berufsabschluss", lambda i, v: "2"), "model",
         r"margin 'qualification' .*: level\(s\) 'low', 'high' have a population count but "
         r"no respondent in the sample.*merge the level"),
    Case("all-missing predictor", "data values", edit_csv("pendler", lambda i, v: ""),
         "model", r"commuter is missing for every respondent; check the source variable"),
    Case("destination with one category in the data", "data values",
         edit_csv("wegzug_ziel", lambda i, v: "1" if v else v), "model",
         r"outcome 'destination': the level\(s\) \['elsewhere_germany', 'abroad'\] have no "
         r"respondents in the model; merge them"),
]
