"""The attacker: from a published table's text alone (visible cells, "[c]" marks, its totals and its rounding
rule), the tightest bounds of each withheld cell by linear programming. Written apart from the app's own
protection code, so that a mistake there is not repeated here.

A withheld cell is at least 1 (zeros are always shown). A visible count rounded to base b stands for the
integers that round to it. A table with a total row: each column's cells add up to it; with a total column:
each row's cells add up to it.
"""

import math

import numpy as np
from scipy.optimize import linprog


def parse(text):
    if text == "[c]":
        return "c"
    if text == "[x]":
        return "x"
    assert text not in ("<5", "&lt;5") and not text.startswith("<"), f"a false range is published: {text}"
    return int(text.replace(",", ""))


def attack(table, min_values=5):
    """A list of problems: withheld cells pinned to fewer than `min_values` possible values, and visible
    counts from 1 to 4. `table` is a published table (rows of {"label", "cells"}, row_totals, column_totals,
    rules)."""
    base = table["rules"]["round_to"]
    below = table["rules"]["suppress_below"]
    grid = [[parse(text) for text in row["cells"]] for row in table["rows"]]
    problems = []
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            if isinstance(value, int) and 0 < value < below and base <= 1:
                problems.append(f"{table['key']}: visible small count {value} at {table['rows'][i]['label']}")
    cells = [(i, j) for i, row in enumerate(grid) for j, value in enumerate(row) if value != "x"]
    where = {cell: k for k, cell in enumerate(cells)}
    limits = []
    for i, j in cells:
        value = grid[i][j]
        if value == "c":
            limits.append((1, None))
        elif base > 1 and value:
            limits.append((max(0, value - base // 2), value + (base + 1) // 2 - 1))
        else:
            limits.append((value, value))
    height = len(grid) - (1 if table["column_totals"] else 0)
    width = len(grid[0]) - (1 if table["row_totals"] else 0) if grid else 0
    sums = []
    if table["row_totals"]:
        sums += [([(i, j) for j in range(width)], (i, width)) for i in range(len(grid))]
    if table["column_totals"]:
        sums += [([(i, j) for i in range(height)], (height, j)) for j in range(len(grid[0]))]
    rows = []
    for members, total in sums:
        if all(cell in where for cell in [*members, total]):
            row = np.zeros(len(cells))
            for cell in members:
                row[where[cell]] += 1
            row[where[total]] -= 1
            rows.append(row)
    for cell in cells:
        if grid[cell[0]][cell[1]] != "c":
            continue
        goal = np.zeros(len(cells))
        goal[where[cell]] = 1
        options = {"A_eq": np.array(rows) if rows else None, "b_eq": np.zeros(len(rows)) if rows else None,
                   "bounds": limits, "method": "highs"}
        low, high = linprog(goal, **options), linprog(-goal, **options)
        assert low.status in (0, 3) and high.status in (0, 3), (low.message, high.message)
        lo = math.ceil(low.fun - 1e-6) if low.status == 0 else 1
        hi = math.floor(-high.fun + 1e-6) if high.status == 0 else math.inf
        if hi - lo + 1 < min_values or (lo == hi and 1 <= lo <= 4):
            problems.append(f"{table['key']}: withheld cell {table['rows'][cell[0]]['label']} / column {cell[1]} "
                            f"is between {lo} and {hi}")
    return problems
