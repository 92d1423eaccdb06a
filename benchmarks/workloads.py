"""The workloads, each written once per contender side by side.

A workload's ``build(env, ops)`` returns ``{contender: case}``; ``case(n)`` does its
untimed setup, runs ``n`` operations (cqlengine: at most 20,000 on CPU workloads) and
returns a ``Sample``: wall time and client CPU per operation over the timed part (for
the memory workload: bytes per instance).  A contender without a case for a workload
is shown as ``-``.

Contenders:
``raw``         scylla-driver, prepared statements, tuple rows turned into plain dicts
``cqlengine``   cassandra.cqlengine from the installed driver
``compat``      the same cqlengine code through coodie.compat.cqlengine: each
                cqlengine-style case is written once and run for both ``env.flavours``
``coodie``      coodie.sync
``coodie_aio``  coodie.aio, awaited one operation at a time (fan-out: 100 in flight)
``pydantic``    plain pydantic ``model_validate`` (CPU workloads; reference only)
``pyd_construct`` pydantic ``model_construct`` on the coodie model (CPU; reference only)
"""

from __future__ import annotations

import asyncio
import gc
import itertools
import pickle
import threading
import tracemalloc
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cassandra.query import BatchStatement, bind_params

import coodie.aio
import coodie.sync
from coodie.document import hydrator, rows_to_documents, table_schema
from coodie.execution import Operation
from coodie.writes import save_op

from .env import Env, Flavour
from .models import (
    KEY_NAMES,
    NAMES,
    AioRun,
    PlainRun,
    SyncRun,
    driver_rows,
    keys,
    new_rows,
    params,
    row_values,
    unique_times,
)
from .timing import Sample, memory, start

Case = Callable[[int], Sample]

CONTENDERS = ("raw", "cqlengine", "compat", "coodie", "coodie_aio", "pydantic", "pyd_construct")
# Extra measurements kept in the JSON and printed under the table, not as columns.
EXTRAS = ("raw_asyncio",)


@dataclass(frozen=True)
class Workload:
    name: str  # for --only
    title: str  # table row; {n} is replaced by the operations per repetition
    unit: str  # what one operation is
    group: str  # "single" | "read" | "write" | "async" | "cpu" | "memory"
    full: tuple[int, int]  # (operations per repetition, repetitions)
    quick: tuple[int, int]
    build: Callable[[Env, int], dict[str, Case]]
    about: str

    def label(self, ops: int) -> str:
        n = f"{ops // 1000}k" if ops >= 1000 and ops % 1000 == 0 else str(ops)
        return self.title.format(n=n)


def _key_filter(row: dict[str, Any]) -> dict[str, Any]:
    return {k: row[k] for k in KEY_NAMES}


def _check(ok: bool, what: str) -> None:
    """Sanity checks on results (row counts, applied flags): never on timings."""
    if not ok:
        raise RuntimeError(f"benchmark sanity check failed: {what}")


# -- single-row operations ----------------------------------------------------------------


def build_insert(env: Env, ops: int) -> dict[str, Case]:
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        rows = new_rows("raw-insert", n)
        execute, ps = env.raw.execute, env.ps.insert
        t0 = start()
        for row in rows:
            execute(ps, params(row))
        return t0.per(n)

    cases["raw"] = raw

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            rows = new_rows(f"{fl.name}-insert", n)
            create = fl.model.create
            t0 = start()
            for row in rows:
                create(**row)
            return t0.per(n)

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        rows = new_rows("coodie-insert", n)
        t0 = start()
        for row in rows:
            SyncRun(**row).save()
        return t0.per(n)

    async def aio(n: int) -> Sample:
        rows = new_rows("aio-insert", n)
        t0 = start()
        for row in rows:
            await AioRun(**row).save()
        return t0.per(n)

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


def build_get(env: Env, ops: int) -> dict[str, Case]:
    seeded = env.seeded("get", ops)
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        wanted = [keys(r) for r in seeded[:n]]
        execute, ps = env.raw.execute, env.ps.get
        t0 = start()
        for key in wanted:
            doc = dict(zip(NAMES, execute(ps, key).one(), strict=True))
        sample = t0.per(n)
        _check(doc["build_id"] == "seed-get", "raw get")
        return sample

    cases["raw"] = raw

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            wanted = [_key_filter(r) for r in seeded[:n]]
            get = fl.model.get
            t0 = start()
            for key in wanted:
                get(**key)
            return t0.per(n)

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        wanted = [_key_filter(r) for r in seeded[:n]]
        get = SyncRun.get
        t0 = start()
        for key in wanted:
            get(**key)
        return t0.per(n)

    async def aio(n: int) -> Sample:
        wanted = [_key_filter(r) for r in seeded[:n]]
        get = AioRun.get
        t0 = start()
        for key in wanted:
            await get(**key)
        return t0.per(n)

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


