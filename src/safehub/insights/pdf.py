"""PDF documents with fpdf2 (pure Python, no system libraries): the annual report of published figures, and the
base for a child's case bundle.

Text is written in DejaVu Sans, embedded, where the machine has it (`SAFEHUB_PDF_FONT_DIR`; Debian's
fonts-dejavu-core), so Polish, Romanian, Turkish and Cyrillic names come out as written. Without it, fpdf2's
built-in Helvetica covers Latin-1 only, and text outside it is written with its nearest Latin-1 letters and
anything else as "?", so a PDF never fails on a name in another script. Scripts written right to left (Urdu,
Arabic) would also need text shaping, which is not done.
"""

import unicodedata
from pathlib import Path

from django.conf import settings

from fpdf import FPDF
from fpdf.fonts import FontFace

from safehub.insights.tables import sections

SWAPS = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u2026": "...",
         "\u00a0": " "}


def latin(text):
    text = "".join(SWAPS.get(char, char) for char in str(text))
    try:
        return text.encode("latin-1").decode("latin-1")
    except UnicodeEncodeError:
        out = []
        for char in text:
            try:
                char.encode("latin-1")
                out.append(char)
            except UnicodeEncodeError:
                plain = unicodedata.normalize("NFKD", char).encode("ascii", "ignore").decode()
                out.append(plain or "?")
        return "".join(out)


class Document(FPDF):
    """A4 portrait with a stamp in the header and page numbers in the footer."""

    def __init__(self, title, stamp):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.family, self.written = self._body_font()
        self.doc_title = self.written(title)
        self.stamp = self.written(stamp)
        self.set_title(self.doc_title)
        self.set_author("Safehub")
        self.set_creator("Safehub")
        self.set_lang("en-GB")
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(15, 20, 15)

    def _body_font(self):
        """(font family, how text is written in it): DejaVu Sans where the machine has it, else Helvetica."""
        folder = Path(settings.SAFEHUB_PDF_FONT_DIR)
        regular, bold = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            self.add_font("dejavu", "", str(regular))
            self.add_font("dejavu", "B", str(bold))
            oblique = folder / "DejaVuSans-Oblique.ttf"  # fonts-dejavu-extra; upright where it is missing
            self.add_font("dejavu", "I", str(oblique if oblique.exists() else regular))
            return "dejavu", lambda text: "".join(SWAPS.get(char, char) for char in str(text))
        return "helvetica", latin

    def header(self):
        self.set_font(self.family, "", 7)
        self.set_text_color(80, 80, 80)
        self.multi_cell(0, 3.5, self.stamp, new_x="LMARGIN", new_y="NEXT")
        self.set_text_color(0, 0, 0)
        self.ln(2)

    def footer(self):
        self.set_y(-12)
        self.set_font(self.family, "", 8)
        self.cell(0, 5, self.written(f"{self.doc_title} - page {self.page_no()} of {{nb}}"), align="C")

    def heading(self, text, size=16):
        self.set_font(self.family, "B", size)
        self.multi_cell(0, size * 0.5, self.written(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(2)

    def para(self, text, size=10, style=""):
        self.set_font(self.family, style, size)
        self.multi_cell(0, 5, self.written(text), new_x="LMARGIN", new_y="NEXT")
        self.ln(1)

    def grid(self, header, rows, widths=None):
        self.set_font(self.family, "", 8)
        heading = FontFace(emphasis="BOLD", fill_color=(230, 230, 230))
        with self.table(col_widths=widths, headings_style=heading, line_height=4.5,
                        text_align="LEFT", first_row_as_headings=True) as table:
            for values in [header, *rows]:
                row = table.row()
                for value in values:
                    row.cell(self.written(value))
        self.ln(3)


def report_pdf(tables, *, title, period_label, stamp):
    """The published tables as a report: a cover with the stamp and the rules, then each section's tables with
    their definitions. Returns the PDF's bytes."""
    pdf = Document(title, stamp)
    pdf.alias_nb_pages()
    pdf.add_page()
    pdf.heading(title, 20)
    pdf.para(f"Period: {period_label}", 12)
    pdf.para(stamp, 9)
    rules = tables[0]["rules"] if tables else {"suppress_below": 5, "round_to": 1}
    pdf.para(f"Counts from 1 to {rules['suppress_below'] - 1} are withheld and shown as [c]; where a withheld count "
             "could be worked out from a total, other counts are withheld too. [x] means Safehub does not record "
             "this yet." + (f" Counts are rounded to the nearest {rules['round_to']}." if rules["round_to"] > 1 else ""))
    for section, members in sections(tables):
        pdf.add_page()
        pdf.heading(section, 15)
        for table in members:
            pdf.heading(table["title"], 11)
            pdf.para(table["definition"], 8)
            pdf.para(f"Counts {table['counts']}, {table['period_basis']}. Asked for by: {', '.join(table['asked_by'])}.",
                     8, "I")
            if table["not_recorded"]:
                pdf.para(table["not_recorded"], 8, "I")
            pdf.grid([table["rows_are"] or "", *table["columns"]],
                     [[row["label"], *row["cells"]] for row in table["rows"]])
            if table["summary"]:
                pdf.para(table["summary"], 8)
    return bytes(pdf.output())
