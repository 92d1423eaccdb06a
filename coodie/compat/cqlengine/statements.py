"""cqlengine's ``statements`` module: CQL statements built from clause objects.

The shim's models and querysets do not use these: they run coodie's core statements
(prepared, ``?`` markers).  These classes are cqlengine's public statement vocabulary
for code that builds statements itself and runs them with ``connection.execute(stmt)``,
so they render as cqlengine's do: ``%(n)s`` named placeholders numbered by context id,
with ``get_context()`` giving the values by those names (the driver interpolates them
client-side, as for any ``SimpleStatement`` with a dict of parameters).

The core's collection diff (``writes.collection_delta``) is not reused for the update
clauses: cqlengine's differs in what it emits (a list grown at both ends becomes a
prepend and an append, map changes are per-key ``col[k] = v``, an emptied set is a
removal), and applications that build these clauses expect exactly that.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, ClassVar, cast

from cassandra.encoder import cql_quote
from cassandra.query import FETCH_SIZE_UNSET

from ...schema import quote
from ...values import write_timestamp
from . import columns
from .errors import UnicodeMixin
from .functions import QueryValue
from .operators import BaseWhereOperator, EqualsOperator, InOperator, IsNotNullOperator


class StatementException(Exception):
    pass


def _mark(context_id: int | None) -> str:
    return f"%({context_id})s"


class ValueQuoter(UnicodeMixin):
    """A value that renders as a CQL literal when the driver interpolates it."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __unicode__(self) -> str:
        value = self.value
        if isinstance(value, (list, tuple)):
            return "[" + ", ".join(cql_quote(v) for v in value) + "]"
        if isinstance(value, dict):
            return "{" + ", ".join(f"{cql_quote(k)}:{cql_quote(v)}" for k, v in value.items()) + "}"
        if isinstance(value, set):
            return "{" + ", ".join(cql_quote(v) for v in value) + "}"
        return str(cql_quote(value))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, type(self)) and bool(self.value == other.value)


class InQuoter(ValueQuoter):
    """The values of an ``IN`` restriction: ``('a', 'b')``."""

    def __unicode__(self) -> str:
        return "(" + ", ".join(cql_quote(v) for v in self.value) + ")"


# -- clauses ------------------------------------------------------------------------------


class BaseClause(UnicodeMixin):
    """A piece of a statement holding ``get_context_size()`` values, named from
    ``context_id`` on (the statement numbers its clauses in order)."""

    def __init__(self, field: str, value: Any) -> None:
        self.field = field
        self.value = value
        self.context_id: int | None = None

    def __unicode__(self) -> str:
        raise NotImplementedError

    def __hash__(self) -> int:
        return hash(self.field) ^ hash(self.value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, type(self)):
            return bool(self.field == other.field and self.value == other.value)
        return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def get_context_size(self) -> int:
        return 1

    def set_context_id(self, i: int) -> None:
        self.context_id = i

    def update_context(self, ctx: dict[str, Any]) -> None:
        assert isinstance(ctx, dict)
        ctx[str(self.context_id)] = self.value


class WhereClause(BaseClause):
    """``"field" <operator> value``; ``quote_field=False`` for expressions such as
    ``token("a", "b")``."""

    def __init__(
        self, field: str, operator: BaseWhereOperator, value: Any, quote_field: bool = True
    ) -> None:
        if not isinstance(operator, BaseWhereOperator):
            raise StatementException(
                f"operator must be of type {BaseWhereOperator}, got {type(operator)}"
            )
        super().__init__(field, value)
        self.operator = operator
        # Query functions (MinTimeUUID, Token...) render and bind themselves.
        self.query_value = value if isinstance(value, QueryValue) else QueryValue(value)
        self.quote_field = quote_field

    def _field(self) -> str:
        return quote(self.field) if self.quote_field else self.field

    def __unicode__(self) -> str:
        return f"{self._field()} {self.operator} {self.query_value}"

    def __hash__(self) -> int:
        return super().__hash__() ^ hash(type(self.operator))

    def __eq__(self, other: object) -> bool:
        return (
            super().__eq__(other)
            and isinstance(other, WhereClause)
            and type(self.operator) is type(other.operator)
        )

    def get_context_size(self) -> int:
        return int(self.query_value.get_context_size())

    def set_context_id(self, i: int) -> None:
        super().set_context_id(i)
        self.query_value.set_context_id(i)

    def update_context(self, ctx: dict[str, Any]) -> None:
        if isinstance(self.operator, InOperator):
            ctx[str(self.context_id)] = InQuoter(self.value)
        else:
            self.query_value.update_context(ctx)