def build_update(env: Env, ops: int) -> dict[str, Case]:
    """Partial update of two columns of a loaded row (``status``, ``heartbeat``).

    Each update writes new values (cqlengine skips unchanged columns): the status is
    unique per operation.
    """
    counter = itertools.count(1)
    cases: dict[str, Case] = {}

    def rows_for(name: str) -> list[dict[str, Any]]:
        rows = new_rows(f"{name}-update", ops)
        env.insert_rows(rows)
        return rows

    raw_rows = rows_for("raw")

    def raw(n: int) -> Sample:
        wanted = [keys(r) for r in raw_rows[:n]]
        execute, ps = env.raw.execute, env.ps.update
        t0 = start()
        for key in wanted:
            i = next(counter)
            execute(ps, (f"s{i}", i, *key))
        return t0.per(n)

    cases["raw"] = raw

    for flavour in env.flavours.values():
        loaded = [flavour.model.get(**_key_filter(r)) for r in rows_for(flavour.name)]

        def cql(n: int, docs: list[Any] = loaded) -> Sample:
            t0 = start()
            for doc in docs[:n]:
                i = next(counter)
                doc.update(status=f"s{i}", heartbeat=i)
            return t0.per(n)

        cases[flavour.name] = cql

    sync_docs = [SyncRun.get(**_key_filter(r)) for r in rows_for("coodie")]

    def sync(n: int) -> Sample:
        t0 = start()
        for doc in sync_docs[:n]:
            i = next(counter)
            doc.update(status=f"s{i}", heartbeat=i)
        return t0.per(n)

    async def load_aio() -> list[AioRun]:
        return [await AioRun.get(**_key_filter(r)) for r in rows_for("aio")]

    aio_docs = env.run(load_aio())

    async def aio(n: int) -> Sample:
        t0 = start()
        for doc in aio_docs[:n]:
            i = next(counter)
            await doc.update(status=f"s{i}", heartbeat=i)
        return t0.per(n)

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


def build_delete(env: Env, ops: int) -> dict[str, Case]:
    """Delete by key: rows are written (untimed) before each repetition."""
    cases: dict[str, Case] = {}

    def fresh(name: str, n: int) -> list[dict[str, Any]]:
        rows = new_rows(f"{name}-delete", n)
        env.insert_rows(rows)
        return rows

    def raw(n: int) -> Sample:
        wanted = [keys(r) for r in fresh("raw", n)]
        execute, ps = env.raw.execute, env.ps.delete
        t0 = start()
        for key in wanted:
            execute(ps, key)
        return t0.per(n)

    cases["raw"] = raw

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            docs = [fl.model(**r) for r in fresh(fl.name, n)]
            t0 = start()
            for doc in docs:
                doc.delete()
            return t0.per(n)

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        docs = [SyncRun(**r) for r in fresh("coodie", n)]
        t0 = start()
        for doc in docs:
            doc.delete()
        return t0.per(n)

    async def aio(n: int) -> Sample:
        docs = [AioRun(**r) for r in fresh("aio", n)]
        t0 = start()
        for doc in docs:
            await doc.delete()
        return t0.per(n)

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


def build_lwt(env: Env, ops: int) -> dict[str, Case]:
    """INSERT ... IF NOT EXISTS of new rows (each must be applied)."""
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        rows = new_rows("raw-lwt", n)
        execute, ps = env.raw.execute, env.ps.insert_lwt
        applied = True
        t0 = start()
        for row in rows:
            applied &= execute(ps, params(row)).one()[0]
        sample = t0.per(n)
        _check(applied, "raw LWT not applied")
        return sample

    cases["raw"] = raw

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            rows = new_rows(f"{fl.name}-lwt", n)
            model = fl.model
            t0 = start()
            for row in rows:
                model.if_not_exists().create(**row)  # raises LWTException if not applied
            return t0.per(n)

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        rows = new_rows("coodie-lwt", n)
        applied = True
        t0 = start()
        for row in rows:
            applied &= SyncRun(**row).insert().applied
        sample = t0.per(n)
        _check(applied, "coodie LWT not applied")
        return sample

    async def aio(n: int) -> Sample:
        rows = new_rows("aio-lwt", n)
        applied = True
        t0 = start()
        for row in rows:
            applied &= (await AioRun(**row).insert()).applied
        sample = t0.per(n)
        _check(applied, "coodie.aio LWT not applied")
        return sample

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


