"""The asyncio API: the same classes and names as ``coodie.sync``, awaited.

A model written for ``coodie.sync`` works here with only its import changed.  The
operations are the shared generators of ``coodie.document``/``query``/``schema_sync``,
driven by ``execution.arun`` on the running loop.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import AsyncIterator, Mapping
from datetime import datetime
from types import TracebackType
from typing import Any, Generic, TypeVar

from typing_extensions import Self, Unpack

from . import document as ops
from . import schema_sync
from .batch import BatchBase
from .connection import Connection, connect, unregister
from .execution import arun
from .query import Page, QuerySetBase

T = TypeVar("T")


class QuerySet(QuerySetBase[T], Generic[T]):
    """A chainable, immutable query.  ``async for`` streams every page; ``await all()`` lists."""

    __slots__ = ()

    def values_list(self, *names: str, flat: bool = False) -> QuerySet[Any]:
        """Rows as tuples of these columns (or single values with ``flat=True``)."""
        values: QuerySet[Any] = super().values_list(*names, flat=flat)
        return values

    async def all(self) -> list[T]:
        return await arun(self._all_op())

    async def first(self) -> T | None:
        return await arun(self._first_op())

    async def get(self) -> T:
        return await arun(self._get_op())

    async def count(self) -> int:
        return await arun(self._count_op())

    async def paginate(self, page_size: int, paging_state: bytes | None = None) -> Page[T]:
        return await arun(self._paginate_op(page_size, paging_state))

    async def delete(
        self, *, timestamp: int | datetime | None = None, batch: BatchQuery | None = None
    ) -> None:
        await arun(self._delete_op(timestamp, batch))

    async def update(
        self,
        values: Mapping[str, Any] | None = None,
        /,
        *,
        ttl: int | None = None,
        timestamp: int | datetime | None = None,
        batch: BatchQuery | None = None,
        **fields: Any,
    ) -> None:
        await arun(self._update_op({**(values or {}), **fields}, ttl, timestamp, batch))

    async def __aiter__(self) -> AsyncIterator[T]:
        """Stream every row, one page (``fetch_size`` rows) in memory at a time."""
        page = await arun(self._page_op(None))
        for item in page.items:
            yield item
        while page.paging_state is not None:
            page = await arun(self._page_op(page.paging_state))
            for item in page.items:
                yield item


class BatchQuery(BatchBase):
    """``async with BatchQuery() as batch: await doc.save(batch=batch)``."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            await self.execute()

    async def execute(self) -> None:
        await arun(self._execute_op())


class Document(ops.DocumentBase):
    """Base class of asyncio models; see docs/sync-and-async.md."""

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
        if ops.is_full_key(cls._schema(), filters):
            return await arun(ops.get_op(cls, filters))
        return await cls.find(**filters).get()

    @classmethod
    async def find_one(cls, /, **filters: Any) -> Self | None:
        return await cls.find(**filters).first()

    @classmethod
    async def create(cls, /, **fields: Any) -> Self:
        return await cls(**fields).save()

    async def save(self, **options: Unpack[ops.WriteOptions]) -> Self:
        """INSERT a new document, or UPDATE the changed columns of a loaded one."""
        return await arun(ops.save_op(self, **options))

    async def insert(self, **options: Unpack[ops.InsertOptions]) -> ops.InsertResult[Self]:
        """INSERT ... IF NOT EXISTS; the result says whether it applied, else the row."""
        return await arun(ops.insert_op(self, **options))

    async def update(self, values: Mapping[str, Any] | None = None, /, **fields: Any) -> Self:
        """Set and write the given fields; ``ttl``, ``timestamp``, ``consistency``,
        ``timeout``, ``batch`` and ``if_exists`` are options (see docs/crud.md)."""
        return await arun(ops.update_op(self, values, fields))

    async def delete(self, **options: Unpack[ops.DeleteOptions]) -> None:
        await arun(ops.delete_op(self, **options))

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


async def init_coodie(
    hosts: list[str] | tuple[str, ...] | str | None = None,
    keyspace: str | None = None,
    *,
    session: Any = None,
    name: str = "default",
    **driver_options: Any,
) -> Connection:
    """Connect (in a worker thread, so the loop keeps running) and register the connection."""
    call = functools.partial(connect, hosts, keyspace, session=session, name=name, **driver_options)
    return await asyncio.get_running_loop().run_in_executor(None, call)


async def close_coodie(name: str | None = None) -> None:
    await asyncio.get_running_loop().run_in_executor(None, unregister, name)


async def create_keyspace(
    name: str,
    *,
    replication_factor: int | None = None,
    dc_replication: Mapping[str, int] | None = None,
    durable_writes: bool = True,
    connection: str | None = None,
) -> None:
    await arun(
        schema_sync.create_keyspace_op(
            name,
            replication_factor=replication_factor,
            dc_replication=dc_replication,
            durable_writes=durable_writes,
            connection=connection,
        )
    )


async def drop_keyspace(name: str, *, connection: str | None = None) -> None:
    await arun(schema_sync.drop_keyspace_op(name, connection=connection))


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
