"""Stub server generated from openapi.yaml: one handler per operation, items kept in memory.

Keep the routes in step with the spec; tests/test_contract.py fails when they drift apart.
"""

import uuid

from fastapi import FastAPI, HTTPException, Query, Response
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

app = FastAPI(title="${{ values.name }} API", version="0.1.0")


class NewItem(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class Item(NewItem):
    id: str


# Replace with real storage; a dict keeps the stub runnable.
ITEMS: dict[str, Item] = {}


@app.get("/healthz", operation_id="healthz", response_class=PlainTextResponse)
def healthz() -> str:
    return "ok"


@app.get("/items", operation_id="listItems")
def list_items(limit: int = Query(20, ge=1, le=100)) -> list[Item]:
    return list(ITEMS.values())[:limit]


@app.post("/items", operation_id="createItem", status_code=201)
def create_item(new: NewItem) -> Item:
    item = Item(id=uuid.uuid4().hex, **new.model_dump())
    ITEMS[item.id] = item
    return item


@app.get("/items/{itemId}", operation_id="getItem")
def get_item(itemId: str) -> Item:  # noqa: N803 - the spec's parameter name
    if itemId not in ITEMS:
        raise HTTPException(status_code=404, detail=f"no item {itemId!r}")
    return ITEMS[itemId]


@app.delete("/items/{itemId}", operation_id="deleteItem", status_code=204)
def delete_item(itemId: str) -> Response:  # noqa: N803 - the spec's parameter name
    if ITEMS.pop(itemId, None) is None:
        raise HTTPException(status_code=404, detail=f"no item {itemId!r}")
    return Response(status_code=204)
