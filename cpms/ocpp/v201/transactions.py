"""OCPP 2.0.1 transactions: TransactionEvent, MeterValues, and the RequestStartTransaction /
RequestStopTransaction commands.

Translation only, onto the domain 1.6 uses (`cpms.domain.sessions`): a transaction is the
charger's `transactionId`; Started is `sessions.start`, Updated `sessions.update`, Ended
`sessions.stop`. Each event is committed in the group commit before its answer, which carries
idTokenInfo when the event names an id token.

- Order: the highest seqNo of each transaction is kept. An event whose seqNo is not above it was
  sent before (a retransmission, or a queued message overtaken): its meter values are kept once
  and its id token answered, nothing moves back. Events queued offline (`offline: true`) are
  taken as they come, each with its own timestamp.
- A transaction cpms does not know: Updated starts it there, Ended records it finished. Started
  for a finished transaction's id, later than its stop, is a new transaction (ids get reused).
- Before an id token (TxStartPoint EVConnected ...) the session is pending; the first accepted
  one makes it active (see `sessions.update`). chargingState Charging without one, or a token
  of type NoAuthorization, is a transaction the charger authorized itself: active, no id tag.
- Energy: Energy.Active.Import.Register (Wh, kWh, multiplier) of the Started event is the start,
  of the Ended event (Transaction.End first) the stop; without them the first and the last known.
- Reason: stoppedReason in the contract's spelling, else what the Ended event's triggerReason
  means, else `local`.
- A value the schema cannot catch (a negative seqNo, EVSE or connector 0, an empty transactionId
  or id token, a timestamp that is no date) is PropertyConstraintViolation; nothing is written.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cpms.clock import parse_iso
from cpms.domain import authorizations as auth
from cpms.domain import meter_reports, sessions
from cpms.domain.meter_values import ENERGY, BadSample, Reading, sample
from cpms.ocpp.commands import Outgoing, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.errors import PropertyViolation
from cpms.ocpp.routing import on
from cpms.ocpp.v201.authorization import CENTRAL, NO_AUTHORIZATION, id_token, id_token_info
from cpms.ocpp.versions import V201
from cpms.storage.db import Tx

log = logging.getLogger("cpms.sessions")

# stoppedReason -> the contract's reason: lower case, but for the one the contract spells its own way
STOPPED = {"TimeLimitReached": "timeoutlimitreached"}
# what an Ended event's triggerReason says when it gives no stoppedReason
TRIGGERS = {"RemoteStop": "remote", "StopAuthorized": "local", "Deauthorized": "deauthorized",
            "EVDeparted": "evdisconnected", "EVCommunicationLost": "evdisconnected",
            "EnergyLimitReached": "energylimitreached", "TimeLimitReached": "timeoutlimitreached",
            "EVConnectTimeout": "timeout", "AbnormalCondition": "other", "ResetCommand": "immediatereset",
            "UnlockCommand": "unlockcommand"}


def when(text: str, name: str) -> datetime:
    try:
        return parse_iso(text)
    except ValueError:
        raise PropertyViolation(f"{name}: {text!r} is not a date-time.") from None


def readings(items: list[dict[str, Any]] | None, name: str = "meterValue") -> list[Reading]:
    """2.0.1 meterValues as the domain's readings: numbers, units with their power of ten."""
    out = []
    for item in items or []:
        moment = when(item["timestamp"], f"{name}.timestamp")
        try:
            samples = [sample(v.get("measurand"), v["value"], (v.get("unitOfMeasure") or {}).get("unit"),
                              multiplier=(v.get("unitOfMeasure") or {}).get("multiplier", 0), phase=v.get("phase"),
                              location=v.get("location"), context=v.get("context"))
                       for v in item["sampledValue"]]
        except BadSample as exc:
            raise PropertyViolation(f"{name}.sampledValue: {exc}") from None
        out.append(Reading(moment, samples))
    return out


def register(found: list[Reading], context: str, last: bool) -> float | None:
    """The energy register of the reading with `context`, else of the first (last) reading having one."""
    having = sorted((r for r in found if r.energy is not None), key=lambda r: r.timestamp)
    marked = [r for r in having if any(s.context == context and s.measurand == ENERGY for s in r.samples)]
    chosen = marked or having
    if not chosen:
        return None
    return chosen[-1 if last else 0].energy


