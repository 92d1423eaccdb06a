"""Table options compared and altered by sync_table, and materialized views (issue 6, B6
and B7), without a database: definitions are checked at class creation and the schema
operations are run with ``drive()``."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated, Any, Optional

import pytest

import coodie.aio
import coodie.sync
from coodie import cql, schema_sync, views
from coodie.connection import Connection, register, unregister
from coodie.exceptions import ConfigurationError, DefinitionError, InvalidQuery, SchemaMismatch
from coodie.execution import ForgetPrepared, Request, drive
from coodie.fields import ClusteringKey, Counter, Indexed, PrimaryKey, Static
from coodie.schema_sync import same_option
from tests.unit.offline import stub_session

OFFLINE = "unit_views_offline"


@pytest.fixture(autouse=True)
def offline() -> Iterator[None]:
    register(Connection(stub_session(), "ks", name=OFFLINE))  # type: ignore[arg-type]
    yield
    unregister(OFFLINE)


def result(rows: list[tuple[Any, ...]], columns: list[str] | None = None) -> Any:
    return SimpleNamespace(current_rows=rows, paging_state=None, column_names=columns or [])


def options_row(**values: Any) -> Any:
    """A system_schema.tables (or views) row, as ``SELECT *`` returns it."""
    return result([tuple(values.values())], list(values))


def ddl(sent: list[Any]) -> list[str]:
    return [r.cql for r in sent if isinstance(r, Request) and not r.cql.startswith("SELECT")]


# -- option values: the model's against system_schema's -------------------------------------

QUALIFIED_STCS = {
    "class": "org.apache.cassandra.db.compaction.SizeTieredCompactionStrategy",
    "max_threshold": "32",
    "min_threshold": "4",
}


@pytest.mark.parametrize(
    ("name", "want", "have"),
    [
        ("compaction", {"class": "SizeTieredCompactionStrategy"}, QUALIFIED_STCS),
        ("compaction", {"class": QUALIFIED_STCS["class"], "min_threshold": 4}, QUALIFIED_STCS),
        ("compaction", {"class": "SizeTieredCompactionStrategy", "enabled": True},
         {**QUALIFIED_STCS, "enabled": "true"}),
        ("caching", {"keys": "all", "rows_per_partition": 10},
         {"keys": "ALL", "rows_per_partition": "10"}),
        ("compression", {"class": "LZ4Compressor", "chunk_length_in_kb": 16},
         {"chunk_length_in_kb": "16", "class": "org.apache.cassandra.io.compress.LZ4Compressor"}),
        ("gc_grace_seconds", 86400, 86400),
        ("bloom_filter_fp_chance", 0.01, 0.01),
        ("crc_check_chance", 1, 1.0),
        ("comment", "it's", "it's"),
        ("speculative_retry", "99PERCENTILE", "99p"),
        ("speculative_retry", "99.0p", "99p"),
        ("speculative_retry", "always", "ALWAYS"),
        ("additional_write_policy", "10ms", "10ms"),
        ("read_repair", "none", "NONE"),
        ("memtable", "default", None),
        ("allow_auto_snapshot", True, None),
        ("incremental_backups", True, None),
        ("cdc", False, None),
        ("extensions", {"x": "abc"}, {"x": b"abc"}),
    ],
)  # fmt: skip
def test_same_option(name: str, want: Any, have: Any) -> None:
    assert same_option(name, want, have)


@pytest.mark.parametrize(
    ("name", "want", "have"),
    [
        ("compaction", {"class": "LeveledCompactionStrategy"}, QUALIFIED_STCS),
        ("compaction", {"class": "SizeTieredCompactionStrategy", "min_threshold": 6},
         QUALIFIED_STCS),
        ("compaction", {"class": "com.example.SizeTieredCompactionStrategy"}, QUALIFIED_STCS),
        ("compaction", {"class": "SizeTieredCompactionStrategy", "enabled": False},
         QUALIFIED_STCS),
        ("caching", {"keys": "NONE"}, {"keys": "ALL", "rows_per_partition": "NONE"}),
        ("gc_grace_seconds", 3600, 864000),
        ("comment", "It's", "it's"),
        ("speculative_retry", "95p", "99p"),
        ("memtable", "trie", None),
        ("allow_auto_snapshot", False, None),
        ("default_time_to_live", 60, None),
    ],
)  # fmt: skip
def test_different_option(name: str, want: Any, have: Any) -> None:
    assert not same_option(name, want, have)


def test_option_literals_are_escaped() -> None:
    text = cql.alter_options(
        "ks", "t", {"Comment": "a'); DROP TABLE x; --", "caching": {"k'ey": "v'al", "n": 10}}
    )
    assert text == (
        "ALTER TABLE \"ks\".\"t\" WITH comment = 'a''); DROP TABLE x; --' AND "
        "caching = {'k''ey': 'v''al', 'n': 10}"
    )
    assert cql.alter_options("ks", "v", {"gc_grace_seconds": 5}, view=True) == (
        'ALTER MATERIALIZED VIEW "ks"."v" WITH gc_grace_seconds = 5'
    )


@pytest.mark.parametrize(
    "options",
    [
        {"compaction": {"class": "X", 1: "a"}},  # map keys must be text
        {"caching": {"keys": ["ALL"]}},  # map values must be scalars
        {"compaction": {"min_threshold": 4}},  # no class
        {"comment": 5},
        {"gc_grace_seconds": "1"},
        {"speculative_retry = 'x' AND comment": "a"},
    ],
)
def test_table_options_are_checked_at_class_creation(options: dict[str, Any]) -> None:
    stated = options
    with pytest.raises(DefinitionError):

        class Bad(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                connection = OFFLINE
                options = stated


# -- sync_table: ALTER TABLE ... WITH -------------------------------------------------------


class Tuned(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""

    class Settings:
        connection = OFFLINE
        options = {
            "compaction": {"class": "LeveledCompactionStrategy"},
            "gc_grace_seconds": 3600,
            "comment": "tuned",
        }


LIVE_COLUMNS = result(
    [("id", "partition_key", 0, "int", "none"), ("name", "regular", -1, "text", "none")]
)


def sync_tuned(live: Any, *, dry_run: bool = False) -> tuple[list[str], list[Any]]:
    answers = [result([("ks",)]), LIVE_COLUMNS, live]
    return drive(schema_sync.sync_table_op(Tuned, dry_run=dry_run), [*answers, None, None])


def test_sync_table_alters_differing_options_only() -> None:
    live = options_row(
        keyspace_name="ks",
        table_name="tuned",
        comment="tuned",
        compaction=QUALIFIED_STCS,
        gc_grace_seconds=864000,
        caching={"keys": "ALL", "rows_per_partition": "NONE"},
    )
    statements, sent = sync_tuned(live)
    expected = (
        "ALTER TABLE \"ks\".\"tuned\" WITH compaction = {'class': 'LeveledCompactionStrategy'} "
        "AND gc_grace_seconds = 3600"
    )
    assert statements == [expected]
    assert ddl(sent) == [expected]
    assert isinstance(sent[-1], ForgetPrepared)
    dry, sent = sync_tuned(live, dry_run=True)
    assert dry == [expected] and ddl(sent) == []


def test_sync_table_sends_nothing_when_options_match() -> None:
    live = options_row(
        comment="tuned",
        compaction={**QUALIFIED_STCS, "class": "org.apache.cassandra.db.compaction."
                    "LeveledCompactionStrategy"},
        gc_grace_seconds=3600,
    )  # fmt: skip
    statements, sent = sync_tuned(live)
    assert statements == [] and ddl(sent) == []


def test_options_the_server_does_not_list_are_left_alone() -> None:
    class Scylla(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            connection = OFFLINE
            options = {"tombstone_gc": {"mode": "repair"}}

    answers = [result([("ks",)]), result([("id", "partition_key", 0, "int", "none")])]
    statements, _ = drive(schema_sync.sync_table_op(Scylla), [*answers, options_row(comment="")])
    assert statements == []


def test_a_model_without_options_does_not_read_them() -> None:
    class Plain(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            connection = OFFLINE

    answers = [result([("ks",)]), result([("id", "partition_key", 0, "int", "none")])]
    statements, sent = drive(schema_sync.sync_table_op(Plain), answers)
    assert statements == [] and len(sent) == 2


def test_a_different_table_id_is_a_mismatch() -> None:
    class WithId(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]

        class Settings:
            connection = OFFLINE
            options = {"id": "5bc52802-de25-11e6-a90b-6f5e9f2b2a1c"}

    answers = [result([("ks",)]), result([("id", "partition_key", 0, "int", "none")])]
    live = options_row(id=uuid.UUID("7e63fa40-edde-11f1-8604-b97a042da86c"))
    with pytest.raises(SchemaMismatch, match="id of a table cannot be changed"):
        drive(schema_sync.sync_table_op(WithId), [*answers, live])


# -- views: definitions ----------------------------------------------------------------------


class Run(coodie.sync.Document):
    build_id: Annotated[str, PrimaryKey()]
    seq: Annotated[int, ClusteringKey(order="DESC")]
    status: str = "created"
    note: Optional[str] = None
    tags: set[str] = set()

    class Settings:
        connection = OFFLINE
        keyspace = "runs"


class RunsByStatus(coodie.sync.View):
    status: Annotated[str, PrimaryKey()]
    build_id: Annotated[str, ClusteringKey(index=0)]
    seq: Annotated[int, ClusteringKey(index=1, order="DESC")]
    note: Optional[str] = None

    class Settings:
        base = Run
        options = {"comment": "by status"}


def test_a_view_lives_with_its_base() -> None:
    schema = RunsByStatus.__coodie_schema__
    assert schema is not None
    assert (schema.table, schema.keyspace, schema.connection) == ("runs_by_status", "runs", OFFLINE)
    assert views.base_of(RunsByStatus) is Run
    assert cql.create_view(schema, "runs", "run") == (
        'CREATE MATERIALIZED VIEW IF NOT EXISTS "runs"."runs_by_status" AS SELECT "status", '
        '"build_id", "seq", "note" FROM "runs"."run" WHERE "status" IS NOT NULL AND "build_id" '
        'IS NOT NULL AND "seq" IS NOT NULL PRIMARY KEY (("status"), "build_id", "seq") WITH '
        'CLUSTERING ORDER BY ("build_id" ASC, "seq" DESC) AND comment = \'by status\''
    )
    assert cql.drop_view("runs", "v") == 'DROP MATERIALIZED VIEW IF EXISTS "runs"."v"'


def define(body: str, base: Any = "Run", settings: str = "") -> None:
    """Define a view (``coodie.aio.View``) with these fields; raises what class creation raises."""
    source = (
        "class Bad(coodie.aio.View):\n"
        + "".join(f"    {line}\n" for line in body.strip().splitlines())
        + f"    class Settings:\n        base = {base}\n"
        + "".join(f"        {line}\n" for line in settings.strip().splitlines())
    )
    exec(source, {**globals(), "Counter": Counter, "Indexed": Indexed, "Static": Static})


KEYS = (
    "build_id: Annotated[str, ClusteringKey(index=0)]\nseq: Annotated[int, ClusteringKey(index=1)]"
)


class Hits(coodie.sync.Document):
    page: Annotated[str, PrimaryKey()]
    hits: Annotated[int, Counter()] = 0

    class Settings:
        connection = OFFLINE


class NoGrace(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    v: int = 0

    class Settings:
        connection = OFFLINE
        options = {"GC_GRACE_SECONDS": 0}


@pytest.mark.parametrize(
    ("body", "base", "settings", "message"),
    [
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}", "None", "", "needs the Document"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}", "int", "", "must be a Document class"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}", "RunsByStatus", "",
         "must be a Document class"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}\nowner: str = ''", "Run", "",
         "Bad.owner: Run has no column owner"),
        (f"status: Annotated[bytes, PrimaryKey()]\n{KEYS}", "Run", "",
         "Bad.status is blob, Run.status is text"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}\nnote: Annotated[str, Static()] = ''",
         "Run", "", "Bad.note: static columns cannot be in a view"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}\nnote: Annotated[str, Indexed()] = ''",
         "Run", "", "Bad.note: views cannot have secondary indexes"),
        ("status: Annotated[str, PrimaryKey()]\nbuild_id: Annotated[str, ClusteringKey()]",
         "Run", "", "add seq as PrimaryKey"),
        ("status: Annotated[str, PrimaryKey()]\nnote: Annotated[str, ClusteringKey(index=0)]\n"
         "build_id: Annotated[str, ClusteringKey(index=1)]\n"
         "seq: Annotated[int, ClusteringKey(index=2)]", "Run", "",
         "status, note are not key columns of Run"),
        ("page: Annotated[str, PrimaryKey()]\nhits: Annotated[int, Counter()] = 0", "Hits", "",
         "Hits is a counter table"),
        ("id: Annotated[int, PrimaryKey()]", "NoGrace", "", "gc_grace_seconds = 0"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}", "Run", "keyspace = 'other'",
         "Bad.Settings.keyspace = 'other'"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}", "Run", "connection = 'other'",
         "a view lives in the connection of its base Run"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}", "Run",
         "options = {'default_time_to_live': 60}", "cannot have default_time_to_live"),
        (f"status: Annotated[str, PrimaryKey()]\n{KEYS}", "Run",
         "options = {'default_time_to_live': 'x'}", "must be an int"),
    ],
)  # fmt: skip
def test_view_definition_errors(body: str, base: str, settings: str, message: str) -> None:
    with pytest.raises(DefinitionError, match=message.replace("(", r"\(").replace(")", r"\)")):
        define(body, base, settings)


def test_a_table_has_no_base_setting() -> None:
    with pytest.raises(DefinitionError, match="unknown setting 'base'"):

        class NotAView(coodie.sync.Document):
            id: Annotated[int, PrimaryKey()]

            class Settings:
                base = Run


@pytest.mark.filterwarnings("ignore:Field name")
def test_a_view_field_cannot_hide_view_methods() -> None:
    with pytest.raises(DefinitionError, match="would hide"):
        define(f"status: Annotated[str, PrimaryKey()]\n{KEYS}\nsync_view: str = ''")


# -- views: writes refused before I/O ---------------------------------------------------------


def sync_refusals(doc: Any) -> list[Any]:
    cls = type(doc)
    return [
        doc.save,
        doc.insert,
        lambda: doc.update(note="x"),
        doc.delete,
        lambda: cls.create(status="a", build_id="b", seq=1),
        lambda: cls.find(status="a").update(note="x"),
        lambda: cls.find(status="a").delete(),
        lambda: cls.objects().find(status="a").limit(3).update(note="x"),
    ]


def test_view_writes_are_refused() -> None:
    doc = RunsByStatus(status="ok", build_id="b", seq=1)
    for call in sync_refusals(doc):
        with pytest.raises(InvalidQuery, match="RunsByStatus is a materialized view of Run"):
            call()


def test_aio_view_writes_are_refused() -> None:
    class AioRun(coodie.aio.Document):
        id: Annotated[int, PrimaryKey()]
        status: str = ""

        class Settings:
            connection = OFFLINE

    class AioByStatus(coodie.aio.View):
        status: Annotated[str, PrimaryKey()]
        id: Annotated[int, ClusteringKey()]

        class Settings:
            base = AioRun

    doc = AioByStatus(status="a", id=1)
    calls = [
        doc.save,
        doc.insert,
        lambda: doc.update(status="b"),
        doc.delete,
        lambda: AioByStatus.create(status="a", id=1),
        lambda: AioByStatus.find(status="a").update(id=2),
        lambda: AioByStatus.find(status="a").delete(),
    ]
    for call in calls:
        with pytest.raises(InvalidQuery, match="write AioRun instead"):
            asyncio.run(call())
    assert isinstance(AioByStatus.find(status="a"), coodie.aio.ViewQuerySet)


def test_view_reads_build_table_queries() -> None:
    qs = RunsByStatus.find(status="ok").order_by("-build_id").limit(2)
    assert isinstance(qs, coodie.sync.ViewQuerySet)
    assert str(qs).startswith(
        'SELECT "status", "build_id", "seq", "note" FROM "runs"."runs_by_status"'
    )


# -- views: sync_view and drop_view ------------------------------------------------------------

BASE_ROW = options_row(keyspace_name="runs", table_name="run", gc_grace_seconds=864000)
VIEW_COLUMNS = [
    ("status", "partition_key", 0, "text", "none"),
    ("build_id", "clustering", 0, "text", "asc"),
    ("seq", "clustering", 1, "int", "desc"),
    ("note", "regular", -1, "text", "none"),
]


def test_sync_view_creates_the_view() -> None:
    answers = [BASE_ROW, result([]), result([])]
    statements, sent = drive(views.sync_view_op(RunsByStatus), [*answers, None])
    assert statements == [cql.create_view(RunsByStatus.__coodie_schema__, "runs", "run")]  # type: ignore[arg-type]
    assert ddl(sent) == statements and isinstance(sent[-1], ForgetPrepared)
    dry, sent = drive(views.sync_view_op(RunsByStatus, dry_run=True), answers)
    assert dry == statements and ddl(sent) == []


def test_sync_view_needs_the_base_table() -> None:
    with pytest.raises(
        ConfigurationError, match=r"base table runs.run does not exist.*Run.sync_table"
    ):
        drive(views.sync_view_op(RunsByStatus), [result([])])
    with pytest.raises(ConfigurationError, match="gc_grace_seconds = 0"):
        drive(views.sync_view_op(RunsByStatus), [options_row(gc_grace_seconds=0)])


def test_sync_view_refuses_a_table_of_the_same_name() -> None:
    with pytest.raises(ConfigurationError, match="is a table, not a materialized view"):
        drive(views.sync_view_op(RunsByStatus), [BASE_ROW, result([]), result(VIEW_COLUMNS)])


def test_sync_view_compares_an_existing_view() -> None:
    live = options_row(base_table_name="run", comment="by status")
    statements, sent = drive(
        views.sync_view_op(RunsByStatus), [BASE_ROW, live, result(VIEW_COLUMNS)]
    )
    assert statements == [] and ddl(sent) == []
    live = options_row(base_table_name="run", comment="old")
    statements, _ = drive(
        views.sync_view_op(RunsByStatus), [BASE_ROW, live, result(VIEW_COLUMNS), None, None]
    )
    assert statements == [
        'ALTER MATERIALIZED VIEW "runs"."runs_by_status" WITH comment = \'by status\''
    ]


@pytest.mark.parametrize(
    ("base", "columns", "message"),
    [
        ("other", VIEW_COLUMNS, "the view is of table other, the model's base is run"),
        ("run", [*VIEW_COLUMNS[:2], ("seq", "clustering", 1, "int", "asc"), VIEW_COLUMNS[3]],
         "seq clusters ASC in the table, DESC in the model"),
        ("run", VIEW_COLUMNS[:3], "note is not in the view"),
        ("run", [("status", "partition_key", 0, "text", "none"),
                 ("build_id", "partition_key", 1, "text", "none"), *VIEW_COLUMNS[2:]],
         "build_id is partition_key in the table, clustering in the model"),
    ],
)  # fmt: skip
def test_sync_view_mismatch(base: str, columns: list[Any], message: str) -> None:
    live = options_row(base_table_name=base, comment="by status")
    with pytest.raises(SchemaMismatch, match="a view cannot be altered") as info:
        drive(views.sync_view_op(RunsByStatus), [BASE_ROW, live, result(columns)])
    assert message in info.value.differences


def test_drop_view() -> None:
    _, sent = drive(views.drop_view_op(RunsByStatus), [None])
    assert ddl(sent) == ['DROP MATERIALIZED VIEW IF EXISTS "runs"."runs_by_status"']
    with pytest.raises(ConfigurationError, match="Run is not a materialized view"):
        drive(views.drop_view_op(Run), [None])


@pytest.mark.parametrize(
    ("name", "want", "have"),
    [
        ("speculative_retry", "NONE", "NEVER"),
        ("speculative_retry", "MIN(99percentile,50ms)", "MIN(99p,50ms)"),
        ("speculative_retry", "max(99p,1.5ms)", "MAX(99p,1ms)"),
        (
            "compression",
            {"class": "LZ4Compressor", "enabled": True},
            {"class": "org.apache.cassandra.io.compress.LZ4Compressor", "chunk_length_in_kb": "16"},
        ),
    ],
)
def test_values_the_server_rewrites_compare_equal(name: str, want: Any, have: Any) -> None:
    from coodie.schema_sync import same_option

    assert same_option(name, want, have)
