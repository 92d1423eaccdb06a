"""The per-operation fast paths (issue 9) behave as the general paths they shortcut.

Each shortcut (a value taken as it is on update, range checks written inline in the
generated binders, a generated key binder, timestamps normalized by their marker) is
checked against what the general path does: the same values, the same errors naming
the model and field, raised before anything reaches the connection.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Annotated, Any, Optional

import pytest
from cassandra.query import UNSET_VALUE
from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    PrivateAttr,
    field_validator,
    model_validator,
)

import coodie.sync
from coodie.binding import key_binder
from coodie.connection import register, unregister
from coodie.document import loaded_row, set_loaded_row, table_of, table_schema
from coodie.exceptions import InvalidQuery, ValidationError
from coodie.fields import (
    BigInt,
    ClusteringKey,
    Discriminator,
    Frozen,
    Marker,
    PrimaryKey,
    SmallInt,
    Timestamp,
)
from coodie.usertype import UserType
from coodie.values import key_values, plain_fields
from tests.unit.offline import Recorder

FAKE = "unit_fast_paths"
UTC = dt.timezone.utc


@pytest.fixture
def session() -> Iterator[Recorder]:
    recorder = Recorder("ks", FAKE)
    register(recorder)
    yield recorder
    unregister(FAKE)


class Run(coodie.sync.Document):
    build: Annotated[str, PrimaryKey()]
    shard: Annotated[int, PrimaryKey(partition_key_index=1)]
    at: Annotated[dt.datetime, ClusteringKey()]
    status: str = "new"
    size: Annotated[int, SmallInt()] = 0
    big: Annotated[int, BigInt()] = 0
    tags: list[int] = Field(default_factory=list)
    ranks: set[Annotated[int, SmallInt()]] = Field(default_factory=set)
    counts: dict[str, int] = Field(default_factory=dict)
    by_id: dict[int, str] = Field(default_factory=dict)
    frozen: Annotated[list[int], Frozen()] = Field(default_factory=list)
    seen: dt.datetime = Field(default_factory=lambda: dt.datetime(2024, 1, 1, 0, 0, 0, 123456))
    when: Optional[dt.datetime] = None

    class Settings:
        connection = FAKE


def run(**changes: Any) -> Run:
    values: dict[str, Any] = {"build": "b", "shard": 1, "at": dt.datetime(2024, 5, 1, tzinfo=UTC)}
    return Run(**{**values, **changes})


# -- timestamps: normalized by their marker, defaults included --------------------------------


def test_timestamps_are_normalized_on_construction_assignment_and_defaults() -> None:
    doc = run(
        at=dt.datetime(2024, 5, 1, 1, 2, 3, 456789), when=dt.datetime(2024, 1, 1, 1, 1, 1, 1999)
    )
    assert doc.at == dt.datetime(2024, 5, 1, 1, 2, 3, 456000, tzinfo=UTC)
    assert doc.at.tzinfo is UTC and doc.when == dt.datetime(2024, 1, 1, 1, 1, 1, 1000, tzinfo=UTC)
    assert doc.seen == dt.datetime(2024, 1, 1, 0, 0, 0, 123000, tzinfo=UTC)  # default_factory
    plus_two = dt.timezone(dt.timedelta(hours=2))
    doc.when = dt.datetime(2024, 1, 1, 12, 0, 0, 999999, tzinfo=plus_two)
    assert doc.when == dt.datetime(2024, 1, 1, 10, 0, 0, 999000, tzinfo=UTC)
    assert doc.when.tzinfo is UTC


def test_an_explicit_timestamp_marker_normalizes_in_any_pydantic_model() -> None:
    from pydantic import BaseModel

    class Plain(BaseModel):
        at: Annotated[Optional[dt.datetime], Timestamp()] = None

    assert Plain(at=dt.datetime(2024, 1, 1, 0, 0, 0, 1500)).at == dt.datetime(
        2024, 1, 1, 0, 0, 0, 1000, tzinfo=UTC
    )
    assert Plain().at is None


def test_documents_without_private_attributes_keep_their_loaded_row() -> None:
    doc = run()
    assert doc.__pydantic_private__ is None and loaded_row(doc) is None and not doc.is_loaded
    row = tuple(table_schema(Run).insert_binder(doc.__dict__))
    set_loaded_row(doc, (table_schema(Run).columns, row))
    assert doc.is_loaded and doc.model_copy().is_loaded and loaded_row(doc)[1] == row  # type: ignore[index]


def test_documents_with_private_attributes_keep_them_and_their_loaded_row() -> None:
    class Private(coodie.sync.Document):
        id: Annotated[int, PrimaryKey()]
        _cache: dict[str, int] = PrivateAttr(default_factory=dict)

        class Settings:
            connection = FAKE

    doc = Private(id=1)
    doc._cache["x"] = 1
    assert not doc.is_loaded
    set_loaded_row(doc, (table_schema(Private).columns, (1,)))
    assert doc.is_loaded and doc._cache == {"x": 1}


# -- the insert binder: range checks inline, errors named, nothing sent --------------------------


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"size": 2**15}, "Run.size"),
        ({"tags": [1, 2**31]}, "Run.tags"),
        ({"ranks": {-(2**15) - 1}}, "Run.ranks"),
        ({"counts": {"a": 1, "b": -(2**31) - 1}}, "Run.counts"),
        ({"by_id": {2**31: "x"}}, "Run.by_id"),
        ({"frozen": [2**40]}, "Run.frozen"),
        ({"big": 2**63}, "Run.big"),
        ({"counts": {"a": "not a number"}}, "Run.counts"),
    ],
)
def test_values_out_of_range_changed_in_place_are_refused_before_io(
    session: Recorder, change: dict[str, Any], field: str
) -> None:
    doc = run()
    for name, value in change.items():  # in place: no validation on the way
        doc.__dict__[name] = value
    with pytest.raises(ValidationError) as err:
        doc.save()
    assert field in str(err.value) and session.untouched


def test_values_at_the_edges_of_their_range_are_written(session: Recorder) -> None:
    doc = run(
        size=-(2**15),
        big=2**63 - 1,
        tags=[2**31 - 1, -(2**31)],
        ranks={2**15 - 1},
        counts={"a": -(2**31)},
        by_id={2**31 - 1: "x"},
        frozen=[],
    )
    doc.save()
    ((_, params),) = session.executed
    columns = [c.name for c in table_schema(Run).columns]
    sent = dict(zip(columns, params, strict=True))
    assert sent["size"] == -(2**15) and sent["big"] == 2**63 - 1
    assert sent["tags"] == [2**31 - 1, -(2**31)] and sent["ranks"] == {2**15 - 1}
    assert sent["counts"] == {"a": -(2**31)} and sent["by_id"] == {2**31 - 1: "x"}
    assert sent["tags"] is not doc.tags  # a copy: the loaded row must not follow the document


# -- the key binder ----------------------------------------------------------------------------


def test_key_binder_matches_the_general_path_and_names_a_missing_key() -> None:
    schema = table_schema(Run)
    doc = run()
    assert key_binder(schema)(doc.__dict__) == key_values(schema, doc.__dict__)
    assert key_values(schema, doc.__dict__, partition_only=True) == ["b", 1]
    doc.__dict__["shard"] = None
    with pytest.raises(InvalidQuery, match=r"Run\.shard is part of the primary key and is None"):
        key_values(schema, doc.__dict__)
    doc.__dict__["shard"] = 2**31
    with pytest.raises(ValidationError, match=r"Run\.shard"):
        key_values(schema, doc.__dict__)


# -- update(): values taken as they are only where pydantic would return them unchanged ----------


class Checked(coodie.sync.Document):
    model_config = ConfigDict(str_strip_whitespace=True)

    id: Annotated[int, PrimaryKey()]
    name: str = ""


class Guarded(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    plain: str = ""
    short: Annotated[str, Field(max_length=3)] = ""
    lower: Annotated[str, AfterValidator(str.lower)] = ""
    upper: str = ""
    small: Annotated[int, SmallInt()] = 0
    fixed: str = Field(default="", frozen=True)
    at: Optional[dt.datetime] = None

    @field_validator("upper")
    @classmethod
    def shout(cls, value: str) -> str:
        return value.upper()

    class Settings:
        connection = FAKE


class WithModelValidator(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    name: str = ""

    @model_validator(mode="after")
    def refuse(self) -> WithModelValidator:
        if self.name == "no":
            raise ValueError("not that name")
        return self


def test_plain_fields_are_those_pydantic_returns_unchanged() -> None:
    assert plain_fields(Guarded) == {"id", "plain", "small", "at"}
    assert plain_fields(Checked) == frozenset()  # a setting that changes strings
    assert plain_fields(WithModelValidator) == frozenset()


def test_update_validates_what_pydantic_would(session: Recorder) -> None:
    doc = Guarded(id=1)
    set_loaded_row(doc, (table_schema(Guarded).columns, (1, "", "", "", "", 0, "", None)))
    for change, words in (
        ({"short": "four"}, "at most 3"),
        ({"small": 2**15}, "less than or equal to 32767"),
        ({"fixed": "x"}, "frozen"),
    ):
        with pytest.raises(ValidationError, match=words):
            doc.update(**change)
    assert session.untouched
    doc.update(
        upper="abc", plain="x", small=-5, at=dt.datetime(2024, 1, 1, 0, 0, 0, 5500), lower="AB"
    )
    assert doc.upper == "ABC" and doc.plain == "x" and doc.small == -5 and doc.lower == "ab"
    assert doc.at == dt.datetime(2024, 1, 1, 0, 0, 0, 5000, tzinfo=UTC)
    ((_, params),) = session.executed
    assert params[:5] == ["ABC", "x", -5, dt.datetime(2024, 1, 1, 0, 0, 0, 5000, tzinfo=UTC), "ab"]


# -- found by the adversarial pass of issue 9 ------------------------------------------------------


class Loose(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    at: dt.datetime = None  # type: ignore[assignment]  # accepted by pydantic as a default
    until: Optional[dt.datetime] = None
    stamp: dt.datetime = Field(
        default=dt.datetime(2020, 1, 1, 0, 0, 0, 123456), validate_default=False
    )
    times: list[dt.datetime] = Field(
        default_factory=lambda: [dt.datetime(2020, 1, 1, 0, 0, 0, 1500)]
    )
    _cache: dict[str, int] = PrivateAttr(default_factory=dict)

    @field_validator("until")
    @classmethod
    def before_2030(cls, value: dt.datetime) -> dt.datetime:
        if value >= dt.datetime(2030, 1, 1, tzinfo=UTC):  # would fail on None
            raise ValueError("too late")
        return value

    class Settings:
        connection = FAKE


def test_timestamp_defaults_are_normalized_without_validating_them() -> None:
    doc = Loose(id=1)  # "= None" of a non-Optional field, and a validator on a None default
    assert doc.at is None and doc.until is None
    assert doc.stamp == dt.datetime(
        2020, 1, 1, 0, 0, 0, 123000, tzinfo=UTC
    )  # validate_default=False
    assert doc.times == [dt.datetime(2020, 1, 1, 0, 0, 0, 1000, tzinfo=UTC)]


def test_private_attribute_factories_run_for_documents_built_without_init() -> None:
    from coodie.document import blank_document, hydrator

    schema = table_schema(Loose)
    row = tuple(None if v is UNSET_VALUE else v for v in schema.insert_binder(Loose(id=1).__dict__))
    read = hydrator(Loose, schema.columns)(row)
    assert read._cache == {} and blank_document(Loose)._cache == {}
    read._cache["x"] = 1
    assert Loose(id=2)._cache == {}


def test_a_deep_copy_of_a_saved_document_saves(session: Recorder) -> None:
    import copy

    doc = Loose(id=1)
    doc.save()  # "at" unset: UNSET_VALUE in the loaded row
    twin = copy.deepcopy(doc)
    twin.at = dt.datetime(2024, 1, 1, tzinfo=UTC)
    twin.save()
    _, (second, params) = session.executed
    assert second.startswith("UPDATE") and params[0] == dt.datetime(2024, 1, 1, tzinfo=UTC)
    assert twin.model_copy(deep=True).is_loaded


def test_an_iterator_set_without_validation_is_refused_not_consumed(session: Recorder) -> None:
    doc = Run.model_construct(
        build="b", shard=1, at=dt.datetime(2024, 5, 1, tzinfo=UTC), tags=iter([1, 2**31])
    )
    with pytest.raises((ValueError, ValidationError), match="outside the int range"):
        doc.save()
    assert session.untouched


class Pet(coodie.sync.Document):
    owner: Annotated[str, PrimaryKey()]
    kind: Annotated[str, Discriminator()] = ""

    class Settings:
        connection = FAKE


class Cat(Pet):
    toy: Optional[Toy] = None  # a forward reference: completed on first use

    class Settings:
        discriminator = "cat"


class Toy(UserType):
    label: str = ""


def test_a_subclass_completed_later_writes_its_discriminator(session: Recorder) -> None:
    cat = Cat(owner="ann", kind="dog", toy=Toy(label="mouse"))  # pydantic rebuilds Cat here
    assert cat.kind == "cat"
    cat.save()
    ((_, params),) = session.executed
    assert "cat" in params
    assert "toy" in {c.name for c in table_of(Pet).columns}  # registered in the hierarchy


class Lower(Marker):
    """An application's marker with its own validation."""

    def __get_pydantic_core_schema__(self, source: Any, handler: Any) -> Any:
        from pydantic_core import core_schema

        return core_schema.no_info_after_validator_function(str.lower, handler(source))


class Account(coodie.sync.Document):
    id: Annotated[int, PrimaryKey()]
    email: Annotated[str, Lower()] = ""
    seen: Annotated[Optional[dt.datetime], Timestamp()] = None

    class Settings:
        connection = FAKE


def test_update_runs_the_validation_of_an_applications_own_marker(session: Recorder) -> None:
    assert plain_fields(Account) == {"id", "seen"}
    doc = Account(id=1)
    set_loaded_row(doc, (table_schema(Account).columns, (1, "", None)))
    doc.update(email="C@X.COM")
    assert doc.email == "c@x.com"
    ((_, params),) = session.executed
    assert params[0] == "c@x.com"
