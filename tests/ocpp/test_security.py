"""OCPP 1.6 security extension end to end: security profiles and Basic-auth passwords, certificates
signed by cpms's CA, root certificates installed/synced/deleted, security events, disconnect."""

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID
from ocpp.v16 import call, call_result
from sqlalchemy import select

from cpms.security import ca
from cpms.security.charger_secrets import verify_charger_password
from cpms.storage.tables.charge_points import charge_points
from cpms.storage.tables.security import charger_certificates, installed_certificates, security_events
from tests.conftest import client
from tests.ocpp.test_status import count, emitted, raw_exchange
from tests.support import seed
from tests.support.chargers import certificate_hash_data16, connect16
from tests.support.live import running
from tests.support.waiting import eventually

SECURITY_KEYS = {"AuthorizationKey": ("", False), "SecurityProfile": ("0", False)}




def make_root(directory: Path, name: str) -> str:
    """A self-signed root certificate written to `directory/name.pem`; returns the path."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
                   .serial_number(x509.random_serial_number()).not_valid_before(now)
                   .not_valid_after(now + dt.timedelta(days=30))
                   .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                   .sign(key, hashes.SHA256()))
    path = directory / f"{name}.pem"
    path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return str(path)


def csr_pem(common_name: str, key: Any) -> str:
    request = (x509.CertificateSigningRequestBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "CPO"),
                                        x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
               .sign(key, hashes.SHA256()))
    return request.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
async def live(settings, tmp_path):
    roots = {"CPMS_CSMS_ROOT_CERT": make_root(tmp_path, "csms-root"),
             "CPMS_MANUFACTURER_ROOT_CERT": make_root(tmp_path, "manufacturer-root"),
             "CPMS_V2G_ROOT_CERT": make_root(tmp_path, "v2g-root")}
    async with running(settings.with_(ocpp_call_timeout=2.0, extra=roots)) as r:
        yield r


def action(cp_id: int, name: str, version: str = "v2.0") -> str:
    return f"/public-api/actions/charge-point/{version}/{cp_id}/{name}"


async def secured(live, identity: str, **values: Any) -> dict[str, Any]:
    """A seeded charge point whose security columns are then set to `values`."""
    cp = await seed.charge_point(live.server.rt.db, identity)
    async with live.server.rt.db.write() as tx:
        await tx.conn.execute(charge_points.update().where(charge_points.c.id == cp["id"]).values(**values))
    return cp


async def profile_row(live, cp_id: int) -> Any:
    t = charge_points.c
    async with live.server.rt.db.read() as conn:
        return (await conn.execute(select(t.security_profile, t.desired_security_profile,
                                          t.desired_security_profile_status, t.network_password_hash)
                                   .where(t.id == cp_id))).one()


# -- security profiles and passwords ---------------------------------------------------------------


async def test_TC_073_CSMS_UpdateChargePointPassword_and_TC_085_BasicAuthentication(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-PW")
    async with connect16(live.ws_url, "CP-PW") as charger, client(live.base_url) as api:
        charger.configuration.update(SECURITY_KEYS)
        response = await api.post(action(cp["id"], "set-security-profile"),
                                  json={"setSecurityProfile": 1, "reason": "commissioning"})
        assert response.status_code == 202 and response.json()["success"] is True, response.text
        changes = [p for name, p in charger.received if name == "ChangeConfiguration"]
    password = changes[0]["value"]
    assert [c["key"] for c in changes] == ["AuthorizationKey", "SecurityProfile"] and changes[1]["value"] == "1"
    assert len(password) == 40 and int(password, 16) >= 0
    row = await profile_row(live, cp["id"])
    assert (row.security_profile, row.desired_security_profile, row.desired_security_profile_status) == (
        1, 1, "applied")
    assert verify_charger_password(password, row.network_password_hash) and password not in row.network_password_hash
    # TC_085: the charger comes back with its new credentials; anything else is refused at the handshake
    async with connect16(live.ws_url, "CP-PW", password=password) as charger:
        assert (await charger.call(call.Heartbeat())).current_time
    for wrong in (None, "0" * 40):
        with pytest.raises(websockets.InvalidStatus) as refused:
            async with connect16(live.ws_url, "CP-PW", password=wrong):
                pass
        assert refused.value.response.status_code == 401


async def test_TC_083_CSMS_UpgradeChargePointSecurityProfile_Accepted(live) -> None:
    cp = await secured(live, "CP-UP", security_profile=1)
    async with connect16(live.ws_url, "CP-UP") as charger, client(live.base_url) as api:
        charger.configuration.update(SECURITY_KEYS)
        response = await api.post(action(cp["id"], "set-security-profile"),
                                  json={"setSecurityProfile": 2, "reason": "TLS rollout"})
        assert response.status_code == 202, response.text
        keys = [p["key"] for name, p in charger.received if name == "ChangeConfiguration"]
        assert keys == ["AuthorizationKey", "SecurityProfile"]
        read = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}")).json()["data"]["security"]
    assert read["currentProfile"] == 2 and read["desiredProfile"] == 2 and read["desiredProfileStatus"] == "applied"
    assert any(e["source"] == "api" for e in await emitted(live.server.rt.db, "chargePoint.changed"))


async def test_a_charger_refusing_the_profile_leaves_it_rejected(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-UPR")
    async with connect16(live.ws_url, "CP-UPR") as charger, client(live.base_url) as api:
        charger.configuration.update({"AuthorizationKey": ("", False), "SecurityProfile": ("0", True)})
        response = await api.post(action(cp["id"], "set-security-profile"),
                                  json={"setSecurityProfile": 1, "reason": "try"})
        password = next(p["value"] for name, p in charger.received if name == "ChangeConfiguration")
    assert response.status_code == 406 and response.json()["success"] is False, response.text
    row = await profile_row(live, cp["id"])
    assert (row.security_profile, row.desired_security_profile, row.desired_security_profile_status) == (
        0, 1, "rejected")
    # the charger did take the password: cpms keeps it, or the charger could not come back
    assert verify_charger_password(password, row.network_password_hash)


@pytest.mark.parametrize("current, hardware, wanted, reason", [
    (1, None, 1, "already uses"), (0, 1, 2, "up to 1")])  # lowering from 2 needs TLS: tests/ocpp/test_tls.py
async def test_security_profile_rules_are_406_and_change_nothing(live, current, hardware, wanted, reason) -> None:
    attrs = {"security": {"hardwareEnabledProfile": hardware}} if hardware is not None else {}
    cp = await secured(live, "CP-RULE", security_profile=current, attrs=attrs)
    async with connect16(live.ws_url, "CP-RULE") as charger, client(live.base_url) as api:
        response = await api.post(action(cp["id"], "set-security-profile"),
                                  json={"setSecurityProfile": wanted, "reason": "x"})
        assert response.status_code == 406 and reason in response.json()["message"], response.text
        assert charger.received == []
    row = await profile_row(live, cp["id"])
    assert (row.security_profile, row.desired_security_profile, row.network_password_hash) == (current, None, None)


@pytest.mark.parametrize("body", [{"setSecurityProfile": 3, "reason": "x"}, {"setSecurityProfile": 1},
                                  {"setSecurityProfile": 1, "reason": "x" * 501}])
async def test_bad_security_profile_requests_are_422(live, body) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-RULE422")
    async with client(live.base_url) as api:
        response = await api.post(action(cp["id"], "set-security-profile"), json=body)
        offline = await api.post(action(cp["id"], "set-security-profile"),
                                 json={"setSecurityProfile": 1, "reason": "x"})
    assert response.status_code == 422 and offline.status_code == 406
    assert (await profile_row(live, cp["id"])).desired_security_profile is None


async def test_reset_security_profile_forgets_profile_and_password(live) -> None:
    from cpms.security.charger_secrets import hash_charger_password

    cp = await secured(live, "CP-RST", security_profile=2, desired_security_profile=2,
                       desired_security_profile_status="applied", network_password_hash=hash_charger_password("a" * 40))
    async with client(live.base_url) as api:
        response = await api.post(action(cp["id"], "reset-security-profile", "v1.0"))
        missing = await api.post(action(999999, "reset-security-profile", "v1.0"))
    assert response.status_code == 202 and missing.status_code == 404
    assert tuple(await profile_row(live, cp["id"])) == (0, None, None, None)
    # a factory-reset charger connects without credentials again
    async with connect16(live.ws_url, "CP-RST") as charger:
        assert (await charger.call(call.Heartbeat())).current_time


# -- certificates signed by cpms's CA ---------------------------------------------------------------


@pytest.mark.parametrize("key_kind", ["RSA", "ECDSA"])
async def test_TC_074_CSMS_UpdateChargePointCertificate(live, key_kind) -> None:
    key = rsa.generate_private_key(65537, 2048) if key_kind == "RSA" else ec.generate_private_key(ec.SECP256R1())
    await seed.charge_point(live.server.rt.db, "CP-CSR")
    async with connect16(live.ws_url, "CP-CSR") as charger:
        answer = await charger.call(call.SignCertificate(csr=csr_pem("CP-CSR", key)))
        assert answer.status == "Accepted"
        chain = (await charger.wait_for("CertificateSigned"))["certificate_chain"]
        issued = x509.load_pem_x509_certificate(chain.encode())
        authority = ca.authority(live.server.settings.data_dir)
        issued.verify_directly_issued_by(authority.certificate)
        assert issued.public_key().public_numbers() == key.public_key().public_numbers()
        assert issued.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CP-CSR"

        async def accepted() -> bool:
            async with live.server.rt.db.read() as conn:
                return (await conn.execute(select(charger_certificates.c.status))).scalar_one() == "accepted"

        await eventually(accepted)
    assert (Path(live.server.settings.data_dir) / "ca" / "ca.key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("make_csr", [
    lambda: "-----BEGIN CERTIFICATE REQUEST-----\nnot base64\n-----END CERTIFICATE REQUEST-----",
    lambda: csr_pem("SOMEONE-ELSE", ec.generate_private_key(ec.SECP256R1())),
    lambda: csr_pem("CP-CSRBAD", rsa.generate_private_key(65537, 1024)),
    lambda: csr_pem("CP-CSRBAD", ec.generate_private_key(ec.SECP192R1())),
])
async def test_unfit_certificate_requests_are_rejected_and_nothing_is_signed(live, make_csr) -> None:
    await seed.charge_point(live.server.rt.db, "CP-CSRBAD")
    async with connect16(live.ws_url, "CP-CSRBAD") as charger:
        assert (await charger.call(call.SignCertificate(csr=make_csr()))).status == "Rejected"
        assert (await charger.call(call.Heartbeat())).current_time
        assert charger.received == []
    assert await count(live.server.rt.db, charger_certificates) == 0


async def test_TC_077_CSMS_InvalidChargePointCertificate_SecurityEvent(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-CSRREJ")
    async with connect16(live.ws_url, "CP-CSRREJ") as charger:
        charger.answers["CertificateSigned"] = call_result.CertificateSigned(status="Rejected")
        key = ec.generate_private_key(ec.SECP256R1())
        assert (await charger.call(call.SignCertificate(csr=csr_pem("CP-CSRREJ", key)))).status == "Accepted"
        await charger.wait_for("CertificateSigned")
        await charger.call(call.SecurityEventNotification(type="InvalidChargePointCertificate",
                                                          timestamp="2026-05-02T08:00:00Z", tech_info="chain"))

        async def rejected() -> bool:
            async with db.read() as conn:
                return (await conn.execute(select(charger_certificates.c.status))).scalar_one() == "rejected"

        await eventually(rejected)
    assert [(e["type"], e["critical"], e["techInfo"]) for e in await emitted(db, "chargePoint.securityEvent")] == [
        ("InvalidChargePointCertificate", False, "chain")]


# -- root certificates on the charger ---------------------------------------------------------------


async def installed_rows(live) -> list[tuple[str, str]]:
    t = installed_certificates.c
    async with live.server.rt.db.read() as conn:
        rows = (await conn.execute(select(t.certificate_type, t.serial_number).order_by(t.id))).all()
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("certificate_type, use, setting", [
    ("CSMSRootCertificate", "CentralSystemRootCertificate", "CPMS_CSMS_ROOT_CERT"),
    ("ManufacturerRootCertificate", "ManufacturerRootCertificate", "CPMS_MANUFACTURER_ROOT_CERT")])
async def test_TC_075_CSMS_InstallCertificate_and_sync(live, certificate_type, use, setting) -> None:
    """TC_075_1 (Central System root) and TC_075_2 (Manufacturer root)."""
    cp = await seed.charge_point(live.server.rt.db, "CP-INST")
    pem = Path(live.server.settings.extra[setting]).read_text()
    async with connect16(live.ws_url, "CP-INST") as charger, client(live.base_url) as api:
        response = await api.post(action(cp["id"], "install-certificate"), json={"certificateType": certificate_type})
        assert response.status_code == 202 and response.json()["success"] is True, response.text
        assert await charger.wait_for("InstallCertificate") == {"certificate_type": use, "certificate": pem}
        synced = await api.post(action(cp["id"], "sync-certificates"), json={"certificateType": None})
        assert synced.status_code == 202, synced.text
        asked = [p["certificate_type"] for name, p in charger.received if name == "GetInstalledCertificateIds"]
    assert asked == ["CentralSystemRootCertificate", "ManufacturerRootCertificate"]
    # what cpms computed when installing is what the charger reports holding
    expected = certificate_hash_data16(pem)
    assert synced.json()["certificates"] == [{
        "certificateType": certificate_type, "hashAlgorithm": "SHA256", "issuerNameHash": expected["issuer_name_hash"],
        "issuerKeyHash": expected["issuer_key_hash"], "serialNumber": expected["serial_number"]}]
    assert await installed_rows(live) == [(certificate_type, expected["serial_number"])]


async def test_TC_076_CSMS_DeleteSpecificCertificate(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-DEL")
    async with connect16(live.ws_url, "CP-DEL") as charger, client(live.base_url) as api:
        csms_root = {"certificateType": "CSMSRootCertificate"}
        none_known = await api.post(action(cp["id"], "delete-certificate"), json=csms_root)
        assert none_known.status_code == 406 and "sync" in none_known.json()["message"]
        charger.certificates["CentralSystemRootCertificate"] = [
            Path(live.server.settings.extra["CPMS_CSMS_ROOT_CERT"]).read_text()]
        synced = await api.post(action(cp["id"], "sync-certificates"), json=csms_root)
        assert len(synced.json()["certificates"]) == 1
        response = await api.post(action(cp["id"], "delete-certificate"), json=csms_root)
        assert response.status_code == 202 and response.json() == {"success": True, "deleted": 1}, response.text
        sent = await charger.wait_for("DeleteCertificate")
    assert sent["certificate_hash_data"] == certificate_hash_data16(
        Path(live.server.settings.extra["CPMS_CSMS_ROOT_CERT"]).read_text())
    assert charger.certificates["CentralSystemRootCertificate"] == [] and await installed_rows(live) == []


async def test_TC_078_CSMS_InvalidCentralSystemCertificate_SecurityEvent(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CP-INSTREJ")
    async with connect16(live.ws_url, "CP-INSTREJ") as charger, client(live.base_url) as api:
        charger.answers["InstallCertificate"] = call_result.InstallCertificate(status="Rejected")
        response = await api.post(action(cp["id"], "install-certificate"),
                                  json={"certificateType": "CSMSRootCertificate"})
        await charger.call(call.SecurityEventNotification(type="InvalidCentralSystemCertificate",
                                                          timestamp="2026-05-02T09:00:00Z", tech_info=None))
    assert response.status_code == 406 and response.json()["status"] == "Rejected"
    assert await installed_rows(live) == []
    assert [e["type"] for e in await emitted(db, "chargePoint.securityEvent")] == ["InvalidCentralSystemCertificate"]


async def test_certificates_cpms_does_not_have_or_the_charger_cannot_hold(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-NOCERT")
    install = action(cp["id"], "install-certificate")
    async with connect16(live.ws_url, "CP-NOCERT") as charger, client(live.base_url) as api:
        unconfigured = await api.post(install, json={"certificateType": "MORootCertificate"})
        not_for_16 = await api.post(install, json={"certificateType": "V2GRootCertificate"})
        bad_type = await api.post(install, json={"certificateType": "Mine"})
        sync_v2g = await api.post(action(cp["id"], "sync-certificates"), json={"certificateType": "V2GRootCertificate"})
        assert charger.received == []
    assert unconfigured.status_code == 501 and "CPMS_MO_ROOT_CERT" in unconfigured.json()["message"]
    assert not_for_16.status_code == 422 and sync_v2g.status_code == 422 and bad_type.status_code == 422
    assert await installed_rows(live) == []


async def test_certificate_actions_on_an_offline_charger_are_406_and_change_nothing(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-CERTOFF")
    csms_root = {"certificateType": "CSMSRootCertificate"}
    async with client(live.base_url) as api:
        answers = [await api.post(action(cp["id"], name), json=body) for name, body in (
            ("install-certificate", csms_root), ("sync-certificates", csms_root),
            ("sync-certificates", {"certificateType": None}), ("delete-certificate", csms_root))]
    for response in answers:
        assert response.status_code == 406, response.text
        assert response.json()["success"] is False and "not connected" in response.json()["message"]
    assert await installed_rows(live) == []


# -- security events, disconnect ---------------------------------------------------------------------


async def test_security_events_are_kept_once_and_bad_ones_get_their_callerror(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CP-SEV")
    event = call.SecurityEventNotification(type="TamperDetectionActivated", timestamp="2026-05-03T10:00:00Z",
                                           tech_info="door")
    async with connect16(live.ws_url, "CP-SEV") as charger:
        await charger.call(event)
        await charger.call(event)  # the charger repeats it when our answer got lost
    answers = await raw_exchange(live.ws_url, "CP-SEV", [
        '[2, "1", "SecurityEventNotification", {"type": "ResetOrReboot"}]',
        f'[2, "2", "SecurityEventNotification", {{"type": "{"T" * 51}", "timestamp": "2026-05-03T10:00:00Z"}}]',
        '[2, "3", "SecurityEventNotification", {"type": "ResetOrReboot", "timestamp": "2026-05-03T10:00:00Z", '
        '"extra": 1}]',
        '[2, "4", "SignCertificate", {}]',
    ])
    assert [a[2] for a in answers] == ["OccurenceConstraintViolation", "TypeConstraintViolation",
                                       "FormationViolation", "OccurenceConstraintViolation"]
    assert await count(db, security_events) == 1
    assert [(e["type"], e["critical"]) for e in await emitted(db, "chargePoint.securityEvent")] == [
        ("TamperDetectionActivated", True)]


async def test_disconnect_closes_the_chargers_websocket(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CP-BYE")
    async with client(live.base_url) as api:
        async with websockets.connect(f"{live.ws_url}/CP-BYE", subprotocols=["ocpp1.6"]) as ws:
            await ws.send('[2, "1", "Heartbeat", {}]')
            await ws.recv()
            response = await api.post(action(cp["id"], "disconnect", "v1.0"), json={"reason": "maintenance " * 20})
            assert response.status_code == 202 and response.json() == {"success": True}
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await ws.recv()
            assert closed.value.rcvd.code == 1000 and closed.value.rcvd.reason.startswith("maintenance")
        gateway = live.server.rt.component("gateway")

        async def gone() -> bool:
            return not gateway.is_connected(cp["id"])

        await eventually(gone)
        again = await api.post(action(cp["id"], "disconnect", "v1.0"), json={"reason": "again"})
        no_reason = await api.post(action(cp["id"], "disconnect", "v1.0"), json={})
    assert again.status_code == 409 and "not connected" in again.json()["message"]
    assert no_reason.status_code == 422
