"""Security actions on a charge point: certificates and security profiles.

- install-certificate: installs the root certificate of the asked type that the operator gave
  cpms (`cpms.domain.certificates.ROOT_SETTINGS`; 501 when there is none) and remembers it;
- sync-certificates: asks the charger which certificates it holds (of one type, or of every type
  its protocol knows) and remembers exactly that;
- delete-certificate: deletes from the charger every certificate of the type cpms knows it holds
  (406 when it knows none: sync first);
- set-security-profile: raises the profile under the rules of `cpms.domain.security_profiles`
  (406 otherwise), giving the charger a new Basic-auth password first for profiles 1 and 2; an
  OCPP 2.0.1 station gets a network profile with cpms's URL, then that profile is made its first;
- reset-security-profile: forgets profile, wish and password (a factory-reset charger).
"""

from __future__ import annotations

import logging
from typing import Any

from cpms.api.actions.charger import answer, charge_point_id, refusal, run
from cpms.api.actions.maintenance import connected
from cpms.api.call import Call, Reply
from cpms.api.registry import registry
from cpms.domain import certificates, security_profiles
from cpms.errors import NotImplementedYet
from cpms.ocpp.commands import Unsupported, outgoing
from cpms.ocpp.versions import Version
from cpms.security.charger_secrets import hash_charger_password

log = logging.getLogger("cpms.api")


@registry.operation("chargePointInstallCertificate")
async def install_certificate(call: Call) -> Reply:
    certificate_type = call.body["certificateType"]
    try:
        pem = certificates.root_certificate(call.rt.settings.extra, certificate_type)
    except certificates.NoCertificate as exc:
        raise NotImplementedYet(str(exc)) from None
    cp_id, offline = await connected(call)
    if offline:
        return offline
    result = await run(call, cp_id, "install_certificate", {"certificate_type": certificate_type, "certificate": pem})
    if isinstance(result, Reply):
        return result
    if result.accepted:
        async with call.rt.db.write() as tx:
            await certificates.add_installed(tx, cp_id, certificate_type, certificates.hash_data(pem),
                                             call.rt.clock.now())
    return answer(call, result)


def types_to_sync(version: Version, wanted: str | None) -> list[str]:
    """The asked type, or every type the charger's protocol can be asked about."""
    if wanted is not None:
        return [wanted]
    found = []
    for certificate_type in certificates.SYNC_TYPES:
        try:
            outgoing(version, "get_installed_certificate_ids", {"certificate_type": certificate_type})
        except Unsupported:
            continue
        found.append(certificate_type)
    return found


@registry.operation("chargePointGetInstalledCertificateIds")
async def sync_certificates(call: Call) -> Reply:
    cp_id, offline = await connected(call)
    connection = call.rt.component("gateway").connection(cp_id) if not offline else None
    if connection is None:
        return offline or refusal(call, f"Charge point {cp_id} is not connected.", errorCode="OFFLINE")
    held: list[dict[str, Any]] = []
    for certificate_type in types_to_sync(connection.version, call.body.get("certificateType")):
        result = await run(call, cp_id, "get_installed_certificate_ids", {"certificate_type": certificate_type})
        if isinstance(result, Reply):
            return result
        if not result.accepted:
            return answer(call, result)
        items = [certificates.HashData.from_wire(item) for item in result.data.get("certificateHashData") or []]
        async with call.rt.db.write() as tx:
            kept = await certificates.replace_installed(tx, cp_id, certificate_type, items, call.rt.clock.now())
        held += [item.wire() for item in kept]
    return Reply({"success": True, "certificates": held}, call.op.success_status)


@registry.operation("chargePointDeleteCertificate")
async def delete_certificate(call: Call) -> Reply:
    certificate_type = call.body["certificateType"]
    cp_id, offline = await connected(call)
    if offline:
        return offline
    async with call.rt.db.read() as conn:
        known = await certificates.installed(conn, cp_id, certificate_type)
    if not known:
        return refusal(call, f"cpms knows no {certificate_type} on charge point {cp_id}; sync its certificates first.")
    deleted = 0
    for item in known:
        result = await run(call, cp_id, "delete_certificate", {"hash_data": item.hash_data.wire()})
        if isinstance(result, Reply):
            return result
        if not result.accepted:
            return answer(call, result, deleted=deleted)
        async with call.rt.db.write() as tx:
            await certificates.remove_installed(tx, cp_id, item.hash_data)
        deleted += 1
    return Reply({"success": True, "deleted": deleted}, call.op.success_status)


@registry.operation("chargePointSetSecurityProfile")
async def set_security_profile(call: Call) -> Reply:
    wanted = call.body["setSecurityProfile"]
    async with call.rt.db.read() as conn:
        cp_id = await charge_point_id(conn, call)
        state = await security_profiles.load(conn, cp_id)
    assert state is not None
    problem = security_profiles.refusal(state, wanted)
    if problem:
        return Reply({"success": False, "message": problem}, 406)
    _, offline = await connected(call)
    if offline:
        return offline
    log.info("raising the security profile of charge point %s to %s: %s", cp_id, wanted, call.body["reason"])
    async with call.rt.db.write() as tx:
        await security_profiles.begin(tx, cp_id, wanted, call.rt.clock.now())
    if security_profiles.needs_password(wanted):
        password = security_profiles.new_password()
        result = await run(call, cp_id, "set_basic_auth_password", {"password": password})
        if isinstance(result, Reply):
            return result
        if not result.accepted:
            async with call.rt.db.write() as tx:
                await security_profiles.finish(tx, cp_id, wanted, False, call.rt.clock.now())
            return answer(call, result)
        async with call.rt.db.write() as tx:
            await security_profiles.store_password(tx, cp_id, hash_charger_password(password), call.rt.clock.now())
    result = await run(call, cp_id, "set_security_profile",
                       {"profile": wanted, "csms_url": own_url(call, cp_id, wanted)})
    if isinstance(result, Reply):
        return result
    if result.accepted and has_command(call, cp_id, "prioritize_network_profile", {"profile": wanted}):
        result = await run(call, cp_id, "prioritize_network_profile", {"profile": wanted})
        if isinstance(result, Reply):
            return result
    async with call.rt.db.write() as tx:
        await security_profiles.finish(tx, cp_id, wanted, result.accepted, call.rt.clock.now())
    return answer(call, result)


def own_url(call: Call, cp_id: int, profile: int) -> str | None:
    """The URL a charger moving to `profile` connects to (OCPP 2.0.1 network profiles carry it)."""
    connection = call.rt.component("gateway").connection(cp_id)
    seen = connection.ctx.state.get("csms_url") if connection is not None else None
    return security_profiles.csms_url(call.rt.settings.extra, call.rt.settings.public_url, seen, profile)


def has_command(call: Call, cp_id: int, name: str, args: dict[str, Any]) -> bool:
    """Whether the charger's protocol has this step (2.0.1 makes a new network profile the one in use)."""
    connection = call.rt.component("gateway").connection(cp_id)
    if connection is None:
        return True  # asking will tell the API the charger is gone
    try:
        outgoing(connection.version, name, args)
    except Unsupported:
        return False
    return True


@registry.operation("chargePointResetSecurityProfile")
async def reset_security_profile(call: Call) -> Reply:
    async with call.rt.db.write() as tx:
        cp_id = await charge_point_id(tx.conn, call)
        await security_profiles.reset(tx, cp_id, call.rt.clock.now())
    return Reply({"success": True}, call.op.success_status)
