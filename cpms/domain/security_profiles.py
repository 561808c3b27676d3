"""Security profiles of charge points: the one the charger uses, the one the operator asked for.

Profiles (OCPP security): 0 no authentication, 1 Basic auth over plain WebSocket, 2 Basic auth
over TLS, 3 TLS with a client certificate. Rules for an upgrade (`refusal`): a profile can only
be raised, never set to the same level or lowered, and never above the hardware's maximum
(`security.hardwareEnabledProfile`, when cpms knows it).

The operator's wish is kept as `desiredProfile` with `desiredProfileStatus`: `pending` while the
charger is being asked, `applied` once it accepted (the charge point's currentProfile becomes the
desired one), `rejected` when it refused. Moving to profile 1 or 2 first gives the charger a new
random Basic-auth password; only its salted hash is kept (`cpms.security.charger_secrets`).

These changes come from the operator, so "chargePoint.changed" carries `source: api` (which also
makes the gateway forget its cached credentials of the charger).

An OCPP 2.0.1 station is given a new network connection profile instead of a configuration key:
it needs the URL it should connect to (`csms_url`: CPMS_OCPP_URL, else derived from
CPMS_PUBLIC_URL, else the address the station reached cpms at), wss:// from profile 2 on.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.events import Event
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import charge_points

PENDING, APPLIED, REJECTED = "pending", "applied", "rejected"
PASSWORD_PROFILES = (1, 2)
TLS_PROFILES = (2, 3)
OCPP_URL_SETTING = "CPMS_OCPP_URL"


@dataclass(frozen=True)
class ProfileState:
    current: int
    desired: int | None
    status: str | None
    hardware_max: int | None


async def load(conn: AsyncConnection, charge_point_id: int) -> ProfileState | None:
    t = charge_points.c
    row = (await conn.execute(select(t.security_profile, t.desired_security_profile,
                                     t.desired_security_profile_status, t.attrs)
                              .where(t.id == charge_point_id))).first()
    if row is None:
        return None
    security = (row.attrs or {}).get("security") or {}
    maximum = security.get("hardwareEnabledProfile")
    return ProfileState(row.security_profile or 0, row.desired_security_profile, row.desired_security_profile_status,
                        maximum if isinstance(maximum, int) else None)


def refusal(state: ProfileState, wanted: int) -> str | None:
    """Why the charge point may not move to profile `wanted`, or None when it may."""
    if wanted == state.current:
        return f"The charge point already uses security profile {wanted}."
    if wanted < state.current:
        return f"A security profile cannot be lowered (from {state.current} to {wanted})."
    if state.hardware_max is not None and wanted > state.hardware_max:
        return f"The charge point's hardware supports security profiles up to {state.hardware_max}."
    return None


def needs_password(wanted: int) -> bool:
    return wanted in PASSWORD_PROFILES


def new_password() -> str:
    """40 hexadecimal characters (20 random bytes): valid for OCPP 1.6 AuthorizationKey and 2.0.1 BasicAuthPassword."""
    return secrets.token_hex(20)


def csms_url(extra: Mapping[str, str], public_url: str | None, seen: str | None, profile: int) -> str | None:
    """Where a charger moving to `profile` connects: ws(s)://host[:port]/ocpp, without its identity."""
    url = (extra.get(OCPP_URL_SETTING) or "").strip()
    if not url and public_url:
        url = public_url.rstrip("/") + "/ocpp"
    url = url or seen or ""
    if not url:
        return None
    scheme, _, rest = url.partition("://")
    secure = profile in TLS_PROFILES or scheme.lower() in ("https", "wss")
    return f"{'wss' if secure else 'ws'}://{rest.rstrip('/')}"


async def begin(tx: Tx, charge_point_id: int, wanted: int, now: datetime) -> None:
    await _change(tx, charge_point_id, now, desired_security_profile=wanted, desired_security_profile_status=PENDING)


async def store_password(tx: Tx, charge_point_id: int, password_hash: str, now: datetime) -> None:
    """The charger accepted a new Basic-auth password: from now on only it opens the door."""
    await _change(tx, charge_point_id, now, network_password_hash=password_hash)


async def finish(tx: Tx, charge_point_id: int, wanted: int, accepted: bool, now: datetime) -> None:
    if accepted:
        await _change(tx, charge_point_id, now, security_profile=wanted, desired_security_profile=wanted,
                      desired_security_profile_status=APPLIED)
    else:
        await _change(tx, charge_point_id, now, desired_security_profile=wanted,
                      desired_security_profile_status=REJECTED)


async def reset(tx: Tx, charge_point_id: int, now: datetime) -> None:
    """Back to profile 0, as a charger reset to its factory settings is: no wish, no password."""
    await _change(tx, charge_point_id, now, security_profile=0, desired_security_profile=None,
                  desired_security_profile_status=None, network_password_hash=None)


async def _change(tx: Tx, charge_point_id: int, now: datetime, **values: Any) -> bool:
    t = charge_points
    row = (await tx.conn.execute(select(*(t.c[name] for name in values)).where(t.c.id == charge_point_id))).first()
    if row is None or all(getattr(row, name) == value for name, value in values.items()):
        return False
    await tx.conn.execute(update(t).where(t.c.id == charge_point_id).values(**values, last_updated_at=now))
    await tx.emit(Event("chargePoint.changed", "chargePoint", charge_point_id, {"action": "updated", "source": "api"},
                        now))
    return True
