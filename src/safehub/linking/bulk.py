"""Batch linking of a CSV of person mentions: validate, normalise, Splink, cluster, write entity ids.

`link_csv(in_path, out_path, ...)` is what `safehub link csv` runs. The input needs a header row with a
`record_id` column; the recognised optional columns are listed in RECOGNISED_COLUMNS (others are ignored,
blanks are allowed). A problem with the file's structure (not CSV, not UTF-8, no record_id column, a record id
used twice, a row with the wrong number of fields) raises LinkInputError naming the line, and no output file
is left behind: outputs are written to temporary files beside them and moved into place at the very end. A
value the linker cannot use (an impossible date, a phone number with letters) is read as bad_values.py says:
taken as missing or compared as written, counted and reported in LinkResult.problems; with strict=True the
first such value refuses the file instead.
"""

import csv
import datetime as dt
import io
import os
import re
import tempfile
import time
from array import array
from collections import Counter
from contextlib import ExitStack, nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from safehub.linking import bad_values, normalise, splink_model
from safehub.linking.clustering import cluster, held_reason
from safehub.linking.comparisons import MODEL_COLUMNS

RECOGNISED_COLUMNS = [
    "first_name", "middle_name", "surname", "date_of_birth", "sex", "house_number", "street", "address_2", "town",
    "postcode", "phone", "email", "nickname", "vehicle", "handle",
]
ENGINES = ("duckdb", "spark")
# Examples of each kind of bad value shown in the report (all of them are counted).
EXAMPLES = 3
# Files that are not text, by their first bytes.
NOT_CSV_SIGNATURES = {b"PK\x03\x04": "a zip archive or an Excel (.xlsx) workbook",
                      b"\xd0\xcf\x11\xe0": "an old Excel (.xls) or Word file", b"%PDF": "a PDF",
                      b"\xff\xfe": "UTF-16 text", b"\xfe\xff": "UTF-16 text"}
# SQL here is built only from this module's column names and Splink's table names; values from the file are
# always passed as parameters or Arrow tables (hence the B608 nosec marks).
DEFAULT_THRESHOLD = 0.99
# A file with more records than this trains on a random sample of this many (see training_table): 150,000 since
# ADR 37 (250,000 before), which kept the same pairs on the dense 200,000-record file as training on all of it.
TRAINING_RECORDS = 150_000


class LinkInputError(ValueError):
    """The input file cannot be linked; the message says where and why."""


@dataclass
class BadValue:
    line: int
    record_id: str
    column: str
    value: str
    problem: str
    action: str  # bad_values.TAKEN_AS_MISSING or COMPARED_AS_WRITTEN


@dataclass
class Problems:
    """Values the linker could not use as given, and lines with nothing on them."""
    bad_values: list = field(default_factory=list)
    blank_lines: int = 0

    def counts(self):
        """{(column, problem, action): number of values}, most frequent first within a column."""
        counted = Counter((bad.column, bad.problem, bad.action) for bad in self.bad_values)
        return dict(sorted(counted.items(), key=lambda item: (item[0][0], -item[1], item[0][1])))

    def examples(self, column, problem):
        return [bad for bad in self.bad_values if bad.column == column and bad.problem == problem][:EXAMPLES]

    def summary(self):
        """The report as plain data (JSON-ready)."""
        return {
            "blank_lines": self.blank_lines,
            "bad_values": [
                {"column": column, "problem": problem, "action": action, "count": count,
                 "examples": [{"line": bad.line, "record_id": bad.record_id, "value": bad.value}
                              for bad in self.examples(column, problem)]}
                for (column, problem, action), count in self.counts().items()],
        }

    def report_lines(self):
        """A short report for people: one line per column and kind of problem, with examples."""
        lines = []
        for (column, problem, action), count in self.counts().items():
            examples = "; ".join(f"line {bad.line} ({bad.record_id}): {_shown(bad.value)}"
                                 for bad in self.examples(column, problem))
            more = ", ..." if count > EXAMPLES else ""
            lines.append(f"{column}, {problem}: {count} {'value' if count == 1 else 'values'} {action} "
                         f"(e.g. {examples}{more})")
        if self.blank_lines:
            lines.append(f"{self.blank_lines} blank {'line' if self.blank_lines == 1 else 'lines'} skipped")
        return lines


def _shown(value, limit=40):
    return repr(value if len(value) <= limit else value[:limit] + "...")


