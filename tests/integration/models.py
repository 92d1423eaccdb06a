"""Models shared by the CRUD, query and batch tests, defined once per front."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated, Any, Optional

from pydantic import Field

from coodie.fields import ClusteringKey, Counter, Indexed, PrimaryKey


def define(Document: Any) -> Any:
    class Item(Document):
        shop: Annotated[str, PrimaryKey()]
        sku: Annotated[int, ClusteringKey(order="DESC")]
        name: Annotated[str, Indexed()] = ""
        price: float = 0.0
        note: Optional[str] = None
        tags: Annotated[list[str], Indexed()] = Field(default_factory=list)
        labels: set[str] = Field(default_factory=set)
        stock: dict[str, int] = Field(default_factory=dict)
        created: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

        class Settings:
            name = "crud_item"

    class Pair(Document):
        a: Annotated[str, PrimaryKey()]
        b: Annotated[int, PrimaryKey(partition_key_index=1)]
        c: Annotated[int, ClusteringKey()]
        d: Annotated[int, ClusteringKey(index=1)]
        value: int = 0

        class Settings:
            name = "crud_pair"

    class Hits(Document):
        page: Annotated[str, PrimaryKey()]
        views: Annotated[int, Counter()] = 0
        likes: Annotated[int, Counter()] = 0

        class Settings:
            name = "crud_hits"

    return type("Models", (), {"Item": Item, "Pair": Pair, "Hits": Hits})


__all__ = ["define"]
