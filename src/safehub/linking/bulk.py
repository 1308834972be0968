"""Batch linking of a CSV of person mentions: validate, normalise, Splink, cluster, write entity ids.

`link_csv(in_path, out_path, ...)` is what `safehub link csv` runs. The input needs a header row with a
`record_id` column; the recognised optional columns are listed in RECOGNISED_COLUMNS (others are ignored,
blanks are allowed). Any problem with the file raises LinkInputError naming the line, and no output file is
left behind: outputs are written to temporary files beside them and moved into place at the very end.
"""

import csv
import datetime as dt
import io
import os
import re
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import duckdb
import pyarrow as pa

from safehub.linking import normalise, splink_model
from safehub.linking.clustering import cluster, held_reason
from safehub.linking.comparisons import MODEL_COLUMNS

RECOGNISED_COLUMNS = [
    "first_name", "middle_name", "surname", "date_of_birth", "sex", "house_number", "street", "address_2", "town",
    "postcode", "phone", "email", "nickname", "vehicle", "handle",
]
DATE_HELP = "use YYYY-MM-DD or YYYYMMDD"
# SQL here is built only from this module's column names and Splink's table names; values from the file are
# always passed as parameters or Arrow tables (hence the B608 nosec marks).
DEFAULT_THRESHOLD = 0.99


class LinkInputError(ValueError):
    """The input file cannot be linked; the message says where and why."""


@dataclass
class LinkResult:
    records: int
    entities: int
    linked_pairs: int
    model_path: Path | None
    seconds: dict = field(default_factory=dict)
    held_pairs: int = 0


# ---------------------------------------------------------------------------------------------------------------
# Reading and checking the file


def parse_date(text):
    """'2001-02-03' or '20010203' -> '2001-02-03'; raises ValueError for anything else."""
    return _parse_date(text.strip())


@lru_cache(maxsize=200_000)
def _parse_date(text):
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text).isoformat()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    raise ValueError(text)


def _decode(path):
    data = Path(path).read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise LinkInputError(
            f"line {line}: the file is not UTF-8 (byte 0x{byte:02x} cannot be read); save it as UTF-8 and try again"
        ) from None


def _check_header(header, path):
    if header is None:
        raise LinkInputError(f"{path} is empty: expected a header row with a record_id column")
    names = [name.strip() for name in header]
    if "record_id" not in names:
        raise LinkInputError(f"line 1: the header has no record_id column (found: {', '.join(names) or 'nothing'})")
    return names


def _check_row(row, index, line, seen):
    if len(row) != len(index):
        raise LinkInputError(f"line {line}: {len(row)} fields where the header has {len(index)}")
    record_id = row[index["record_id"]].strip()
    if not record_id:
        raise LinkInputError(f"line {line}: record_id is blank")
    if record_id in seen:
        raise LinkInputError(f"line {line}: record_id '{record_id}' is used again (first on line {seen[record_id]})")
    seen[record_id] = line
    if "date_of_birth" in index:
        raw = row[index["date_of_birth"]]
        if raw.strip():
            try:
                parse_date(raw)
            except ValueError:
                raise LinkInputError(f"line {line}: date_of_birth '{raw}' is not a date ({DATE_HELP})") from None


