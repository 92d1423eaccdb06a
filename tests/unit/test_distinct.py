"""``distinct()``: the SELECT DISTINCT text, and what Cassandra refuses with it, refused
before any I/O (the models live on a ``Recorder`` connection, see tests/unit/offline.py;
"nothing sent" is asserted by no request)."""

from collections.abc import Iterator
from typing import Annotated, Any, Optional

import pytest

import coodie.aio
import coodie.sync
from coodie import Token
from coodie.connection import register, unregister
from coodie.exceptions import InvalidQuery
from coodie.fields import ClusteringKey, Discriminator, Indexed, PrimaryKey, Static
from coodie.query import QuerySetBase
from tests.unit.offline import Recorder

FAKE = "unit_distinct_session"
KS = "ks"


@pytest.fixture
def session() -> Iterator[Recorder]:
    recorder = Recorder(KS, FAKE)
    register(recorder)
    yield recorder
    unregister(FAKE)


def define(Document: Any) -> Any:
    class Reading(Document):
        sensor: Annotated[str, PrimaryKey()]
        day: Annotated[int, PrimaryKey(partition_key_index=1)]
        at: Annotated[int, ClusteringKey()]
        site: Annotated[Optional[str], Static()] = None
        model: Annotated[Optional[str], Static()] = None
        value: float = 0.0
        label: Annotated[str, Indexed()] = ""

        class Settings:
            keyspace = KS
            connection = FAKE

    class Tag(Document):
        name: Annotated[str, PrimaryKey()]
        hits: int = 0

        class Settings:
            keyspace = KS
            connection = FAKE

    return type("Models", (), {"Reading": Reading, "Tag": Tag})


FRONTS = {"sync": define(coodie.sync.Document), "aio": define(coodie.aio.Document)}
M = FRONTS["sync"]
READING = '"ks"."reading"'


@pytest.fixture(params=["sync", "aio"])
def models(request: pytest.FixtureRequest) -> Any:
    return FRONTS[request.param]


async def wait(value: Any) -> Any:
    return await value if hasattr(value, "__await__") else value


# -- statement text ------------------------------------------------------------------------------


def test_distinct_selects_the_partition_key(session: Recorder) -> None:
    assert str(M.Reading.objects().distinct()) == f'SELECT DISTINCT "sensor", "day" FROM {READING}'
    assert str(M.Tag.objects().distinct()) == 'SELECT DISTINCT "name" FROM "ks"."tag"'
    assert session.untouched


def test_distinct_adds_the_static_columns_named_in_table_order(session: Recorder) -> None:
    expected = f'SELECT DISTINCT "sensor", "day", "site", "model" FROM {READING}'
    assert str(M.Reading.objects().distinct("model", "site")) == expected
    assert str(M.Reading.objects().distinct("day", "site", "sensor", "model")) == expected


def test_distinct_with_filters_and_limit(session: Recorder) -> None:
    qs = M.Reading.find(sensor__in=["a", "b"], day=3).distinct().limit(2)
    assert str(qs) == (
        f'SELECT DISTINCT "sensor", "day" FROM {READING} WHERE "sensor" IN ? AND "day" = ? LIMIT ?'
    )
    tokens = M.Reading.find(pk__token__gt=Token("a", 1)).distinct("site")
    assert str(tokens) == (
        f'SELECT DISTINCT "sensor", "day", "site" FROM {READING} '
        'WHERE token("sensor", "day") > token(?, ?)'
    )
    static = M.Reading.find(site="north").allow_filtering().distinct()
    assert str(static).endswith('WHERE "site" = ? ALLOW FILTERING')


def test_distinct_count_counts_partitions(session: Recorder) -> None:
    qs = M.Reading.find(sensor__in=["a"], day__in=[1, 2]).distinct("site")
    _, text, params = qs._statement(count=True)
    assert text == (
        f'SELECT DISTINCT "sensor", "day", COUNT(*) FROM {READING} '
        'WHERE "sensor" IN ? AND "day" IN ?'
    )
    assert params == [["a"], [1, 2]]
    plain = M.Reading.objects()._statement(count=True)[1]
    assert plain == f"SELECT COUNT(*) FROM {READING}"


def test_values_list_of_a_distinct_queryset(session: Recorder) -> None:
    flat = M.Reading.objects().distinct().values_list("sensor", flat=True)
    # SELECT DISTINCT needs the whole partition key: day is selected, not returned.
    assert str(flat) == f'SELECT DISTINCT "sensor", "day" FROM {READING}'
    assert flat.row_converter()([("a", 1), ("b", 2)]) == ["a", "b"]
    site = M.Reading.objects().values_list("site", "sensor").distinct()
    assert str(site) == f'SELECT DISTINCT "site", "sensor", "day" FROM {READING}'
    assert site.row_converter()([("n", "a", 1)]) == [("n", "a")]
    every = M.Reading.objects().distinct("site").values_list()
    assert str(every) == f'SELECT DISTINCT "sensor", "day", "site" FROM {READING}'
    assert every.row_converter()([("a", 1, None)]) == [("a", 1, None)]


def test_distinct_documents_hold_the_selected_columns_only(session: Recorder) -> None:
    qs = M.Reading.objects().distinct("site")
    (doc,) = qs.row_converter()([("a", 1, "north")])
    assert (doc.sensor, doc.day, doc.site) == ("a", 1, "north")
    assert doc.at is None and doc.value is None and doc.model is None


def test_values_list_without_names_is_unchanged_without_distinct(session: Recorder) -> None:
    qs = M.Tag.objects().values_list()
    assert str(qs) == 'SELECT "name", "hits" FROM "ks"."tag"'
    assert qs.row_converter()([("x", 3)]) == [("x", 3)]


