"""Bad queries and writes fail before any I/O, and statements are bound and quoted.

The models live on a ``Recorder`` connection (tests/unit/offline.py), which answers at
the I/O seam: it records every request the operations yield and answers with an
empty result.  A check that happens "before any I/O" is asserted by no request.
Every error test runs once with ``coodie.sync`` and once with ``coodie.aio``.
"""

import datetime as dt
import inspect
import uuid
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Annotated, Any, Optional
from uuid import UUID

import pytest
from pydantic import Field

import coodie.aio
import coodie.sync
from coodie import Token
from coodie.clauses import parse_filters
from coodie.connection import register, unregister
from coodie.exceptions import CoodieError, InvalidQuery, ValidationError
from coodie.fields import BigInt, ClusteringKey, Indexed, PrimaryKey
from coodie.restrictions import QuerySpec, check_select, filtering_reasons
from tests.unit.offline import Recorder

FAKE = "unit_fake_session"
KS = "ks"


@pytest.fixture
def session() -> Iterator[Recorder]:
    recorder = Recorder(KS, FAKE)
    register(recorder)
    yield recorder
    unregister(FAKE)


# -- models -------------------------------------------------------------------------------------


def define_models(Document: Any) -> SimpleNamespace:
    class Comment(Document):
        id: Annotated[UUID, PrimaryKey()]
        posted_at: Annotated[int, BigInt(), ClusteringKey(order="DESC")]
        seq: Annotated[int, ClusteringKey(index=1)]
        message: str = ""
        user_id: Annotated[Optional[UUID], Indexed()] = None
        release_id: Annotated[Optional[UUID], Indexed()] = None
        mentions: list[UUID] = Field(default_factory=list)
        reactions: dict[str, int] = Field(default_factory=dict)
        score: float = 0.0

        class Settings:
            keyspace = KS
            connection = FAKE

    class Reading(Document):
        sensor: Annotated[str, PrimaryKey()]
        day: Annotated[dt.date, PrimaryKey(partition_key_index=1)]
        at: Annotated[dt.datetime, ClusteringKey()]
        value: float = 0.0

        class Settings:
            keyspace = KS
            connection = FAKE

    class Quoted(Document):
        userName: Annotated[str, PrimaryKey()]
        order: int = 0

        class Settings:
            name = "Select"
            keyspace = KS
            connection = FAKE

    return SimpleNamespace(Comment=Comment, Reading=Reading, Quoted=Quoted)


class Front:
    def __init__(self, module: Any) -> None:
        self.name = module.__name__.rsplit(".", 1)[-1]
        self.models = define_models(module.Document)

    @staticmethod
    async def wait(value: Any) -> Any:
        return await value if inspect.isawaitable(value) else value

    async def raises(self, exc: type[BaseException], call: Any, *args: Any, **kw: Any) -> str:
        with pytest.raises(exc) as info:
            await self.wait(call(*args, **kw))
        return str(info.value)

    def __repr__(self) -> str:
        return self.name


FRONTS = {"sync": Front(coodie.sync), "aio": Front(coodie.aio)}
SYNC = FRONTS["sync"].models


@pytest.fixture(params=["sync", "aio"])
def front(request: pytest.FixtureRequest) -> Front:
    return FRONTS[request.param]


KEY = uuid.UUID("11111111-2222-3333-4444-555555555555")


def comment(front: Front) -> Any:
    return front.models.Comment(id=KEY, posted_at=1, seq=2, message="hi")


# -- unknown columns ----------------------------------------------------------------------------


async def test_filter_on_unknown_column(front: Front, session: Recorder) -> None:
    with pytest.raises(InvalidQuery) as info:
        front.models.Comment.find(mesage="hi")
    message = str(info.value)
    assert "Comment has no column 'mesage'" in message
    assert "did you mean 'message'?" in message
    assert "in filter 'mesage'" in message
    assert session.untouched


async def test_filter_on_unknown_column_with_an_operator(front: Front) -> None:
    with pytest.raises(InvalidQuery, match=r"no column 'scor'; did you mean 'score'\?.*'scor__gt'"):
        front.models.Comment.find(scor__gt=1.0)


