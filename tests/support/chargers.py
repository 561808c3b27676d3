"""Chargers for tests: the `ocpp` package's charge point side over a real WebSocket.

`TestCharger16` answers every command the central system may send and records it, so tests
can assert on what reached the charger and choose its answers.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as ChargePoint16
from ocpp.v16 import call_result as result16
from ocpp.v16.enums import Action
from ocpp.v201 import ChargePoint as ChargePoint201
from ocpp.v201 import call_result as result201


# A 1.6 charger's configuration as GetConfiguration reports it: key -> (value, readonly)
CONFIGURATION16 = {"HeartbeatInterval": ("300", False), "MeterValueSampleInterval": ("60", False),
                   "NumberOfConnectors": ("2", True), "AuthorizeRemoteTxRequests": ("true", False),
                   "SupportedFeatureProfiles": ("Core,SmartCharging,RemoteTrigger,LocalAuthListManagement", True)}


class TestCharger16(ChargePoint16):
    """Records every CALL from the server in `received` and answers with `answers[action]` or Accepted."""

    def __init__(self, identity: str, connection: Any) -> None:
        super().__init__(identity, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, Any] = {}
        self.got_call = asyncio.Event()
        # root certificates installed with InstallCertificate: 1.6 certificate type -> PEMs
        self.certificates: dict[str, list[str]] = {}
        # what GetConfiguration reports and ChangeConfiguration changes: key -> (value, readonly)
        self.configuration: dict[str, tuple[str, bool]] = dict(CONFIGURATION16)
        self.local_list_version = 0

    def _record(self, action: str, **payload: Any) -> None:
        self.received.append((action, payload))
        self.got_call.set()

    def _answer(self, action: str, default: Any, payload: dict[str, Any]) -> Any:
        self._record(action, **payload)
        return self.answers.get(action) or default

    async def wait_for(self, action: str, timeout: float = 10.0) -> dict[str, Any]:
        async def waiter() -> dict[str, Any]:
            while True:
                for name, payload in self.received:
                    if name == action:
                        return payload
                self.got_call.clear()
                await self.got_call.wait()

        return await asyncio.wait_for(waiter(), timeout)

    @on(Action.reset)
    def on_reset(self, **payload: Any) -> Any:
        self._record("Reset", **payload)
        return self.answers.get("Reset") or result16.Reset(status="Accepted")

    # -- transactions and reservations ----------------------------------------------------------

    @on(Action.remote_start_transaction)
    def on_remote_start_transaction(self, **payload: Any) -> Any:
        self._record("RemoteStartTransaction", **payload)
        return self.answers.get("RemoteStartTransaction") or result16.RemoteStartTransaction(status="Accepted")

    @on(Action.remote_stop_transaction)
    def on_remote_stop_transaction(self, **payload: Any) -> Any:
        self._record("RemoteStopTransaction", **payload)
        return self.answers.get("RemoteStopTransaction") or result16.RemoteStopTransaction(status="Accepted")

    @on(Action.reserve_now)
    def on_reserve_now(self, **payload: Any) -> Any:
        self._record("ReserveNow", **payload)
        return self.answers.get("ReserveNow") or result16.ReserveNow(status="Accepted")

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, **payload: Any) -> Any:
        self._record("CancelReservation", **payload)
        return self.answers.get("CancelReservation") or result16.CancelReservation(status="Accepted")

    # -- configuration, smart charging, remote control, local list ----------------------------

    @on(Action.get_configuration)
    def on_get_configuration(self, **payload: Any) -> Any:
        keys = payload.get("key") or list(self.configuration)
        known = [{"key": k, "value": self.configuration[k][0], "readonly": self.configuration[k][1]}
                 for k in keys if k in self.configuration]
        unknown = [k for k in keys if k not in self.configuration] or None
        return self._answer("GetConfiguration", result16.GetConfiguration(configuration_key=known, unknown_key=unknown),
                            payload)

    @on(Action.change_configuration)
    def on_change_configuration(self, **payload: Any) -> Any:
        key, value = payload["key"], payload["value"]
        status = "NotSupported" if key not in self.configuration else "Rejected" if self.configuration[key][1] else "Accepted"
        answer = self._answer("ChangeConfiguration", result16.ChangeConfiguration(status=status), payload)
        if answer.status in ("Accepted", "RebootRequired"):
            self.configuration[key] = (value, False)
        return answer

    @on(Action.set_charging_profile)
    def on_set_charging_profile(self, **payload: Any) -> Any:
        return self._answer("SetChargingProfile", result16.SetChargingProfile(status="Accepted"), payload)

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(self, **payload: Any) -> Any:
        return self._answer("ClearChargingProfile", result16.ClearChargingProfile(status="Accepted"), payload)

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(self, **payload: Any) -> Any:
        return self._answer("GetCompositeSchedule", result16.GetCompositeSchedule(status="Rejected"), payload)

    @on(Action.change_availability)
    def on_change_availability(self, **payload: Any) -> Any:
        return self._answer("ChangeAvailability", result16.ChangeAvailability(status="Accepted"), payload)

    @on(Action.unlock_connector)
    def on_unlock_connector(self, **payload: Any) -> Any:
        return self._answer("UnlockConnector", result16.UnlockConnector(status="Unlocked"), payload)

    @on(Action.trigger_message)
    def on_trigger_message(self, **payload: Any) -> Any:
        return self._answer("TriggerMessage", result16.TriggerMessage(status="Accepted"), payload)

    @on(Action.data_transfer)
    def on_data_transfer(self, **payload: Any) -> Any:
        return self._answer("DataTransfer", result16.DataTransfer(status="UnknownVendorId"), payload)

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **payload: Any) -> Any:
        return self._answer("GetLocalListVersion", result16.GetLocalListVersion(list_version=self.local_list_version),
                            payload)

    @on(Action.send_local_list)
    def on_send_local_list(self, **payload: Any) -> Any:
        answer = self._answer("SendLocalList", result16.SendLocalList(status="Accepted"), payload)
        if answer.status == "Accepted":
            self.local_list_version = payload["list_version"]
        return answer

    @on(Action.clear_cache)
    def on_clear_cache(self, **payload: Any) -> Any:
        return self._answer("ClearCache", result16.ClearCache(status="Accepted"), payload)

    # -- firmware, diagnostics and the security extension --------------------------------------

    @on(Action.get_diagnostics)
    def on_get_diagnostics(self, **payload: Any) -> Any:
        self._record("GetDiagnostics", **payload)
        return self.answers.get("GetDiagnostics") or result16.GetDiagnostics(file_name="diagnostics.zip")

    @on(Action.get_log)
    def on_get_log(self, **payload: Any) -> Any:
        self._record("GetLog", **payload)
        return self.answers.get("GetLog") or result16.GetLog(status="Accepted", filename="security.log")

    @on(Action.update_firmware)
    def on_update_firmware(self, **payload: Any) -> Any:
        self._record("UpdateFirmware", **payload)
        return self.answers.get("UpdateFirmware") or result16.UpdateFirmware()

    @on(Action.signed_update_firmware)
    def on_signed_update_firmware(self, **payload: Any) -> Any:
        self._record("SignedUpdateFirmware", **payload)
        return self.answers.get("SignedUpdateFirmware") or result16.SignedUpdateFirmware(status="Accepted")

    @on(Action.certificate_signed)
    def on_certificate_signed(self, **payload: Any) -> Any:
        self._record("CertificateSigned", **payload)
        return self.answers.get("CertificateSigned") or result16.CertificateSigned(status="Accepted")

    @on(Action.install_certificate)
    def on_install_certificate(self, **payload: Any) -> Any:
        self._record("InstallCertificate", **payload)
        answer = self.answers.get("InstallCertificate") or result16.InstallCertificate(status="Accepted")
        if answer.status == "Accepted":
            self.certificates.setdefault(payload["certificate_type"], []).append(payload["certificate"])
        return answer

    @on(Action.get_installed_certificate_ids)
    def on_get_installed_certificate_ids(self, **payload: Any) -> Any:
        self._record("GetInstalledCertificateIds", **payload)
        held = [certificate_hash_data16(pem) for pem in self.certificates.get(payload["certificate_type"], [])]
        return self.answers.get("GetInstalledCertificateIds") or (
            result16.GetInstalledCertificateIds(status="Accepted", certificate_hash_data=held) if held
            else result16.GetInstalledCertificateIds(status="NotFound"))

    @on(Action.delete_certificate)
    def on_delete_certificate(self, **payload: Any) -> Any:
        self._record("DeleteCertificate", **payload)
        wanted = payload["certificate_hash_data"]
        found = [(kind, pem) for kind, pems in self.certificates.items() for pem in pems
                 if certificate_hash_data16(pem) == wanted]
        answer = self.answers.get("DeleteCertificate") or result16.DeleteCertificate(
            status="Accepted" if found else "NotFound")
        if answer.status == "Accepted":
            for kind, pem in found:
                self.certificates[kind].remove(pem)
        return answer


def certificate_hash_data16(pem: str) -> dict[str, str]:
    """A root certificate's OCPP CertificateHashData as a charger computes it (SHA-256, snake_case keys)."""
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    certificate = x509.load_pem_x509_certificate(pem.encode())
    key = certificate.public_key()
    key_bits = (key.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)
                if isinstance(key, ec.EllipticCurvePublicKey) else key.public_bytes(Encoding.DER, PublicFormat.PKCS1))
    return {"hash_algorithm": "SHA256", "issuer_name_hash": hashlib.sha256(certificate.issuer.public_bytes()).hexdigest(),
            "issuer_key_hash": hashlib.sha256(key_bits).hexdigest(),
            "serial_number": format(certificate.serial_number, "x")}