def check_csv(path):
    """Read the whole file once and raise LinkInputError at the first problem. Returns the header names."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    names = _check_header(next(reader, None), path)
    index = {name: position for position, name in enumerate(names)}
    seen = {}
    for row in reader:
        if row:
            _check_row(row, index, reader.line_num, seen)
    if not seen:
        raise LinkInputError(f"{path} has a header but no records")
    return names


# ---------------------------------------------------------------------------------------------------------------
# Normalising into the prepared table


def _name(text):
    return normalise.name_key(text) or None


def _first_key(text):
    variants = normalise.name_variants(text)
    return min(variants) if variants else None


def _sex(text):
    value = normalise.normalise_name(text)
    return value[:1] or None


def _address(text):
    return normalise.normalise_address(text) or None


def _postcode(text):
    return normalise.normalise_postcode(text) or re.sub(r"\s+", "", text.upper()) or None


def _district(text):
    pc = normalise.normalise_postcode(text)
    return normalise.postcode_district(pc) if pc else None


def _dob(text):
    return parse_date(text) if text.strip() else None


def _email(text):
    value = text.strip().casefold()
    return value if "@" in value else None


def _or_none(function):
    return lambda text: function(text) or None


# prepared column -> (input column, normaliser of one non-blank raw value)
NORMALISERS = {
    "first_name": ("first_name", _name),
    "first_key": ("first_name", _first_key),
    "middle_name": ("middle_name", _name),
    "surname": ("surname", _name),
    "dob": ("date_of_birth", _dob),
    "sex": ("sex", _sex),
    "house_number": ("house_number", _address),
    "street": ("street", _address),
    "address_2": ("address_2", _address),
    "town": ("town", _address),
    "postcode": ("postcode", _postcode),
    "postcode_district": ("postcode", _district),
    "phone": ("phone", _or_none(normalise.normalise_phone)),
    "email": ("email", _email),
    "nickname": ("nickname", _name),
    "vehicle": ("vehicle", _or_none(normalise.normalise_registration)),
    "handle": ("handle", _or_none(normalise.normalise_handle)),
}


def prepare_record(raw):
    """One raw record (a dict of input columns) prepared exactly as `prepare` prepares a row of the file."""
    record = {}
    for column in MODEL_COLUMNS:
        if column == "address":
            continue
        source, function = NORMALISERS[column]
        value = raw.get(source)
        record[column] = function(value) if value not in (None, "") else None
    parts = [part for part in (record["house_number"], record["street"]) if part is not None]
    record["address"] = " ".join(parts) or None
    return record


def prepared_rows(con, table="prepared"):
    """{unique_id: prepared record} for every row of the prepared table."""
    cursor = con.execute(f"SELECT unique_id, {', '.join(MODEL_COLUMNS)} FROM {table}")  # nosec B608: our column and table names
    return {row[0]: dict(zip(MODEL_COLUMNS, row[1:])) for row in cursor.fetchall()}


def load_raw(con, path, names):
    """The CSV as table raw (all text, blanks as NULL) with unique_id in file order."""
    columns = {name: "VARCHAR" for name in names}
    con.execute(
        "CREATE TABLE raw_file AS SELECT * FROM read_csv(?, header = true, columns = ?, quote = '\"', "
        "escape = '\"', delim = ',', encoding = 'utf-8')",
        [str(path), columns],
    )
    con.execute("CREATE TABLE raw AS SELECT rowid AS unique_id, * FROM raw_file")
    con.execute("DROP TABLE raw_file")


def _mapping(con, source, function, table):
    values = [row[0] for row in con.execute(f'SELECT DISTINCT "{source}" FROM raw WHERE "{source}" IS NOT NULL').fetchall()]  # nosec B608: our column and table names
    mapped = [function(value) for value in values]
    con.register(table, pa.table({"raw": pa.array(values, pa.string()), "norm": pa.array(mapped, pa.string())}))


def prepare(con, names):
    """Build table `prepared` (unique_id, record_id and MODEL_COLUMNS) from `raw`. Returns columns with data."""
    selects, joins = [], []
    for column in MODEL_COLUMNS:
        if column == "address":
            parts = [f"m_{part}.norm" for part in ("house_number", "street") if NORMALISERS[part][0] in names]
            selects.append(f"nullif(concat_ws(' ', {', '.join(parts)}), '') AS address" if parts
                           else "CAST(NULL AS VARCHAR) AS address")
            continue
        source, function = NORMALISERS[column]
        if source not in names:
            selects.append(f"CAST(NULL AS VARCHAR) AS {column}")
            continue
        table = f"m_{column}"
        _mapping(con, source, function, table)
        joins.append(f'LEFT JOIN {table} ON raw."{source}" = {table}.raw')
        selects.append(f"{table}.norm AS {column}")
    con.execute(
        f"CREATE TABLE prepared AS SELECT raw.unique_id, trim(raw.record_id) AS record_id, {', '.join(selects)} "  # nosec B608: our column and table names
        f"FROM raw {' '.join(joins)} ORDER BY raw.unique_id"
    )
    counts = con.execute(
        "SELECT " + ", ".join(f"count({column})" for column in MODEL_COLUMNS) + " FROM prepared"  # nosec B608: our column and table names
    ).fetchone()
    return {column for column, count in zip(MODEL_COLUMNS, counts) if count}


# ---------------------------------------------------------------------------------------------------------------
# Linking and clustering


def _records_for(con, ids):
    con.register("wanted_ids", pa.table({"unique_id": pa.array(sorted(ids), pa.int64())}))
    rows = con.execute(
        "SELECT p.unique_id, first_name, first_key, surname, dob FROM prepared p JOIN wanted_ids USING (unique_id)"
    ).fetchall()
    return {row[0]: {"first_name": row[1], "first_key": row[2], "surname": row[3], "dob": row[4]} for row in rows}


def cluster_pairs(con, pairs_table, guards=True):
    """Entities from the auto-link pairs: ({unique_id: root}, kept pairs, held pairs, prepared records)."""
    edges = con.execute(
        f"SELECT unique_id_l, unique_id_r FROM {pairs_table} ORDER BY match_weight DESC, unique_id_l, unique_id_r"  # nosec B608: our column and table names
    ).fetchall()
    records = _records_for(con, {node for edge in edges for node in edge})
    return (*cluster(edges, records, guards=guards), records)


def write_entities(con, roots, target):
    """record_id,entity_id for every input record, in file order; entity ids numbered by first appearance."""
    rows = con.execute("SELECT unique_id, record_id FROM prepared ORDER BY unique_id").fetchall()
    numbers, writer = {}, csv.writer(target, lineterminator="\n")
    writer.writerow(["record_id", "entity_id"])
    for unique_id, record_id in rows:
        root = roots.get(unique_id, ("single", unique_id))
        number = numbers.setdefault(root, len(numbers) + 1)
        writer.writerow([record_id, f"E{number:07d}"])
    return len(numbers)


def _scored_pairs(con, pairs_table, pairs):
    """(unique_id_l, unique_id_r, record_id_l, record_id_r, probability, weight) of these pairs, strongest first."""
    con.register("chosen_pairs", pa.table({
        "unique_id_l": pa.array([pair[0] for pair in pairs], pa.int64()),
        "unique_id_r": pa.array([pair[1] for pair in pairs], pa.int64()),
    }))
    return con.execute(
        f"SELECT p.unique_id_l, p.unique_id_r, l.record_id, r.record_id, p.match_probability, p.match_weight "  # nosec B608: our column and table names
        f"FROM {pairs_table} p JOIN chosen_pairs k USING (unique_id_l, unique_id_r) "
        "JOIN prepared l ON l.unique_id = p.unique_id_l JOIN prepared r ON r.unique_id = p.unique_id_r "
        "ORDER BY p.match_weight DESC, l.record_id, r.record_id"
    ).fetchall()


def write_pairs(con, pairs_table, kept, target):
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(["record_id_l", "record_id_r", "match_probability", "match_weight"])
    for _, _, left, right, probability, weight in _scored_pairs(con, pairs_table, kept):
        writer.writerow([left, right, f"{probability:.6f}", f"{weight:.4f}"])


def write_review(con, pairs_table, held, records, target):
    """Pairs scored as one person that the guards held apart, with the reason, for an analyst to judge."""
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow(["record_id_l", "record_id_r", "match_probability", "match_weight", "held_apart_because"])
    for id_l, id_r, left, right, probability, weight in _scored_pairs(con, pairs_table, held):
        writer.writerow([left, right, f"{probability:.6f}", f"{weight:.4f}", held_reason(records[id_l], records[id_r])])


def model_path_for(model_dir):
    """var/linking/model-<version>.json with a time-based version."""
    version = dt.datetime.now(dt.timezone.utc).strftime("%Y%m%dT%H%M%S%f")
    return Path(model_dir) / f"model-{version}.json"


# ---------------------------------------------------------------------------------------------------------------
# The whole run


def _temp_beside(path, stack):
    path = Path(path)
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", newline="", dir=path.parent or ".", prefix=f".{path.name}.", suffix=".tmp",
        delete=False,
    )
    stack.callback(lambda: os.path.exists(handle.name) and os.remove(handle.name))
    return handle


def run_linking(con, in_path, threshold, model=None, model_dir=None, seed=42, u_pairs=1e6, timings=None):
    """Check, prepare, train or load, predict. Returns (linker, pairs table name, model path)."""
    timings = {} if timings is None else timings
    started = time.perf_counter()
    names = check_csv(in_path)
    load_raw(con, in_path, names)
    columns_with_data = prepare(con, names)
    timings["read_and_normalise"] = time.perf_counter() - started
    started = time.perf_counter()
    if model:
        linker = splink_model.open_linker(con, "prepared", model)
        model_path = Path(model)
    else:
        linker = splink_model.open_linker(con, "prepared", splink_model.settings_for(columns_with_data))
        records = con.execute("SELECT count(*) FROM prepared").fetchone()[0]
        splink_model.train(linker, columns_with_data, seed=seed, u_pairs=u_pairs, records=records)
        model_path = splink_model.save_model(linker, model_path_for(model_dir)) if model_dir else None
    timings["train"] = time.perf_counter() - started
    started = time.perf_counter()
    pairs_table = splink_model.predict(linker, threshold)
    timings["predict"] = time.perf_counter() - started
    return linker, pairs_table, model_path


def link_csv(in_path, out_path, pairs_path=None, threshold=DEFAULT_THRESHOLD, model=None, model_dir=None,
             seed=42, u_pairs=1e6, guards=True, review_path=None):
    """Link the people in IN.csv; write record_id,entity_id to OUT.csv (linked pairs to PAIRS.csv, and the
    pairs the guards held apart to REVIEW.csv)."""
    if not 0 < threshold < 1:
        raise LinkInputError(f"the threshold must be a probability between 0 and 1, not {threshold}")
    if not Path(in_path).is_file():
        raise LinkInputError(f"{in_path} does not exist or is not a file")
    timings = {}
    con = duckdb.connect()
    with ExitStack() as stack:
        stack.callback(con.close)
        out_file = _temp_beside(out_path, stack)
        pairs_file = _temp_beside(pairs_path, stack) if pairs_path else None
        review_file = _temp_beside(review_path, stack) if review_path else None
        try:
            linker, pairs_table, model_path = run_linking(
                con, in_path, threshold, model, model_dir, seed=seed, u_pairs=u_pairs, timings=timings)
        except LinkInputError:
            raise
        except ValueError as error:
            hint = "" if model else "; link it with a saved model instead (--model)"
            raise LinkInputError(f"{error}{hint}") from error
        started = time.perf_counter()
        roots, kept, held, records = cluster_pairs(con, pairs_table, guards=guards)
        with out_file:
            entities = write_entities(con, roots, out_file)
        if pairs_file:
            with pairs_file:
                write_pairs(con, pairs_table, kept, pairs_file)
        if review_file:
            with review_file:
                write_review(con, pairs_table, held, records, review_file)
        for handle, path in ((pairs_file, pairs_path), (review_file, review_path)):
            if handle:
                os.replace(handle.name, path)
        os.replace(out_file.name, out_path)
        timings["cluster_and_write"] = time.perf_counter() - started
        records = con.execute("SELECT count(*) FROM prepared").fetchone()[0]
    return LinkResult(records, entities, len(kept), model_path, timings, held_pairs=len(held))