async def test_filter_on_unrelated_name_lists_the_fields(front: Front) -> None:
    with pytest.raises(InvalidQuery) as info:
        front.models.Comment.find(zzz=1)
    message = str(info.value)
    assert "did you mean" not in message
    assert "(fields: id, posted_at, seq, message, user_id" in message


async def test_only_and_order_by_name_unknown_columns(front: Front) -> None:
    comments = front.models.Comment.find(id=KEY)
    with pytest.raises(InvalidQuery, match=r"did you mean 'message'\? .*in only\(\)"):
        comments.only("mesage")
    with pytest.raises(InvalidQuery, match=r"did you mean 'posted_at'\? .*in order_by\(\)"):
        comments.order_by("-posted")


# -- ALLOW FILTERING ----------------------------------------------------------------------------

NEEDS_FILTERING: list[tuple[str, dict[str, Any], str]] = [
    (
        "Comment",
        {"message": "hi"},
        "message is not part of the primary key and has no index "
        "(add Indexed() to Comment.message)",
    ),
    (
        "Comment",
        {"id": KEY, "score__gt": 1.0},
        "score is not part of the primary key and has no index",
    ),
    (
        "Reading",
        {"sensor": "s1"},
        "the partition key (sensor, day) is only partly restricted; add = or __in filters on day",
    ),
    (
        "Comment",
        {"posted_at": 5},
        "posted_at is restricted although the partition key is not restricted",
    ),
    (
        "Comment",
        {"id": KEY, "seq": 2},
        "seq is restricted although clustering column posted_at (before it) is not restricted",
    ),
    (
        "Comment",
        {"id": KEY, "posted_at__gt": 5, "seq": 2},
        "seq is restricted although posted_at (before it) has a range",
    ),
    ("Comment", {"id__gt": KEY}, "id__gt on a partition key column"),
    (
        "Comment",
        {"user_id": KEY, "release_id": KEY},
        "more than one indexed column is restricted",
    ),
    ("Comment", {"mentions__contains": KEY}, "mentions is not part of the primary key"),
]


@pytest.mark.parametrize(
    ("model", "filters", "reason"),
    NEEDS_FILTERING,
    ids=[",".join(f) for _, f, _ in NEEDS_FILTERING],
)
async def test_query_needing_allow_filtering_fails_before_io(
    front: Front, session: Recorder, model: str, filters: dict[str, Any], reason: str
) -> None:
    queryset = getattr(front.models, model).find(**filters)
    message = await front.raises(InvalidQuery, queryset.all)
    assert message.startswith(f"{model}: this query needs ALLOW FILTERING because ")
    assert reason in message
    assert "Restrict the primary key or an indexed column" in message
    assert ".allow_filtering()" in message  # says what to do
    assert session.untouched
    for terminal in (queryset.first, queryset.count):
        await front.raises(InvalidQuery, terminal)
    assert session.untouched


@pytest.mark.parametrize(
    ("model", "filters", "reason"),
    NEEDS_FILTERING,
    ids=[",".join(f) for _, f, _ in NEEDS_FILTERING],
)
async def test_allow_filtering_lets_the_query_through(
    front: Front, session: Recorder, model: str, filters: dict[str, Any], reason: str
) -> None:
    cls = getattr(front.models, model)
    schema = cls.__coodie_schema__
    spec = QuerySpec(conditions=tuple(parse_filters(schema, filters)))
    assert reason in "; ".join(filtering_reasons(schema, spec))
    with pytest.raises(InvalidQuery):
        check_select(schema, spec)
    queryset = cls.find(**filters).allow_filtering()
    check_select(schema, queryset._spec)  # no error
    assert await front.wait(queryset.all()) == []
    [(cql, _)] = session.executed
    assert cql.endswith(" ALLOW FILTERING")


@pytest.mark.parametrize(
    "filters",
    [
        {"id": KEY},
        {"id": KEY, "posted_at": 1},
        {"id": KEY, "posted_at": 1, "seq": 2},
        {"id": KEY, "posted_at__gte": 1, "posted_at__lt": 9},
        {"id": KEY, "posted_at": 1, "seq__gt": 2},
        {"id__in": [KEY, uuid.uuid4()], "posted_at__in": [1, 2]},
        {"user_id": KEY},
        {"id": KEY, "user_id": KEY},
        {"pk__token__gt": 0},
    ],
    ids=repr,
)
async def test_queries_cassandra_accepts_need_no_filtering(
    front: Front, session: Recorder, filters: dict[str, Any]
) -> None:
    queryset = front.models.Comment.find(**filters)
    assert filtering_reasons(front.models.Comment.__coodie_schema__, queryset._spec) == []
    assert await front.wait(queryset.all()) == []
    [(cql, _)] = session.executed
    assert "ALLOW FILTERING" not in cql


