"""The cqlengine mapping table agrees with the core: every column class resolves to the
CQL type cqlengine creates, and every operator it names exists in coodie's vocabulary."""

from __future__ import annotations

from pathlib import Path

import pytest

from coodie import fields, operators
from coodie.compat.cqlengine import mapping
from coodie.types import resolve


@pytest.mark.parametrize("name", sorted(mapping.COLUMN_TYPES))
def test_each_column_class_resolves_to_its_cql_type(name: str) -> None:
    entry = mapping.COLUMN_TYPES[name]
    markers = [entry.marker()] if entry.marker is not None else []
    assert resolve(entry.python, markers, f"mapping.{name}").cql == entry.cql
    if entry.marker is not None:
        assert entry.marker_source == f"{entry.marker.__name__}()"
        assert getattr(fields, entry.marker.__name__) is entry.marker


def test_operators_name_coodie_operators() -> None:
    assert set(mapping.FILTER_OPERATORS.values()) <= set(operators.FILTERS)
    assert set(mapping.UPDATE_OPERATORS.values()) <= set(operators.ASSIGNMENTS)


def test_the_table_imports_neither_cqlengine_nor_libcst() -> None:
    source = Path(mapping.__file__).read_text()
    assert "cqlengine import" not in source and "import libcst" not in source