@dataclass
class LinkResult:
    records: int
    entities: int
    linked_pairs: int
    model_path: Path | None
    seconds: dict = field(default_factory=dict)
    held_pairs: int = 0
    problems: Problems = field(default_factory=Problems)
    engine: str = "duckdb"


# ---------------------------------------------------------------------------------------------------------------
# Reading and checking the file


def parse_date(text):
    """'2001-02-03' or '20010203' -> '2001-02-03'; raises ValueError for anything else."""
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
        return dt.date.fromisoformat(text).isoformat()
    if re.fullmatch(r"\d{8}", text):
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:])).isoformat()
    raise ValueError(text)


def _decode(path):
    data = Path(path).read_bytes()
    if not data:
        raise LinkInputError(f"{path} is empty: expected a header row with a record_id column")
    for signature, kind in NOT_CSV_SIGNATURES.items():
        if data.startswith(signature):
            raise LinkInputError(f"{path} is not a CSV file (it looks like {kind}); save it as CSV (UTF-8) "
                                 f"with a header row and try again")
    if b"\x00" in data[:65536]:
        raise LinkInputError(f"{path} is not a CSV file (it holds binary data); save it as CSV (UTF-8) with a "
                             f"header row and try again")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        byte = data[error.start]
        raise LinkInputError(
            f"line {line}: the file is not UTF-8 (byte 0x{byte:02x} cannot be read); save it as UTF-8 and try again"
        ) from None


def _check_header(header, path):
    if not header or not "".join(header).strip():
        raise LinkInputError(f"{path} has no header row: expected a header row with a record_id column first")
    names = [name.strip() for name in header]
    if "record_id" not in names:
        found = ", ".join(names) or "nothing"
        separator = next((name for sep, name in (("\t", "tabs"), (";", "semicolons"), ("|", "bars"))
                          if sep in header[0]), None)
        hint = f"; the header looks separated by {separator}, and link csv reads commas" if separator else ""
        raise LinkInputError(f"line 1: the header has no record_id column (found: {found}){hint}")
    repeated = sorted({name for name in names if name and names.count(name) > 1})
    if repeated:
        raise LinkInputError(f"line 1: the header names {', '.join(repeated)} more than once")
    return names


def _check_row(row, index, line, seen):
    """True for a record, False for a row with every field blank (skipped); raises at a structural problem."""
    if len(row) != len(index):
        raise LinkInputError(f"line {line}: {len(row)} fields where the header has {len(index)}")
    record_id = row[index["record_id"]].strip()
    if not record_id:
        if not "".join(row).strip():
            return False
        raise LinkInputError(f"line {line}: record_id is blank")
    if record_id in seen:
        raise LinkInputError(f"line {line}: record_id '{record_id}' is used again (first on line {seen[record_id]})")
    seen[record_id] = line
    return True


@dataclass
class CsvLayout:
    names: list
    # The line each row of the file starts on, in the order DuckDB reads the rows (row i -> lines[i]).
    lines: array
    blank_lines: int


def inspect_csv(path):
    """Read the whole file once; raise LinkInputError at the first structural problem. Returns its CsvLayout."""
    text = _decode(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    names = _check_header(next(reader, None), path)
    index = {name: position for position, name in enumerate(names)}
    seen, lines, blank, ended = {}, array("q"), 0, reader.line_num
    for row in reader:
        started, ended = ended + 1, reader.line_num
        if not row:
            blank += 1
            continue
        lines.append(started)  # DuckDB skips empty lines but reads a row of blank fields
        if not _check_row(row, index, started, seen):
            blank += 1
    if not seen:
        raise LinkInputError(f"{path} has a header but no records")
    return CsvLayout(names, lines, blank)


def check_csv(path):
    """Raise LinkInputError at the first structural problem. Returns the header names."""
    return inspect_csv(path).names


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
    return text  # already read by bad_values.read_date: YYYY-MM-DD, or an impossible date compared as written


def _read_already(text):
    return text


def _email(text):
    value = text.strip().casefold()
    return value if "@" in value else None


def _or_none(function):
    return lambda text: function(text) or None


# prepared column -> (input column, normaliser of one value as bad_values.read_value gives it)
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
    "phone": ("phone", _read_already),  # bad_values.read_phone gives E.164 already
    "email": ("email", _email),
    "nickname": ("nickname", _name),
    "vehicle": ("vehicle", _or_none(normalise.normalise_registration)),
    "handle": ("handle", _or_none(normalise.normalise_handle)),
}
PREPARED_FROM = {source: [column for column, (src, _) in NORMALISERS.items() if src == source]
                 for source, _ in NORMALISERS.values()}


