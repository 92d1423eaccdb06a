"""Column names that differ from field names (``DbName``, cqlengine's ``db_field``)
in every statement, filter, index and schema comparison, on the node (issue 6, B2)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Optional

import pytest
from pydantic import Field

from coodie.connection import Connection
from coodie.exceptions import DefinitionError
from coodie.fields import ClusteringKey, DbName, Indexed, PrimaryKey
from tests.integration.conftest import Api


def define(Document: Any) -> Any:
    class Message(Document):
        box: Annotated[str, PrimaryKey(), DbName("Mailbox")]
        at: Annotated[int, ClusteringKey(order="DESC"), DbName("order")]
        sender: Annotated[str, DbName("from"), Indexed()] = ""
        to: Annotated[list[str], DbName("select")] = Field(default_factory=list)
        subject: Optional[str] = None

        class Settings:
            name = "names_message"

    return Message


@pytest.fixture
async def Message(api: Api) -> Any:
    model = define(api.Document)
    await api.wait(model.sync_table())
    return model


async def test_the_table_has_the_column_names(
    api: Api, Message: Any, connection: Connection, keyspace: str
) -> None:
    rows = connection.session.execute(
        "SELECT column_name, kind, type FROM system_schema.columns "
        "WHERE keyspace_name = %s AND table_name = 'names_message'",
        (keyspace,),
    )
    assert {(r.column_name, r.kind) for r in rows} == {
        ("Mailbox", "partition_key"),
        ("order", "clustering"),
        ("from", "regular"),
        ("select", "regular"),
        ("subject", "regular"),
    }
    index = connection.session.execute(
        "SELECT index_name, options FROM system_schema.indexes "
        "WHERE keyspace_name = %s AND table_name = 'names_message'",
        (keyspace,),
    ).one()
    assert (index.index_name, index.options["target"]) == ("names_message_from_idx", '"from"')
    assert await api.wait(Message.sync_table()) == []  # nothing differs


async def test_every_operation_uses_the_column_names(
    api: Api, Message: Any, connection: Connection, keyspace: str
) -> None:
    box = f"b-{uuid.uuid4().hex[:8]}"
    first = await api.wait(Message(box=box, at=1, sender="ann", to=["bob"]).save())
    await api.wait(Message(box=box, at=2, sender="cid", subject="hi").save())
    raw = connection.session.execute(
        f'SELECT "from", "select" FROM "{keyspace}".names_message '
        'WHERE "Mailbox" = %s AND "order" = 1',
        (box,),
    ).one()
    assert (raw[0], raw[1]) == ("ann", ["bob"])
    assert await api.wait(Message.get(box=box, at=1)) == first
    found = await api.wait(Message.find(box=box).order_by("at").all())
    assert [m.at for m in found] == [1, 2]
    assert await api.wait(Message.find(sender="cid").values_list("at", flat=True).all()) == [2]
    first.to.append("dan")
    first.subject = "re"
    await api.wait(first.save())
    await api.wait(first.update(sender="eve", to__append=["fay"]))
    await api.wait(Message.find(box=box, at=2).update(subject="bye"))
    again = await api.wait(Message.get(box=box, at=1))
    assert (again.sender, again.to, again.subject) == ("eve", ["bob", "dan", "fay"], "re")
    taken = await api.wait(Message(box=box, at=1, sender="zed").insert())
    assert not taken.applied and taken.existing.sender == "eve"
    await api.wait(Message.find(box=box, at__in=[1, 2]).delete())
    assert await api.wait(Message.find(box=box).count()) == 0


async def test_field_alias_and_clashing_names_are_refused(api: Api) -> None:
    with pytest.raises(DefinitionError, match=r"name the column with .*DbName\('from'\)"):

        class Aliased(api.Document):  # type: ignore[name-defined,misc]
            id: Annotated[int, PrimaryKey()]
            sender: str = Field("", alias="from")

    with pytest.raises(DefinitionError, match=r"column 'a' is also the column of Clash\.a"):

        class Clash(api.Document):  # type: ignore[name-defined,misc]
            a: Annotated[int, PrimaryKey()]
            b: Annotated[int, DbName("a")] = 0

    with pytest.raises(DefinitionError, match="not a valid CQL identifier"):

        class BadName(api.Document):  # type: ignore[name-defined,misc]
            a: Annotated[int, PrimaryKey()]
            b: Annotated[int, DbName("no spaces")] = 0
