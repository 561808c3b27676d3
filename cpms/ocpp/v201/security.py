"""OCPP 2.0.1 security (functional blocks A and M): security events, certificates, security profiles.

Notifications: SecurityEventNotification; SignCertificate (Accepted when cpms's CA can sign the
request, the certificate follows in CertificateSigned once the answer is out; a V2GCertificate is
made a TLS server certificate, a ChargingStationCertificate a TLS client certificate).
Commands, the same intents as 1.6: `certificate_signed`, `install_certificate`,
`delete_certificate`, `get_installed_certificate_ids`, and for security profiles
`set_basic_auth_password` (SetVariables SecurityCtrlr.BasicAuthPassword), `set_security_profile`
(SetNetworkProfile into slot profile + 1) then `prioritize_network_profile` (SetVariables
OCPPCommCtrlr.NetworkConfigurationPriority = that slot), which only 2.0.1 needs.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cpms.domain import certificates
from cpms.ocpp.commands import Outgoing, Result, Unsupported, read_status, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V201
from cpms.security import ca
from cpms.storage.db import Tx

log = logging.getLogger("cpms.ocpp")

INSTALLABLE = ("V2GRootCertificate", "MORootCertificate", "CSMSRootCertificate", "ManufacturerRootCertificate")
INSTALLED_TYPES = INSTALLABLE + ("V2GCertificateChain",)
VARIABLE_ACCEPTED = ("Accepted", "RebootRequired")
MESSAGE_TIMEOUT = 30  # seconds the station waits for cpms's answers on the new connection
OCPP_INTERFACE = "Wired0"


def network_slot(profile: int) -> int:
    """The configuration slot a profile's connection data goes to: never slot 1, where stations
    keep the profile they were installed with."""
    return profile + 1


def _variable(component: str, variable: str, value: str) -> dict[str, Any]:
    return {"setVariableData": [{"component": {"name": component}, "variable": {"name": variable},
                                 "attributeValue": value}]}


def _read_variable(answer: dict[str, Any]) -> Result:
    """SetVariables answers one result per variable; cpms sets one."""
    item = (answer.get("setVariableResult") or [{}])[0]
    info = item.get("attributeStatusInfo") or {}
    message = f"{info.get('reasonCode')}: {info.get('additionalInfo') or ''}".strip(": ") if info else None
    status = item.get("attributeStatus")
    return Result(accepted=status in VARIABLE_ACCEPTED, status=status, data=answer, message=message)


@translates(V201, "certificate_signed")
def certificate_signed(chain: str, certificate_type: str = certificates.CHARGING_STATION_CERTIFICATE) -> Outgoing:
    return Outgoing("CertificateSigned", {"certificateChain": chain, "certificateType": certificate_type})


@translates(V201, "install_certificate")
def install_certificate(certificate_type: str, certificate: str) -> Outgoing:
    if certificate_type not in INSTALLABLE:
        raise Unsupported(f"OCPP 2.0.1 chargers cannot be given a {certificate_type}")
    return Outgoing("InstallCertificate", {"certificateType": certificate_type, "certificate": certificate})


@translates(V201, "delete_certificate")
def delete_certificate(hash_data: dict[str, str]) -> Outgoing:
    return Outgoing("DeleteCertificate", {"certificateHashData": hash_data},
                    read=lambda answer: read_status(answer, ("Accepted", "NotFound")))


@translates(V201, "get_installed_certificate_ids")
def get_installed_certificate_ids(certificate_type: str) -> Outgoing:
    if certificate_type not in INSTALLED_TYPES:
        raise Unsupported(f"OCPP 2.0.1 chargers hold no {certificate_type}")

    def read(answer: dict[str, Any]) -> Result:
        # 2.0.1 reports chains (each certificate with its type); cpms keeps the certificates of the asked type
        result = read_status(answer, ("Accepted", "NotFound"))
        result.data = {**answer, "certificateHashData": [
            chain["certificateHashData"] for chain in answer.get("certificateHashDataChain") or []
            if chain.get("certificateType") == certificate_type]}
        return result

    return Outgoing("GetInstalledCertificateIds", {"certificateType": [certificate_type]}, read=read)


@translates(V201, "set_basic_auth_password")
def set_basic_auth_password(password: str) -> Outgoing:
    return Outgoing("SetVariables", _variable("SecurityCtrlr", "BasicAuthPassword", password), read=_read_variable)


@translates(V201, "set_security_profile")
def set_security_profile(profile: int, csms_url: str | None = None) -> Outgoing:
    if not csms_url:
        raise Unsupported("cpms does not know its own OCPP URL: set CPMS_OCPP_URL (or CPMS_PUBLIC_URL)")
    return Outgoing("SetNetworkProfile", {"configurationSlot": network_slot(profile), "connectionData": {
        "ocppVersion": "OCPP20", "ocppTransport": "JSON", "ocppCsmsUrl": csms_url, "messageTimeout": MESSAGE_TIMEOUT,
        "securityProfile": profile, "ocppInterface": OCPP_INTERFACE}})


@translates(V201, "prioritize_network_profile")
def prioritize_network_profile(profile: int) -> Outgoing:
    # only the new slot: the old connection's credentials stop working once the password changed
    return Outgoing("SetVariables", _variable("OCPPCommCtrlr", "NetworkConfigurationPriority",
                                              str(network_slot(profile))), read=_read_variable)


@on(V201, "SignCertificate", once=True)
async def sign_certificate(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    settings = ctx.rt.settings
    certificate_type = payload.get("certificateType") or certificates.CHARGING_STATION_CERTIFICATE
    try:
        authority = await asyncio.to_thread(ca.authority, settings.data_dir, settings.tenant)
        issued = await asyncio.to_thread(ca.sign_csr, authority, payload["csr"], ctx.identity,
                                         certificates.charger_certificate_days(settings.extra),
                                         certificate_type == certificates.V2G_CERTIFICATE)
    except ca.CsrRefused as refused:
        log.info("refused the %s signing request of %s: %s", certificate_type, ctx.identity, refused)
        # why is for the log: the station learns only that cpms will not sign this request
        return {"status": "Rejected", "statusInfo": {"reasonCode": "InvalidCSR"}}
    now = ctx.now()

    async def job(tx: Tx) -> int:
        return await certificates.record_issued(tx, ctx.charge_point_id, issued, now, certificate_type)

    certificate_id = await ctx.rt.db.batch(job)

    async def deliver() -> None:
        gateway = ctx.rt.component("gateway")
        result = await gateway.command(ctx.charge_point_id, "certificate_signed", chain=issued.pem,
                                       certificate_type=certificate_type)
        if not result.accepted:
            log.warning("%s refused the %s cpms signed for it: %s", ctx.identity, certificate_type,
                        result.message or result.status)
        async with ctx.rt.db.write() as tx:
            await certificates.record_issued_answer(tx, certificate_id, result.accepted, ctx.now())

    ctx.after(deliver)
    return {"status": "Accepted"}
