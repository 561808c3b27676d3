"""The deprecated v1.0 wire shape of a location, as a view over the canonical v2.0 document.

What differs from v2.0:
- snake_case names (`post_code`, `external_id`, `working_hours.is_always_open` ...);
- texts are `{locale: text}` objects instead of `[{locale, translation}]` arrays, and the
  descriptions are named by length: v1 `description` is the short text (v2 `shortDescription`),
  v1 `detailed_description` the full one (v2 `description`);
- one `region` for what v2 splits into `state` (a code of the contract's list) and `region`
  (free text);
- `status` is active/disabled;
- `public_charge_points` / `public_charge_points_ids`: the location's public, enabled chargers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from cpms.resources.locations_rules import REGION_OR_STATE
from cpms.resources.view import View
from cpms.storage.tables.charge_points import charge_points

# v1 wire name -> canonical name, for texts kept as locale -> translation
TEXTS = {"name": "name", "description": "shortDescription", "detailed_description": "description",
         "additional_description": "additionalDescription", "address": "address"}
# required strings of the v1 answer that v2 allows to be empty
REQUIRED_TEXT = ("post_code", "city", "region")


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def texts_to_list(value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return [{"locale": locale, "translation": text} for locale, text in value.items() if text is not None]


def texts_to_object(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    return {item["locale"]: item.get("translation") for item in value
            if isinstance(item, dict) and item.get("locale") is not None}


def from_v1(doc: dict[str, Any]) -> dict[str, Any]:
    texts = {canonical: doc.pop(wire) for wire, canonical in TEXTS.items() if wire in doc}
    doc.update({canonical: texts_to_list(value) for canonical, value in texts.items()})
    if "region" in doc:
        doc[REGION_OR_STATE] = doc.pop("region")
    if "working_hours" in doc:
        hours = doc.pop("working_hours")
        doc["workingHours"] = {_camel(k): v for k, v in hours.items()} if isinstance(hours, dict) else hours
    return doc


def to_v1(doc: dict[str, Any]) -> dict[str, Any]:
    texts = {wire: doc.pop(canonical, None) for wire, canonical in TEXTS.items()}
    doc.update({wire: texts_to_object(value) for wire, value in texts.items() if value is not None})
    doc["region"] = doc.get("state") or doc.get("region")
    for name in REQUIRED_TEXT:
        if doc.get(name) is None:
            doc[name] = ""
    hours = doc.pop("workingHours", None)
    if isinstance(hours, dict):
        doc["working_hours"] = {_snake(key): value for key, value in hours.items()}
    return doc


async def load_public_charge_points(conn: AsyncConnection, docs: list[dict[str, Any]]) -> None:
    found: dict[int, list[int]] = defaultdict(list)
    stmt = (select(charge_points.c.id, charge_points.c.location_id)
            .where(charge_points.c.location_id.in_([d["id"] for d in docs]), charge_points.c.type == "public",
                   charge_points.c.status == "enabled")
            .order_by(charge_points.c.id))
    for row in (await conn.execute(stmt)).all():
        found[row.location_id].append(row.id)
    for doc in docs:
        ids = found.get(doc["id"], [])
        doc["public_charge_points"] = len(ids)
        doc["public_charge_points_ids"] = ids


V1 = View(
    renames={"post_code": "postCode", "external_id": "externalId", "location_image": "locationImage"},
    values={"status": {"active": "enabled", "disabled": "disabled"}},
    from_wire_hook=from_v1,
    to_wire_hook=to_v1,
    enrich=[load_public_charge_points],
)