@asynccontextmanager
async def connected(charger_class: type[Any], ws_base: str, identity: str, password: str | None,
                    subprotocols: tuple[str, ...], tls: ssl.SSLContext | None = None) -> AsyncIterator[Any]:
    """A test charger of `charger_class` connected as `identity` and serving until the block ends."""
    headers = {}
    if password is not None:
        token = base64.b64encode(f"{identity}:{password}".encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    async with websockets.connect(f"{ws_base}/{identity}", subprotocols=list(subprotocols),
                                  additional_headers=headers, open_timeout=10, ssl=tls) as ws:
        charger = charger_class(identity, ws)
        task = asyncio.get_running_loop().create_task(charger.start())
        try:
            yield charger
        finally:
            task.cancel()
            try:
                await task
            except (asyncio.CancelledError, websockets.ConnectionClosed):
                pass


@asynccontextmanager
async def connect16(ws_base: str, identity: str, password: str | None = None,
                    subprotocols: tuple[str, ...] = ("ocpp1.6",),
                    tls: ssl.SSLContext | None = None) -> AsyncIterator[TestCharger16]:
    async with connected(TestCharger16, ws_base, identity, password, subprotocols, tls) as charger:
        yield charger


class TestCharger201(ChargePoint201):
    """The 2.0.1 twin of TestCharger16: records the server's CALLs and answers as told."""

    def __init__(self, identity: str, connection: Any) -> None:
        super().__init__(identity, connection, response_timeout=10)
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.answers: dict[str, Any] = {}
        self.got_call = asyncio.Event()

    _record = TestCharger16._record
    wait_for = TestCharger16.wait_for

    @on(Action.reset)
    def on_reset(self, **payload: Any) -> Any:
        self._record("Reset", **payload)
        return self.answers.get("Reset") or result201.Reset(status="Accepted")

    # -- transactions and reservations ----------------------------------------------------------

    @on("RequestStartTransaction")
    def on_request_start_transaction(self, **payload: Any) -> Any:
        self._record("RequestStartTransaction", **payload)
        return self.answers.get("RequestStartTransaction") or result201.RequestStartTransaction(status="Accepted")

    @on("RequestStopTransaction")
    def on_request_stop_transaction(self, **payload: Any) -> Any:
        self._record("RequestStopTransaction", **payload)
        return self.answers.get("RequestStopTransaction") or result201.RequestStopTransaction(status="Accepted")

    @on("ReserveNow")
    def on_reserve_now(self, **payload: Any) -> Any:
        self._record("ReserveNow", **payload)
        return self.answers.get("ReserveNow") or result201.ReserveNow(status="Accepted")

    @on("CancelReservation")
    def on_cancel_reservation(self, **payload: Any) -> Any:
        self._record("CancelReservation", **payload)
        return self.answers.get("CancelReservation") or result201.CancelReservation(status="Accepted")


@asynccontextmanager
async def connect201(ws_base: str, identity: str, password: str | None = None,
                     subprotocols: tuple[str, ...] = ("ocpp2.0.1",),
                     charger_class: type[TestCharger201] | None = None,
                     tls: ssl.SSLContext | None = None) -> AsyncIterator[TestCharger201]:
    async with connected(charger_class or TestCharger201, ws_base, identity, password, subprotocols,
                         tls) as charger:
        yield charger