class IsNotNullClause(WhereClause):
    """``"field" IS NOT NULL``: no value."""

    def __init__(self, field: str) -> None:
        super().__init__(field, IsNotNullOperator(), "")

    def __unicode__(self) -> str:
        return f"{self._field()} {self.operator}"

    def update_context(self, ctx: dict[str, Any]) -> None:
        pass

    def get_context_size(self) -> int:
        return 0


IsNotNull = IsNotNullClause


class AssignmentClause(BaseClause):
    """``"field" = value`` in SET, or a column and its value in INSERT."""

    def __unicode__(self) -> str:
        return f"{quote(self.field)} = {_mark(self.context_id)}"

    def insert_tuple(self) -> tuple[str, int | None]:
        return self.field, self.context_id


class ConditionalClause(BaseClause):
    """``"field" = value`` in an ``IF`` (lightweight transaction)."""

    def __unicode__(self) -> str:
        return f"{quote(self.field)} = {_mark(self.context_id)}"

    def insert_tuple(self) -> tuple[str, int | None]:
        return self.field, self.context_id


class _Parts:
    """A clause made of parts, each a CQL template (``{col}`` for the column, ``{0}``,
    ``{1}``... for its placeholders) with the values bound to those placeholders, so
    that the text, the context size and the context always agree."""

    field: str
    context_id: int | None
    _analyzed: bool

    def _analyze(self) -> None:
        raise NotImplementedError

    def _parts(self) -> Iterable[tuple[str, Sequence[Any]]]:
        raise NotImplementedError

    def _numbered(self) -> Iterator[tuple[str, Sequence[Any], int]]:
        if not self._analyzed:
            self._analyze()
        ctx_id = self.context_id or 0
        for template, values in self._parts():
            yield template, values, ctx_id
            ctx_id += len(values)

    def _render(self, sep: str = ", ") -> str:
        col = quote(self.field)
        return sep.join(
            template.format(*(_mark(first + i) for i in range(len(values))), col=col)
            for template, values, first in self._numbered()
        )

    def get_context_size(self) -> int:
        return sum(len(values) for _, values, _ in self._numbered())

    def update_context(self, ctx: dict[str, Any]) -> None:
        for _, values, first in self._numbered():
            for i, value in enumerate(values):
                ctx[str(first + i)] = value


class ContainerUpdateTypeMapMeta(type):
    """Registers each container update clause by the column class it updates."""

    type_map: dict[type, type[ContainerUpdateClause]]

    def __init__(cls, name: str, bases: tuple[type, ...], dct: dict[str, Any]) -> None:
        super().__init__(name, bases, dct)
        if not hasattr(cls, "type_map"):
            cls.type_map = {}  # the root class: the registry every subclass shares
        else:
            clause = cast("type[ContainerUpdateClause]", cls)
            cls.type_map[clause.col_type] = clause


class ContainerUpdateClause(_Parts, AssignmentClause, metaclass=ContainerUpdateTypeMapMeta):
    """The change of a collection from ``previous`` to ``value`` (whole or as a delta),
    or the explicit ``operation`` (``"add"``, ``"append"``...) with ``value``."""

    col_type: ClassVar[type]

    def __init__(
        self, field: str, value: Any, operation: str | None = None, previous: Any = None
    ) -> None:
        super().__init__(field, value)
        self.previous = previous
        self._assignments: Any = None
        self._operation = operation
        self._analyzed = False

    def __unicode__(self) -> str:
        return self._render()


class SetUpdateClause(ContainerUpdateClause):
    """Updates a set: whole when there was none, else additions and removals."""

    col_type = columns.Set

    _additions: Any = None
    _removals: Any = None

    def _analyze(self) -> None:
        value, previous = self.value, self.previous
        if value is None or value == previous:
            pass
        elif self._operation == "add":
            self._additions = value
        elif self._operation == "remove":
            self._removals = value
        elif previous is None:
            self._assignments = value
        else:
            self._additions = (value - previous) or None
            self._removals = (previous - value) or None
        self._analyzed = True

    def _parts(self) -> Iterable[tuple[str, Sequence[Any]]]:
        nothing = self._assignments is None and self._additions is None and self._removals is None
        if nothing and self.previous is None:  # no set before or now: write it empty
            return [("{col} = {0}", (set(),))]
        parts: list[tuple[str, Sequence[Any]]] = []
        if self._assignments is not None:
            parts.append(("{col} = {0}", (self._assignments,)))
        if self._additions:
            parts.append(("{col} = {col} + {0}", (self._additions,)))
        if self._removals:
            parts.append(("{col} = {col} - {0}", (self._removals,)))
        return parts