# -- reads ----------------------------------------------------------------------------------

PARTITION_ROWS = 1000
INDEX_ROWS = 50
INDEX_RELEASE = uuid.UUID("00000000-0000-4000-8000-000000000050")


def build_partition(env: Env, ops: int) -> dict[str, Case]:
    """One partition of 1,000 rows read into model instances (dicts for raw)."""
    env.seeded("partition", PARTITION_ROWS, shards=1)
    build_id, shard = "seed-partition", 0
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        execute, ps = env.raw.execute, env.ps.partition
        t0 = start()
        for _ in range(n):
            docs = [dict(zip(NAMES, row, strict=False)) for row in execute(ps, (build_id, shard))]
        sample = t0.per(n)
        _check(len(docs) == PARTITION_ROWS, f"raw read {len(docs)} rows")
        return sample

    cases["raw"] = raw

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            objects = fl.model.objects
            t0 = start()
            for _ in range(n):
                docs = list(objects.filter(build_id=build_id, shard=shard))
            sample = t0.per(n)
            _check(len(docs) == PARTITION_ROWS, f"{fl.name} read {len(docs)} rows")
            return sample

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        t0 = start()
        for _ in range(n):
            docs = SyncRun.find(build_id=build_id, shard=shard).all()
        sample = t0.per(n)
        _check(len(docs) == PARTITION_ROWS, f"coodie read {len(docs)} rows")
        return sample

    async def aio(n: int) -> Sample:
        t0 = start()
        for _ in range(n):
            docs = await AioRun.find(build_id=build_id, shard=shard).all()
        sample = t0.per(n)
        _check(len(docs) == PARTITION_ROWS, f"coodie.aio read {len(docs)} rows")
        return sample

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


def _seed_index(env: Env) -> None:
    if "index" not in env._seeded:
        rows = new_rows("seed-index", INDEX_ROWS, shards=10)
        for row in rows:
            row["release_id"] = INDEX_RELEASE
        env.insert_rows(rows)
        env._seeded["index"] = rows


def build_index(env: Env, ops: int) -> dict[str, Case]:
    """Secondary-index filter (``release_id = ?``) matching 50 rows in 10 partitions."""
    _seed_index(env)
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        execute, ps = env.raw.execute, env.ps.index
        t0 = start()
        for _ in range(n):
            docs = [dict(zip(NAMES, row, strict=False)) for row in execute(ps, (INDEX_RELEASE,))]
        sample = t0.per(n)
        _check(len(docs) == INDEX_ROWS, f"raw index read {len(docs)} rows")
        return sample

    cases["raw"] = raw

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            objects = fl.model.objects
            t0 = start()
            for _ in range(n):
                docs = list(objects.filter(release_id=INDEX_RELEASE))
            sample = t0.per(n)
            _check(len(docs) == INDEX_ROWS, f"{fl.name} index read {len(docs)} rows")
            return sample

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        t0 = start()
        for _ in range(n):
            docs = SyncRun.find(release_id=INDEX_RELEASE).all()
        sample = t0.per(n)
        _check(len(docs) == INDEX_ROWS, f"coodie index read {len(docs)} rows")
        return sample

    async def aio(n: int) -> Sample:
        t0 = start()
        for _ in range(n):
            docs = await AioRun.find(release_id=INDEX_RELEASE).all()
        sample = t0.per(n)
        _check(len(docs) == INDEX_ROWS, f"coodie.aio index read {len(docs)} rows")
        return sample

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


# -- multi-row writes ---------------------------------------------------------------------------

BATCH_SIZE = 100


def _chunks(rows: list[dict[str, Any]]) -> list[list[dict[str, Any]]]:
    return [rows[i : i + BATCH_SIZE] for i in range(0, len(rows), BATCH_SIZE)]


