"""The asyncio API: ``Document``, ``QuerySet``, ``BatchQuery`` and ``init_coodie``, awaited.

Every method is one line over the shared operations (``coodie.writes``,
``coodie.query``, ``coodie.schema_sync``), driven by ``execution.arun`` on the running
loop.  ``coodie/sync.py`` is generated from this file by ``scripts/unasync.py``: edit
this one, then run ``python scripts/unasync.py``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, NoReturn, TypeVar

from typing_extensions import Self, Unpack

from . import query, schema_sync, views, writes
from . import scan as scanning
from .batch import BatchBase
from .connection import Connection, connect, unregister
from .document import DocumentBase, table_schema
from .execution import acall, arun
from .query import Page, QuerySetBase
from .scan import ScanCheckpoint, ScanPage
from .usertype import UserType

T = TypeVar("T")
# What scans return: spelled the same in both fronts, so their signatures read alike.
Stream = AsyncIterator


class QuerySet(QuerySetBase[T], Generic[T]):
    """A chainable, immutable query.  ``async for`` streams every page; ``await all()`` lists."""

    __slots__ = ()

    def values_list(self, *names: str, flat: bool = False) -> QuerySet[Any]:
        """Rows as tuples of these columns (or single values with ``flat=True``)."""
        values: QuerySet[Any] = super().values_list(*names, flat=flat)
        return values

    async def all(self) -> list[T]:
        return await arun(query.all_op(self))

    async def first(self) -> T | None:
        op = query.first_op(self)  # (apart, so that mypy infers T from self)
        return await arun(op)

    async def get(self) -> T:
        return await arun(query.one_op(self))

    async def count(self) -> int:
        return await arun(query.count_op(self))

    async def paginate(self, page_size: int, paging_state: bytes | None = None) -> Page[T]:
        """One page and the state to pass back for the next (see docs/queries.md)."""
        return await arun(query.paginate_op(self, page_size, paging_state))

    async def delete(
        self,
        *,
        timestamp: int | datetime | None = None,
        batch: BatchQuery | None = None,
        if_exists: bool = False,
        if_conditions: Mapping[str, Any] | None = None,
    ) -> None:
        """Delete the rows (or, with ``if_exists``/``if_conditions``, the one row if...)."""
        await arun(query.delete_op(self, timestamp, batch, if_exists, if_conditions))

    async def update(
        self,
        values: Mapping[str, Any] | None = None,
        /,
        *,
        ttl: int | None = None,
        timestamp: int | datetime | None = None,
        batch: BatchQuery | None = None,
        if_exists: bool = False,
        if_conditions: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> None:
        """Set fields on the selected rows; conditional with ``if_exists``/``if_conditions``
        (then ``LWTFailed`` says it was not applied, with the current values)."""
        changes = {**(values or {}), **fields}
        op = query.update_op(self, changes, ttl, timestamp, batch, if_exists, if_conditions)
        await arun(op)

    def scan_pages(
        self,
        *,
        splits: int | None = None,
        concurrency: int = scanning.DEFAULT_CONCURRENCY,
        checkpoint: ScanCheckpoint | bytes | None = None,
    ) -> Stream[ScanPage[T]]:
        """Read the whole table by token ranges (``splits``, 16 by default), up to
        ``concurrency`` at once: ``async for`` yields pages, each with the checkpoint
        that resumes after it (see docs/scans.md).  Checked before any I/O."""
        plan = scanning.ScanPlan(self, splits, concurrency, checkpoint)
        return scanning.ascan_pages(plan)

    def scan(
        self,
        *,
        splits: int | None = None,
        concurrency: int = scanning.DEFAULT_CONCURRENCY,
        checkpoint: ScanCheckpoint | bytes | None = None,
    ) -> Stream[T]:
        """Every row of the table, as ``scan_pages()`` reads them (in no useful order)."""
        pages = self.scan_pages(splits=splits, concurrency=concurrency, checkpoint=checkpoint)
        return scanning.ascan_items(pages)

    async def __aiter__(self) -> AsyncIterator[T]:
        """Stream every row, one page (``fetch_size`` rows) in memory at a time."""
        page = await arun(query.page_op(self))
        for item in page.items:
            yield item
        while page.paging_state is not None:
            page = await arun(query.page_op(self, page.paging_state))
            for item in page.items:
                yield item


class BatchQuery(BatchBase):
    """``async with BatchQuery() as batch: await doc.save(batch=batch)``; runs on a clean
    exit of the block, never when it raised."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            await self.execute()

    async def execute(self) -> None:
        await arun(self._execute_op())


class Reads(DocumentBase):
    """The reads of tables and views alike; ``objects()`` picks the queryset."""

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
    async def get(cls, /, **filters: Any) -> Self:
        if writes.is_full_key(table_schema(cls), filters):
            return await arun(writes.get_op(cls, filters))
        return await cls.find(**filters).get()

    @classmethod
    async def find_one(cls, /, **filters: Any) -> Self | None:
        return await cls.find(**filters).first()


