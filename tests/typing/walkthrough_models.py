"""Checked by ``mypy --strict`` (never executed): the walkthrough's models and
operations type-check, and ``get()``/``find()`` return the model's own type."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Annotated, Optional
from uuid import UUID, uuid1, uuid4

from pydantic import Field
from typing_extensions import assert_type

from coodie import aio
from coodie.exceptions import DocumentNotFound
from coodie.fields import BigInt, ClusteringKey, Indexed, PrimaryKey, TimeUUID
from coodie.query import Page
from coodie.sync import BatchQuery, Document, QuerySet, init_coodie
from coodie.writes import InsertResult


class ArgusUser(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    username: Annotated[str, Indexed()] = ""
    full_name: str = ""
    email: Annotated[str, Indexed()] = ""
    registration_date: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))
    roles: list[str] = Field(default_factory=list)
    picture_id: Optional[UUID] = None
    api_token: Annotated[Optional[str], Indexed()] = None

    class Settings:
        name = "argus_user"
        keyspace = "argus"


class ArgusTestRun(Document):
    build_id: Annotated[str, PrimaryKey()]
    start_time: Annotated[datetime, ClusteringKey(order="DESC")] = Field(
        default_factory=lambda: datetime.now(timezone.utc)
    )
    status: str = "created"
    heartbeat: int = 0
    end_time: datetime | None = None


class ArgusNotification(Document):
    receiver: Annotated[UUID, PrimaryKey()]
    id: Annotated[UUID, TimeUUID(), ClusteringKey(order="DESC")] = Field(default_factory=uuid1)
    title: str = ""


class ArgusComment(Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    posted_at: Annotated[int, BigInt(), ClusteringKey(order="DESC")] = 0
    mentions: list[UUID] = Field(default_factory=list)
    reactions: dict[str, int] = Field(default_factory=dict)


class AsyncEvent(aio.Document):
    id: Annotated[UUID, PrimaryKey()] = Field(default_factory=uuid4)
    body: str = ""


def operations(user_id: UUID) -> None:
    init_coodie(hosts=["127.0.0.1"], keyspace="argus")
    statements: list[str] = ArgusUser.sync_table()
    assert statements is not None
    try:
        user = ArgusUser.get(id=user_id)
    except DocumentNotFound:
        user = ArgusUser(id=user_id, username="alice", roles=["ROLE_USER"])
        user.save()
    assert_type(user, ArgusUser)

    runs = ArgusTestRun.find(build_id="nightly-x86").limit(10).all()
    assert_type(runs, list[ArgusTestRun])
    run = ArgusTestRun.find(build_id="nightly-x86").limit(1).all()[0]
    run.update(status="running", heartbeat=int(time.time()))
    assert_type(ArgusTestRun.find(build_id="x").order_by("-start_time"), QuerySet[ArgusTestRun])
    assert_type(ArgusTestRun.find_one(build_id="x"), Optional[ArgusTestRun])
    assert_type(ArgusTestRun.find(build_id="x").paginate(10), Page[ArgusTestRun])
    for r in ArgusTestRun.find(build_id="x"):
        assert_type(r, ArgusTestRun)

    with BatchQuery() as batch:
        ArgusComment(posted_at=1).save(batch=batch)

    feed = ArgusNotification.find(receiver=user_id).limit(20).all()
    assert_type(feed, list[ArgusNotification])
    result = ArgusComment(posted_at=2).insert()
    assert_type(result, InsertResult[ArgusComment])
    assert_type(ArgusComment.create(posted_at=3), ArgusComment)


async def async_operations() -> None:
    event = await AsyncEvent.get(id=uuid4())
    assert_type(event, AsyncEvent)
    events = await AsyncEvent.find(body="x").allow_filtering().all()
    assert_type(events, list[AsyncEvent])
    async for e in AsyncEvent.find(body="x").allow_filtering():
        assert_type(e, AsyncEvent)
    async with aio.BatchQuery() as batch:
        await AsyncEvent(body="y").save(batch=batch)
    assert_type(await AsyncEvent(body="z").save(), AsyncEvent)
