"""The deprecated v1.0 wire shape of a charge point, as a view over the canonical v2.0 document.

What differs from v2.0:
- flat names: `networkId`/`networkProtocol`/`networkPassword`/`networkIp`/`networkPort` (a
  string) for `network.*`, `currentSecurityProfile` ... for `security.*`, `ownerPartnerId` ...
  for `partner.*` (accessType in camelCase), `ownerUserId` for `user.id`, `accessType` for `type`;
- `active` for the enabled status, networkStatus with spaces, capabilities in upper case
  (v1 knows three of them);
- `evses`: on read the charge point's EVSEs as {id, hardwareStatus}; on create and update an
  object of per-EVSE settings keyed by the EVSE's networkId. Its `templateId` names a template
  cpms does not keep yet: it is recorded, and each key becomes (or changes) an EVSE;
- chargingProfile and lastBootNotification in snake_case.
"""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.api.registry import registry
from cpms.errors import Invalid
from cpms.resources.charge_points import CHARGE_POINT, FILTERS, boot_serial_filter, evse_filter, no_charging_profile
from cpms.resources.document import MISSING, pop_path
from cpms.resources.evses import put_evses
from cpms.resources.resource import WriteContext
from cpms.resources.view import View
from cpms.storage.db import Tx
from cpms.storage.tables.charge_points import evses

CAPABILITIES = ("remote_start_stop_capable", "meter_values", "stop_transaction_on_ev_disconnect")
PARTNER_ACCESS = ("private_view_private_use", "private_view_public_use", "public_view_private_use")
NETWORK_STATUSES = ("never_connected", "temporarily_unavailable", "long-term_unavailable")
EVSE_STATUS = {"active": "enabled"}
# v1.0 requires a protocol; unset means "whatever the charger offers", shown as OCPP 1.6
DEFAULT_PROTOCOL = "ocpp 1.6"
MAX_EVSE_NETWORK_ID = 64


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _snake_keys(value: Any) -> Any:
    return {_snake(k): v for k, v in value.items()} if isinstance(value, dict) else value


def from_v1(doc: dict[str, Any]) -> dict[str, Any]:
    if "networkPort" in doc:
        doc["networkPort"] = _port(doc["networkPort"])
    if isinstance(doc.get("evses"), dict):
        doc["evses"] = [_evse_from_v1(key, settings) for key, settings in doc["evses"].items()]
    return doc


def _port(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    text = str(value).strip()
    if not text.isdigit() or not 0 < int(text) < 65536:
        raise Invalid.field("networkPort", "The networkPort field must be a port number (1-65535).")
    return int(text)


def _evse_from_v1(key: str, settings: dict[str, Any]) -> dict[str, Any]:
    if not key.strip() or len(key) > MAX_EVSE_NETWORK_ID:
        raise Invalid.field(f"evses.{key}", f"The evses keys must be EVSE network ids of 1 to "
                                            f"{MAX_EVSE_NETWORK_ID} characters.")
    doc: dict[str, Any] = {"networkId": key}
    for name in ("physicalReference", "tariffGroupId"):
        if name in settings:
            doc[name] = settings[name]
    if "maxAmperage" in settings:
        doc["powerOptions"] = {"maxAmperage": settings["maxAmperage"]}
    if "status" in settings:
        doc["status"] = EVSE_STATUS.get(settings["status"], settings["status"])
    return doc


def to_v1(doc: dict[str, Any]) -> dict[str, Any]:
    if doc.get("networkPort") is not None:
        doc["networkPort"] = str(doc["networkPort"])
    if isinstance(doc.get("capabilities"), list):
        known = {c.upper() for c in CAPABILITIES}
        doc["capabilities"] = [c for c in doc["capabilities"] if c in known]
    for name in ("lastBootNotification", "chargingProfile"):
        doc[name] = _snake_keys(doc.get(name))
    if doc.get("networkProtocol") is None:
        doc["networkProtocol"] = DEFAULT_PROTOCOL
    for evse in doc.get("evses") or ():
        if evse.get("hardwareStatus") == "occupied":  # OCPP 2.0.1's word; v1.0 speaks OCPP 1.6
            evse["hardwareStatus"] = "charging"
    return doc


# built once: a statement with a list bound at execution costs nothing to build per page
EVSE_SUMMARIES = (select(evses.c.id, evses.c.charge_point_id, evses.c.hardware_status)
                  .where(evses.c.charge_point_id.in_(bindparam("ids", expanding=True))).order_by(evses.c.id))


async def load_evse_summaries(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    """Every charge point's EVSEs as {id, hardwareStatus}, in one query for the whole page."""
    by_cp: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in (await conn.execute(EVSE_SUMMARIES, {"ids": [d["id"] for d in docs]})).all():
        by_cp[row.charge_point_id].append({"id": row.id, "hardwareStatus": row.hardware_status})
    for doc in docs:
        doc["evses"] = by_cp.get(doc["id"], [])


async def stash_evses(_tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    settings = pop_path(doc, "evses")
    if settings is not MISSING and settings:
        ctx.extras["evses"] = settings


async def write_evses(tx: Tx, doc: dict[str, Any], ctx: WriteContext) -> None:
    if ctx.extras.get("evses"):
        await put_evses(tx, doc["id"], ctx.extras["evses"], ctx.view, ctx.now)


V1 = View(
    renames={
        "networkId": "network.id", "networkProtocol": "network.protocol", "networkPassword": "network.password",
        "networkIp": "network.ip", "networkPort": "network.port", "accessType": "type",
        "desiredSecurityProfile": "security.desiredProfile", "currentSecurityProfile": "security.currentProfile",
        "hardwareEnabledSecurityProfile": "security.hardwareEnabledProfile",
        "desiredSecurityProfileStatus": "security.desiredProfileStatus",
        "ownerPartnerId": "partner.id", "ownerPartnerContractId": "partner.contractId",
        "partnerCorporateBillingAsDefault": "partner.corporateBillingAsDefault",
        "partnerAccessType": "partner.accessType", "ownerUserId": "user.id",
        "autoFaultRecovery": "enableAutoFaultRecovery", "displayTariffsAndCosts": "displayTariffAndCosts",
        "firstConnection": "firstContactAt",
    },
    values={
        "status": {"active": "enabled"},
        "networkStatus": {s.replace("_", " "): s for s in NETWORK_STATUSES},
        "capabilities": {c.upper(): c for c in CAPABILITIES},
        "partnerAccessType": {_camel(a): a for a in PARTNER_ACCESS},
    },
    from_wire_hook=from_v1,
    to_wire_hook=to_v1,
    enrich=[load_evse_summaries, no_charging_profile],
)

# v1.0 writes EVSEs along with the charge point, and filters by names of its own
CHARGE_POINT_V1 = dataclasses.replace(
    CHARGE_POINT,
    filters={**FILTERS, "chargePointNetworkId": FILTERS["networkId"],
             "chargePointBootNotificationSerialNumber": boot_serial_filter,
             "physicalReference": FILTERS["evsePhysicalReference"], "evseId": evse_filter(evses.c.id),
             "evseExternalId": evse_filter(evses.c.external_id)},
    before_create=[*CHARGE_POINT.before_create, stash_evses],
    before_update=[*CHARGE_POINT.before_update, stash_evses],
    after_write=[*CHARGE_POINT.after_write, write_evses],
)

registry.bind(CHARGE_POINT_V1, "/public-api/resources/charge-points/v1.0", view=V1)
