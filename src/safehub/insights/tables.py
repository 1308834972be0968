"""Published tables: a figure's counts after disclosure control, as plain data (JSON) that every page, chart,
export and frozen snapshot is drawn from. Nothing downstream sees a raw count."""

from safehub.insights import disclosure
from safehub.insights.figures import FIGURES, SECTIONS, compute_all

TOTAL = "Total"


def publish_table(figure, table, rule=None):
    rule = rule or disclosure.rules()
    # A total that would only repeat the one row (or column) beside it is left out.
    table.column_totals = table.column_totals and len(table.rows) > 1
    table.row_totals = table.row_totals and len(table.columns) > 1
    grid, _ = disclosure.protect(table.cells, table.row_totals, table.column_totals,
                                 suppress_below=rule["suppress_below"], round_to=rule["round_to"])
    columns = list(table.columns) + ([TOTAL] if table.row_totals else [])
    rows = [{"label": label, "cells": [disclosure.show(value) for value in grid[i]], "total": False}
            for i, label in enumerate(table.rows)]
    if table.column_totals:
        rows.append({"label": TOTAL, "cells": [disclosure.show(value) for value in grid[-1]], "total": True})
    shares = []
    if figure.chart == "share":
        for i, label in enumerate(table.rows):
            first, total = grid[i][0], grid[i][-1]
            usable = isinstance(first, int) and isinstance(total, int) and total > 0
            shares.append({"label": label, "percent": round(100 * first / total) if usable else None})
    summary = ""
    mean_age, mean_of = table.summary.get("mean_age"), table.summary.get("mean_of", 0)
    if mean_age is not None and mean_of >= rule["suppress_below"]:
        summary = f"Average age: {mean_age:.1f} years (of those whose age is known)."
    return {
        "key": figure.key, "title": figure.title, "section": figure.section, "section_title": SECTIONS[figure.section],
        "definition": figure.definition, "period_basis": figure.period, "counts": figure.counts,
        "asked_by": list(figure.asked_by), "rows_are": figure.rows_are or "", "chart": figure.chart,
        "columns": columns, "rows": rows, "row_totals": table.row_totals, "column_totals": table.column_totals,
        "shares": shares, "summary": summary, "not_recorded": figure.not_recorded, "rules": rule,
    }


def publish_all(scope, public_only=False, rule=None):
    """Every figure's published table for the scope, in registry order."""
    chosen = [figure for figure in FIGURES if figure.public or not public_only]
    tables = compute_all(scope, chosen)
    return [publish_table(figure, tables[figure.key], rule) for figure in chosen if figure.key in tables]


def sections(tables):
    """[(section title, [tables])] in the order the sections are defined."""
    grouped = {}
    for table in tables:
        grouped.setdefault(table["section_title"], []).append(table)
    return [(title, grouped[title]) for title in SECTIONS.values() if title in grouped]


def cell_number(text):
    """The count a visible cell shows, or None for "[c]" and "[x]"."""
    return None if text in disclosure.MARKS.values() else int(text.replace(",", ""))
