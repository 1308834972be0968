"""The in-process scorer gives the same match weights as Splink's own predict, from the saved model."""

import duckdb
import pytest

from safehub.linking import bulk, splink_model
from safehub.linking.scorer import CandidateIndex, Scorer, parse_rule


@pytest.fixture(scope="module")
def splink_scored(linked_people):
    """Every pair of the synthetic file scored by Splink with the saved model: (records, [(l, r, weight)])."""
    con = duckdb.connect()
    path = linked_people["folder"] / "people.csv"
    names = bulk.check_csv(path)
    bulk.load_raw(con, path, names)
    bulk.prepare(con, names)
    linker = splink_model.open_linker(con, "prepared", linked_people["model"])
    frame = con.execute("SELECT 1").fetchall() and linker._input_tables_dict
    predictions = linker.inference.predict_within(
        list(frame.values()), blocking_rules_to_generate_predictions=["1=1"], warning_mode="never")
    rows = con.execute(f"SELECT unique_id_l, unique_id_r, match_weight FROM {predictions.physical_name}").fetchall()
    records = bulk.prepared_rows(con)
    con.close()
    return records, rows


def test_scorer_weights_equal_splink_predict_for_every_pair(linked_people, splink_scored):
    records, rows = splink_scored
    assert len(rows) > 50_000  # all pairs of ~360 records, every level of every comparison exercised
    scorer = Scorer(linked_people["model"])
    worst = max(abs(scorer.weight(records[left], records[right]) - weight) for left, right, weight in rows)
    assert worst < 1e-6


def test_prepare_record_matches_the_batch_preparation(linked_people, splink_scored):
    records, _ = splink_scored
    for unique_id, raw in enumerate(linked_people["records"]):
        assert bulk.prepare_record(raw) == records[unique_id]


def test_candidate_index_finds_a_planted_duplicate_and_explains_it(linked_people):
    scorer = Scorer(linked_people["model"])
    index = CandidateIndex(scorer)
    records = [bulk.prepare_record(raw) for raw in linked_people["records"]]
    for raw, record in zip(linked_people["records"], records):
        index.add(raw["record_id"], record)
    person = next(person for kind, person in linked_people["planted"] if kind == "variant")
    mentions = [raw for raw in linked_people["records"] if raw["person"] == person]
    new = bulk.prepare_record(mentions[0])
    matches = index.match(new)
    best = [record_id for _, record_id in matches if record_id != mentions[0]["record_id"]][0]
    assert best == mentions[1]["record_id"]
    evidence = dict((name, label) for name, label, _ in scorer.explain(new, index.records[best]))
    assert evidence["first_name"] in {"same name group", "exact"}


def test_blocking_rules_are_read_as_column_equalities():
    assert parse_rule('l."first_key" = r."first_key" AND l."dob" = r."dob"') == [("first_key", "first_key"),
                                                                             ("dob", "dob")]
    assert parse_rule("l.first_name = r.surname AND l.surname = r.first_name") == [("first_name", "surname"),
                                                                                  ("surname", "first_name")]
