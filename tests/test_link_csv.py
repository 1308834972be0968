"""`safehub link csv`: real Splink and DuckDB on a small synthetic file with planted duplicates and traps."""

import csv
from collections import defaultdict

import pytest
from django.core.management import CommandError, call_command

from tests.linking_data import HEADER


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
    "impossible date": (["record_id,first_name,surname,date_of_birth", *_good_lines(12), "X,Ola,Kowal,31/02/2001"],
                        "line 14: date_of_birth '31/02/2001' is not a date (use YYYY-MM-DD or YYYYMMDD)"),
    "empty file": ([], "is empty"),
    "header only": (["record_id,first_name"], "has a header but no records"),
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
