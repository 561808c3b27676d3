"""A user's invoice details: one set per user, kept in the shape its client chose.

The contract offers four shapes (flavours, depending on the invoicing an operator uses): the
general one (requireInvoice, invoiceType individual/company ...), one with a client type and
its contact (answered nested under `individual` / `company`), a person's name and address, and
an e-invoice one (invoiceType EInvoice/Company/Donation, carrier ...). cpms invoices nothing
itself, so it keeps whichever shape a client sends and answers in the same shape; a user
without details gets the general shape with no invoice required.

POST is create-or-update: details in the same shape are merged into the stored ones, another
shape replaces them. Each write announces `user.invoiceDetails.changed` (created / updated).
A singleton per user has no collection or id, so these two operations are written here rather
than bound to the generic CRUD.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from jsonschema import Draft4Validator
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.clock import iso
from cpms.contract import load_contract
from cpms.contract.schema import compile_validator, field_errors, fill_defaults
from cpms.errors import Invalid, NotFound
from cpms.events import Event
from cpms.resources.shape import Shaper, compile_shaper, writable
from cpms.storage.tables.users import user_invoice_details, users

EVENT = "user.invoiceDetails.changed"
# the contract's alternatives, in its order
FLAVOURS = ("invoice", "client", "person", "einvoice")
DEFAULT = ("invoice", {"requireInvoice": False, "invoiceType": None})
# the client flavour's flat request fields, answered under the object its clientType names
CLIENT_FIELDS = {
    "individual": ("name", "email", "mobilePhoneNumber", "taxId", "country", "city", "postcode", "address"),
    "company": ("name", "email", "mobilePhoneNumber", "landlinePhoneNumber", "taxId", "country", "city",
                "postcode", "address"),
}


@cache
def _requests() -> list[tuple[dict[str, Any], Draft4Validator]]:
    alternatives = load_contract()["invoiceDetailsCreateOrUpdate"].body_schema["oneOf"]
    return [(alt, compile_validator(alt, "request")) for alt in alternatives]


@cache
def _shapers() -> list[Shaper]:
    return [compile_shaper(alt) for alt in load_contract()["invoiceDetailsRead"].responses["200"]["oneOf"]]


def flavour_of(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The first of the contract's shapes `body` fits, and the body reduced to that shape."""
    for flavour, (schema, validator) in zip(FLAVOURS, _requests()):
        if not field_errors(validator, body):
            return flavour, writable(schema, fill_defaults(schema, body))
    raise Invalid.field("body", "The invoice details fit none of the contract's shapes.")


def render(flavour: str, fields: dict[str, Any]) -> dict[str, Any]:
    """The stored details as the contract answers them."""
    doc = dict(fields)
    if flavour == "client":
        chosen = doc.get("clientType")
        doc = {"invoiceRequired": doc.get("invoiceRequired", False), "clientType": chosen,
               "individual": {}, "company": {}}
        if chosen in CLIENT_FIELDS:
            doc[chosen] = {name: fields.get(name) for name in CLIENT_FIELDS[chosen]}
    return _shapers()[FLAVOURS.index(flavour)](doc)


def _nul_fields(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, str):
        return [prefix or "body"] if "\x00" in value else []
    if isinstance(value, dict):
        return [f for k, v in value.items() for f in _nul_fields(v, f"{prefix}.{k}" if prefix else k)]
    return []


async def _user_exists(conn: AsyncConnection, user_id: int) -> None:
    if not 0 < user_id < 2**63 or (await conn.execute(select(users.c.id).where(users.c.id == user_id))).first() is None:
        raise NotFound(f"User {user_id} not found.")


@registry.operation("invoiceDetailsRead")
async def read(call: Call) -> Reply:
    user_id = call.path["user"]
    async with call.rt.db.read() as conn:
        await _user_exists(conn, user_id)
        row = (await conn.execute(select(user_invoice_details).where(user_invoice_details.c.user_id == user_id))).first()
    flavour, fields = (row.flavour, row.attrs) if row is not None else DEFAULT
    return Reply(render(flavour, fields), call.op.success_status)


@registry.operation("invoiceDetailsCreateOrUpdate")
async def create_or_update(call: Call) -> Reply:
    user_id, now = call.path["user"], call.rt.clock.now()
    flavour, fields = flavour_of(call.body if isinstance(call.body, dict) else {})
    bad = _nul_fields(fields)
    if bad:
        raise Invalid({name: [f"The {name} field must not contain NUL characters."] for name in bad})
    table = user_invoice_details
    async with call.rt.db.write() as tx:
        await _user_exists(tx.conn, user_id)
        row = (await tx.conn.execute(select(table).where(table.c.user_id == user_id))).first()
        same = row is not None and row.flavour == flavour
        if same:
            fields = {**row.attrs, **fields}
        if flavour == "invoice" and not (same and row.attrs.get("requireInvoice") == fields.get("requireInvoice")):
            fields["requireInvoiceLastUpdatedAt"] = iso(now)
        if row is None:
            await tx.conn.execute(insert(table).values(user_id=user_id, flavour=flavour, attrs=fields,
                                                       created_at=now, last_updated_at=now))
        else:
            await tx.conn.execute(update(table).where(table.c.id == row.id)
                                  .values(flavour=flavour, attrs=fields, last_updated_at=now))
        await tx.emit(Event(type=EVENT, entity="invoiceDetails", entity_id=user_id,
                            data={"action": "updated" if row is not None else "created", "userId": user_id},
                            at=now))
    return Reply(render(flavour, fields), call.op.success_status)
