"""A user's payment methods, without a payment processor.

The contract adds a method through a processor: a card (and a tokenized SEPA mandate) is
tokenized by the processor's own page, answered with 200 and its redirect or setup intent, and
finished with the processor's `transactionId`. cpms installs no processor, so those requests are
refused with the contract's own 422 "Payment processor not installed"; nothing is pretended.
What needs no processor is kept: a bank transfer method (the user pays the operator's invoices by
SEPA transfer), answered 201 as type `bank_transfer`. No card number or IBAN is ever stored here;
the method's name shows at most the last four characters of the user's own IBAN.

Exactly one method of a user is the default while it has any: the first one added is, choosing
another moves it, the default cannot be unset while it is the only method, and deleting the
default passes it to the oldest remaining method.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from cpms.api.registry import registry
from cpms.clock import iso
from cpms.errors import Invalid
from cpms.events import Event
from cpms.resources.binding import Parent
from cpms.resources.resource import Resource, WriteContext
from cpms.resources.store import Store
from cpms.resources.users import PAYMENT_METHOD_EVENT, USER
from cpms.resources.view import View
from cpms.storage.db import Tx
from cpms.storage.tables.users import id_tags, payment_methods, users

NO_PROCESSOR = "Payment processor not installed"
INVALID = "The given data was invalid."
SOLE_DEFAULT = "Can not set this payment method as non default. Please add another payment method."
BANK_TRANSFER_NAMES = {"sepa": "SEPA bank transfer", "pse": "PSE bank transfer"}


async def _user_iban(tx: Tx, user_id: int) -> str | None:
    attrs = (await tx.conn.execute(select(users.c.attrs).where(users.c.id == user_id))).scalar_one_or_none() or {}
    iban = (attrs.get("bankDetails") or {}).get("bankIban")
    return iban.replace(" ", "") if isinstance(iban, str) and iban.strip() else None


async def bank_transfer_only(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """Turn a request into a bank transfer method, or refuse what only a processor can do."""
    user_id = ctx.parents["user"]
    if doc.pop("transactionId", None) is not None:
        raise Invalid({"transactionId": ["There is no payment processor transaction to complete: this cpms "
                                         "server has no payment processor installed."]}, message=NO_PROCESSOR)
    kind = doc.pop("tokenizedType", None) or ("bank_transfer" if doc.get("bankTransferType") else "card")
    if kind != "bank_transfer":
        raise Invalid({"tokenizedType": ["A card is tokenized by a payment processor and this cpms server has none "
                                         "installed; a bank transfer method (tokenizedType bank_transfer) needs none."]},
                      message=NO_PROCESSOR)
    transfer = doc.pop("bankTransferType", None) or "sepa"
    taken = (await tx.conn.execute(select(payment_methods.c.id).where(
        payment_methods.c.user_id == user_id, payment_methods.c.type == "bank_transfer",
        payment_methods.c.bank_transfer_type == transfer))).first()
    if taken is not None:
        raise Invalid({"bankTransferType": [f"The user already has a {transfer} bank transfer payment method."]},
                      message=INVALID)
    has_any = (await tx.conn.execute(select(payment_methods.c.id).where(payment_methods.c.user_id == user_id)
                                     .limit(1))).first() is not None
    iban = await _user_iban(tx, user_id)
    name = BANK_TRANSFER_NAMES[transfer] + (f", IBAN ending {iban[-4:]}" if iban and len(iban) > 4 else "")
    doc.update({"type": "bank_transfer", "bankTransferType": transfer, "name": name,
                "default": not has_any, "addedAt": iso(ctx.now)})


async def _announce(tx: Tx, method_ids: list[int], user_id: int, ctx: WriteContext) -> None:
    for method_id in method_ids:
        await tx.emit(Event(type=PAYMENT_METHOD_EVENT, entity="paymentMethod", entity_id=method_id,
                            data={"action": "updated", "userId": user_id}, at=ctx.now))


async def _set_default(tx: Tx, user_id: int, method_id: int, ctx: WriteContext) -> None:
    """`method_id` becomes the user's only default; the others that change are announced."""
    table = payment_methods
    others = (await tx.conn.execute(select(table.c.id).where(
        table.c.user_id == user_id, table.c.id != method_id, table.c.is_default.is_(True)))).scalars().all()
    if others:
        await tx.conn.execute(update(table).where(table.c.id.in_(others)).values(is_default=False, last_updated_at=ctx.now))
    changed = (await tx.conn.execute(update(table).where(table.c.id == method_id, table.c.is_default.is_(False))
                                     .values(is_default=True, last_updated_at=ctx.now))).rowcount
    await _announce(tx, [*others, *([method_id] if changed else [])], user_id, ctx)


async def _oldest_other(tx: Tx, user_id: int, method_id: int) -> int | None:
    return (await tx.conn.execute(select(payment_methods.c.id).where(
        payment_methods.c.user_id == user_id, payment_methods.c.id != method_id)
        .order_by(payment_methods.c.id).limit(1))).scalar_one_or_none()


async def keep_a_default(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """Unsetting the default passes it on; with no other method it cannot be unset."""
    if ctx.old and ctx.old.get("default") and doc.get("default") is False:
        if await _oldest_other(tx, doc["userId"], doc["id"]) is None:
            raise Invalid({"default": ["This is the user's only payment method, so it stays the default."]},
                          message=SOLE_DEFAULT)


async def one_default(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    if doc.get("default"):
        await _set_default(tx, doc["userId"], doc["id"], ctx)
    elif ctx.old and ctx.old.get("default"):
        successor = await _oldest_other(tx, doc["userId"], doc["id"])
        if successor is not None:
            await _set_default(tx, doc["userId"], successor, ctx)


async def before_delete(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    """The default passes to the oldest other method; id tags paying with this one lose it."""
    if doc.get("default"):
        successor = await _oldest_other(tx, doc["userId"], doc["id"])
        if successor is not None:
            await _set_default(tx, doc["userId"], successor, ctx)
    tag_ids = (await tx.conn.execute(select(id_tags.c.id).where(id_tags.c.payment_method_id == doc["id"])
                                     .order_by(id_tags.c.id))).scalars().all()
    if tag_ids:
        await tx.conn.execute(update(id_tags).where(id_tags.c.id.in_(tag_ids))
                              .values(payment_method_id=None, last_updated_at=ctx.now))
    for tag_id in tag_ids:
        await tx.emit(Event(type="idTag.changed", entity="idTag", entity_id=tag_id,
                            data={"action": "updated", "cause": {"type": "payment method", "id": doc["id"],
                                                                 "action": "deleted"}}, at=ctx.now))


def _id_as_text(doc: dict[str, Any]) -> dict[str, Any]:
    # the contract types a payment method's id as a string (processors' ids are not numbers)
    if isinstance(doc.get("id"), int):
        doc["id"] = str(doc["id"])
    return doc


PAYMENT_METHOD = Resource(
    name="payment method",
    store=Store(payment_methods),
    event=PAYMENT_METHOD_EVENT,
    before_create=[bank_transfer_only],
    before_update=[keep_a_default],
    after_write=[one_default],
    before_delete=[before_delete],
)

registry.bind(PAYMENT_METHOD, "/public-api/resources/users/v1.0/{user}/payment-methods",
              view=View(to_wire_hook=_id_as_text), parents={"user": Parent("user_id", USER)})