def build_batch(env: Env, ops: int) -> dict[str, Case]:
    """A LOGGED batch of 100 inserts (spread over 4 partitions); one op = one batch."""
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        batches = _chunks(new_rows("raw-batch", n * BATCH_SIZE))
        execute, ps = env.raw.execute, env.ps.insert
        t0 = start()
        for chunk in batches:
            statement = BatchStatement()
            for row in chunk:
                statement.add(ps, params(row))
            execute(statement)
        return t0.per(n)

    cases["raw"] = raw

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            batches = _chunks(new_rows(f"{fl.name}-batch", n * BATCH_SIZE))
            model, batch_query = fl.model, fl.batch_query
            t0 = start()
            for chunk in batches:
                with batch_query() as batch:
                    for row in chunk:
                        model.batch(batch).create(**row)
            return t0.per(n)

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        batches = _chunks(new_rows("coodie-batch", n * BATCH_SIZE))
        t0 = start()
        for chunk in batches:
            with coodie.sync.BatchQuery() as batch:
                for row in chunk:
                    SyncRun(**row).save(batch=batch)
        return t0.per(n)

    async def aio(n: int) -> Sample:
        batches = _chunks(new_rows("aio-batch", n * BATCH_SIZE))
        t0 = start()
        for chunk in batches:
            async with coodie.aio.BatchQuery() as batch:
                for row in chunk:
                    await AioRun(**row).save(batch=batch)
        return t0.per(n)

    cases["coodie"] = sync
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


IN_FLIGHT = 100


def build_fanout(env: Env, ops: int) -> dict[str, Case]:
    """``ops`` inserts with at most 100 in flight; one op = one insert."""
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        rows = new_rows("raw-fanout", n, shards=64)
        execute_async, ps = env.raw.execute_async, env.ps.insert
        slots = threading.Semaphore(IN_FLIGHT)
        done = threading.Event()
        lock = threading.Lock()
        left = [n]
        errors: list[BaseException] = []

        def finished(_: Any) -> None:
            slots.release()
            with lock:
                left[0] -= 1
                if left[0] == 0:
                    done.set()

        def failed(exc: BaseException) -> None:
            errors.append(exc)
            finished(None)

        t0 = start()
        for row in rows:
            slots.acquire()
            execute_async(ps, params(row)).add_callbacks(finished, failed)
        done.wait()
        sample = t0.per(n)
        _check(not errors, f"raw fan-out errors: {errors[:1]!r}")
        return sample

    async def raw_asyncio(n: int) -> Sample:
        """The floor for any asyncio front: execute_async bridged to asyncio futures."""
        rows = new_rows("rawaio-fanout", n, shards=64)
        loop = asyncio.get_running_loop()
        execute_async, ps = env.raw.execute_async, env.ps.insert
        slots = asyncio.Semaphore(IN_FLIGHT)

        def settle(waiter: asyncio.Future[Any], value: Any, exc: Any) -> None:
            if not waiter.done():
                if exc is None:
                    waiter.set_result(value)
                else:
                    waiter.set_exception(exc)

        async def one(row: dict[str, Any]) -> None:
            async with slots:
                waiter = loop.create_future()
                execute_async(ps, params(row)).add_callbacks(
                    lambda rows_: loop.call_soon_threadsafe(settle, waiter, rows_, None),
                    lambda exc: loop.call_soon_threadsafe(settle, waiter, None, exc),
                )
                await waiter

        t0 = start()
        await asyncio.gather(*(one(row) for row in rows))
        return t0.per(n)

    async def aio(n: int) -> Sample:
        rows = new_rows("aio-fanout", n, shards=64)
        slots = asyncio.Semaphore(IN_FLIGHT)

        async def one(row: dict[str, Any]) -> None:
            async with slots:
                await AioRun(**row).save()

        t0 = start()
        await asyncio.gather(*(one(row) for row in rows))
        return t0.per(n)

    cases["raw"] = raw
    cases["raw_asyncio"] = lambda n: env.run(raw_asyncio(n))
    cases["coodie_aio"] = lambda n: env.run(aio(n))
    return cases


# -- CPU only ------------------------------------------------------------------------------------


def _capped(flavour: Flavour, n: int) -> int:
    """Items per repetition for a flavour on CPU workloads (cqlengine: at most 20,000)."""
    return n if flavour.cpu_cap is None else min(n, flavour.cpu_cap)


def _driver_rows(env: Env, n: int) -> list[tuple[Any, ...]]:
    rows = env._seeded.get("cpu-rows")
    if rows is None or len(rows) < n:
        rows = env._seeded["cpu-rows"] = driver_rows(n)
    return rows  # type: ignore[no-any-return]


