"""The blocking API: ``Document``, ``QuerySet``, ``BatchQuery`` and ``init_coodie``.

Every method is one line over the shared operations in ``coodie.document``,
``coodie.query`` and ``coodie.schema_sync``; ``coodie.aio`` is the same with ``await``.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, TypeVar

from typing_extensions import Self, Unpack

from . import document as ops
from . import schema_sync
from .batch import BatchBase
from .connection import Connection, connect, unregister
from .execution import run
from .query import Page, QuerySetBase

T = TypeVar("T")


class QuerySet(QuerySetBase[T], Generic[T]):
    """A chainable, immutable query.  Iterating streams every page; ``all()`` makes a list."""

    __slots__ = ()

    def values_list(self, *names: str, flat: bool = False) -> QuerySet[Any]:
        """Rows as tuples of these columns (or single values with ``flat=True``)."""
        values: QuerySet[Any] = super().values_list(*names, flat=flat)
        return values

    # Terminal methods.
    def all(self) -> list[T]:
        return run(self._all_op())

    def first(self) -> T | None:
        return run(self._first_op())

    def get(self) -> T:
        return run(self._get_op())

    def count(self) -> int:
        return run(self._count_op())

    def paginate(self, page_size: int, paging_state: bytes | None = None) -> Page[T]:
        return run(self._paginate_op(page_size, paging_state))

    def delete(
        self, *, timestamp: int | datetime | None = None, batch: BatchQuery | None = None
    ) -> None:
        run(self._delete_op(timestamp, batch))

    def update(
        self,
        values: Mapping[str, Any] | None = None,
        /,
        *,
        ttl: int | None = None,
        timestamp: int | datetime | None = None,
        batch: BatchQuery | None = None,
        **fields: Any,
    ) -> None:
        run(self._update_op({**(values or {}), **fields}, ttl, timestamp, batch))

    def __iter__(self) -> Iterator[T]:
        """Stream every row, one page (``fetch_size`` rows) in memory at a time."""
        page = run(self._page_op(None))
        yield from page.items
        while page.paging_state is not None:
            page = run(self._page_op(page.paging_state))
            yield from page.items


class BatchQuery(BatchBase):
    """``with BatchQuery() as batch: doc.save(batch=batch)``; runs on a clean exit."""

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.execute()

    def execute(self) -> None:
        run(self._execute_op())


class Document(ops.DocumentBase):
    """Base class of blocking models; see docs/models.md."""

    class Settings:
        abstract = True

    @classmethod
    def find(cls, /, **filters: Any) -> QuerySet[Self]:
        return cls.objects().find(**filters)

    @classmethod
    def objects(cls) -> QuerySet[Self]:
        """An unfiltered queryset (a full table scan if run as is)."""
        queryset: QuerySet[Self] = QuerySet(cls)
        return queryset

    @classmethod
    def get(cls, /, **filters: Any) -> Self:
        if ops.is_full_key(cls._schema(), filters):
            return run(ops.get_op(cls, filters))
        return cls.find(**filters).get()

    @classmethod
    def find_one(cls, /, **filters: Any) -> Self | None:
        return cls.find(**filters).first()

    @classmethod
    def create(cls, /, **fields: Any) -> Self:
        return cls(**fields).save()

    def save(self, **options: Unpack[ops.WriteOptions]) -> Self:
        """INSERT a new document, or UPDATE the changed columns of a loaded one."""
        return run(ops.save_op(self, **options))

    def insert(self, **options: Unpack[ops.InsertOptions]) -> ops.InsertResult[Self]:
        """INSERT ... IF NOT EXISTS; the result says whether it applied, else the row."""
        return run(ops.insert_op(self, **options))

    def update(self, values: Mapping[str, Any] | None = None, /, **fields: Any) -> Self:
        """Set and write the given fields; ``ttl``, ``timestamp``, ``consistency``,
        ``timeout``, ``batch`` and ``if_exists`` are options (see docs/crud.md)."""
        return run(ops.update_op(self, values, fields))

    def delete(self, **options: Unpack[ops.DeleteOptions]) -> None:
        run(ops.delete_op(self, **options))

    @classmethod
    def sync_table(cls, *, dry_run: bool = False, wait_for_indexes: float = 60.0) -> list[str]:
        """Create the table, or add missing columns and indexes; returns the CQL run."""
        return run(
            schema_sync.sync_table_op(cls, dry_run=dry_run, wait_for_indexes=wait_for_indexes)
        )

    @classmethod
    def drop_table(cls) -> None:
        run(schema_sync.drop_table_op(cls))


def init_coodie(
    hosts: list[str] | tuple[str, ...] | str | None = None,
    keyspace: str | None = None,
    *,
    session: Any = None,
    name: str = "default",
    **driver_options: Any,
) -> Connection:
    """Connect (or adopt ``session=``) and register the connection under ``name``."""
    return connect(hosts, keyspace, session=session, name=name, **driver_options)


def close_coodie(name: str | None = None) -> None:
    """Unregister a connection and shut its cluster down if coodie created it."""
    unregister(name)


def create_keyspace(
    name: str,
    *,
    replication_factor: int | None = None,
    dc_replication: Mapping[str, int] | None = None,
    durable_writes: bool = True,
    connection: str | None = None,
) -> None:
    """CREATE KEYSPACE IF NOT EXISTS with SimpleStrategy or NetworkTopologyStrategy."""
    run(
        schema_sync.create_keyspace_op(
            name,
            replication_factor=replication_factor,
            dc_replication=dc_replication,
            durable_writes=durable_writes,
            connection=connection,
        )
    )


def drop_keyspace(name: str, *, connection: str | None = None) -> None:
    run(schema_sync.drop_keyspace_op(name, connection=connection))


__all__ = [
    "BatchQuery",
    "Document",
    "Page",
    "QuerySet",
    "close_coodie",
    "create_keyspace",
    "drop_keyspace",
    "init_coodie",
]
