"""OCPP 1.6 security extension: security events, certificates, security profiles.

Notifications: SecurityEventNotification, SignCertificate (answered Accepted when cpms's CA can
sign the request, then the certificate follows in CertificateSigned once the answer is out).
Commands: `certificate_signed`, `install_certificate`, `delete_certificate`,
`get_installed_certificate_ids`, and the security profile's `set_basic_auth_password` /
`set_security_profile` (ChangeConfiguration of AuthorizationKey / SecurityProfile).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from cpms.clock import parse_iso
from cpms.domain import certificates
from cpms.domain.security_events import record_security_event
from cpms.ocpp.commands import Outgoing, Unsupported, read_status, translates
from cpms.ocpp.context import ChargerContext
from cpms.ocpp.routing import on
from cpms.ocpp.versions import V16, V201
from cpms.security import ca
from cpms.storage.db import Tx

log = logging.getLogger("cpms.ocpp")

# OCPP 2.0.1 type names (cpms's) -> the 1.6 extension's CertificateUseEnumType
CERTIFICATE_USE = {"CSMSRootCertificate": "CentralSystemRootCertificate",
                   "ManufacturerRootCertificate": "ManufacturerRootCertificate"}
CONFIGURATION_ACCEPTED = ("Accepted", "RebootRequired")


def _use(certificate_type: str) -> str:
    use = CERTIFICATE_USE.get(certificate_type)
    if use is None:
        raise Unsupported(f"OCPP 1.6 chargers hold no {certificate_type}")
    return use


@translates(V16, "certificate_signed")
def certificate_signed(chain: str, certificate_type: str = "ChargingStationCertificate") -> Outgoing:
    if certificate_type != "ChargingStationCertificate":
        raise Unsupported(f"OCPP 1.6 chargers hold no {certificate_type}")
    return Outgoing("CertificateSigned", {"certificateChain": chain})


@translates(V16, "install_certificate")
def install_certificate(certificate_type: str, certificate: str) -> Outgoing:
    return Outgoing("InstallCertificate", {"certificateType": _use(certificate_type), "certificate": certificate})


@translates(V16, "delete_certificate")
def delete_certificate(hash_data: dict[str, str]) -> Outgoing:
    return Outgoing("DeleteCertificate", {"certificateHashData": hash_data},
                    read=lambda answer: read_status(answer, ("Accepted", "NotFound")))


@translates(V16, "get_installed_certificate_ids")
def get_installed_certificate_ids(certificate_type: str) -> Outgoing:
    # NotFound is an answer too: the charger holds none of that type
    return Outgoing("GetInstalledCertificateIds", {"certificateType": _use(certificate_type)},
                    read=lambda answer: read_status(answer, ("Accepted", "NotFound")))


@translates(V16, "set_basic_auth_password")
def set_basic_auth_password(password: str) -> Outgoing:
    return Outgoing("ChangeConfiguration", {"key": "AuthorizationKey", "value": password},
                    read=lambda answer: read_status(answer, CONFIGURATION_ACCEPTED))


@translates(V16, "set_security_profile")
def set_security_profile(profile: int, csms_url: str | None = None) -> Outgoing:
    # a 1.6 charger keeps its central system URL: `csms_url` is for 2.0.1's network profiles
    return Outgoing("ChangeConfiguration", {"key": "SecurityProfile", "value": str(profile)},
                    read=lambda answer: read_status(answer, CONFIGURATION_ACCEPTED))


# the same message in both versions: one handler
@on((V16, V201), "SecurityEventNotification", once=True)
async def security_event_notification(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    now = ctx.now()
    timestamp = parse_iso(payload["timestamp"])

    async def job(tx: Tx) -> Any:
        return await record_security_event(tx, ctx.charge_point_id, payload["type"], timestamp,
                                           payload.get("techInfo"), now)

    await ctx.rt.db.batch(job)
    return {}


@on(V16, "SignCertificate", once=True)
async def sign_certificate(ctx: ChargerContext, payload: dict[str, Any]) -> dict[str, Any]:
    settings = ctx.rt.settings
    try:
        authority = await asyncio.to_thread(ca.authority, settings.data_dir, settings.tenant)
        issued = await asyncio.to_thread(ca.sign_csr, authority, payload["csr"], ctx.identity,
                                         certificates.charger_certificate_days(settings.extra))
    except ca.CsrRefused as refused:
        log.info("refused the certificate signing request of %s: %s", ctx.identity, refused)
        return {"status": "Rejected"}
    now = ctx.now()

    async def job(tx: Tx) -> int:
        return await certificates.record_issued(tx, ctx.charge_point_id, issued, now)

    certificate_id = await ctx.rt.db.batch(job)

    async def deliver() -> None:
        gateway = ctx.rt.component("gateway")
        result = await gateway.command(ctx.charge_point_id, "certificate_signed", chain=issued.pem,
                                       certificate_type="ChargingStationCertificate")
        if not result.accepted:
            log.warning("%s refused the certificate cpms signed for it: %s", ctx.identity,
                        result.message or result.status)
        async with ctx.rt.db.write() as tx:
            await certificates.record_issued_answer(tx, certificate_id, result.accepted, ctx.now())

    ctx.after(deliver)
    return {"status": "Accepted"}