async def test_full_partition_key_of_a_composite_key(front: Front, session: Recorder) -> None:
    readings = front.models.Reading.find(sensor="s1", day=dt.date(2024, 1, 2))
    assert await front.wait(readings.all()) == []
    assert len(session.executed) == 1


# -- order_by -----------------------------------------------------------------------------------


@pytest.mark.parametrize("column", ["message", "id", "-score"])
async def test_order_by_a_non_clustering_column(
    front: Front, session: Recorder, column: str
) -> None:
    with pytest.raises(InvalidQuery) as info:
        front.models.Comment.find(id=KEY).order_by(column)
    message = str(info.value)
    name = column.lstrip("-")
    assert message.startswith(f"Comment: cannot order by {name}: ")
    assert "only by clustering columns (here: posted_at, seq)" in message
    assert "sort client side instead" in message
    assert session.untouched


async def test_order_by_on_a_table_without_clustering(front: Front) -> None:
    with pytest.raises(InvalidQuery, match=r"\(here: none\); sort client side"):
        front.models.Quoted.find(userName="a").order_by("order")


@pytest.mark.parametrize(
    "columns", [("posted_at", "seq"), ("-posted_at", "-seq")], ids=["asc-asc", "desc-desc"]
)
async def test_order_by_mixing_directions(
    front: Front, session: Recorder, columns: tuple[str, str]
) -> None:
    queryset = front.models.Comment.find(id=KEY).order_by(*columns)
    message = await front.raises(InvalidQuery, queryset.all)
    assert "order_by() must keep or reverse the whole clustering order" in message
    assert "(posted_at DESC, seq ASC)" in message
    assert session.untouched


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (("-posted_at", "seq"), '"posted_at" DESC, "seq" ASC'),
        (("posted_at", "-seq"), '"posted_at" ASC, "seq" DESC'),
        (("posted_at",), '"posted_at" ASC'),
    ],
)
async def test_order_by_keeping_or_reversing_the_clustering_order(
    session: Recorder, columns: tuple[str, ...], expected: str
) -> None:
    queryset = SYNC.Comment.find(id=KEY).order_by(*columns)
    check_select(SYNC.Comment.__coodie_schema__, queryset._spec)
    assert str(queryset).endswith(f"ORDER BY {expected}")


async def test_order_by_out_of_clustering_order(front: Front, session: Recorder) -> None:
    queryset = front.models.Comment.find(id=KEY).order_by("seq", "-posted_at")
    message = await front.raises(InvalidQuery, queryset.all)
    assert (
        "order_by() must name clustering columns in their declared order (posted_at, seq)"
        in message
    )
    assert session.untouched


async def test_order_by_without_the_partition_key(front: Front, session: Recorder) -> None:
    queryset = front.models.Comment.objects().order_by("-posted_at")
    message = await front.raises(InvalidQuery, queryset.all)
    assert "order_by() needs the partition key (id) restricted with =" in message
    partial = front.models.Reading.find(sensor="s1").order_by("at")
    message = await front.raises(InvalidQuery, partial.all)
    assert "needs the partition key (sensor, day)" in message
    assert session.untouched


async def test_order_by_with_in_on_the_partition_key(front: Front, session: Recorder) -> None:
    queryset = front.models.Comment.find(id__in=[KEY, uuid.uuid4()]).order_by("-posted_at")
    message = await front.raises(InvalidQuery, queryset.all)
    assert "cannot page a query with order_by() and __in on the partition key (id)" in message
    assert "sort client side, or run one query per partition" in message
    assert session.untouched


async def test_order_by_with_a_single_value_in(session: Recorder) -> None:
    # The server refuses it too ("Cannot page queries with both ORDER BY and a IN
    # restriction on the partition key"), so it fails here, before I/O.
    queryset = SYNC.Comment.find(id__in=[KEY]).order_by("-posted_at")
    with pytest.raises(InvalidQuery, match=r"cannot page a query with order_by\(\) and __in"):
        check_select(SYNC.Comment.__coodie_schema__, queryset.spec)