class ListUpdateClause(ContainerUpdateClause):
    """Updates a list: a prepend and/or an append when the old list is found whole
    inside the new one, else the whole list."""

    col_type = columns.List

    _append: Any = None
    _prepend: Any = None

    def _analyze(self) -> None:
        value, previous = self.value, self.previous
        if value is None or value == previous:
            pass
        elif self._operation == "append":
            self._append = value
        elif self._operation == "prepend":
            self._prepend = value
        elif previous is None or not previous or len(value) < len(previous):
            self._assignments = value
        else:
            n = len(previous)
            for i in range(len(value) - n + 1):
                if value[i : i + n] == previous:
                    self._prepend = value[:i] or None
                    self._append = value[i + n :] or None
                    break
            if self._prepend is None and self._append is None:
                self._assignments = value
        self._analyzed = True

    def _parts(self) -> Iterable[tuple[str, Sequence[Any]]]:
        parts: list[tuple[str, Sequence[Any]]] = []
        if self._assignments is not None:
            parts.append(("{col} = {0}", (self._assignments,)))
        if self._prepend:
            parts.append(("{col} = {0} + {col}", (self._prepend,)))
        if self._append:
            parts.append(("{col} = {col} + {0}", (self._append,)))
        return parts


class MapUpdateClause(ContainerUpdateClause):
    """Updates a map key by key (``"m"[k] = v`` for each changed key), removes keys
    (``operation="remove"``), or writes it empty when there is nothing at all."""

    col_type = columns.Map

    _updates: Any = None
    _removals: Any = None

    def _analyze(self) -> None:
        value = self.value or {}
        if self._operation == "update":
            self._updates = value.keys()
        elif self._operation == "remove":
            self._removals = set(value)
        elif self.previous is None:
            self._updates = sorted(value)
        else:
            old = self.previous
            self._updates = sorted(k for k, v in value.items() if v != old.get(k)) or None
        self._analyzed = True

    @property
    def is_assignment(self) -> bool:
        if not self._analyzed:
            self._analyze()
        return self.previous is None and not self._updates and not self._removals

    def _parts(self) -> Iterable[tuple[str, Sequence[Any]]]:
        if self.is_assignment:
            return [("{col} = {0}", ({},))]
        if self._removals:
            return [("{col} = {col} - {0}", (self._removals,))]
        return [("{col}[{0}] = {1}", (k, self.value.get(k))) for k in self._updates or ()]


class CounterUpdateClause(AssignmentClause):
    """Adds the difference from ``previous`` to a counter."""

    col_type = columns.Counter

    def __init__(self, field: str, value: Any, previous: Any = None) -> None:
        super().__init__(field, value)
        self.previous = previous or 0

    def get_context_size(self) -> int:
        return 1

    def update_context(self, ctx: dict[str, Any]) -> None:
        ctx[str(self.context_id)] = abs(self.value - self.previous)

    def __unicode__(self) -> str:
        sign = "-" if self.value - self.previous < 0 else "+"
        col = quote(self.field)
        return f"{col} = {col} {sign} {_mark(self.context_id)}"


class BaseDeleteClause(BaseClause):
    pass


class FieldDeleteClause(BaseDeleteClause):
    """A column to delete from a row."""

    def __init__(self, field: str) -> None:
        super().__init__(field, None)

    def __unicode__(self) -> str:
        return quote(self.field)

    def update_context(self, ctx: dict[str, Any]) -> None:
        pass

    def get_context_size(self) -> int:
        return 0


class MapDeleteClause(_Parts, BaseDeleteClause):
    """The keys of ``previous`` no longer in ``value``, deleted (``"m"[k]``)."""

    def __init__(self, field: str, value: Any, previous: Any = None) -> None:
        super().__init__(field, value or {})
        self.previous = previous or {}
        self._analyzed = False
        self._removals: list[Any] | None = None

    def _analyze(self) -> None:
        self._removals = sorted(k for k in self.previous if k not in self.value)
        self._analyzed = True

    def _parts(self) -> Iterable[tuple[str, Sequence[Any]]]:
        return [("{col}[{0}]", (k,)) for k in self._removals or ()]

    def __unicode__(self) -> str:
        return self._render()


