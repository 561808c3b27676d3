"""OCPP 1.6 transactions and EV driver messages: Authorize, StartTransaction, MeterValues,
StopTransaction, and the RemoteStart/RemoteStopTransaction commands.

Translation only: payloads become the domain's plain values (`cpms.domain.sessions`), each
message is committed in the group commit before its answer (MeterValues of many chargers
share a few statements per batch: `cpms.domain.meter_reports`). In 1.6 the transactionId cpms hands
out is the session id. A value the schema cannot catch (a connectorId that names no connector for
a transaction, a timestamp that is not a date, a sampled value that is not a number) is answered
PropertyConstraintViolation and nothing is written.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cpms.clock import parse_iso
from cpms.domain import authorizations as auth
from cpms.domain import meter_reports, sessions
from cpms.domain.meter_values import BadSample, Reading, sample
from cpms.ocpp.commands import Outgoing, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.errors import PropertyViolation
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V16
from cpms.storage.db import Tx


def when(text: str, field: str) -> datetime:
    try:
        return parse_iso(text)
    except ValueError:
        raise PropertyViolation(f"{field}: {text!r} is not a date-time.") from None


def readings(items: list[dict[str, Any]], field: str) -> list[Reading]:
    out = []
    for item in items:
        moment = when(item["timestamp"], f"{field}.timestamp")
        try:
            samples = [sample(v.get("measurand"), v["value"], v.get("unit"), phase=v.get("phase"),
                              location=v.get("location"), context=v.get("context"),
                              signed=v.get("format") == "SignedData") for v in item.get("sampledValue") or []]
        except BadSample as exc:
            raise PropertyViolation(f"{field}.sampledValue: {exc}") from None
        out.append(Reading(moment, samples))
    return out


@on(V16, "Authorize")
async def authorize(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    id_tag, now = payload["idTag"], ctx.now()
    window = auth.start_window(ctx.rt.settings)

    async def job(tx: Tx) -> auth.Verdict:
        verdict = await auth.judge(tx.conn, ctx.charge_point_id, id_tag, now, window)
        await auth.record(tx, ctx.charge_point_id, id_tag, verdict, now)
        return verdict

    verdict = await ctx.rt.db.batch(job)
    return {"idTagInfo": verdict.id_tag_info()}


@on(V16, "StartTransaction")
async def start_transaction(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    if payload["connectorId"] <= 0:
        raise PropertyViolation("connectorId: a transaction takes place on a connector numbered from 1.")
    data = sessions.Start(
        charge_point_id=ctx.charge_point_id, evse_network_id=str(payload["connectorId"]), id_tag=payload["idTag"],
        meter_start=float(payload["meterStart"]), timestamp=when(payload["timestamp"], "timestamp"),
        reservation_id=payload.get("reservationId"))
    now, window = ctx.now(), auth.start_window(ctx.rt.settings)
    started = await ctx.rt.db.batch(lambda tx: sessions.start(tx, data, now, window))
    return {"transactionId": int(started.transaction_id), "idTagInfo": started.verdict.id_tag_info()}


@on(V16, "MeterValues")
async def meter_values(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    if payload["connectorId"] < 0:
        raise PropertyViolation("connectorId: connectors are numbered from 0 (the charge point itself).")
    values = readings(payload["meterValue"], "meterValue")
    transaction = payload.get("transactionId")
    transaction_id = str(transaction) if transaction is not None else None
    now, evse = ctx.now(), str(payload["connectorId"])
    if transaction_id is None:
        await ctx.rt.db.batch(lambda tx: sessions.record_meter_values(tx, ctx.charge_point_id, evse, None, values, now))
    else:
        report = meter_reports.meter_values_report(ctx.charge_point_id, evse, transaction_id, values, now)
        await ctx.rt.db.batch_bulk(meter_reports.record, report, key=ctx.charge_point_id)
    return {}


@on(V16, "StopTransaction")
async def stop_transaction(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    reason = payload.get("reason")
    data = sessions.Stop(
        charge_point_id=ctx.charge_point_id, transaction_id=str(payload["transactionId"]),
        meter_stop=float(payload["meterStop"]), timestamp=when(payload["timestamp"], "timestamp"),
        reason=reason.lower() if reason else None, id_tag=payload.get("idTag"),
        readings=readings(payload.get("transactionData") or [], "transactionData"))
    now = ctx.now()
    verdict = await ctx.rt.db.batch(lambda tx: sessions.stop(tx, data, now))
    return {"idTagInfo": verdict.id_tag_info()} if verdict is not None else {}


PROFILE_FIELDS = ("stackLevel", "chargingProfilePurpose", "chargingProfileKind", "recurrencyKind", "validFrom",
                  "validTo")
SCHEDULE_FIELDS = ("duration", "startSchedule", "chargingRateUnit", "chargingSchedulePeriod", "minChargingRate")


def charging_profile_16(profile: dict[str, Any], profile_id: int) -> dict[str, Any]:
    """The Public API's charging profile as a 1.6 TxProfile (it names no id: the caller gives one)."""
    out: dict[str, Any] = {"chargingProfileId": profile_id}
    out.update({k: profile[k] for k in PROFILE_FIELDS if profile.get(k) is not None})
    schedule = profile.get("chargingSchedule") or {}
    out["chargingSchedule"] = {k: schedule[k] for k in SCHEDULE_FIELDS if schedule.get(k) is not None}
    return out


@translates(V16, "start_transaction")
def remote_start_transaction(id_tag: str, evse_network_id: str | None = None,
                             charging_profile: dict[str, Any] | None = None, profile_id: int = 1,
                             remote_start_id: int | None = None) -> Outgoing:
    """1.6 has no remoteStartId (`remote_start_id` is ignored): its transactionId is the session id."""
    payload: dict[str, Any] = {"idTag": id_tag}
    if evse_network_id is not None:
        payload["connectorId"] = int(evse_network_id)
    if charging_profile:
        payload["chargingProfile"] = charging_profile_16(charging_profile, profile_id)
    return Outgoing("RemoteStartTransaction", payload)


@translates(V16, "stop_transaction")
def remote_stop_transaction(transaction_id: str) -> Outgoing:
    return Outgoing("RemoteStopTransaction", {"transactionId": int(transaction_id)})