def _today(today):
    if today is not None:
        return today
    from safehub import clock  # Django settings are only needed when no date is given

    return clock.today()


def _prepare_value(source, raw, today):
    """(problem or None, {prepared column: value}) for one non-blank raw value of an input column."""
    value, problem = bad_values.read_value(source, raw, today)
    prepared = {column: NORMALISERS[column][1](value) if value is not None else None
                for column in PREPARED_FROM[source]}
    if problem is None and value is not None and not any(prepared.values()):
        problem = "nothing to compare once normalised"
    return problem, prepared


def prepare_record(raw, today=None):
    """One raw record (a dict of input columns) prepared exactly as `prepare` prepares a row of the file."""
    today = _today(today)
    record = {}
    for source, columns in PREPARED_FROM.items():
        text = raw.get(source)
        if text in (None, ""):
            record.update(dict.fromkeys(columns))
        else:
            record.update(_prepare_value(source, text, today)[1])
    parts = [part for part in (record["house_number"], record["street"]) if part is not None]
    record["address"] = " ".join(parts) or None
    return {column: record[column] for column in MODEL_COLUMNS}


def prepared_rows(con, table="prepared"):
    """{unique_id: prepared record} for every row of the prepared table."""
    cursor = con.execute(f"SELECT unique_id, {', '.join(MODEL_COLUMNS)} FROM {table}")  # nosec B608: our column and table names
    return {row[0]: dict(zip(MODEL_COLUMNS, row[1:])) for row in cursor.fetchall()}


def load_raw(con, path, names):
    """The CSV as table raw (all text, blanks as NULL) with unique_id the row's place in the file (from 0),
    leaving out rows whose every field is blank."""
    columns = {name or f"unnamed_{position}": "VARCHAR" for position, name in enumerate(names)}
    try:
        con.execute(
            "CREATE TABLE raw_file AS SELECT * FROM read_csv(?, header = true, columns = ?, quote = '\"', "
            "escape = '\"', delim = ',', encoding = 'utf-8')",
            [str(path), columns],
        )
    except duckdb.Error as error:
        raise LinkInputError(f"{path} could not be read as CSV: {str(error).splitlines()[0]}") from error
    con.execute("CREATE TABLE raw AS SELECT rowid AS unique_id, * FROM raw_file WHERE nullif(trim(record_id), '') IS NOT NULL")
    con.execute("DROP TABLE raw_file")


def _read_column(con, source, today):
    """Table m_<source>: each distinct raw value of the input column, its problem, and its prepared columns."""
    values = [row[0] for row in con.execute(f'SELECT DISTINCT "{source}" FROM raw WHERE "{source}" IS NOT NULL').fetchall()]  # nosec B608: our column and table names
    read = [_prepare_value(source, raw, today) for raw in values]
    columns = {"raw": pa.array(values, pa.string()), "problem": pa.array([problem for problem, _ in read], pa.string())}
    for column in PREPARED_FROM[source]:
        columns[f"n_{column}"] = pa.array([prepared[column] for _, prepared in read], pa.string())
    con.register(f"m_{source}", pa.table(columns))


def prepare(con, names, today=None):
    """Build table `prepared` (unique_id, record_id and MODEL_COLUMNS) from `raw`. Returns columns with data.

    Leaves a table m_<input column> registered for each input column read, for `find_problems`."""
    today = _today(today)
    selects, joins = {}, []
    for source, columns in PREPARED_FROM.items():
        if source not in names:
            continue
        _read_column(con, source, today)
        joins.append(f'LEFT JOIN m_{source} ON raw."{source}" = m_{source}.raw')
        selects.update({column: f"m_{source}.n_{column} AS {column}" for column in columns})
    parts = [f"m_{part}.n_{part}" for part in ("house_number", "street") if part in names]
    selects["address"] = (f"nullif(concat_ws(' ', {', '.join(parts)}), '') AS address" if parts
                          else "CAST(NULL AS VARCHAR) AS address")
    chosen = [selects.get(column, f"CAST(NULL AS VARCHAR) AS {column}") for column in MODEL_COLUMNS]
    con.execute(
        f"CREATE TABLE prepared AS SELECT raw.unique_id, trim(raw.record_id) AS record_id, {', '.join(chosen)} "  # nosec B608: our column and table names
        f"FROM raw {' '.join(joins)} ORDER BY raw.unique_id"
    )
    counts = con.execute(
        "SELECT " + ", ".join(f"count({column})" for column in MODEL_COLUMNS) + " FROM prepared"  # nosec B608: our column and table names
    ).fetchone()
    return {column for column, count in zip(MODEL_COLUMNS, counts) if count}