def charging_state(info: dict[str, Any]) -> bool | None:
    state = info.get("chargingState")
    return None if state is None else state == "Charging"


def stop_reason(payload: dict[str, Any]) -> str:
    stopped = payload["transactionInfo"].get("stoppedReason")
    if stopped:
        return STOPPED.get(stopped, stopped.lower())
    return TRIGGERS.get(payload["triggerReason"], "local")


@dataclass
class Event:
    """A TransactionEvent, checked and in the domain's terms."""
    kind: str
    transaction_id: str
    seq_no: int
    timestamp: datetime
    readings: list[Reading]
    charging: bool | None
    id_tag: str | None
    token_given: bool
    no_authorization: bool
    evse_network_id: str | None
    connector_number: int | None
    reservation_id: int | None
    remote_start_id: int | None
    reason: str


def parse(payload: dict[str, Any]) -> Event:
    info = payload["transactionInfo"]
    transaction_id = info["transactionId"]
    if not transaction_id.strip():
        raise PropertyViolation("transactionInfo.transactionId: a transaction id is not empty.")
    if payload["seqNo"] < 0:
        raise PropertyViolation("seqNo: sequence numbers count from 0.")
    evse = payload.get("evse")
    if evse is not None and (evse["id"] < 1 or evse.get("connectorId", 1) < 1):
        raise PropertyViolation("evse: a transaction takes place on an EVSE and connector numbered from 1.")
    token = payload.get("idToken")
    return Event(
        kind=payload["eventType"], transaction_id=transaction_id, seq_no=payload["seqNo"],
        timestamp=when(payload["timestamp"], "timestamp"), readings=readings(payload.get("meterValue")),
        charging=charging_state(info), id_tag=id_token(token), token_given=token is not None,
        no_authorization=token is not None and token["type"] == NO_AUTHORIZATION,
        evse_network_id=str(evse["id"]) if evse is not None else None,
        connector_number=evse.get("connectorId") if evse is not None else None,
        reservation_id=payload.get("reservationId"), remote_start_id=info.get("remoteStartId"),
        reason=stop_reason(payload))