async def test_order_by_a_later_clustering_column_after_an_equality(session: Recorder) -> None:
    queryset = SYNC.Comment.find(id=KEY, posted_at=1).order_by("-seq")
    check_select(SYNC.Comment.__coodie_schema__, queryset._spec)


async def test_order_by_skipping_an_unrestricted_clustering_column(
    front: Front, session: Recorder
) -> None:
    queryset = front.models.Comment.find(id=KEY).order_by("-seq")
    await front.raises(InvalidQuery, queryset.all)
    assert session.untouched


# -- operators that do not fit the column ---------------------------------------------------------


@pytest.mark.parametrize("op", ["contains", "contains_key"])
async def test_contains_on_a_non_collection(front: Front, session: Recorder, op: str) -> None:
    with pytest.raises(InvalidQuery) as info:
        front.models.Comment.find(**{f"message__{op}": "x"})
    message = str(info.value)
    assert message == (
        f"message__{op}: Comment.message is text, not a collection; __{op} needs one"
    )
    assert session.untouched


async def test_contains_key_on_a_list(front: Front) -> None:
    with pytest.raises(InvalidQuery) as info:
        front.models.Comment.find(mentions__contains_key=KEY)
    assert "__contains_key needs a map column; Comment.mentions is list<uuid>" in str(info.value)


async def test_contains_checks_the_element_type(front: Front) -> None:
    with pytest.raises(ValidationError) as info:
        front.models.Comment.find(mentions__contains="not-a-uuid")
    assert "Comment.mentions" in str(info.value)
    assert info.value.errors()[0]["type"] == "uuid_parsing"


@pytest.mark.parametrize(("field", "cql"), [("score", "double"), ("posted_at", "bigint")])
async def test_like_on_a_non_text_column(
    front: Front, session: Recorder, field: str, cql: str
) -> None:
    with pytest.raises(InvalidQuery) as info:
        front.models.Comment.find(**{f"{field}__like": "1%"})
    assert str(info.value) == (
        f"{field}__like: __like needs a text column; Comment.{field} is {cql}"
    )
    assert session.untouched


async def test_like_takes_a_pattern_string(front: Front) -> None:
    with pytest.raises(InvalidQuery, match="__like takes a pattern string such as 'abc%'"):
        front.models.Comment.find(message__like=5)


async def test_range_on_a_collection(front: Front) -> None:
    with pytest.raises(
        InvalidQuery, match=r"Comment\.mentions is a non-frozen list<uuid>.*use __contains"
    ):
        front.models.Comment.find(mentions__gt=[KEY])


async def test_equality_on_a_non_frozen_collection(front: Front, session: Recorder) -> None:
    with pytest.raises(InvalidQuery, match="__contains"):
        queryset = front.models.Comment.find(mentions=[KEY]).allow_filtering()
        await front.wait(queryset.all())
    assert session.untouched


async def test_not_equal_is_refused(front: Front) -> None:
    with pytest.raises(InvalidQuery, match="Cassandra does not support != in WHERE"):
        front.models.Comment.find(message__ne="x")


async def test_filter_on_null(front: Front) -> None:
    with pytest.raises(InvalidQuery) as info:
        front.models.Comment.find(user_id=None)
    assert str(info.value) == "user_id: Cassandra cannot filter on null (Comment.user_id = None)"


@pytest.mark.parametrize("value", ["abc", b"abc", 5])
async def test_in_takes_a_list(front: Front, value: Any) -> None:
    with pytest.raises(InvalidQuery, match=r"id__in: __in takes a list or tuple of values"):
        front.models.Comment.find(id__in=value)