class Document(Reads):
    """Base class of asyncio models; see docs/models.md and docs/sync-and-async.md."""

    class Settings:
        abstract = True

    @classmethod
    async def create(cls, /, **fields: Any) -> Self:
        return await cls(**fields).save()

    async def save(self, **options: Unpack[writes.WriteOptions]) -> Self:
        """INSERT a new document, or UPDATE the changed columns of a loaded one."""
        return await arun(writes.save_op(self, **options))

    async def insert(self, **options: Unpack[writes.InsertOptions]) -> writes.InsertResult[Self]:
        """INSERT ... IF NOT EXISTS; the result says whether it applied, else the row."""
        return await arun(writes.insert_op(self, **options))

    async def update(self, values: Mapping[str, Any] | None = None, /, **fields: Any) -> Self:
        """Set and write the given fields; ``ttl``, ``timestamp``, ``consistency``,
        ``serial_consistency``, ``timeout``, ``batch``, ``if_exists`` and ``if_conditions``
        are options (see docs/crud.md)."""
        return await arun(writes.update_op(self, values, fields))

    async def delete(self, **options: Unpack[writes.DeleteOptions]) -> None:
        await arun(writes.delete_op(self, **options))

    @classmethod
    async def sync_table(
        cls, *, dry_run: bool = False, wait_for_indexes: float = 60.0
    ) -> list[str]:
        """Create the table, or add missing columns and indexes; returns the CQL run."""
        return await arun(
            schema_sync.sync_table_op(cls, dry_run=dry_run, wait_for_indexes=wait_for_indexes)
        )

    @classmethod
    async def drop_table(cls) -> None:
        await arun(schema_sync.drop_table_op(cls))


class ViewQuerySet(QuerySet[T], Generic[T]):
    """The queryset of a materialized view: every read of ``QuerySet``, no writes."""

    __slots__ = ()

    async def update(self, *args: Any, **kwargs: Any) -> NoReturn:
        views.refuse_write(self.model, "update()")

    async def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        views.refuse_write(self.model, "delete()")


class View(Reads, views.ViewBase):
    """Base class of asyncio models for materialized views (``Settings.base`` names the
    table); read-only, see docs/views.md."""

    class Settings:
        abstract = True

    @classmethod
    def objects(cls) -> ViewQuerySet[Self]:
        """An unfiltered queryset (a full scan of the view if run as is)."""
        queryset: ViewQuerySet[Self] = ViewQuerySet(cls)
        return queryset

    @classmethod
    async def create(cls, /, **fields: Any) -> NoReturn:
        views.refuse_write(cls, "create()")

    async def save(self, **options: Any) -> NoReturn:
        views.refuse_write(type(self), "save()")

    async def insert(self, **options: Any) -> NoReturn:
        views.refuse_write(type(self), "insert()")

    async def update(self, *args: Any, **fields: Any) -> NoReturn:
        views.refuse_write(type(self), "update()")

    async def delete(self, **options: Any) -> NoReturn:
        views.refuse_write(type(self), "delete()")

    @classmethod
    async def sync_view(cls, *, dry_run: bool = False) -> list[str]:
        """Create the view once its base table exists; returns the CQL run (see docs/views.md)."""
        return await arun(views.sync_view_op(cls, dry_run=dry_run))

    @classmethod
    async def drop_view(cls) -> None:
        """DROP MATERIALIZED VIEW IF EXISTS."""
        await arun(views.drop_view_op(cls))


async def init_coodie(
    hosts: list[str] | tuple[str, ...] | str | None = None,
    keyspace: str | None = None,
    *,
    session: Any = None,
    name: str = "default",
    **driver_options: Any,
) -> Connection:
    """Connect (or adopt ``session=``) and register the connection under ``name``."""
    return await acall(connect, hosts, keyspace, session=session, name=name, **driver_options)


async def close_coodie(name: str | None = None) -> None:
    """Unregister a connection and shut its cluster down if coodie created it."""
    await acall(unregister, name)


async def create_keyspace(name: str, **options: Unpack[schema_sync.KeyspaceOptions]) -> None:
    """CREATE KEYSPACE IF NOT EXISTS with SimpleStrategy or NetworkTopologyStrategy."""
    await arun(schema_sync.create_keyspace_op(name, **options))


async def drop_keyspace(name: str, *, connection: str | None = None) -> None:
    await arun(schema_sync.drop_keyspace_op(name, connection=connection))


async def sync_type(
    user_type: type[UserType],
    *,
    keyspace: str | None = None,
    connection: str | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Create a user type (and the types it holds, first), or add the fields it lacks;
    returns the CQL run.  Tables sync the types they use themselves (docs/user-types.md)."""
    return await arun(
        schema_sync.sync_type_op(
            user_type, keyspace=keyspace, connection=connection, dry_run=dry_run
        )
    )


async def drop_type(
    user_type: type[UserType], *, keyspace: str | None = None, connection: str | None = None
) -> None:
    """DROP TYPE IF EXISTS, in ``keyspace`` or the type's (``Settings.keyspace``)."""
    await arun(schema_sync.drop_type_op(user_type, keyspace=keyspace, connection=connection))


__all__ = [
    "BatchQuery",
    "Document",
    "Page",
    "QuerySet",
    "UserType",
    "View",
    "ViewQuerySet",
    "close_coodie",
    "create_keyspace",
    "drop_keyspace",
    "drop_type",
    "init_coodie",
    "sync_type",
]
