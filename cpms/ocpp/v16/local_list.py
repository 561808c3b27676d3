"""OCPP 1.6 Local Auth List Management: GetLocalListVersion, SendLocalList; and ClearCache (Core)."""

from __future__ import annotations

from typing import Any

from cpms.errors import Invalid
from cpms.ocpp.commands import Outgoing, Result, read_status, translates
from cpms.ocpp.versions import V16

ID_TAG_LENGTH = 20  # IdToken: CiString20Type


@translates(V16, "local_list_version")
def get_local_list_version() -> Outgoing:
    return Outgoing("GetLocalListVersion", {}, read=_version)


def _version(answer: dict[str, Any]) -> Result:
    """-1: no local list support; 0: an empty list."""
    return Result(accepted=True, status="Accepted", data={"version": answer["listVersion"]})


@translates(V16, "send_local_list")
def send_local_list(version: int, entries: list[dict[str, Any]], full: bool) -> Outgoing:
    long = [e["idTag"] for e in entries if len(e["idTag"]) > ID_TAG_LENGTH]
    if long:
        raise Invalid.field("idTag", f"OCPP 1.6 id tags have at most {ID_TAG_LENGTH} characters: {', '.join(long[:5])}.")
    return Outgoing("SendLocalList", {"listVersion": version, "updateType": "Full" if full else "Differential",
                                      "localAuthorizationList": [_entry(e) for e in entries]}, read=_sent)


def _entry(entry: dict[str, Any]) -> dict[str, Any]:
    if entry.get("status") is None:
        return {"idTag": entry["idTag"]}  # removal (differential)
    info = {"status": entry["status"]}
    for name in ("expiryDate", "parentIdTag"):
        if entry.get(name) is not None:
            info[name] = entry[name]
    return {"idTag": entry["idTag"], "idTagInfo": info}


def _sent(answer: dict[str, Any]) -> Result:
    result = read_status(answer)
    messages = {"Failed": "The charge point failed to update its local list (Failed).",
                "NotSupported": "The charge point does not support local authorization lists (NotSupported).",
                "VersionMismatch": "The charge point's list version does not fit this differential update "
                                   "(VersionMismatch); send the full list."}
    result.message = messages.get(result.status or "", result.message)
    return result


@translates(V16, "clear_cache")
def clear_cache() -> Outgoing:
    return Outgoing("ClearCache", {})