# -- wrong value types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "field", "error_type"),
    [
        ({"id": "not-a-uuid"}, "id", "uuid_parsing"),
        ({"id": KEY, "posted_at": "yesterday"}, "posted_at", "int_parsing"),
        ({"id__in": [KEY, "nope"]}, "id", "uuid_parsing"),
        ({"score__gt": "high"}, "score", "float_parsing"),
        ({"sensor": "s", "day": "not a date"}, "day", "date_from_datetime_parsing"),
    ],
    ids=["uuid", "bigint", "in-list", "double", "date"],
)
async def test_wrong_value_type_in_filter(
    front: Front,
    session: Recorder,
    filters: dict[str, Any],
    field: str,
    error_type: str,
) -> None:
    model = front.models.Reading if "sensor" in filters else front.models.Comment
    with pytest.raises(ValidationError) as info:
        model.find(**filters)
    message = str(info.value)
    assert message.startswith(f"{model.__name__}.{field}: invalid value ")
    assert "(expected " in message
    errors = info.value.errors()
    assert errors, "errors() carries pydantic's details"
    assert errors[0]["type"] == error_type
    assert {"type", "msg", "loc", "input"} <= set(errors[0])
    assert isinstance(info.value, CoodieError)
    assert isinstance(info.value, ValueError)
    assert session.untouched


async def test_out_of_range_value_in_filter(front: Front, session: Recorder) -> None:
    with pytest.raises(ValidationError) as info:
        front.models.Comment.find(id=KEY, posted_at=1, seq=2**40)
    message = str(info.value)
    assert message.startswith("Comment.seq: cannot store 1099511627776 as int")
    assert "outside the int range" in message
    assert session.untouched


async def test_get_with_a_bad_key_fails_before_io(front: Front, session: Recorder) -> None:
    with pytest.raises(ValidationError, match=r"Comment\.id"):
        await front.wait(front.models.Comment.get(id="nope", posted_at=1, seq=2))
    assert session.untouched


# -- no hidden queries ----------------------------------------------------------------------------


async def test_bool_of_a_queryset(front: Front, session: Recorder) -> None:
    queryset = front.models.Comment.find(id=KEY)
    with pytest.raises(TypeError) as info:
        bool(queryset)
    message = str(info.value)
    assert "a queryset has no truth value" in message
    assert ".first() is not None" in message
    assert ".count()" in message
    with pytest.raises(TypeError):
        if queryset:
            pass
    with pytest.raises(TypeError):
        len(queryset)  # type: ignore[arg-type]
    assert session.untouched


# -- updates --------------------------------------------------------------------------------------


@pytest.mark.parametrize("field", ["id", "posted_at", "seq"])
async def test_document_update_of_a_key_column(front: Front, session: Recorder, field: str) -> None:
    doc = comment(front)
    value = uuid.uuid4() if field == "id" else 99
    message = await front.raises(InvalidQuery, doc.update, **{field: value})
    assert message == (
        f"Comment.{field} is part of the primary key and cannot be updated; "
        "delete the row and save a new one"
    )
    assert getattr(doc, field) != value
    assert session.untouched


async def test_queryset_update_of_a_key_column(front: Front, session: Recorder) -> None:
    queryset = front.models.Comment.find(id=KEY, posted_at=1, seq=2)
    message = await front.raises(InvalidQuery, queryset.update, posted_at=5)
    assert "Comment.posted_at is part of the primary key and cannot be updated" in message
    assert session.untouched


async def test_update_with_an_unknown_field(front: Front, session: Recorder) -> None:
    doc = comment(front)
    message = await front.raises(CoodieError, doc.update, mesage="x")
    assert "Comment has no field 'mesage'; did you mean 'message'?" in message
    assert message.endswith(" in update()")
    queryset = front.models.Comment.find(id=KEY, posted_at=1, seq=2)
    message = await front.raises(CoodieError, queryset.update, scroe=1.0)
    assert "did you mean 'score'?" in message
    assert session.untouched


async def test_update_with_a_bad_value(front: Front, session: Recorder) -> None:
    doc = comment(front)
    with pytest.raises(ValidationError) as info:
        await front.wait(doc.update(score="lots"))
    assert "Comment.score" in str(info.value)
    assert info.value.errors()[0]["type"] == "float_parsing"
    assert doc.score == 0.0
    assert session.untouched


async def test_update_without_values(front: Front, session: Recorder) -> None:
    message = await front.raises(InvalidQuery, comment(front).update)
    assert "update() needs at least one field=value" in message
    queryset = front.models.Comment.find(id=KEY, posted_at=1, seq=2)
    message = await front.raises(InvalidQuery, queryset.update)
    assert "update() needs at least one field=value" in message
    assert session.untouched