# -- statements ---------------------------------------------------------------------------


class BaseCQLStatement(UnicodeMixin):
    """A statement on ``table`` (rendered as given: qualify and quote it yourself)."""

    def __init__(
        self,
        table: str,
        timestamp: Any = None,
        where: Iterable[WhereClause] | None = None,
        fetch_size: int | None = None,
        conditionals: Iterable[BaseClause] | None = None,
    ) -> None:
        super().__init__()
        self.table = table
        self.context_id = 0
        self.context_counter = self.context_id
        self.timestamp = timestamp
        self.fetch_size: Any = fetch_size if fetch_size else FETCH_SIZE_UNSET
        self.where_clauses: list[WhereClause] = []
        for clause in where or []:
            self._add_where_clause(clause)
        self.conditionals: list[BaseClause] = []
        for conditional in conditionals or []:
            self.add_conditional_clause(conditional)

    def _number(self, clause: BaseClause) -> None:
        """Give ``clause`` the next context ids."""
        clause.set_context_id(self.context_counter)
        self.context_counter += clause.get_context_size()

    def _update_part_key_values(
        self, field_index_map: dict[str, int], clauses: Iterable[BaseClause], parts: list[Any]
    ) -> None:
        for clause in clauses:
            if clause.field in field_index_map:
                parts[field_index_map[clause.field]] = clause.value

    def partition_key_values(self, field_index_map: dict[str, int]) -> list[Any]:
        """The values of the partition key, in key order, from ``=`` restrictions."""
        parts: list[Any] = [None] * len(field_index_map)
        equals = (w for w in self.where_clauses if type(w.operator) is EqualsOperator)
        self._update_part_key_values(field_index_map, equals, parts)
        return parts

    def add_where(
        self, column: Any, operator: BaseWhereOperator, value: Any, quote_field: bool = True
    ) -> None:
        value = column.to_database(value)
        self._add_where_clause(WhereClause(column.db_field_name, operator, value, quote_field))

    def _add_where_clause(self, clause: WhereClause) -> None:
        self._number(clause)
        self.where_clauses.append(clause)

    def get_context(self) -> dict[str, Any]:
        """The values of the placeholders, by name."""
        ctx: dict[str, Any] = {}
        for clause in self.where_clauses:
            clause.update_context(ctx)
        return ctx

    def add_conditional_clause(self, clause: BaseClause) -> None:
        """Adds an ``IF`` condition (a ``ConditionalClause``)."""
        self._number(clause)
        self.conditionals.append(clause)

    def _get_conditionals(self) -> str:
        return "IF " + " AND ".join(str(c) for c in self.conditionals)

    def get_context_size(self) -> int:
        return len(self.get_context())

    def update_context_id(self, i: int) -> None:
        """Renumber the placeholders from ``i`` (to join statements in one batch)."""
        self.context_id = i
        self.context_counter = i
        for clause in self.where_clauses:
            self._number(clause)

    @property
    def timestamp_normalized(self) -> int | None:
        """``timestamp`` in microseconds since the epoch: an int as is, a timedelta from
        now, a datetime converted as the core converts it (naive means UTC)."""
        timestamp = self.timestamp
        if not timestamp:
            return None
        if isinstance(timestamp, int):
            return timestamp
        if isinstance(timestamp, dt.timedelta):
            timestamp = dt.datetime.now(dt.timezone.utc) + timestamp
        return write_timestamp(timestamp)

    def __unicode__(self) -> str:
        raise NotImplementedError

    def __repr__(self) -> str:
        return self.__unicode__()

    @property
    def _where(self) -> str:
        return "WHERE " + " AND ".join(str(c) for c in self.where_clauses)

    def _using(self, ttl: Any = None) -> list[str]:
        options = []
        if ttl:
            options.append(f"TTL {ttl}")
        if self.timestamp:
            options.append(f"TIMESTAMP {self.timestamp_normalized}")
        return options


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(quote(n) for n in names)


