"""Vectors (Cassandra 5.0): ``vector<float, N>`` fields, an SAI vector index with a
similarity function, and nearest-neighbour queries (issue 6, B4)."""

from __future__ import annotations

import uuid
from typing import Annotated, Any, Optional

import pytest

from coodie.connection import Connection
from coodie.exceptions import DefinitionError, InvalidQuery, ValidationError
from coodie.fields import Indexed as Index
from coodie.fields import PrimaryKey, Vector
from tests.integration.conftest import Api

SAI_COSINE = Index(using="sai", options={"similarity_function": "cosine"})


def define(Document: Any) -> Any:
    class Doc(Document):
        id: Annotated[str, PrimaryKey()]
        topic: Annotated[str, Index(using="sai")] = ""
        embedding: Annotated[Optional[list[float]], Vector(3), SAI_COSINE] = None

        class Settings:
            name = "vec_doc"

    return Doc


@pytest.fixture
async def Doc(api: Api) -> Any:
    model = define(api.Document)
    await api.wait(model.sync_table())
    return model


async def test_vectors_round_trip_and_order_by_similarity(
    api: Api, Doc: Any, connection: Connection, keyspace: str
) -> None:
    rows = connection.session.execute(
        "SELECT type FROM system_schema.columns WHERE keyspace_name = %s "
        "AND table_name = 'vec_doc' AND column_name = 'embedding'",
        (keyspace,),
    )
    assert rows.one().type == "vector<float, 3>"
    index = connection.session.execute(
        "SELECT options FROM system_schema.indexes WHERE keyspace_name = %s "
        "AND table_name = 'vec_doc' AND index_name = 'vec_doc_embedding_idx'",
        (keyspace,),
    ).one()
    assert index.options["similarity_function"] == "cosine"
    topic = uuid.uuid4().hex[:8]
    points = {"x": [1.0, 0.0, 0.0], "y": [0.0, 1.0, 0.0], "xy": [0.7, 0.7, 0.0]}
    for key, vector in points.items():
        await api.wait(Doc(id=f"{topic}-{key}", topic=topic, embedding=vector).save())
    stored = await api.wait(Doc.get(id=f"{topic}-xy"))
    assert stored.embedding == pytest.approx([0.7, 0.7, 0.0], rel=1e-6)
    nearest = await api.wait(
        Doc.find(topic=topic).order_by_ann("embedding", [1.0, 0.1, 0.0]).limit(2).all()
    )
    assert [d.id for d in nearest] == [f"{topic}-x", f"{topic}-xy"]
    # A small page size still returns the k nearest.
    paged = Doc.find(topic=topic).order_by_ann("embedding", [0.0, 1.0, 0.0]).limit(3)
    found = await api.wait(paged.fetch_size(1).all())
    assert len(found) == 3 and found[0].id == f"{topic}-y"


async def test_bad_vectors_fail_before_io(api: Api, Doc: Any) -> None:
    with pytest.raises(ValidationError, match=r"holds exactly 3 floats, not 2"):
        await api.wait(Doc(id="a", embedding=[1.0, 2.0]).save())
    with pytest.raises(InvalidQuery, match=r"needs limit\(k\)"):
        await api.wait(Doc.objects().order_by_ann("embedding", [1.0, 0.0, 0.0]).all())
    with pytest.raises(InvalidQuery, match="needs a Vector"):
        Doc.objects().order_by_ann("topic", [1.0])
    with pytest.raises(ValidationError, match="holds exactly 3 floats"):
        Doc.objects().order_by_ann("embedding", [1.0])

    class Unindexed(api.Document):  # type: ignore[name-defined,misc]
        id: Annotated[str, PrimaryKey()]
        v: Annotated[Optional[list[float]], Vector(2)] = None

    with pytest.raises(InvalidQuery, match="needs an SAI index on the vector"):
        await api.wait(Unindexed.objects().order_by_ann("v", [1.0, 0.0]).limit(1).all())
    with pytest.raises(DefinitionError, match=r"Vector\(2\) applies to list\[float\]"):

        class Wrong(api.Document):  # type: ignore[name-defined,misc]
            id: Annotated[str, PrimaryKey()]
            v: Annotated[list[int], Vector(2)] = [0, 0]