@pytest.mark.parametrize(
    ("op", "value", "reason"),
    [
        ("incr", 1, "__incr needs a counter column; Comment.score is double"),
        ("append", ["x"], "__append needs a list column; Comment.message is text"),
        ("add", {"x"}, "__add needs a set or map column; Comment.message is text"),
    ],
)
async def test_update_operator_that_does_not_fit(
    front: Front, session: Recorder, op: str, value: Any, reason: str
) -> None:
    field = "score" if op == "incr" else "message"
    message = await front.raises(InvalidQuery, comment(front).update, **{f"{field}__{op}": value})
    assert reason in message
    assert session.untouched


# -- queryset update() and delete() need keys ---------------------------------------------------


@pytest.mark.parametrize(
    ("filters", "reason"),
    [
        (
            {"id": KEY, "posted_at": 1},
            "update() needs every primary key column with = or __in; missing seq",
        ),
        (
            {"id": KEY, "posted_at__gt": 1, "seq": 2},
            "missing posted_at",
        ),
        ({"posted_at": 1, "seq": 2}, "update() needs the whole partition key (id) with = or __in"),
        ({"id": KEY, "posted_at": 1, "seq": 2, "user_id": KEY}, "not user_id"),
    ],
    ids=["missing-clustering", "range", "no-partition-key", "non-key"],
)
async def test_queryset_update_without_the_full_key(
    front: Front, session: Recorder, filters: dict[str, Any], reason: str
) -> None:
    queryset = front.models.Comment.find(**filters)
    message = await front.raises(InvalidQuery, queryset.update, message="m")
    assert message.startswith("Comment: ")
    assert reason in message
    assert session.untouched


@pytest.mark.parametrize(
    ("model", "filters", "reason"),
    [
        ("Comment", {"posted_at": 1}, "delete() needs the whole partition key (id) with = or __in"),
        ("Reading", {"sensor": "s1"}, "delete() needs the whole partition key (sensor, day)"),
        (
            "Comment",
            {"id": KEY, "message": "x"},
            "delete() can only filter on primary key columns, not message; "
            "select the keys first, then act on each",
        ),
        ("Comment", {"pk__token__gt": 5}, "delete() cannot use token ranges; filter on the key"),
    ],
    ids=["no-partition-key", "partial-partition-key", "non-key", "token"],
)
async def test_queryset_delete_without_the_key(
    front: Front, session: Recorder, model: str, filters: dict[str, Any], reason: str
) -> None:
    queryset = getattr(front.models, model).find(**filters)
    message = await front.raises(InvalidQuery, queryset.delete)
    assert message.startswith(f"{model}: ")
    assert reason in message
    assert session.untouched


@pytest.mark.parametrize("chain", ["limit", "order_by", "allow_filtering"])
async def test_queryset_delete_and_update_refuse_select_options(
    front: Front, session: Recorder, chain: str
) -> None:
    queryset = front.models.Comment.find(id=KEY, posted_at=1, seq=2)
    chained = {
        "limit": lambda q: q.limit(5),
        "order_by": lambda q: q.order_by("-posted_at"),
        "allow_filtering": lambda q: q.allow_filtering(),
    }[chain](queryset)
    for call in (chained.delete, lambda: chained.update(message="m")):
        message = await front.raises(InvalidQuery, call)
        assert "does not take limit(), order_by() or allow_filtering()" in message
    assert session.untouched


async def test_queryset_delete_of_a_partition_or_a_range(front: Front, session: Recorder) -> None:
    await front.wait(front.models.Comment.find(id=KEY).delete())
    await front.wait(front.models.Comment.find(id=KEY, posted_at__gt=3).delete())
    assert [cql for cql, _ in session.executed] == [
        'DELETE FROM "ks"."comment" WHERE "id" = ?',
        'DELETE FROM "ks"."comment" WHERE "id" = ? AND "posted_at" > ?',
    ]


@pytest.mark.parametrize(
    "filters",
    [{"id": KEY, "seq": 2}, {"id": KEY, "posted_at__gt": 1, "seq": 2}],
    ids=["gap", "after-range"],
)
async def test_queryset_delete_with_a_clustering_gap(
    front: Front, session: Recorder, filters: dict[str, Any]
) -> None:
    queryset = front.models.Comment.find(**filters)
    await front.raises(InvalidQuery, queryset.delete)
    assert session.untouched


