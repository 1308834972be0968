"""The person-matching comparisons, written once for both Splink (SQL) and the in-process scorer (Python).

Each comparison is a list of levels, first match wins, as in Splink. A level has a label, its SQL condition
(on the prepared columns, `_l` and `_r` suffixes) and the same test in Python on two prepared records
(dicts). The two must agree exactly: `tests/test_link_scorer.py` checks the scorer's weights against
Splink's own predictions. Missing values are None (never ''), so a comparison with a missing side is False,
as NULL is in SQL. Jaro-Winkler similarities are rounded to 9 places on both sides: DuckDB and rapidfuzz
compute the same value but can differ in the last bit, which would matter exactly at a threshold.
"""

from dataclasses import dataclass
from typing import Callable

from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler, Levenshtein

# Columns a prepared record carries (besides unique_id and record_id); see bulk.prepare_records.
MODEL_COLUMNS = [
    "first_name", "first_key", "middle_name", "surname", "dob", "sex", "house_number", "street", "address",
    "address_2", "town", "postcode", "postcode_district", "phone", "email", "nickname", "vehicle", "handle",
]


@dataclass(frozen=True)
class Level:
    label: str
    sql: str
    test: Callable[[dict, dict], bool]
    is_null: bool = False
    # Evidence another comparison already counts: the level is held at weight 0, never trained.
    neutral: bool = False


@dataclass(frozen=True)
class ComparisonSpec:
    name: str
    columns: tuple
    levels: tuple
    # The comparison is used when any of these columns holds data (default: its null level's column).
    data_columns: tuple = ()


def _both(a, b):
    return a is not None and b is not None


def _eq(col):
    return lambda l, r: _both(l[col], r[col]) and l[col] == r[col]


def _jw(col, threshold):
    return lambda l, r: _both(l[col], r[col]) and round(JaroWinkler.similarity(l[col], r[col]), 9) >= threshold


def _one_slip(col):
    return lambda l, r: _both(l[col], r[col]) and DamerauLevenshtein.distance(l[col], r[col]) <= 1


def _null(col):
    return Level(f"{col} missing", f'"{col}_l" IS NULL OR "{col}_r" IS NULL',
                 lambda l, r: l[col] is None or r[col] is None, is_null=True)


def _exact(col):
    return Level("exact", f'"{col}_l" = "{col}_r"', _eq(col))


def _jw_level(col, threshold):
    return Level(f"jaro-winkler >= {threshold}", f'round(jaro_winkler_similarity("{col}_l", "{col}_r"), 9) >= {threshold}',
                 _jw(col, threshold))


def _else():
    return Level("all other", "ELSE", lambda l, r: True)


def _names_swapped(l, r):
    return (_both(l["first_name"], r["surname"]) and _both(r["first_name"], l["surname"])
            and l["first_name"] == r["surname"] and r["first_name"] == l["surname"])


SWAPPED_SQL = '"first_name_l" = "surname_r" AND "first_name_r" = "surname_l"'
SWAP_SIMILAR = 0.9
SWAPPED_WITH_SLIP_SQL = (f'round(jaro_winkler_similarity("first_name_l", "surname_r"), 9) >= {SWAP_SIMILAR} '
                         f'AND round(jaro_winkler_similarity("first_name_r", "surname_l"), 9) >= {SWAP_SIMILAR}')


def _swapped_with_slip(l, r):
    return (_both(l["first_name"], r["surname"]) and _both(r["first_name"], l["surname"])
            and round(JaroWinkler.similarity(l["first_name"], r["surname"]), 9) >= SWAP_SIMILAR
            and round(JaroWinkler.similarity(r["first_name"], l["surname"]), 9) >= SWAP_SIMILAR)


def _year(dob):
    return int(dob[:4])


def _dob_swapped(l, r):
    a, b = l["dob"], r["dob"]
    return _both(a, b) and a[:4] == b[:4] and a[5:7] == b[8:10] and a[8:10] == b[5:7]


def _dob_years_apart(l, r):
    return _both(l["dob"], r["dob"]) and abs(_year(l["dob"]) - _year(r["dob"]))