def _user_inputs(env: Env, n: int) -> list[dict[str, Any]]:
    inputs = env._seeded.get("cpu-inputs")
    if inputs is None or len(inputs) < n:
        inputs = [row_values(f"build-{i % 50}", i % 4, t, i) for i, t in enumerate(unique_times(n))]
        env._seeded["cpu-inputs"] = inputs
    return inputs  # type: ignore[no-any-return]


def coodie_hydrator() -> Any:
    """The hydrator coodie's queries use for a full-row select of ``SyncRun``."""
    return hydrator(SyncRun, table_schema(SyncRun).columns)


Hydrate = Callable[[list[tuple[Any, ...]]], list[Any]]


def flavour_hydrator(flavour: Flavour) -> Hydrate | None:
    """Driver rows of one page -> instances, the way the flavour's querysets do it.

    There is no public API for this step, so it is the one place where the two
    flavours differ: cqlengine reads with ``dict_factory`` and calls
    ``Model._construct_instance(row_dict)`` per row (the dict per row is part of its
    path); the shim hydrates the model's hidden core document with the core's
    ``rows -> documents`` function and makes each a model with ``Model._from_core``,
    as its ``ModelQuerySet`` does after the read.
    """
    model = flavour.model
    document = getattr(model, "_document", None)
    from_core = getattr(model, "_from_core", None)
    if document is not None and from_core is not None:  # the shim (it has both paths)
        columns = table_schema(document).columns
        _check(tuple(c.name for c in columns) == NAMES, "compat document columns out of order")
        many = rows_to_documents(document, columns)

        from_many = model._from_core_many  # what its queryset calls on each page

        def compat(rows: list[tuple[Any, ...]]) -> list[Any]:
            return from_many(many(rows))

        return compat
    construct = getattr(model, "_construct_instance", None)
    if construct is None:
        return None

    def cqlengine(rows: list[tuple[Any, ...]]) -> list[Any]:
        return [construct(dict(zip(NAMES, row, strict=False))) for row in rows]

    return cqlengine


def build_hydrate(env: Env, ops: int) -> dict[str, Case]:
    """Driver rows (tuples, as tuple_factory returns them) -> model instances."""
    all_rows = _driver_rows(env, ops)
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        rows = all_rows[:n]
        t0 = start()
        out = [dict(zip(NAMES, row, strict=False)) for row in rows]
        return t0.per(len(out))

    cases["raw"] = raw

    for flavour in env.flavours.values():
        instances = flavour_hydrator(flavour)
        if instances is None:
            continue

        def cql(n: int, fl: Flavour = flavour, instances: Hydrate = instances) -> Sample:
            rows = all_rows[: _capped(fl, n)]
            t0 = start()
            out = instances(rows)
            return t0.per(len(out))

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        rows = all_rows[:n]
        many = coodie_hydrator().many
        t0 = start()
        out = many(rows)
        return t0.per(len(out))

    def validate(n: int) -> Sample:
        rows = all_rows[:n]
        model_validate = PlainRun.model_validate
        t0 = start()
        out = [model_validate(dict(zip(NAMES, row, strict=False))) for row in rows]
        return t0.per(len(out))

    def construct(n: int) -> Sample:
        rows = all_rows[:n]
        model_construct = SyncRun.model_construct
        t0 = start()
        out = [model_construct(**dict(zip(NAMES, row, strict=False))) for row in rows]
        return t0.per(len(out))

    cases["coodie"] = sync
    cases["pydantic"] = validate
    cases["pyd_construct"] = construct
    return cases


def bind_only(operation: Operation[Any]) -> Any:
    """Drive a coodie operation like ``execution.run`` but bind instead of executing."""
    try:
        conn, request = next(operation)
        while True:
            conn._bind(request, conn.prepare(request.cql))
            conn, request = operation.send(None)
    except StopIteration as done:
        return done.value


def _bind_instead(encoder: Any) -> Callable[..., None]:
    """A ``connection.execute`` that binds the statement it is given and sends nothing."""

    def execute(query: Any, params: Any = None, *args: Any, **kwargs: Any) -> None:
        if params is not None:  # cqlengine: CQL text and values, encoded by the driver
            bind_params(query.query_string, params, encoder)
        # compat: a statement the core prepared and bound already

    return execute