# -- limits ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [0, -1, True, 1.5, "10", 2**31])
async def test_limit_must_be_positive(front: Front, value: Any) -> None:
    queryset = front.models.Comment.find(id=KEY)
    with pytest.raises(InvalidQuery) as info:
        queryset.limit(value)
    assert str(info.value) == f"limit() takes a positive int up to 2147483647, not {value!r}"
    with pytest.raises(InvalidQuery, match=r"per_partition_limit\(\) takes a positive int"):
        queryset.per_partition_limit(value)


@pytest.mark.parametrize("value", [0, -3, 2**31])
async def test_fetch_size_and_page_size_must_be_positive(
    front: Front, session: Recorder, value: int
) -> None:
    queryset = front.models.Comment.find(id=KEY)
    with pytest.raises(InvalidQuery, match=r"fetch_size\(\) takes a positive int"):
        queryset.fetch_size(value)
    message = await front.raises(InvalidQuery, queryset.paginate, value)
    assert "paginate() takes a positive int" in message
    assert session.untouched


async def test_limit_none_removes_the_limit(session: Recorder) -> None:
    queryset = SYNC.Comment.find(id=KEY).limit(5).limit(None)
    assert "LIMIT" not in str(queryset)


# -- statement text -------------------------------------------------------------------------------

COMMENT_COLUMNS = (
    '"id", "posted_at", "seq", "message", "user_id", "release_id", "mentions", "reactions", "score"'
)


async def test_select_text_quotes_identifiers(session: Recorder) -> None:
    assert str(SYNC.Comment.find(id=KEY)) == (
        f'SELECT {COMMENT_COLUMNS} FROM "ks"."comment" WHERE "id" = ?'
    )
    assert str(SYNC.Quoted.find(userName="a")) == (
        'SELECT "userName", "order" FROM "ks"."Select" WHERE "userName" = ?'
    )
    assert session.untouched  # str() builds text only


async def test_limit_is_a_bind_marker(session: Recorder) -> None:
    queryset = SYNC.Comment.find(id=KEY)
    assert str(queryset.limit(5)).endswith('WHERE "id" = ? LIMIT ?')
    assert str(queryset.limit(5)) == str(queryset.limit(500))
    queryset.limit(5).all()
    queryset.limit(7).all()
    assert [params for _, params in session.executed] == [[KEY, 5], [KEY, 7]]
    assert len(session.prepared) == 1  # one prepared statement serves every limit
    assert " 5" not in session.prepared[0]


async def test_per_partition_limit_is_a_bind_marker(session: Recorder) -> None:
    queryset = SYNC.Comment.find(id__in=[KEY]).per_partition_limit(2).limit(10)
    assert str(queryset).endswith('WHERE "id" IN ? PER PARTITION LIMIT ? LIMIT ?')
    queryset.all()
    assert session.executed[0][1] == [[KEY], 2, 10]


async def test_in_is_one_bind_marker_for_any_length(session: Recorder) -> None:
    other = uuid.uuid4()
    short = SYNC.Comment.find(id__in=[KEY])
    long = SYNC.Comment.find(id__in=[KEY, other, uuid.uuid4()], posted_at__in=(1, 2))
    assert str(short).endswith('WHERE "id" IN ?')
    assert str(long).endswith('WHERE "id" IN ? AND "posted_at" IN ?')
    short.all()
    SYNC.Comment.find(id__in=[KEY, other]).all()
    assert [params for _, params in session.executed] == [[[KEY]], [[KEY, other]]]
    assert len(session.prepared) == 1  # the cache does not grow with the list length


async def test_operators_render_as_bind_markers(session: Recorder) -> None:
    queryset = SYNC.Comment.find(
        id=KEY,
        posted_at__gte=1,
        posted_at__lt=9,
        mentions__contains=KEY,
        reactions__contains_key="up",
    ).allow_filtering()
    assert str(queryset) == (
        f'SELECT {COMMENT_COLUMNS} FROM "ks"."comment" WHERE "id" = ? AND "posted_at" >= ? '
        'AND "posted_at" < ? AND "mentions" CONTAINS ? AND "reactions" CONTAINS KEY ? '
        "ALLOW FILTERING"
    )


