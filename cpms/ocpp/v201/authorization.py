"""OCPP 2.0.1 authorization: Authorize, and the idTokenInfo every answer about an id token carries.

The verdicts are the domain's (`cpms.domain.authorizations`), the same as 1.6 gives: Accepted,
Blocked, Expired, Invalid, ConcurrentTx. 2.0.1 says them in idTokenInfo: the tag's expiry is
`cacheExpiryDateTime`, the parent id tag (the user's `*U0000007`) is `groupIdToken`, of type
Central (cpms made it). A token of type NoAuthorization names nobody: it is Accepted and not
recorded. Contract certificates (ISO 15118 Plug & Charge) are not checked: an Authorize that
carries one is judged on its idToken alone.
"""

from __future__ import annotations

from typing import Any

from cpms.clock import iso
from cpms.domain import authorizations as auth
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.errors import PropertyViolation
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201
from cpms.storage.db import Tx

NO_AUTHORIZATION = "NoAuthorization"
CENTRAL = "Central"


def id_token(payload: dict[str, Any] | None, field: str = "idToken") -> str | None:
    """The id tag an IdTokenType names; None for none (absent, or NoAuthorization)."""
    if payload is None or payload["type"] == NO_AUTHORIZATION:
        return None
    value = payload["idToken"]
    if not value.strip():
        raise PropertyViolation(f"{field}.idToken: an id token of type {payload['type']} is not empty.")
    return str(value)


def token_of(id_tag: str) -> dict[str, str]:
    """An id tag as cpms sends it: its own identifiers (`*...`) are Central, id tags are RFID cards."""
    return {"idToken": id_tag, "type": CENTRAL if id_tag.startswith("*") else "ISO14443"}


def id_token_info(verdict: auth.Verdict | None) -> dict[str, Any]:
    """2.0.1 idTokenInfo for a verdict (None: a token that needs no authorization)."""
    if verdict is None:
        return {"status": auth.ACCEPTED}
    info: dict[str, Any] = {"status": verdict.status}
    if verdict.expiry is not None:
        info["cacheExpiryDateTime"] = iso(verdict.expiry)
    if verdict.parent_id_tag and verdict.accepted:
        info["groupIdToken"] = {"idToken": verdict.parent_id_tag, "type": CENTRAL}
    return info


@on(V201, "Authorize")
async def authorize(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    id_tag = id_token(payload["idToken"])
    if id_tag is None:
        return {"idTokenInfo": id_token_info(None)}
    now, window = ctx.now(), auth.start_window(ctx.rt.settings)

    async def job(tx: Tx) -> auth.Verdict:
        verdict = await auth.judge(tx.conn, ctx.charge_point_id, id_tag, now, window)
        await auth.record(tx, ctx.charge_point_id, id_tag, verdict, now)
        return verdict

    return {"idTokenInfo": id_token_info(await ctx.rt.db.batch(job))}