# -- refusals, before any I/O ---------------------------------------------------------------------


@pytest.mark.parametrize(("name", "kind"), [("at", "clustering"), ("value", "regular")])
def test_distinct_of_a_column_that_is_not_per_partition(
    session: Recorder, models: Any, name: str, kind: str
) -> None:
    with pytest.raises(InvalidQuery) as info:
        models.Reading.objects().distinct(name)
    assert str(info.value) == (
        f"Reading: distinct() cannot select {name}: SELECT DISTINCT reads one row per "
        "partition, so it selects only partition key columns (sensor, day) and static "
        f"columns (site, model), and Reading.{name} is a {kind} column. Drop {name} from "
        "distinct(), or read the rows without distinct()"
    )
    assert session.untouched


def test_distinct_on_a_table_without_static_columns(models: Any) -> None:
    with pytest.raises(InvalidQuery, match=r"static columns \(none in this table\)"):
        models.Tag.objects().distinct("hits")


def test_distinct_of_an_unknown_column(models: Any) -> None:
    with pytest.raises(InvalidQuery, match="Reading has no column 'sit'; did you mean 'site'"):
        models.Reading.objects().distinct("sit")


REFUSED = {
    "clustering filter": (
        lambda m: m.Reading.find(sensor="a", day=1, at=3).distinct(),
        "Reading: distinct() cannot filter on at (Reading.at is a clustering column): SELECT "
        "DISTINCT filters only on the partition key (=, __in, pk__token ranges) and static "
        "columns. Drop that filter, or read the rows without distinct()",
    ),
    "regular filter": (
        lambda m: m.Reading.find(value=1.0).allow_filtering().distinct(),
        "Reading: distinct() cannot filter on value (Reading.value is a regular column)",
    ),
    "indexed filter": (
        lambda m: m.Reading.find(label="x").distinct(),
        "Reading: distinct() cannot filter on label (Reading.label is a regular column)",
    ),
    "order_by": (
        lambda m: m.Reading.find(sensor="a", day=1).order_by("at").distinct(),
        "Reading: distinct() and order_by() do not combine: SELECT DISTINCT returns one row "
        "per partition, in token order, and cannot sort them; sort client side",
    ),
    "per_partition_limit": (
        lambda m: m.Reading.objects().distinct().per_partition_limit(1),
        "Reading: distinct() and per_partition_limit() do not combine",
    ),
    "only": (
        lambda m: m.Reading.objects().only("value").distinct(),
        "Reading: distinct() and only()/defer() do not combine: distinct() selects the "
        "partition key and the static columns it names; name them in distinct(...) instead",
    ),
    "values_list": (
        lambda m: m.Reading.objects().distinct().values_list("sensor", "value"),
        "Reading: values_list() of a distinct() queryset cannot select value: SELECT DISTINCT "
        "reads one row per partition, so it selects only partition key columns (sensor, day) "
        "and static columns (site, model), and Reading.value is a regular column. Drop value "
        "from values_list(), or read the rows without distinct()",
    ),
    "partly restricted partition key": (
        lambda m: m.Reading.find(sensor="a").distinct(),
        "Reading: this query needs ALLOW FILTERING because the partition key (sensor, day) is "
        "only partly restricted",
    ),
}


@pytest.mark.parametrize("terminal", ["all", "first", "count", "paginate", "get"])
@pytest.mark.parametrize("case", list(REFUSED))
async def test_distinct_refusals_send_nothing(
    session: Recorder, models: Any, case: str, terminal: str
) -> None:
    build, message = REFUSED[case]
    qs = build(models)
    call = getattr(qs, terminal)
    with pytest.raises(InvalidQuery) as info:
        await wait(call(10) if terminal == "paginate" else call())
    assert str(info.value).startswith(message)
    assert session.untouched


def test_distinct_scan_refuses_the_same(session: Recorder) -> None:
    with pytest.raises(InvalidQuery, match="distinct\\(\\) cannot filter on value"):
        M.Reading.find(value=1.0).allow_filtering().distinct().scan_pages()
    assert session.untouched


def test_distinct_is_a_queryset_method_of_both_fronts() -> None:
    assert coodie.sync.QuerySet.distinct is QuerySetBase.distinct
    assert coodie.aio.QuerySet.distinct is QuerySetBase.distinct


def define_pets(Document: Any) -> Any:
    class Pet(Document):
        owner: Annotated[str, PrimaryKey()]
        name: Annotated[str, ClusteringKey()]
        kind: Annotated[str, Discriminator()] = ""

        class Settings:
            keyspace = KS
            connection = FAKE
            name = "pet"

    class Cat(Pet):
        lives: int = 9

        class Settings:
            discriminator = "cat"

    return Pet, Cat


PET, CAT = define_pets(coodie.sync.Document)


def test_distinct_of_a_hierarchy(session: Recorder) -> None:
    # The base reads the partitions of every kind; a subclass cannot keep only its own
    # (SELECT DISTINCT cannot filter on the regular discriminator column).
    assert str(PET.objects().distinct()) == 'SELECT DISTINCT "owner" FROM "ks"."pet"'
    with pytest.raises(InvalidQuery) as info:
        CAT.find(owner="ann").distinct().all()
    assert str(info.value) == (
        "Cat: distinct() cannot keep only the partitions of kind='cat': SELECT DISTINCT "
        "filters only on the partition key and static columns, and kind is a regular "
        "column; use the base model's queryset, whose distinct() reads the partitions of "
        "every kind"
    )
    assert session.untouched