async def test_like_needs_a_sasi_index_even_with_allow_filtering(session: Recorder) -> None:
    with pytest.raises(InvalidQuery, match=r"LIKE needs a SASI index on Comment\.message"):
        SYNC.Comment.find(message__like="he%").allow_filtering()
    assert session.untouched


async def test_token_restriction_text(session: Recorder) -> None:
    assert str(SYNC.Comment.find(pk__token__gt=Token(KEY))).endswith('WHERE token("id") > token(?)')
    assert str(SYNC.Reading.find(pk__token__lte=42)).endswith('WHERE token("sensor", "day") <= ?')


async def test_only_selects_keys_and_the_chosen_columns(session: Recorder) -> None:
    assert str(SYNC.Comment.find(id=KEY).only("message")) == (
        'SELECT "id", "posted_at", "seq", "message" FROM "ks"."comment" WHERE "id" = ?'
    )


async def test_values_never_appear_in_the_text(session: Recorder) -> None:
    needle = "needle'); DROP TABLE x; --"
    SYNC.Comment.find(id=KEY, posted_at=1, seq=2).update(message=needle, ttl=30)
    SYNC.Comment(id=KEY, posted_at=1, seq=2, message=needle).save()
    for cql, params in session.executed:
        assert "needle" not in cql
        assert needle in params


async def test_save_with_ttl_and_timestamp(front: Front, session: Recorder) -> None:
    Comment = front.models.Comment
    await front.wait(Comment(id=KEY, posted_at=1, seq=2).save(ttl=60, timestamp=1234))
    await front.wait(Comment(id=uuid.uuid4(), posted_at=1, seq=2).save(ttl=90, timestamp=99))
    (first, first_params), (second, second_params) = session.executed
    assert first == second
    assert first.startswith('INSERT INTO "ks"."comment" ("id", "posted_at", "seq", "message"')
    assert first.endswith(") USING TTL ? AND TIMESTAMP ?")
    assert first_params[-2:] == [60, 1234]
    assert second_params[-2:] == [90, 99]
    assert len(session.prepared) == 1


async def test_update_with_ttl_and_timestamp(front: Front, session: Recorder) -> None:
    when = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
    queryset = front.models.Comment.find(id=KEY, posted_at=1, seq=2)
    await front.wait(queryset.update(message="m", ttl=30, timestamp=when))
    [(cql, params)] = session.executed
    assert cql == (
        'UPDATE "ks"."comment" USING TTL ? AND TIMESTAMP ? SET "message" = ? '
        'WHERE "id" = ? AND "posted_at" = ? AND "seq" = ?'
    )
    assert params == [30, int(when.timestamp() * 1_000_000), "m", KEY, 1, 2]


async def test_document_update_and_delete_text(front: Front, session: Recorder) -> None:
    doc = comment(front)
    await front.wait(doc.update(score=2.5, mentions__append=[KEY], ttl=10))
    await front.wait(doc.delete(timestamp=777))
    (update, update_params), (delete, delete_params) = session.executed
    assert update == (
        'UPDATE "ks"."comment" USING TTL ? SET "score" = ?, "mentions" = "mentions" + ? '
        'WHERE "id" = ? AND "posted_at" = ? AND "seq" = ?'
    )
    assert update_params == [10, 2.5, [KEY], KEY, 1, 2]
    assert delete == (
        'DELETE FROM "ks"."comment" USING TIMESTAMP ? '
        'WHERE "id" = ? AND "posted_at" = ? AND "seq" = ?'
    )
    assert delete_params == [777, KEY, 1, 2]


@pytest.mark.parametrize("ttl", [-1, 1.5, "60", True, 630_720_001])
async def test_bad_ttl_fails_before_io(front: Front, session: Recorder, ttl: Any) -> None:
    message = await front.raises(InvalidQuery, comment(front).save, ttl=ttl)
    assert "ttl must be a whole number of seconds from 0 to 630720000" in message
    assert session.untouched


async def test_str_of_an_invalid_query_does_not_raise(session: Recorder) -> None:
    text = str(SYNC.Comment.find(message="x"))
    assert text.startswith("<QuerySet of Comment: ")
    assert "ALLOW FILTERING" in text
    assert session.untouched