@on(V201, "TransactionEvent")
async def transaction_event(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    event = parse(payload)
    now = ctx.now()
    if event.kind == "Updated" and not event.token_given and event.reservation_id is None \
            and event.remote_start_id is None:
        # readings and a charging state only: with the other chargers' in one bulk write (what is
        # more than that for its session after all is `apply`, in the same place in the batch)
        report = meter_reports.Report(
            ctx.charge_point_id, event.transaction_id, event.readings, now,
            otherwise=lambda tx: apply(tx, ctx.charge_point_id, event, now, auth.start_window(ctx.rt.settings)),
            charging=event.charging, at=event.timestamp, seq_no=event.seq_no, evse_network_id=event.evse_network_id)
        await ctx.rt.db.batch_bulk(meter_reports.record, report, key=ctx.charge_point_id)
        return {}
    window = auth.start_window(ctx.rt.settings)
    verdict = await ctx.rt.db.batch(lambda tx: apply(tx, ctx.charge_point_id, event, now, window))
    return {"idTokenInfo": id_token_info(verdict)} if event.token_given else {}


async def apply(tx: Tx, charge_point_id: int, e: Event, now: datetime, window: timedelta) -> auth.Verdict | None:
    row = await sessions.find(tx, charge_point_id, e.transaction_id)
    if row is not None and e.kind == "Started" and row.status == "finished" and e.timestamp > row.stopped_at:
        log.info("charge point %s reuses transaction id %s for a new transaction", charge_point_id, e.transaction_id)
        row = None
    highest = sessions.charger_state(row).get("seqNo")
    replayed = highest is not None and e.seq_no <= highest
    verdict: auth.Verdict | None
    if row is None and e.kind == "Ended":
        log.warning("charge point %s ended transaction %s, which cpms never saw start", charge_point_id,
                    e.transaction_id)
        verdict = await sessions.stop(tx, sessions.Stop(
            charge_point_id, e.transaction_id, register(e.readings, "Transaction.End", last=True), e.timestamp,
            e.reason, e.id_tag, e.readings, evse_network_id=e.evse_network_id), now)
        session_id = int((await sessions.find(tx, charge_point_id, e.transaction_id)).id)
    elif row is None:
        if e.kind != "Started":
            log.warning("charge point %s reported transaction %s, which cpms never saw start: it starts here",
                        charge_point_id, e.transaction_id)
        started = await sessions.start(tx, sessions.Start(
            charge_point_id, e.evse_network_id, e.id_tag, register(e.readings, "Transaction.Begin", last=False),
            e.timestamp, transaction_id=e.transaction_id, reservation_id=e.reservation_id, readings=e.readings,
            connector_number=e.connector_number, charging=e.charging, remote_start_id=e.remote_start_id,
            awaiting_authorization=not e.no_authorization and e.charging is not True), now, window)
        verdict, session_id = started.verdict, started.session_id
    else:
        ended = e.kind == "Ended"
        verdict = await sessions.update(tx, row, sessions.Update(
            charge_point_id, e.timestamp, e.evse_network_id, e.connector_number, e.id_tag, e.reservation_id,
            [] if ended else e.readings, None if ended else e.charging, replayed), now, window)
        if ended and not (replayed and row.status == "finished"):
            await sessions.stop(tx, sessions.Stop(
                charge_point_id, e.transaction_id, register(e.readings, "Transaction.End", last=True), e.timestamp,
                e.reason, None, e.readings), now)
        session_id = int(row.id)
    state: dict[str, Any] = {"seqNo": max(e.seq_no, highest if highest is not None else e.seq_no)}
    if e.remote_start_id is not None:
        state["remoteStartId"] = e.remote_start_id
    await sessions.keep_charger_state(tx, session_id, **state)
    return verdict


@on(V201, "MeterValues")
async def meter_values(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Readings outside transactions (2.0.1 reports a transaction's own in its TransactionEvents)."""
    if payload["evseId"] < 0:
        raise PropertyViolation("evseId: EVSEs are numbered from 0 (the charging station itself).")
    values = readings(payload["meterValue"])
    now = ctx.now()
    await ctx.rt.db.batch(lambda tx: sessions.record_meter_values(
        tx, ctx.charge_point_id, str(payload["evseId"]), None, values, now))
    return {}


# -- commands -------------------------------------------------------------------------------------

PROFILE_FIELDS = ("stackLevel", "chargingProfilePurpose", "chargingProfileKind", "recurrencyKind", "validFrom",
                  "validTo")
SCHEDULE_FIELDS = ("duration", "startSchedule", "chargingRateUnit", "minChargingRate")
PERIOD_FIELDS = ("startPeriod", "limit", "numberPhases", "phaseToUse")


def charging_profile_201(profile: dict[str, Any], profile_id: int) -> dict[str, Any]:
    """The Public API's charging profile as a 2.0.1 ChargingProfileType with one schedule, both `profile_id`."""
    out: dict[str, Any] = {"id": profile_id}
    out.update({k: profile[k] for k in PROFILE_FIELDS if profile.get(k) is not None})
    given = profile.get("chargingSchedule") or {}
    schedule: dict[str, Any] = {"id": profile_id}
    schedule.update({k: given[k] for k in SCHEDULE_FIELDS if given.get(k) is not None})
    schedule["chargingSchedulePeriod"] = [{k: p[k] for k in PERIOD_FIELDS if p.get(k) is not None}
                                          for p in given.get("chargingSchedulePeriod") or []]
    out["chargingSchedule"] = [schedule]
    return out


@translates(V201, "start_transaction")
def request_start_transaction(id_tag: str, evse_network_id: str | None = None,
                              charging_profile: dict[str, Any] | None = None, profile_id: int = 1, *,
                              remote_start_id: int) -> Outgoing:
    """`remote_start_id` names the remote start (the pending session, or the authorization of a start
    without EVSE): the station reports it with the transaction, which then lands in that session even
    when the EVSE is not named or one id tag was sent twice. It is kept with the session too."""
    payload: dict[str, Any] = {"idToken": {"idToken": id_tag, "type": CENTRAL}, "remoteStartId": remote_start_id}
    if evse_network_id is not None:
        payload["evseId"] = int(evse_network_id)
    if charging_profile:
        payload["chargingProfile"] = charging_profile_201(charging_profile, profile_id)
    return Outgoing("RequestStartTransaction", payload)


@translates(V201, "stop_transaction")
def request_stop_transaction(transaction_id: str) -> Outgoing:
    return Outgoing("RequestStopTransaction", {"transactionId": transaction_id})
