"""A resource bound to the contract operations of one path (one version of one resource).

    bind(LOCATION, "/public-api/resources/locations/v2.0")
    bind(ZONE, "/public-api/resources/locations/v2.0/{location}/charging-zones",
         parents={"location": Parent("location_id", LOCATION)})

finds the contract's operations at that path (GET/POST) and at `path/{id}` (GET/PATCH/PUT/
DELETE) and serves them with the generic operations of `cpms.resources.crud`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cpms.api.call import Call
from cpms.contract import Operation, load_contract
from cpms.resources import crud
from cpms.resources.resource import Resource
from cpms.resources.shape import Shaper, compile_shaper
from cpms.resources.view import IDENTITY, View


@dataclass(frozen=True)
class Parent:
    """A path parameter naming the resource this one is nested in.

    `column` holds the parent's id in this resource's table. It is None for an outer parent
    reached through an inner one: a connector at /charge-points/{cp}/evses/{evse}/connectors
    stores only its EVSE; that the EVSE belongs to charge point {cp} is checked on the EVSE.
    """

    column: str | None
    resource: Resource


@dataclass
class Binding:
    resource: Resource
    path: str
    view: View = IDENTITY
    parents: dict[str, Parent] = field(default_factory=dict)
    item_param: str | None = None
    _shapers: dict[str, Shaper] = field(default_factory=dict)
    _envelopes: dict[str, bool] = field(default_factory=dict)

    def scope(self, call: Call) -> list[Any]:
        table = self.resource.table
        return [table.c[link.column] == call.path[param] for param, link in self.parents.items() if link.column]

    def scope_values(self, call: Call) -> dict[str, int]:
        return {link.column: call.path[param] for param, link in self.parents.items() if link.column}

    def parent_ids(self, call: Call) -> dict[str, int]:
        return {param: call.path[param] for param in self.parents}

    def shape(self, call: Call, doc: dict[str, Any]) -> dict[str, Any]:
        """`doc` as the operation answers it. `doc` is taken over (the version's mapping may
        change it in place): shape a document last, once, then drop it."""
        return self.shape_all(call, [doc])[0]

    def shape_all(self, call: Call, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """`shape` for a page of documents: what depends only on the request is worked out once."""
        op = call.op
        shaper = self._shapers.get(op.operation_id)
        if shaper is None:
            shaper = self._shapers[op.operation_id] = compile_shaper(item_schema(op))
        to_wire = self.view.to_wire
        requested = call.query.get("include") or ()
        unrequested = [name for name in op.include_names if name not in requested]
        out = []
        for doc in docs:
            wire = to_wire(doc, owned=True)
            for name in unrequested:
                wire.pop(name, None)
            out.append(shaper(wire))
        return out

    def envelope(self, call: Call, item: dict[str, Any]) -> dict[str, Any]:
        """One item as the operation answers it: `{"data": item}`, or bare where the contract says so."""
        wrapped = self._envelopes.get(call.op.operation_id)
        if wrapped is None:
            wrapped = self._envelopes[call.op.operation_id] = _wrapped(call.op)
        return {"data": item} if wrapped else item


def answer_status(op: Operation) -> int:
    """The 2xx status that answers with the resource itself.

    Usually the operation's only success status; where a 200 answers something else (POST
    payment-methods: 200 is a payment processor's redirect, 201 the created method), the status
    whose answer carries `data`.
    """
    from cpms.contract.schema import merge_all_of

    for code in sorted(int(c) for c in op.responses if c.startswith("2")):
        schema = op.response_schema(code)
        if schema and "data" in (merge_all_of(schema).get("properties") or {}):
            return code
    return op.success_status


def _success_schema(op: Operation) -> dict[str, Any] | None:
    from cpms.contract.schema import merge_all_of

    schema = op.response_schema(answer_status(op))
    return merge_all_of(schema) if schema else None


def _wrapped(op: Operation) -> bool:
    schema = _success_schema(op)
    return not (schema and schema.get("properties") and "data" not in schema["properties"])


def item_schema(op: Operation) -> dict[str, Any] | None:
    """The schema of one item in the operation's success response (`data`, `data[]` or bare)."""
    schema = _success_schema(op)
    if not schema:
        return None
    from cpms.contract.schema import merge_all_of

    if not _wrapped(op):
        return schema
    data = schema.get("properties", {}).get("data")
    if not data:
        return None
    data = merge_all_of(data)
    if data.get("type") == "array":
        return data.get("items")
    return data


KINDS = {("collection", "GET"): crud.list_, ("collection", "POST"): crud.create,
         ("item", "GET"): crud.read, ("item", "PATCH"): crud.update, ("item", "PUT"): crud.update,
         ("item", "DELETE"): crud.delete}


def operations_at(path: str) -> list[tuple[Operation, str, str | None]]:
    """(operation, 'collection'|'item', item parameter) for the contract operations of `path`."""
    found = []
    for op in load_contract().operations:
        if op.path == path:
            found.append((op, "collection", None))
        elif op.path.startswith(path + "/{") and op.path.endswith("}") and "/" not in op.path[len(path) + 1:]:
            found.append((op, "item", op.path[len(path) + 2:-1]))
    return found
