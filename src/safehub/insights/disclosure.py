"""Statistical disclosure control for published tables: small numbers withheld, and never recoverable.

A count from 1 to 4 (below `SAFEHUB_FIGURES_SUPPRESS_BELOW`) is withheld and shown as "[c]", as official
statistics do: never as "<5", which is a false statement when the cell was withheld only to protect another.
A zero is shown (it identifies no one), so a reader knows every withheld cell is at least 1.

Withholding one cell is not enough where totals are published: the reader can subtract. So after the small
counts are withheld, the table is attacked as a reader would attack it: for every withheld cell, linear
programming over what is visible (cells, row and column totals, the rounding of visible counts) gives the
smallest and largest value it could have. While any withheld cell is pinned to fewer than 5 possible values,
one more cell sharing a row or column with it is withheld (the smallest, preferring cells to totals), and the
attack runs again. Tables of counts with their margins are totally unimodular, so the linear programme's
bounds are the integer bounds.

Rounding: with `SAFEHUB_FIGURES_ROUND_TO` above 1, visible counts (and totals) are rounded to the nearest
multiple, each on its own, and the attack widens each visible count to the interval it may stand for.
"""

import math

import numpy as np
from django.conf import settings
from scipy.optimize import linprog

WITHHELD = "c"  # shown as "[c]"
NOT_RECORDED = "x"  # shown as "[x]"
MARKS = {WITHHELD: "[c]", NOT_RECORDED: "[x]"}


def rules():
    return {"suppress_below": settings.SAFEHUB_FIGURES_SUPPRESS_BELOW, "round_to": settings.SAFEHUB_FIGURES_ROUND_TO}


def show(value):
    """The text of a published cell: "[c]" withheld, "[x]" not recorded, else the count with thousands commas."""
    if value in MARKS:
        return MARKS[value]
    return f"{value:,}"


def round_count(value, base):
    if base <= 1:
        return value
    return int(math.floor(value / base + 0.5) * base)


def grid_of(cells, row_totals, column_totals):
    """The full grid with its margins: rows of cells (+ row total), and a total row (+ grand total).
    Returns (grid, lines) where lines are [(member positions, total position)] that must add up."""
    grid = [list(row) for row in cells]
    lines = []
    width = len(grid[0]) if grid else 0
    if row_totals:
        for i, row in enumerate(grid):
            row.append(None if None in row else sum(row))
            lines.append(([(i, j) for j in range(width)], (i, width)))
    if column_totals and grid:
        full = len(grid[0])
        total_row = [None if any(grid[i][j] is None for i in range(len(grid))) else sum(grid[i][j] for i in range(len(grid)))
                     for j in range(full)]
        rows = len(grid)
        for j in range(width):
            lines.append(([(i, j) for i in range(rows)], (rows, j)))
        if row_totals:
            lines.append(([(rows, j) for j in range(width)], (rows, width)))
            lines.append(([(i, width) for i in range(rows)], (rows, width)))
        grid.append(total_row)
    return grid, lines


def bounds(published, lines, base=1, stop_below=None):
    """{position: (low, high)} for every withheld cell of a published grid (values: ints as shown, "c", "x"),
    from the visible cells and the lines that must add up. high is math.inf when nothing bounds it. With
    `stop_below`, stops at the first cell with fewer possible values than that (the protector's question)."""
    positions = [(i, j) for i, row in enumerate(published) for j, value in enumerate(row) if value != NOT_RECORDED]
    index = {position: k for k, position in enumerate(positions)}
    withheld = [position for position in positions if published[position[0]][position[1]] == WITHHELD]
    if not withheld:
        return {}
    variable_bounds = [(1, None) if published[i][j] == WITHHELD else _interval(published[i][j], base)
                       for i, j in positions]
    equations, constrained = [], set()
    for members, total in lines:
        if any(position not in index for position in [*members, total]):
            continue
        row = np.zeros(len(positions))
        for position in members:
            row[index[position]] += 1
        row[index[total]] -= 1
        equations.append(row)
        constrained.update([*members, total])
    a_eq = np.array(equations) if equations else None
    b_eq = np.zeros(len(equations)) if equations else None
    found = {}
    for position in withheld:
        if position not in constrained:
            found[position] = (1, math.inf)  # in no line that adds up: nothing bounds it
            continue
        objective = np.zeros(len(positions))
        objective[index[position]] = 1
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=variable_bounds, method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=variable_bounds, method="highs")
        lo = math.ceil(low.fun - 1e-6) if low.status == 0 else 1
        hi = math.floor(-high.fun + 1e-6) if high.status == 0 else math.inf
        found[position] = (lo, hi)
        if stop_below is not None and hi - lo + 1 < stop_below:
            break
    return found


def _interval(value, base):
    if base <= 1 or value == 0:
        return (value, value)
    below = base // 2  # round half up: v stands for [v - floor(b/2), v + ceil(b/2) - 1]
    above = (base + 1) // 2 - 1
    return (max(0, value - below), value + above)


def protect(cells, row_totals=False, column_totals=True, suppress_below=None, round_to=None):
    """The published grid (cells with their margins) of a table of counts: ints shown (rounded when rounding is
    on), "c" withheld, "x" not recorded (None). Returns (published grid, lines)."""
    rule = rules()
    suppress_below = rule["suppress_below"] if suppress_below is None else suppress_below
    round_to = rule["round_to"] if round_to is None else round_to
    grid, lines = grid_of(cells, row_totals, column_totals)
    withheld = {(i, j) for i, row in enumerate(grid) for j, value in enumerate(row)
                if value is not None and 0 < value < suppress_below}
    interior = {(i, j) for i in range(len(cells)) for j in range(len(cells[0]) if cells else 0)}
    while True:
        published = _publish(grid, withheld, round_to)
        weak = [position for position, (lo, hi) in bounds(published, lines, round_to, suppress_below).items()
                if hi - lo + 1 < suppress_below]
        if not weak:
            return published, lines
        extra = _partner(grid, withheld, weak[0], interior)
        if extra is None:
            return published, lines  # everything that could be withheld is (the attack then finds nothing)
        withheld.add(extra)


def _publish(grid, withheld, round_to):
    return [[NOT_RECORDED if value is None else WITHHELD if (i, j) in withheld else round_count(value, round_to)
             for j, value in enumerate(row)] for i, row in enumerate(grid)]


def _partner(grid, withheld, position, interior):
    """The next cell to withhold for a pinned one: a visible non-zero cell in its row or column (cells before
    totals, smallest first), else any visible non-zero cell."""
    i, j = position
    candidates = [(p, grid[p[0]][p[1]]) for p in ({(i, k) for k in range(len(grid[i]))} | {(k, j) for k in range(len(grid))})
                  if p not in withheld and grid[p[0]][p[1]]]
    if not candidates:
        candidates = [((a, b), value) for a, row in enumerate(grid) for b, value in enumerate(row)
                      if (a, b) not in withheld and value]
    if not candidates:
        return None
    return min(candidates, key=lambda item: (item[0] not in interior, item[1], item[0]))[0]


def suppress_row(counts, threshold=None):
    """{label: count} -> ({label: shown text}, shown total text), for a one-column table with its total."""
    labels = list(counts)
    published, _ = protect([[counts[label]] for label in labels], column_totals=True, suppress_below=threshold)
    return {label: show(published[k][0]) for k, label in enumerate(labels)}, show(published[-1][0])