class SelectStatement(BaseCQLStatement):
    """``SELECT``; ``fields`` (or ``distinct_fields``) are column names, ``order_by``
    is rendered as given (``"x DESC"``)."""

    def __init__(
        self,
        table: str,
        fields: str | Sequence[str] | None = None,
        count: bool = False,
        where: Iterable[WhereClause] | None = None,
        order_by: str | Sequence[Any] | None = None,
        limit: int | None = None,
        allow_filtering: bool = False,
        distinct_fields: Sequence[str] | None = None,
        fetch_size: int | None = None,
    ) -> None:
        super().__init__(table, where=where, fetch_size=fetch_size)
        self.fields = [fields] if isinstance(fields, str) else list(fields or [])
        self.distinct_fields = distinct_fields
        self.count = count
        self.order_by = [order_by] if isinstance(order_by, str) else order_by
        self.limit = limit
        self.allow_filtering = allow_filtering

    def __unicode__(self) -> str:
        qs = ["SELECT"]
        if self.distinct_fields:
            names = _quoted(self.distinct_fields)
            qs.append(f"DISTINCT COUNT({names})" if self.count else f"DISTINCT {names}")
        elif self.count:
            qs.append("COUNT(*)")
        else:
            qs.append(_quoted(self.fields) if self.fields else "*")
        qs += ["FROM", self.table]
        if self.where_clauses:
            qs.append(self._where)
        if self.order_by and not self.count:
            qs.append("ORDER BY " + ", ".join(str(o) for o in self.order_by))
        if self.limit:
            qs.append(f"LIMIT {self.limit}")
        if self.allow_filtering:
            qs.append("ALLOW FILTERING")
        return " ".join(qs)


class AssignmentStatement(BaseCQLStatement):
    """A statement that writes values (``InsertStatement``, ``UpdateStatement``)."""

    def __init__(
        self,
        table: str,
        assignments: Iterable[AssignmentClause] | None = None,
        where: Iterable[WhereClause] | None = None,
        ttl: int | None = None,
        timestamp: Any = None,
        conditionals: Iterable[BaseClause] | None = None,
    ) -> None:
        super().__init__(table, where=where, conditionals=conditionals)
        self.ttl = ttl
        self.timestamp = timestamp
        self.assignments: list[AssignmentClause] = []
        for assignment in assignments or []:
            self._add_assignment_clause(assignment)

    def update_context_id(self, i: int) -> None:
        super().update_context_id(i)
        for assignment in self.assignments:
            self._number(assignment)

    def partition_key_values(self, field_index_map: dict[str, int]) -> list[Any]:
        parts = super().partition_key_values(field_index_map)
        self._update_part_key_values(field_index_map, self.assignments, parts)
        return parts

    def add_assignment(self, column: Any, value: Any) -> None:
        value = column.to_database(value)
        self._add_assignment_clause(AssignmentClause(column.db_field_name, value))

    def _add_assignment_clause(self, clause: AssignmentClause) -> None:
        self._number(clause)
        self.assignments.append(clause)

    @property
    def is_empty(self) -> bool:
        return len(self.assignments) == 0

    def get_context(self) -> dict[str, Any]:
        ctx = super().get_context()
        for clause in self.assignments:
            clause.update_context(ctx)
        return ctx


class InsertStatement(AssignmentStatement):
    """``INSERT``: each assignment is a column and its value."""

    def __init__(
        self,
        table: str,
        assignments: Iterable[AssignmentClause] | None = None,
        where: Iterable[WhereClause] | None = None,
        ttl: int | None = None,
        timestamp: Any = None,
        if_not_exists: bool = False,
    ) -> None:
        super().__init__(table, assignments=assignments, where=where, ttl=ttl, timestamp=timestamp)
        self.if_not_exists = if_not_exists

    def __unicode__(self) -> str:
        fields = [a.insert_tuple() for a in self.assignments]
        qs = [
            f"INSERT INTO {self.table}",
            f"({_quoted(name for name, _ in fields)})",
            "VALUES",
            f"({', '.join(_mark(ctx_id) for _, ctx_id in fields)})",
        ]
        if self.if_not_exists:
            qs.append("IF NOT EXISTS")
        using = self._using(self.ttl)
        if using:
            qs.append("USING " + " AND ".join(using))
        return " ".join(qs)