def find_problems(con, layout):
    """Every value `prepare` could not use as given, in file order, with its line (after `prepare`)."""
    problems = Problems(blank_lines=layout.blank_lines)
    for source in PREPARED_FROM:
        if source not in layout.names:
            continue
        rows = con.execute(
            f'SELECT raw.unique_id, trim(raw.record_id), raw."{source}", m.problem, m.n_{PREPARED_FROM[source][0]} '  # nosec B608: our column and table names
            f'FROM raw JOIN m_{source} m ON raw."{source}" = m.raw WHERE m.problem IS NOT NULL'
        ).fetchall()
        for unique_id, record_id, value, problem, prepared in rows:
            problems.bad_values.append(BadValue(layout.lines[unique_id], record_id, source, value, problem,
                                                bad_values.action(prepared)))
    problems.bad_values.sort(key=lambda bad: (bad.line, bad.column))
    return problems


def forget_raw(con, names):
    """Drop the file's text and the value tables once the problems are found: the prepared table is all that
    linking reads, and scoring is where memory peaks."""
    for source in PREPARED_FROM:
        if source in names:
            con.unregister(f"m_{source}")
    con.execute("DROP TABLE raw")


def refuse_if_strict(problems):
    if problems.bad_values:
        first, more = problems.bad_values[0], len(problems.bad_values) - 1
        others = f" (and {more} more {'value' if more == 1 else 'values'} the linker cannot use)" if more else ""
        raise LinkInputError(f"line {first.line}: {first.column} {_shown(first.value, 60)}: {first.problem}{others}; "
                             f"--strict refuses the file (without it such values are {bad_values.TAKEN_AS_MISSING} "
                             f"or {bad_values.COMPARED_AS_WRITTEN}, and reported)")


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


def write_entities(con, roots, path):
    """record_id,entity_id for every input record to path, in file order; entity ids numbered by first appearance.

    Written by DuckDB: a million rows through Python's csv module took seconds of the run (ADR 37)."""
    con.register("entity_roots", pa.table({"unique_id": pa.array(list(roots), pa.int64()),
                                          "root": pa.array(list(roots.values()), pa.int64())}))
    # A record in no linked pair is its own entity: its own id cannot be another entity's root.
    con.execute("""
        CREATE TEMP TABLE entity_of AS
        SELECT p.unique_id, p.record_id, coalesce(r.root, p.unique_id) AS entity
        FROM prepared p LEFT JOIN entity_roots r USING (unique_id)""")
    con.execute("""
        CREATE TEMP TABLE entity_numbers AS
        SELECT entity, row_number() OVER (ORDER BY first_record) AS number
        FROM (SELECT entity, min(unique_id) AS first_record FROM entity_of GROUP BY entity)""")
    con.execute(f"""
        COPY (SELECT e.record_id, printf('E%07d', n.number) AS entity_id
              FROM entity_of e JOIN entity_numbers n USING (entity) ORDER BY e.unique_id)
        TO '{_sql_text(path)}' (HEADER, DELIMITER ',')""")  # nosec B608: our table names; the path is quoted
    entities = con.execute("SELECT count(*) FROM entity_numbers").fetchone()[0]
    con.execute("DROP TABLE entity_of; DROP TABLE entity_numbers")
    con.unregister("entity_roots")
    return entities


def _sql_text(text):
    """A string as the inside of an SQL literal (COPY TO takes no parameters)."""
    return str(text).replace("'", "''")


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


def training_table(con, records, seed, size=None):
    """The table Splink learns from: `prepared`, or past TRAINING_RECORDS records a random sample of that many
    (the same sample for the same file and seed). The model it learns then scores every record (ADR 31)."""
    size = TRAINING_RECORDS if size is None else size
    if records <= size:
        return "prepared"
    con.execute(f"CREATE OR REPLACE TABLE training_sample AS SELECT * FROM prepared "  # nosec B608: an int
                f"ORDER BY hash(unique_id + ?), unique_id LIMIT {int(size)}", [seed])
    return "training_sample"


