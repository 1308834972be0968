"""The periods figures are counted over: a calendar month, a quarter or a year, in local time (Europe/London).

A period starts at midnight on its first day and ends at midnight starting the day after its last (the end is
not inside it). Its slug names it in URLs and file names: "2026", "2026-q3", "2026-09".
"""

import datetime as dt
import re
from dataclasses import dataclass

from safehub.clock import LONDON

KINDS = ("year", "quarter", "month")
QUARTER_NAMES = {1: "January to March", 2: "April to June", 3: "July to September", 4: "October to December"}
_SLUG = re.compile(r"^(?P<year>\d{4})(?:-q(?P<quarter>[1-4])|-(?P<month>0[1-9]|1[0-2]))?$")


def _add_months(day, months):
    index = day.year * 12 + day.month - 1 + months
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    kind: str
    start: dt.date  # first day
    end: dt.date  # the day after the last day

    @classmethod
    def year(cls, year):
        return cls("year", dt.date(year, 1, 1), dt.date(year + 1, 1, 1))

    @classmethod
    def quarter(cls, year, quarter):
        start = dt.date(year, 3 * (quarter - 1) + 1, 1)
        return cls("quarter", start, _add_months(start, 3))

    @classmethod
    def month(cls, year, month):
        start = dt.date(year, month, 1)
        return cls("month", start, _add_months(start, 1))

    @classmethod
    def parse(cls, slug):
        """The period a slug names, or ValueError."""
        match = _SLUG.match(slug or "")
        if not match:
            raise ValueError(f"not a period: {slug!r}")
        year = int(match["year"])
        if match["quarter"]:
            return cls.quarter(year, int(match["quarter"]))
        if match["month"]:
            return cls.month(year, int(match["month"]))
        return cls.year(year)

    @classmethod
    def containing(cls, kind, day):
        if kind == "year":
            return cls.year(day.year)
        if kind == "quarter":
            return cls.quarter(day.year, (day.month - 1) // 3 + 1)
        return cls.month(day.year, day.month)

    @property
    def slug(self):
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{self.start.year}-q{(self.start.month - 1) // 3 + 1}"
        return f"{self.start.year}-{self.start.month:02d}"

    @property
    def label(self):
        if self.kind == "year":
            return f"{self.start.year}"
        if self.kind == "quarter":
            return f"{QUARTER_NAMES[(self.start.month - 1) // 3 + 1]} {self.start.year}"
        return self.start.strftime("%B %Y")

    @property
    def last_day(self):
        return self.end - dt.timedelta(days=1)

    @property
    def start_at(self):
        return dt.datetime.combine(self.start, dt.time.min, tzinfo=LONDON)

    @property
    def end_at(self):
        return dt.datetime.combine(self.end, dt.time.min, tzinfo=LONDON)

    def months(self):
        """The first day of each month in the period, in order."""
        months, day = [], self.start
        while day < self.end:
            months.append(day)
            day = _add_months(day, 1)
        return months

    def previous(self):
        return Period.containing(self.kind, self.start - dt.timedelta(days=1))

    def next(self):
        return Period.containing(self.kind, self.end)

    def __str__(self):
        return self.label