class UpdateStatement(AssignmentStatement):
    """``UPDATE``; ``add_update`` turns a column's change into the clause cqlengine uses
    for its type (collection deltas, counter increments)."""

    def __init__(
        self,
        table: str,
        assignments: Iterable[AssignmentClause] | None = None,
        where: Iterable[WhereClause] | None = None,
        ttl: int | None = None,
        timestamp: Any = None,
        conditionals: Iterable[BaseClause] | None = None,
        if_exists: bool = False,
    ) -> None:
        super().__init__(
            table,
            assignments=assignments,
            where=where,
            ttl=ttl,
            timestamp=timestamp,
            conditionals=conditionals,
        )
        self.if_exists = if_exists

    def __unicode__(self) -> str:
        qs = ["UPDATE", self.table]
        using = self._using(self.ttl)
        if using:
            qs.append("USING " + " AND ".join(using))
        qs += ["SET", ", ".join(str(c) for c in self.assignments)]
        if self.where_clauses:
            qs.append(self._where)
        if self.conditionals:
            qs.append(self._get_conditionals())
        if self.if_exists:
            qs.append("IF EXISTS")
        return " ".join(qs)

    def get_context(self) -> dict[str, Any]:
        ctx = super().get_context()
        for clause in self.conditionals:
            clause.update_context(ctx)
        return ctx

    def update_context_id(self, i: int) -> None:
        super().update_context_id(i)
        for conditional in self.conditionals:
            self._number(conditional)

    def add_update(
        self, column: Any, value: Any, operation: str | None = None, previous: Any = None
    ) -> None:
        """Sets ``column`` to ``value`` (changed from ``previous``) or applies
        ``operation``; a change that writes nothing (an empty append...) is dropped."""
        if operation != "remove":  # removals list what to remove: nothing to convert
            value = column.to_database(value)
        col_type = type(column)
        container = ContainerUpdateClause.type_map.get(col_type)
        clause: AssignmentClause
        if container is not None:
            clause = container(column.db_field_name, value, operation, column.to_database(previous))
        elif col_type is columns.Counter:
            clause = CounterUpdateClause(column.db_field_name, value, previous)
        else:
            clause = AssignmentClause(column.db_field_name, value)
        if clause.get_context_size():
            self._add_assignment_clause(clause)


class DeleteStatement(BaseCQLStatement):
    """``DELETE`` of a row, or of some of its columns or map keys (``fields``)."""

    def __init__(
        self,
        table: str,
        fields: str | Iterable[str | BaseClause] | None = None,
        where: Iterable[WhereClause] | None = None,
        timestamp: Any = None,
        conditionals: Iterable[BaseClause] | None = None,
        if_exists: bool = False,
    ) -> None:
        super().__init__(table, where=where, timestamp=timestamp, conditionals=conditionals)
        self.fields: list[BaseClause] = []
        for field in [fields] if isinstance(fields, str) else fields or []:
            self.add_field(field)
        self.if_exists = if_exists

    def update_context_id(self, i: int) -> None:
        super().update_context_id(i)
        for field in self.fields:
            self._number(field)
        for conditional in self.conditionals:
            self._number(conditional)

    def get_context(self) -> dict[str, Any]:
        ctx = super().get_context()
        for clause in [*self.fields, *self.conditionals]:
            clause.update_context(ctx)
        return ctx

    def add_field(self, field: str | BaseClause) -> None:
        if isinstance(field, str):
            field = FieldDeleteClause(field)
        if not isinstance(field, BaseClause):
            raise StatementException(
                "only instances of AssignmentClause can be added to statements"
            )
        self._number(field)
        self.fields.append(field)

    def __unicode__(self) -> str:
        qs = ["DELETE"]
        if self.fields:
            qs.append(", ".join(str(f) for f in self.fields))
        qs += ["FROM", self.table]
        using = self._using()
        if using:
            # cqlengine's text has spaces around this part (two before WHERE): kept.
            qs.append(" USING " + " AND ".join(using) + " ")
        if self.where_clauses:
            qs.append(self._where)
        if self.conditionals:
            qs.append(self._get_conditionals())
        if self.if_exists:
            qs.append("IF EXISTS")
        return " ".join(qs)


__all__ = [
    "AssignmentClause",
    "AssignmentStatement",
    "BaseCQLStatement",
    "BaseClause",
    "BaseDeleteClause",
    "ConditionalClause",
    "ContainerUpdateClause",
    "ContainerUpdateTypeMapMeta",
    "CounterUpdateClause",
    "DeleteStatement",
    "FieldDeleteClause",
    "InQuoter",
    "InsertStatement",
    "IsNotNull",
    "IsNotNullClause",
    "ListUpdateClause",
    "MapDeleteClause",
    "MapUpdateClause",
    "SelectStatement",
    "SetUpdateClause",
    "StatementException",
    "UpdateStatement",
    "ValueQuoter",
    "WhereClause",
]
