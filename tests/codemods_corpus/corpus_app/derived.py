"""Models whose bases are defined in another module of the application (one import
absolute, one relative)."""

from cassandra.cqlengine import columns

from corpus_app.base import Tracked

from .base import Ledger


class Invoice(Tracked):
    number = columns.Text(index=True)
    total = columns.Decimal()


class Refund(Tracked):
    __options__ = {"comment": "refunds"}
    invoice = columns.UUID()
    reason = columns.Text()


class CreditEntry(Ledger):
    """A subclass sharing its base's table (its __table_name__ is inherited)."""

    note = columns.Text()