def _dob_typo(limit):
    return lambda l, r: (_both(l["dob"], r["dob"]) and Levenshtein.distance(l["dob"], r["dob"]) <= limit
                         and abs(_year(l["dob"]) - _year(r["dob"])) < 10)


def _dob_year_off_by_one(l, r):
    return _both(l["dob"], r["dob"]) and l["dob"][5:] == r["dob"][5:] and abs(_year(l["dob"]) - _year(r["dob"])) == 1


def _dob_far(l, r):
    return _both(l["dob"], r["dob"]) and abs(_year(l["dob"]) - _year(r["dob"])) >= 10


YEAR_DIFF_SQL = 'abs(CAST(substr("dob_l", 1, 4) AS INTEGER) - CAST(substr("dob_r", 1, 4) AS INTEGER))'


def _same_number_similar_street(l, r):
    return _eq("house_number")(l, r) and _jw("street", 0.88)(l, r)


def _lines_swapped(l, r):
    return _eq_cross(l, r, "street", "address_2") or _eq_cross(l, r, "address_2", "street")


def _eq_cross(l, r, left_column, right_column):
    return _both(l[left_column], r[right_column]) and l[left_column] == r[right_column]


LINES_SWAPPED_SQL = '"street_l" = "address_2_r" OR "address_2_l" = "street_r"'


# One comparison for where the person lives: moving house changes the street, town and postcode together,
# and scoring them as three comparisons would count one move as three disagreements.
PLACE_COLUMNS = ("address", "house_number", "street", "town", "postcode", "postcode_district")
PLACE_GIVEN = ("street", "town", "postcode")
PLACE_MISSING_SQL = " AND ".join(f'("{column}_l" IS NULL OR "{column}_r" IS NULL)' for column in PLACE_GIVEN)


def _place_missing(l, r):
    return not any(_both(l[column], r[column]) for column in PLACE_GIVEN)


def _email_local_part(l, r):
    return _both(l["email"], r["email"]) and l["email"].split("@")[0] == r["email"].split("@")[0]


def _phone_last_digits(l, r):
    return _both(l["phone"], r["phone"]) and l["phone"][-9:] == r["phone"][-9:]


def _simple(col, fuzzy=None):
    levels = [_null(col), _exact(col)]
    if fuzzy:
        levels.append(_jw_level(col, fuzzy))
    return ComparisonSpec(col, (col,), tuple([*levels, _else()]))