class DuckDBEngine:
    """Splink on the DuckDB connection that holds the prepared table (the default engine)."""
    name = "duckdb"

    def __init__(self, con):
        self.con = con

    def open_linker(self, settings, table="prepared"):
        return splink_model.open_linker(self.con, table, settings)

    def trained_model(self, linker):
        """The trained model as a settings dictionary (what save_model writes)."""
        return linker.misc.save_model_to_json()

    def training(self):
        return nullcontext()

    def predict(self, linker, threshold):
        return splink_model.predict(linker, threshold)

    def save_model(self, linker, path):
        return splink_model.save_model(linker, path)

    def close(self):
        pass


def open_engine(con, engine, spark_master=None):
    if engine not in ENGINES:
        raise LinkInputError(f"unknown engine {engine!r}: choose {' or '.join(ENGINES)}")
    if spark_master and engine != "spark":
        raise LinkInputError("--spark-master is for --engine spark")
    if engine == "spark":
        from safehub.linking import spark_engine

        return spark_engine.SparkEngine(con, master=spark_master)
    return DuckDBEngine(con)


@dataclass
class Linked:
    pairs_table: str
    model_path: Path | None
    problems: Problems


def run_linking(con, in_path, threshold, model=None, model_dir=None, seed=42, u_pairs=1e6, timings=None,
                strict=False, engine="duckdb", spark_master=None, today=None, training_records=None):
    """Check, prepare, train or load, predict. Returns Linked (the pairs are a table on con)."""
    timings = {} if timings is None else timings
    started = time.perf_counter()
    layout = inspect_csv(in_path)
    timings["check_file"] = time.perf_counter() - started
    load_raw(con, in_path, layout.names)
    timings["load_file"] = time.perf_counter() - started - timings["check_file"]
    columns_with_data = prepare(con, layout.names, today=today)
    problems = find_problems(con, layout)
    if strict:
        refuse_if_strict(problems)
    forget_raw(con, layout.names)
    timings["read_and_normalise"] = time.perf_counter() - started
    started = time.perf_counter()
    runner = open_engine(con, engine, spark_master)
    timings["start_engine"] = time.perf_counter() - started
    started = time.perf_counter()
    try:
        if model:
            linker = runner.open_linker(model)
            model_path = Path(model)
        else:
            records = con.execute("SELECT count(*) FROM prepared").fetchone()[0]
            table = training_table(con, records, seed, training_records)
            linker = runner.open_linker(splink_model.settings_for(columns_with_data), table=table)
            with runner.training():
                splink_model.train(linker, columns_with_data, seed=seed, u_pairs=u_pairs, records=records)
            model_path = runner.save_model(linker, model_path_for(model_dir)) if model_dir else None
            if table != "prepared":  # learnt from a sample: the same model now scores every record
                linker = runner.open_linker(runner.trained_model(linker))
                con.execute(f"DROP TABLE {table}")  # nosec B608: our table name
        timings["train"] = time.perf_counter() - started
        started = time.perf_counter()
        pairs_table = runner.predict(linker, threshold)
        timings["predict"] = time.perf_counter() - started
    finally:
        runner.close()
    return Linked(pairs_table, model_path, problems)


def link_csv(in_path, out_path, pairs_path=None, threshold=DEFAULT_THRESHOLD, model=None, model_dir=None,
             seed=42, u_pairs=1e6, guards=True, review_path=None, strict=False, engine="duckdb", spark_master=None,
             training_records=None):
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
            linked = run_linking(con, in_path, threshold, model, model_dir, seed=seed, u_pairs=u_pairs,
                                 timings=timings, strict=strict, engine=engine, spark_master=spark_master,
                                 training_records=training_records)
        except LinkInputError:
            raise
        except ValueError as error:
            hint = "" if model else "; link it with a saved model instead (--model)"
            raise LinkInputError(f"{error}{hint}") from error
        started = time.perf_counter()
        roots, kept, held, records = cluster_pairs(con, linked.pairs_table, guards=guards)
        timings["cluster"] = time.perf_counter() - started
        out_file.close()
        entities = write_entities(con, roots, out_file.name)
        if pairs_file:
            with pairs_file:
                write_pairs(con, linked.pairs_table, kept, pairs_file)
        if review_file:
            with review_file:
                write_review(con, linked.pairs_table, held, records, review_file)
        for handle, path in ((pairs_file, pairs_path), (review_file, review_path)):
            if handle:
                os.replace(handle.name, path)
        os.replace(out_file.name, out_path)
        timings["cluster_and_write"] = time.perf_counter() - started
        records = con.execute("SELECT count(*) FROM prepared").fetchone()[0]
    return LinkResult(records, entities, len(kept), linked.model_path, timings, held_pairs=len(held),
                      problems=linked.problems, engine=engine)