def build_bind(env: Env, ops: int) -> dict[str, Case]:
    """Everything ``save()`` of a new row does except sending it.

    raw: a dict of values -> ``prepared.bind(tuple)``.  coodie: ``save()``'s operation
    driven to the bound statement (and the snapshot after it).  cqlengine and compat:
    ``save()`` of new instances (built untimed) with the flavour's
    ``connection.execute`` replaced: for cqlengine by the driver's own parameter
    encoding (``bind_params``), which is what binding means for its unprepared
    statements; for compat by nothing, as the statement it receives is already
    prepared and bound by the core.
    """
    inputs = _user_inputs(env, ops)
    cases: dict[str, Case] = {}

    def raw(n: int) -> Sample:
        rows = inputs[:n]
        bind = env.ps.insert.bind
        t0 = start()
        for row in rows:
            bind(params(row))
        return t0.per(n)

    cases["raw"] = raw

    for flavour in env.flavours.values():
        fake_execute = _bind_instead(flavour.connection.get_session().encoder)

        def cql(n: int, fl: Flavour = flavour, fake: Callable[..., None] = fake_execute) -> Sample:
            docs = [fl.model(**row) for row in inputs[: _capped(fl, n)]]  # new rows
            gc.collect()
            connection = fl.connection
            real = connection.execute
            connection.execute = fake
            try:
                t0 = start()
                for doc in docs:
                    doc.save()
                return t0.per(len(docs))
            finally:
                connection.execute = real

        cases[flavour.name] = cql

    sync_docs = [SyncRun(**row) for row in inputs]

    def sync(n: int) -> Sample:
        docs = sync_docs[:n]
        for doc in docs:
            doc.__pydantic_private__["_coodie_loaded"] = None  # a new row again
        t0 = start()
        for doc in docs:
            bind_only(save_op(doc))
        return t0.per(n)

    cases["coodie"] = sync
    return cases


def build_validate(env: Env, ops: int) -> dict[str, Case]:
    """User input (dicts of Python values) -> validated model instances."""
    inputs = _user_inputs(env, ops)
    cases: dict[str, Case] = {}

    for flavour in env.flavours.values():

        def cql(n: int, fl: Flavour = flavour) -> Sample:
            rows, model = inputs[: _capped(fl, n)], fl.model
            t0 = start()
            out = []
            for row in rows:
                doc = model(**row)
                doc.validate()
                out.append(doc)
            return t0.per(len(out))

        cases[flavour.name] = cql

    def sync(n: int) -> Sample:
        rows = inputs[:n]
        t0 = start()
        out = [SyncRun(**row) for row in rows]
        return t0.per(len(out))

    def validate(n: int) -> Sample:
        rows = inputs[:n]
        t0 = start()
        out = [PlainRun(**row) for row in rows]
        return t0.per(len(out))

    cases["coodie"] = sync
    cases["pydantic"] = validate
    return cases


# -- memory ---------------------------------------------------------------------------------

# Tracing makes every allocation slow here; bytes per instance do not depend on the
# count, so the references and the cqlengine flavours (not part of a bar) are
# measured on fewer instances.
MEMORY_REFERENCE_CAP = 20_000


def _pickled_rows(env: Env, n: int) -> bytes:
    key = f"memory-rows-{n}"
    blob = env._seeded.get(key)
    if blob is None:
        blob = env._seeded[key] = pickle.dumps(driver_rows(n), protocol=pickle.HIGHEST_PROTOCOL)
    return blob  # type: ignore[no-any-return]


def _bytes_per_instance(env: Env, n: int, make: Hydrate) -> Sample:
    """Traced bytes still held by ``n`` instances once the driver rows are dropped.

    The rows are unpickled inside the traced window (tracemalloc makes building them
    value by value very slow), so whatever an instance keeps of its row (values, the
    row tuple itself) is counted; the list of instances is too (8 bytes each, the
    same for everyone).
    """
    blob = _pickled_rows(env, n)
    gc.collect()
    gc.disable()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        rows = pickle.loads(blob)
        instances = make(rows)
        del rows
        gc.collect()
        used = tracemalloc.get_traced_memory()[0] - base
    finally:
        tracemalloc.stop()
        gc.enable()
    _check(len(instances) == n, "memory: wrong instance count")
    del instances
    return memory(used / n, n)