COMPARISONS = (
    ComparisonSpec("first_name", ("first_name", "first_key", "surname"), (
        _null("first_name"),
        _exact("first_name"),
        Level("same name group", '"first_key_l" = "first_key_r"', _eq("first_key")),
        Level("swapped with surname", SWAPPED_SQL, _names_swapped),
        _jw_level("first_name", 0.92),
        Level("swapped with surname, with a slip", SWAPPED_WITH_SLIP_SQL, _swapped_with_slip),
        _jw_level("first_name", 0.8),
        _else(),
    )),
    ComparisonSpec("surname", ("surname", "first_name"), (
        _null("surname"),
        _exact("surname"),
        # The first-name comparison weighs a swap once, for both names.
        Level("swapped with first name", f"({SWAPPED_SQL}) OR ({SWAPPED_WITH_SLIP_SQL})",
              lambda l, r: _names_swapped(l, r) or _swapped_with_slip(l, r), neutral=True),
        _jw_level("surname", 0.92),
        _jw_level("surname", 0.8),
        _else(),
    )),
    _simple("middle_name", fuzzy=0.88),
    ComparisonSpec("dob", ("dob",), (
        _null("dob"),
        _exact("dob"),
        Level("day and month swapped",
              'substr("dob_l", 1, 4) = substr("dob_r", 1, 4) AND substr("dob_l", 6, 2) = substr("dob_r", 9, 2) '
              'AND substr("dob_l", 9, 2) = substr("dob_r", 6, 2)', _dob_swapped),
        Level("one character different", f'levenshtein("dob_l", "dob_r") <= 1 AND {YEAR_DIFF_SQL} < 10',
              _dob_typo(1)),
        Level("year off by one", f'substr("dob_l", 6, 5) = substr("dob_r", 6, 5) AND {YEAR_DIFF_SQL} = 1',
              _dob_year_off_by_one),
        Level("two characters different", f'levenshtein("dob_l", "dob_r") <= 2 AND {YEAR_DIFF_SQL} < 10',
              _dob_typo(2)),
        Level("ten or more years apart", f"{YEAR_DIFF_SQL} >= 10", _dob_far),
        _else(),
    )),
    ComparisonSpec("address", PLACE_COLUMNS, (
        Level("address missing", PLACE_MISSING_SQL, _place_missing, is_null=True),
        Level("same address and postcode", '"address_l" = "address_r" AND "postcode_l" = "postcode_r"',
              lambda l, r: _eq("address")(l, r) and _eq("postcode")(l, r)),
        Level("same postcode, no street on one side",
              '"postcode_l" = "postcode_r" AND ("street_l" IS NULL OR "street_r" IS NULL)',
              lambda l, r: _eq("postcode")(l, r) and (l["street"] is None or r["street"] is None)),
        Level("same postcode, another street", '"postcode_l" = "postcode_r"', _eq("postcode")),
        Level("same address", '"address_l" = "address_r"', _eq("address")),
        Level("same number, similar street",
              '"house_number_l" = "house_number_r" AND round(jaro_winkler_similarity("street_l", "street_r"), 9) >= 0.88',
              _same_number_similar_street),
        Level("postcode one character different or two swapped",
              'damerau_levenshtein("postcode_l", "postcode_r") <= 1', _one_slip("postcode")),
        Level("address lines swapped", LINES_SWAPPED_SQL, _lines_swapped),
        Level("same street", '"street_l" = "street_r"', _eq("street")),
        Level("same postcode district or town",
              '"postcode_district_l" = "postcode_district_r" OR "town_l" = "town_r"',
              lambda l, r: _eq("postcode_district")(l, r) or _eq("town")(l, r)),
        _else(),
    ), data_columns=PLACE_GIVEN),
    ComparisonSpec("address_2", ("address_2", "street"), (
        _null("address_2"),
        _exact("address_2"),
        Level("address lines swapped", LINES_SWAPPED_SQL, _lines_swapped),
        _jw_level("address_2", 0.88),
        _else(),
    )),
    ComparisonSpec("phone", ("phone",), (
        _null("phone"),
        _exact("phone"),
        Level("last nine digits", 'right("phone_l", 9) = right("phone_r", 9)', _phone_last_digits),
        _else(),
    )),
    ComparisonSpec("email", ("email",), (
        _null("email"),
        _exact("email"),
        Level("same local part", "split_part(\"email_l\", '@', 1) = split_part(\"email_r\", '@', 1)",
              _email_local_part),
        _else(),
    )),
    _simple("nickname"),
    _simple("vehicle"),
    _simple("handle"),
    _simple("sex"),
)

BY_NAME = {spec.name: spec for spec in COMPARISONS}
NEUTRAL_LEVEL_PROBABILITY = 0.01


def null_column(spec):
    """The column whose absence makes the comparison say nothing (its null level's column)."""
    return spec.levels[0].label.removesuffix(" missing")


def has_data(spec, columns_with_data):
    """The file gives the comparison something to compare."""
    return bool(set(spec.data_columns or (null_column(spec),)) & set(columns_with_data))


def splink_comparison(spec):
    """The comparison as a Splink settings dictionary."""
    levels = []
    for level in spec.levels:
        entry = {"sql_condition": level.sql, "label_for_charts": level.label}
        if level.is_null:
            entry["is_null_level"] = True
        if level.neutral:
            entry.update(m_probability=NEUTRAL_LEVEL_PROBABILITY, u_probability=NEUTRAL_LEVEL_PROBABILITY,
                         fix_m_probability=True, fix_u_probability=True)
        levels.append(entry)
    return {"output_column_name": spec.name, "comparison_levels": levels,
            "comparison_description": f"{spec.name} comparison"}
