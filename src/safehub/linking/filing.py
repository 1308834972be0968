"""One run of the worker's filer (ADR 38): what linking reads once for a batch of reports rather than once per
report. Inside `one_run()`, the active model's version is read once (a model activated meanwhile is used from the
next run, a second or so later), and once a network upkeep run is known to be waiting, later reports only note
their records for it instead of looking for it again."""

from contextlib import contextmanager
from contextvars import ContextVar

_run = ContextVar("filing_run", default=None)


@contextmanager
def one_run():
    token = _run.set({})
    try:
        yield
    finally:
        _run.reset(token)


def current():
    """The run's state (a dict) inside `one_run()`, else None."""
    return _run.get()
