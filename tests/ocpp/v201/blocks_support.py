"""A 2.0.1 test station for the status, security, firmware, diagnostics and display blocks.

`BlocksCharger201` is the shared `TestCharger201` plus answers to the commands of those blocks
(GetLog, UpdateFirmware, certificates, SetVariables, SetNetworkProfile), recording each; `connect`
opens it, with TLS when given. Payloads are the `ocpp` package's snake_case.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import websockets
from ocpp.routing import on
from ocpp.v201 import call_result

from tests.support.chargers import TestCharger201, certificate_hash_data16, connect201


class BlocksCharger201(TestCharger201):
    """Answers `answers[action]` when set, else what a willing station answers."""

    def __init__(self, identity: str, connection: Any) -> None:
        super().__init__(identity, connection)
        # root certificates installed: certificate type -> PEMs
        self.certificates: dict[str, list[str]] = {}

    def _answer(self, action: str, default: Any, payload: dict[str, Any]) -> Any:
        self._record(action, **payload)
        return self.answers.get(action) or default

    def sent(self, action: str) -> list[dict[str, Any]]:
        return [payload for name, payload in self.received if name == action]

    @on("GetLog")
    def on_get_log(self, **payload: Any) -> Any:
        return self._answer("GetLog", call_result.GetLog(status="Accepted", filename="station.log"), payload)

    @on("UpdateFirmware")
    def on_update_firmware(self, **payload: Any) -> Any:
        return self._answer("UpdateFirmware", call_result.UpdateFirmware(status="Accepted"), payload)

    @on("CertificateSigned")
    def on_certificate_signed(self, **payload: Any) -> Any:
        return self._answer("CertificateSigned", call_result.CertificateSigned(status="Accepted"), payload)

    @on("InstallCertificate")
    def on_install_certificate(self, **payload: Any) -> Any:
        answer = self._answer("InstallCertificate", call_result.InstallCertificate(status="Accepted"), payload)
        if answer.status == "Accepted":
            self.certificates.setdefault(payload["certificate_type"], []).append(payload["certificate"])
        return answer

    @on("GetInstalledCertificateIds")
    def on_get_installed_certificate_ids(self, **payload: Any) -> Any:
        kinds = payload.get("certificate_type") or list(self.certificates)
        chains = [{"certificate_type": kind, "certificate_hash_data": certificate_hash_data16(pem)}
                  for kind in kinds for pem in self.certificates.get(kind, [])]
        default = (call_result.GetInstalledCertificateIds(status="Accepted", certificate_hash_data_chain=chains)
                   if chains else call_result.GetInstalledCertificateIds(status="NotFound"))
        return self._answer("GetInstalledCertificateIds", default, payload)

    @on("DeleteCertificate")
    def on_delete_certificate(self, **payload: Any) -> Any:
        wanted = payload["certificate_hash_data"]
        found = [(kind, pem) for kind, pems in self.certificates.items() for pem in pems
                 if certificate_hash_data16(pem) == wanted]
        answer = self._answer("DeleteCertificate",
                              call_result.DeleteCertificate(status="Accepted" if found else "NotFound"), payload)
        if answer.status == "Accepted":
            for kind, pem in found:
                self.certificates[kind].remove(pem)
        return answer

    @on("SetVariables")
    def on_set_variables(self, **payload: Any) -> Any:
        results = [{"attribute_status": "Accepted", "component": item["component"], "variable": item["variable"]}
                   for item in payload["set_variable_data"]]
        return self._answer("SetVariables", call_result.SetVariables(set_variable_result=results), payload)

    @on("SetNetworkProfile")
    def on_set_network_profile(self, **payload: Any) -> Any:
        return self._answer("SetNetworkProfile", call_result.SetNetworkProfile(status="Accepted"), payload)


@asynccontextmanager
async def connect(ws_base: str, identity: str, password: str | None = None,
                  tls: ssl.SSLContext | None = None) -> AsyncIterator[BlocksCharger201]:
    async with connect201(ws_base, identity, password, charger_class=BlocksCharger201, tls=tls) as charger:
        yield charger  # type: ignore[misc]


async def raw_exchange(ws_url: str, identity: str, frames: list[str]) -> list[list[Any]]:
    """Send raw OCPP-J frames as a 2.0.1 station, one by one, and return the answers."""
    answers = []
    async with websockets.connect(f"{ws_url}/{identity}", subprotocols=["ocpp2.0.1"]) as ws:
        for frame in frames:
            await ws.send(frame)
            answers.append(json.loads(await ws.recv()))
    return answers
