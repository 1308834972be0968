"""Published tables as CSV (one table) and as a spreadsheet laid out as official statistics are (a cover sheet,
a notes sheet, then one table per sheet, each starting in cell A1 with its title, numbers stored as numbers and
withheld cells as the text "[c]"), with openpyxl."""

import csv
import io

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.worksheet.table import Table as SheetTable, TableStyleInfo

from safehub.insights.tables import cell_number


def table_csv(table):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([table["rows_are"] or "", *table["columns"]])
    for row in table["rows"]:
        writer.writerow([row["label"], *row["cells"]])
    return out.getvalue()


def sheet_name(table, used):
    name = table["key"][:31]
    n = 2
    while name in used:
        name = f"{table['key'][:28]}_{n}"
        n += 1
    used.add(name)
    return name


def workbook(tables, *, title, period_label, stamp):
    """The spreadsheet's bytes."""
    book = Workbook()
    cover = book.active
    cover.title = "Cover"
    rules = tables[0]["rules"] if tables else {"suppress_below": 5, "round_to": 1}
    lines = [
        (title, True), (f"Period: {period_label}", False), (stamp, False), ("", False),
        ("About these figures", True),
        ("Counts of records in Safehub, the partnership's shared system. Every figure's definition is on the Notes "
         "sheet; each table is on a sheet of its own.", False),
        (f"[c]: withheld to protect confidentiality. Counts from 1 to {rules['suppress_below'] - 1} are withheld, and "
         "other counts are withheld where a total would reveal them.", False),
        ("[x]: not recorded in Safehub yet.", False),
        (f"Counts are rounded to the nearest {rules['round_to']}." if rules["round_to"] > 1 else
         "Counts are not rounded.", False),
    ]
    for number, (text, bold) in enumerate(lines, start=1):
        cover.cell(row=number, column=1, value=text).font = Font(bold=bold, size=14 if number == 1 else 11)
    cover.column_dimensions["A"].width = 120

    notes = book.create_sheet("Notes")
    header = ["Sheet", "Table", "Definition", "Counts", "Period", "Asked for by", "Not recorded"]
    notes.append(header)
    used = {"Cover", "Notes"}
    names = [sheet_name(table, used) for table in tables]
    for name, table in zip(names, tables):
        notes.append([name, table["title"], table["definition"], table["counts"], table["period_basis"],
                      ", ".join(table["asked_by"]), table["not_recorded"]])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    notes.column_dimensions["B"].width = 50
    notes.column_dimensions["C"].width = 90

    for name, table in zip(names, tables):
        sheet = book.create_sheet(name)
        sheet.cell(row=1, column=1, value=table["title"]).font = Font(bold=True, size=13)
        sheet.cell(row=2, column=1, value=f"{period_label}. {table['definition']}")
        if table["summary"]:
            sheet.cell(row=3, column=1, value=table["summary"])
        start = 4
        sheet.append([])
        columns = [table["rows_are"] or "Row", *table["columns"]]
        for j, value in enumerate(columns, start=1):
            sheet.cell(row=start, column=j, value=value).font = Font(bold=True)
        for i, row in enumerate(table["rows"], start=start + 1):
            sheet.cell(row=i, column=1, value=row["label"])
            for j, text in enumerate(row["cells"], start=2):
                number = cell_number(text)
                sheet.cell(row=i, column=j, value=text if number is None else number)
        end = start + len(table["rows"])
        if table["rows"]:
            ref = f"A{start}:{_column(len(columns))}{end}"
            sheet_table = SheetTable(displayName=f"t_{name}"[:250].replace("-", "_"), ref=ref)
            sheet_table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
            sheet.add_table(sheet_table)
        sheet.column_dimensions["A"].width = 45
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _column(number):
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def read_workbook_tables(data):
    """[(sheet name, header, rows of text)] of a workbook's table sheets (for tests and checks)."""
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(data))
    found = []
    for sheet in book.worksheets[2:]:
        rows = [[("" if value is None else f"{value:,}" if isinstance(value, int) else str(value)) for value in row]
                for row in sheet.iter_rows(min_row=4, values_only=True)]
        found.append((sheet.title, rows[0], rows[1:]))
    return found
