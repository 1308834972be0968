"""`safehub link csv`: real Splink and DuckDB on a small synthetic file with planted duplicates and traps."""

import csv
import io
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command

from tests.linking_data import HEADER, write_csv


def _read(path):
    with open(path, encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture
def linked(linked_people):
    return linked_people


def _entities_of_person(linked):
    people = defaultdict(set)
    for record in linked["records"]:
        people[record["person"]].add(linked["entities"][record["record_id"]])
    return people


def test_every_record_gets_one_entity_id(linked):
    rows = _read(linked["folder"] / "entities.csv")
    assert [row["record_id"] for row in rows] == [record["record_id"] for record in linked["records"]]
    assert all(row["entity_id"] for row in rows)


@pytest.mark.parametrize("kind", [
    "variant", "surname typo", "first name typo", "names swapped", "names swapped with a slip",
    "day and month swapped", "no date of birth", "moved house", "compact date and lower case",
])
def test_planted_duplicates_share_an_entity(linked, kind):
    people = _entities_of_person(linked)
    persons = [person for planted_kind, person in linked["planted"] if planted_kind == kind]
    assert persons, f"no {kind} duplicates planted"
    split = [person for person in persons if len(people[person]) != 1]
    assert not split, f"{kind}: {len(split)} of {len(persons)} planted duplicates were not linked"


def test_no_entity_holds_two_different_people(linked):
    people_in_entity = defaultdict(set)
    for record in linked["records"]:
        people_in_entity[linked["entities"][record["record_id"]]].add(record["person"])
    merged = {entity: people for entity, people in people_in_entity.items() if len(people) > 1}
    assert not merged


@pytest.mark.parametrize("pair", [("TWIN-A", "TWIN-B"), ("FATHER", "SON")])
def test_look_alikes_stay_apart_but_each_links_to_itself(linked, pair):
    people = _entities_of_person(linked)
    first, second = pair
    assert len(people[first]) == 1 and len(people[second]) == 1
    assert people[first] != people[second]


def test_review_file_lists_the_twins_held_apart_and_why(linked):
    person = {record["record_id"]: record["person"] for record in linked["records"]}
    held = {frozenset((person[row["record_id_l"]], person[row["record_id_r"]])): row for row in linked["review"]}
    twins = held[frozenset(("TWIN-A", "TWIN-B"))]
    assert float(twins["match_probability"]) >= 0.99
    assert twins["held_apart_because"].startswith("first names clearly differ")
    assert all(linked["entities"][row["record_id_l"]] != linked["entities"][row["record_id_r"]]
               for row in linked["review"])


def test_two_slips_of_one_short_name_are_one_person(linked):
    assert len(_entities_of_person(linked)["SAM"]) == 1


def test_pairs_file_lists_the_linked_pairs_with_weights(linked):
    pairs = linked["pairs"]
    assert pairs and set(pairs[0]) == {"record_id_l", "record_id_r", "match_probability", "match_weight"}
    for row in pairs:
        assert float(row["match_probability"]) >= 0.99
        assert linked["entities"][row["record_id_l"]] == linked["entities"][row["record_id_r"]]


def test_saved_model_is_reused_with_the_same_result(linked, tmp_path):
    out = tmp_path / "again.csv"
    call_command("link", "csv", str(linked["folder"] / "people.csv"), "--out", str(out),
                 "--model", str(linked["model"]))
    again = {row["record_id"]: row["entity_id"] for row in _read(out)}
    assert again == linked["entities"]


# ---------------------------------------------------------------------------------------------------------------
# Bad input: a clear message naming the line, and no output file left behind


def _write_lines(path, lines, encoding="utf-8"):
    path.write_bytes("".join(line + "\n" for line in lines).encode(encoding) if lines else b"")


def _good_lines(count):
    return [f"R{n},Anna,Nowak,2001-02-{n % 28 + 1:02d}" for n in range(count)]


BAD_INPUTS = {
    "no record_id column": (["id,first_name,surname", "1,Anna,Nowak"], "line 1: the header has no record_id column"),
    "blank record_id": (["record_id,first_name,surname,date_of_birth", *_good_lines(5), " ,Anna,Nowak,"],
                        "line 7: record_id is blank"),
    "duplicate record_id": (["record_id,first_name,surname,date_of_birth", *_good_lines(3), "R1,Ann,Novak,"],
                            "line 5: record_id 'R1' is used again (first on line 3)"),
    "empty file": ([], "is empty"),
    "only blank lines": (["", "", ""], "has no header row"),
    "header only": (["record_id,first_name"], "has a header but no records"),
    "header only and blank lines": (["record_id,first_name", "", ",", ""], "has a header but no records"),
    "a column named twice": (["record_id,surname,first_name,surname", "R1,Nowak,Anna,Nowak"],
                             "line 1: the header names surname more than once"),
    "too few fields": (["record_id,first_name,surname", *[f"R{n},Anna,Nowak" for n in range(4)], "R9,Anna"],
                       "line 6: 2 fields where the header has 3"),
    "tab separated": (["record_id\tfirst_name\tsurname", "R1\tAnna\tNowak"],
                      "the header looks separated by tabs, and link csv reads commas"),
}


@pytest.mark.parametrize("name", sorted(BAD_INPUTS))
def test_bad_input_is_refused_naming_the_line(tmp_path, name):
    lines, message = BAD_INPUTS[name]
    source, out, pairs = tmp_path / "in.csv", tmp_path / "out.csv", tmp_path / "pairs.csv"
    _write_lines(source, lines)
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(")", r"\)")):
        call_command("link", "csv", str(source), "--out", str(out), "--pairs", str(pairs))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_a_file_with_nothing_alike_is_refused_plainly_and_nothing_is_written(tmp_path):
    """No two records share a name, a birth date or a postcode: there is nothing to learn a model from."""
    letters = "bcdfghjklmnprstvwz"
    lines = ["record_id,first_name,surname,date_of_birth,postcode"] + [
        f"R{n},{letters[n % 18]}a{letters[n // 18 % 18]}o,{letters[n // 18 % 18]}e{letters[n % 18]}ix,"
        f"{1950 + n % 60}-{n % 12 + 1:02d}-{n % 28 + 1:02d}," for n in range(300)]
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_lines(source, lines)
    with pytest.raises(CommandError, match=r"too few records look alike.*--model"):
        call_command("link", "csv", str(source), "--out", str(out), "--review", str(tmp_path / "review.csv"))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("start, kind", [
    (b"PK\x03\x04\x14\x00\x06\x00", "an Excel (.xlsx) workbook"),
    (b"%PDF-1.7\n", "a PDF"),
    (b"\xff\xfer\x00e\x00c\x00", "UTF-16 text"),
    (b"record_id,first_name\nR1,\x00\x01\x02", "binary data"),
])
def test_a_file_that_is_not_csv_is_refused_saying_what_it_looks_like(tmp_path, start, kind):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    source.write_bytes(start + b"\x00" * 64)
    with pytest.raises(CommandError, match=rf"in.csv is not a CSV file \(it .*{kind.replace('(', '.').replace(')', '.')}"):
        call_command("link", "csv", str(source), "--out", str(out))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_file_not_in_utf8_is_refused_naming_the_line(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_lines(source, ["record_id,first_name,surname", "R1,Anna,Nowak", "R2,Zoë,Brontë"], encoding="latin-1")
    with pytest.raises(CommandError, match="line 3: the file is not UTF-8"):
        call_command("link", "csv", str(source), "--out", str(out))
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


def test_an_existing_output_file_is_left_untouched_on_failure(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_lines(source, ["record_id,first_name", "R1,Anna", "R1,Anna"])
    out.write_text("earlier result\n", encoding="utf-8")
    with pytest.raises(CommandError, match="used again"):
        call_command("link", "csv", str(source), "--out", str(out))
    assert out.read_text(encoding="utf-8") == "earlier result\n"


def test_header_lists_the_recognised_columns():
    assert {"record_id", "first_name", "surname", "date_of_birth"} <= set(HEADER)


# ---------------------------------------------------------------------------------------------------------------
# Messy values: reported and linked around; --strict refuses them


# (column, bad value, what the report says) for one corrupted record each; only people with one record in the
# clean run are corrupted, so the other records' entities cannot depend on them.
BAD_VALUES = [
    ("date_of_birth", "19551192", "no such date (day or month out of range): 2 values compared as written"),
    ("date_of_birth", "1990-25-03", "no such date (day or month out of range): 2 values compared as written"),
    ("date_of_birth", "00000000", "day or month 00 (a placeholder for an unknown date): 1 value taken as missing"),
    ("date_of_birth", "2091-03-04", "in the future: 1 value taken as missing"),
    ("date_of_birth", "31/02/2001", "not a date (use YYYY-MM-DD or YYYYMMDD): 1 value taken as missing"),
    ("phone", "07700 9OO123", "letters in the number: 1 value taken as missing"),
    ("phone", "0770 09", "too short (6 digits): 1 value taken as missing"),
    ("phone", "07700 900123 4567", "too long (15 digits): 1 value taken as missing"),
    ("postcode", "ZZ", "not a postcode: 1 value taken as missing"),
    ("postcode", "90210", "not a UK postcode shape: 1 value compared as written"),
    ("postcode", "N/K", "a placeholder for unknown: 1 value taken as missing"),
    ("street", "Flat 3 " + "above the shop on the corner by the canal " * 3,
     "longer than 100 characters: 1 value taken as missing"),
]


def _partition(entities, record_ids):
    groups = defaultdict(set)
    for record_id in record_ids:
        groups[entities[record_id]].add(record_id)
    return {frozenset(group) for group in groups.values()}


@pytest.fixture
def messy(linked, tmp_path):
    """The linked file with one bad value in each of some lone records, blank lines, and a row of commas."""
    sizes = defaultdict(int)
    for entity in linked["entities"].values():
        sizes[entity] += 1
    records = [dict(record) for record in linked["records"]]
    lone = [record for record in records if sizes[linked["entities"][record["record_id"]]] == 1]
    corrupted = {}
    for (column, value, _), record in zip(BAD_VALUES, lone[5::7]):
        record[column] = value
        corrupted[record["record_id"]] = (column, value)
    write_csv(tmp_path / "clean.csv", records)
    lines = (tmp_path / "clean.csv").read_text(encoding="utf-8").splitlines()
    blank_after = {3, 40, 41}
    messy_lines = []
    for number, line in enumerate(lines, 1):
        messy_lines.append(line)
        if number in blank_after:
            messy_lines.append("")
    messy_lines.append("," * (len(HEADER) - 1))
    _write_lines(tmp_path / "messy.csv", messy_lines)
    line_of = {line.split(",", 1)[0]: number for number, line in enumerate(messy_lines, 1)}
    return {"path": tmp_path / "messy.csv", "corrupted": corrupted, "line_of": line_of}


def test_bad_values_are_reported_by_line_and_the_rest_link_as_in_a_clean_file(linked, messy, tmp_path):
    out, stderr = tmp_path / "out.csv", io.StringIO()
    call_command("link", "csv", str(messy["path"]), "--out", str(out), "--model", str(linked["model"]),
                 stderr=stderr)
    entities = {row["record_id"]: row["entity_id"] for row in _read(out)}
    assert set(entities) == set(linked["entities"])
    good = [record_id for record_id in entities if record_id not in messy["corrupted"]]
    assert _partition(entities, good) == _partition(linked["entities"], good)
    report = stderr.getvalue()
    assert f"{len(BAD_VALUES)} values could not be used as given" in report
    for (column, value, said), record_id in zip(BAD_VALUES, messy["corrupted"]):
        line = next(text for text in report.splitlines() if text.strip().startswith(f"{column}, {said.split(':')[0]}:"))
        assert said in line
        assert f"line {messy['line_of'][record_id]} ({record_id}): {value[:40]!r}"[:-1] in line
    assert "4 blank lines skipped" in report


def test_strict_refuses_a_messy_file_naming_column_line_and_value(linked, messy, tmp_path):
    out = tmp_path / "out.csv"
    first = min(messy["corrupted"], key=messy["line_of"].get)
    column, value = messy["corrupted"][first]
    with pytest.raises(CommandError) as refused:
        call_command("link", "csv", str(messy["path"]), "--out", str(out), "--model", str(linked["model"]),
                     "--strict")
    message = str(refused.value)
    assert message.startswith(f"line {messy['line_of'][first]}: {column} {value[:40]!r}"[:-1])
    assert f"and {len(BAD_VALUES) - 1} more values the linker cannot use" in message
    assert "--strict refuses the file" in message
    assert not out.exists()


def test_strict_names_an_impossible_date(tmp_path):
    source, out = tmp_path / "in.csv", tmp_path / "out.csv"
    _write_lines(source, ["record_id,first_name,surname,date_of_birth", *_good_lines(12), "X,Ola,Kowal,31/02/2001"])
    with pytest.raises(CommandError, match=r"^line 14: date_of_birth '31/02/2001': not a date \(use YYYY-MM-DD or "
                                           r"YYYYMMDD\); --strict refuses the file"):
        call_command("link", "csv", str(source), "--out", str(out), "--strict")
    assert sorted(path.name for path in tmp_path.iterdir()) == ["in.csv"]


@pytest.mark.parametrize("raw, expected", [
    ("2001-02-03", ("2001-02-03", None)),
    ("20010203", ("2001-02-03", None)),
    (" 2026-11-30 ", ("2026-11-30", None)),
    ("2026-12-01", (None, "in the future")),
    ("2027-13-45", (None, "in the future")),
    ("1899-12-31", (None, "before 1900")),
    ("00000000", (None, "day or month 00 (a placeholder for an unknown date)")),
    ("1990-00-00", (None, "day or month 00 (a placeholder for an unknown date)")),
    ("1990-02-30", ("1990-02-30", "no such date (day or month out of range)")),
    ("3/4/1990", (None, "not a date (use YYYY-MM-DD or YYYYMMDD)")),
    ("Unknown", (None, "a placeholder for unknown")),
])
def test_what_link_csv_makes_of_a_date_of_birth(raw, expected):
    import datetime as dt

    from safehub.linking.bad_values import read_value

    assert read_value("date_of_birth", raw, dt.date(2026, 11, 30)) == expected


@pytest.mark.parametrize("column, raw, expected", [
    ("surname", "Nil", ("Nil", None)),  # a Turkish name, not a placeholder
    ("surname", "Na", ("Na", None)),
    ("surname", " N/K ", (None, "a placeholder for unknown")),
    ("postcode", "wk3 4pt", ("WK3 4PT", None)),
    ("postcode", "D02 X285", ("D02X285", "not a UK postcode shape")),
    ("postcode", "NFA", (None, "not a postcode")),
    ("phone", "+44 7700 900123", ("+447700900123", None)),
    ("email", "anna.example.com", (None, "not an e-mail address (no @)")),
])
def test_what_link_csv_makes_of_other_values(column, raw, expected):
    import datetime as dt

    from safehub.linking.bad_values import read_value

    assert read_value(column, raw, dt.date(2026, 11, 30)) == expected


# ---------------------------------------------------------------------------------------------------------------
# A file larger than the training sample (ADR 31): the model is learnt from a sample and scores every record


@pytest.fixture(scope="module")
def linked_from_a_sample(linked_people, tmp_path_factory):
    from safehub.linking.bulk import link_csv

    folder = tmp_path_factory.mktemp("sample")
    runs = []
    for run in ("first", "again"):
        result = link_csv(linked_people["folder"] / "people.csv", folder / f"{run}.csv", model_dir=folder / "var",
                          training_records=len(linked_people["records"]) * 2 // 3)
        runs.append(({row["record_id"]: row["entity_id"] for row in _read(folder / f"{run}.csv")}, result))
    return runs


def test_a_model_learnt_from_a_sample_links_every_record_as_the_whole_file_does(linked_people, linked_from_a_sample):
    (entities, result), (again, _) = linked_from_a_sample
    assert result.records == len(linked_people["records"]) == len(entities)
    assert _partition(entities, list(entities)) == _partition(linked_people["entities"], list(entities))
    assert again == entities  # the same sample for the same file and seed


def test_a_model_learnt_from_a_sample_is_saved_and_scores_alone_as_it_did(linked_people, linked_from_a_sample,
                                                                          tmp_path):
    (entities, result), _ = linked_from_a_sample
    out = tmp_path / "with-model.csv"
    call_command("link", "csv", str(linked_people["folder"] / "people.csv"), "--out", str(out),
                 "--model", str(result.model_path))
    assert {row["record_id"]: row["entity_id"] for row in _read(out)} == entities