def build_memory(env: Env, ops: int) -> dict[str, Case]:
    def case(make: Hydrate, cap: int | None = None) -> Case:
        return lambda n: _bytes_per_instance(env, min(n, cap or n), make)

    cap = MEMORY_REFERENCE_CAP
    cases: dict[str, Case] = {
        "raw": case(lambda rows: [dict(zip(NAMES, r, strict=False)) for r in rows], cap),
        "coodie": case(lambda rows: coodie_hydrator().many(rows)),
        "pydantic": case(
            lambda rows: [PlainRun.model_validate(dict(zip(NAMES, r, strict=False))) for r in rows],
            cap,
        ),
        "pyd_construct": case(
            lambda rows: [
                SyncRun.model_construct(**dict(zip(NAMES, r, strict=False))) for r in rows
            ]
        ),
    }
    for flavour in env.flavours.values():
        instances = flavour_hydrator(flavour)
        if instances is not None:
            cases[flavour.name] = case(instances, cap)
    return cases


WORKLOADS: tuple[Workload, ...] = (
    Workload(
        name="insert",
        title="insert (save)",
        unit="op",
        group="single",
        full=(100, 15),
        quick=(20, 3),
        build=build_insert,
        about="one new row, all 13 columns: model construction + INSERT",
    ),
    Workload(
        name="get",
        title="get by primary key",
        unit="op",
        group="single",
        full=(100, 15),
        quick=(20, 3),
        build=build_get,
        about="SELECT by the full primary key, row -> model",
    ),
    Workload(
        name="update",
        title="update 2 columns",
        unit="op",
        group="single",
        full=(100, 15),
        quick=(20, 3),
        build=build_update,
        about="UPDATE SET status, heartbeat on a loaded row",
    ),
    Workload(
        name="delete",
        title="delete by key",
        unit="op",
        group="single",
        full=(100, 15),
        quick=(20, 3),
        build=build_delete,
        about="DELETE by the full primary key of a model instance",
    ),
    Workload(
        name="lwt",
        title="LWT insert",
        unit="op",
        group="single",
        full=(40, 10),
        quick=(10, 2),
        build=build_lwt,
        about="INSERT ... IF NOT EXISTS of a new row, applied checked",
    ),
    Workload(
        name="partition",
        title="partition read 1k",
        unit="read",
        group="read",
        full=(4, 10),
        quick=(2, 2),
        build=build_partition,
        about="one partition of 1,000 rows -> 1,000 instances",
    ),
    Workload(
        name="index",
        title="index filter ~50",
        unit="read",
        group="read",
        full=(20, 10),
        quick=(8, 2),
        build=build_index,
        about="secondary-index equality matching 50 rows in 10 partitions",
    ),
    Workload(
        name="batch",
        title="batch of 100",
        unit="batch",
        group="write",
        full=(4, 10),
        quick=(2, 2),
        build=build_batch,
        about="LOGGED batch of 100 inserts (4 partitions)",
    ),
    Workload(
        name="fanout",
        title="fan-out {n}",
        unit="insert",
        group="async",
        full=(10_000, 3),
        quick=(1_000, 2),
        build=build_fanout,
        about="10,000 inserts with 100 in flight (raw: execute_async callbacks)",
    ),
    Workload(
        name="hydrate",
        title="hydrate {n}",
        unit="row",
        group="cpu",
        full=(100_000, 3),
        quick=(10_000, 2),
        build=build_hydrate,
        about="driver tuple rows -> instances, no database",
    ),
    Workload(
        name="bind",
        title="build+bind {n}",
        unit="stmt",
        group="cpu",
        full=(100_000, 3),
        quick=(10_000, 2),
        build=build_bind,
        about="save() of a new row up to the bound statement, no database",
    ),
    Workload(
        name="validate",
        title="validate {n}",
        unit="input",
        group="cpu",
        full=(100_000, 3),
        quick=(10_000, 2),
        build=build_validate,
        about="user input dicts -> validated instances, no database",
    ),
    Workload(
        name="memory",
        title="memory {n}",
        unit="inst",
        group="memory",
        full=(100_000, 1),
        quick=(5_000, 1),
        build=build_memory,
        about=(
            "traced bytes per instance built from driver rows (tracemalloc); coodie and "
            "pyd.constr over all instances, raw/pydantic/cqlengine over at most 20,000"
        ),
    ),
)

__all__ = ["CONTENDERS", "EXTRAS", "WORKLOADS", "Case", "Workload", "bind_only"]
