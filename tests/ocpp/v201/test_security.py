"""OCPP 2.0.1 security end to end, through the same API actions and domain as 1.6: passwords and
security profiles (SetVariables, SetNetworkProfile), certificates cpms's CA signs (charging station
and V2G), root certificates installed/synced/deleted, security events, ISO 15118 and OCSP requests."""

import asyncio
import base64
import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
import websockets
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509 import ocsp
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from ocpp.v201 import call, call_result
from sqlalchemy import select

from cpms.security import ca
from cpms.security.charger_secrets import verify_charger_password
from cpms.storage.tables.ocpp import charger_reports
from cpms.storage.tables.security import charger_certificates, installed_certificates, security_events
from tests.conftest import client
from tests.ocpp.test_security import action, csr_pem, make_root, profile_row, secured
from tests.support.waiting import eventually
from tests.ocpp.test_status import count, emitted
from tests.ocpp.v201.blocks_support import connect, raw_exchange
from tests.support import seed
from tests.support.chargers import certificate_hash_data16
from tests.support.live import running

T = "2026-05-02T08:00:00Z"


@pytest.fixture
async def live(settings, tmp_path):
    roots = {"CPMS_CSMS_ROOT_CERT": make_root(tmp_path, "csms-root"),
             "CPMS_V2G_ROOT_CERT": make_root(tmp_path, "v2g-root")}
    async with running(settings.with_(ocpp_call_timeout=2.0, extra=roots)) as r:
        yield r


def variables(charger) -> list[tuple[str, str, str]]:
    return [(item["component"]["name"], item["variable"]["name"], item["attribute_value"])
            for payload in charger.sent("SetVariables") for item in payload["set_variable_data"]]


# -- passwords and security profiles ---------------------------------------------------------------


async def test_TC_A_09_CSMS_UpdateChargingStationPassword_Accepted_and_TC_A_01_BasicAuthentication(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-PW", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-PW") as charger, client(live.base_url) as api:
        response = await api.post(action(cp["id"], "set-security-profile"),
                                  json={"setSecurityProfile": 1, "reason": "commissioning"})
        assert response.status_code == 202 and response.json()["success"] is True, response.text
    [(component, variable, password), priority] = variables(charger)
    assert (component, variable) == ("SecurityCtrlr", "BasicAuthPassword") and len(password) == 40
    assert priority == ("OCPPCommCtrlr", "NetworkConfigurationPriority", "2")
    [profile] = charger.sent("SetNetworkProfile")
    assert profile["configuration_slot"] == 2
    assert profile["connection_data"] == {
        "ocpp_version": "OCPP20", "ocpp_transport": "JSON", "ocpp_csms_url": f"{live.ws_url.rsplit('/', 1)[0]}/ocpp",
        "message_timeout": 30, "security_profile": 1, "ocpp_interface": "Wired0"}
    row = await profile_row(live, cp["id"])
    assert (row.security_profile, row.desired_security_profile_status) == (1, "applied")
    assert verify_charger_password(password, row.network_password_hash)
    async with connect(live.ws_url, "CS-PW", password=password) as charger:
        assert (await charger.call(call.Heartbeat())).current_time
    # TC_A_03: a wrong password never gets to OCPP
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect(live.ws_url, "CS-PW", password="0" * 40):
            pass
    assert refused.value.response.status_code == 401


async def test_TC_A_10_CSMS_UpdateChargingStationPassword_Rejected(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-PWR", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-PWR") as charger, client(live.base_url) as api:
        charger.answers["SetVariables"] = call_result.SetVariables(set_variable_result=[{
            "attribute_status": "Rejected", "component": {"name": "SecurityCtrlr"},
            "variable": {"name": "BasicAuthPassword"}}])
        response = await api.post(action(cp["id"], "set-security-profile"),
                                  json={"setSecurityProfile": 1, "reason": "try"})
        assert charger.sent("SetNetworkProfile") == []
    assert response.status_code == 406 and response.json()["status"] == "Rejected", response.text
    row = await profile_row(live, cp["id"])
    assert (row.security_profile, row.desired_security_profile_status, row.network_password_hash) == (
        0, "rejected", None)


async def test_TC_A_19_CSMS_UpgradeChargingStationSecurityProfile_Accepted(settings) -> None:
    extra = {"CPMS_OCPP_URL": "https://cpms.example.com/ocpp/"}
    async with running(settings.with_(ocpp_call_timeout=2.0, extra=extra)) as live:
        cp = await secured(live, "CS-UP", security_profile=1, network_protocol="ocpp 2.0.1")
        async with connect(live.ws_url, "CS-UP") as charger, client(live.base_url) as api:
            response = await api.post(action(cp["id"], "set-security-profile"),
                                      json={"setSecurityProfile": 2, "reason": "TLS rollout"})
            assert response.status_code == 202, response.text
            read = (await api.get(f"/public-api/resources/charge-points/v2.0/{cp['id']}")).json()["data"]["security"]
        [profile] = charger.sent("SetNetworkProfile")
    assert profile["configuration_slot"] == 3 and profile["connection_data"]["security_profile"] == 2
    assert profile["connection_data"]["ocpp_csms_url"] == "wss://cpms.example.com/ocpp"
    assert variables(charger)[-1] == ("OCPPCommCtrlr", "NetworkConfigurationPriority", "3")
    assert (read["currentProfile"], read["desiredProfile"], read["desiredProfileStatus"]) == (2, 2, "applied")


async def test_a_network_profile_the_station_refuses_leaves_the_profile_rejected(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-NPR", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-NPR") as charger, client(live.base_url) as api:
        charger.answers["SetNetworkProfile"] = call_result.SetNetworkProfile(status="Rejected")
        response = await api.post(action(cp["id"], "set-security-profile"),
                                  json={"setSecurityProfile": 1, "reason": "x"})
        assert [v for _, v, _ in variables(charger)] == ["BasicAuthPassword"]
    assert response.status_code == 406 and response.json()["status"] == "Rejected"
    row = await profile_row(live, cp["id"])
    assert (row.security_profile, row.desired_security_profile_status) == (0, "rejected")


# -- certificates signed by cpms's CA ---------------------------------------------------------------


async def signed(live, identity: str, certificate_type: str | None) -> tuple[x509.Certificate, dict[str, Any]]:
    key = ec.generate_private_key(ec.SECP256R1())
    async with connect(live.ws_url, identity) as charger:
        answer = await charger.call(call.SignCertificate(csr=csr_pem(identity, key), certificate_type=certificate_type))
        assert answer.status == "Accepted"
        sent = await charger.wait_for("CertificateSigned")

        async def answered() -> bool:
            async with live.server.rt.db.read() as conn:
                return (await conn.execute(select(charger_certificates.c.status))).scalar_one() != "issued"

        await eventually(answered)
    issued = x509.load_pem_x509_certificate(sent["certificate_chain"].encode())
    issued.verify_directly_issued_by(ca.authority(live.server.settings.data_dir).certificate)
    assert issued.public_key().public_numbers() == key.public_key().public_numbers()
    return issued, sent


@pytest.mark.parametrize("certificate_type, usage", [
    (None, ExtendedKeyUsageOID.CLIENT_AUTH),
    ("ChargingStationCertificate", ExtendedKeyUsageOID.CLIENT_AUTH),
    ("V2GCertificate", ExtendedKeyUsageOID.SERVER_AUTH)])
async def test_TC_A_11_and_TC_A_12_CSMS_UpdateChargingStationCertificate(live, certificate_type, usage) -> None:
    """TC_A_11 (charging station certificate: TLS client) and TC_A_12 (V2G certificate: TLS server to the EV)."""
    await seed.charge_point(live.server.rt.db, "CS-CSR", protocol="ocpp 2.0.1")
    issued, sent = await signed(live, "CS-CSR", certificate_type)
    kind = certificate_type or "ChargingStationCertificate"
    assert sent["certificate_type"] == kind
    assert list(issued.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value) == [usage]
    assert issued.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "CS-CSR"
    async with live.server.rt.db.read() as conn:
        row = (await conn.execute(select(charger_certificates.c.certificate_type, charger_certificates.c.status))).one()
    assert tuple(row) == (kind, "accepted")


async def test_TC_A_14_CSMS_UpdateChargingStationCertificate_InvalidCertificate(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CS-CSRREJ", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-CSRREJ") as charger:
        charger.answers["CertificateSigned"] = call_result.CertificateSigned(status="Rejected")
        key = ec.generate_private_key(ec.SECP256R1())
        assert (await charger.call(call.SignCertificate(csr=csr_pem("CS-CSRREJ", key)))).status == "Accepted"
        await charger.wait_for("CertificateSigned")
        await charger.call(call.SecurityEventNotification(type="InvalidChargingStationCertificate", timestamp=T,
                                                          tech_info="chain"))

        async def rejected() -> bool:
            async with db.read() as conn:
                return (await conn.execute(select(charger_certificates.c.status))).scalar_one() == "rejected"

        await eventually(rejected)
    assert [(e["type"], e["critical"]) for e in await emitted(db, "chargePoint.securityEvent")] == [
        ("InvalidChargingStationCertificate", False)]


async def test_a_request_for_another_identity_is_rejected_and_nothing_is_signed(live) -> None:
    await seed.charge_point(live.server.rt.db, "CS-CSRBAD", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-CSRBAD") as charger:
        csr = csr_pem("SOMEONE-ELSE", ec.generate_private_key(ec.SECP256R1()))
        answer = await charger.call(call.SignCertificate(csr=csr, certificate_type="V2GCertificate"))
        assert (answer.status, answer.status_info["reason_code"]) == ("Rejected", "InvalidCSR")
        assert (await charger.call(call.Heartbeat())).current_time
        assert charger.received == []
    assert await count(live.server.rt.db, charger_certificates) == 0


async def test_security_events_are_kept_once_and_a_bad_one_gets_its_callerror(live) -> None:
    db = live.server.rt.db
    await seed.charge_point(db, "CS-SEV", protocol="ocpp 2.0.1")
    event = call.SecurityEventNotification(type="TamperDetectionActivated", timestamp=T, tech_info="door")
    async with connect(live.ws_url, "CS-SEV") as charger:
        await charger.call(event)
        await charger.call(event)
    answers = await raw_exchange(live.ws_url, "CS-SEV", [
        '[2, "1", "SecurityEventNotification", {"type": "ResetOrReboot"}]',
        '[2, "2", "SignCertificate", {"csr": "x", "certificateType": "MyCertificate"}]',
    ])
    assert [a[2] for a in answers] == ["OccurrenceConstraintViolation", "PropertyConstraintViolation"]
    assert await count(db, security_events) == 1 and await count(db, charger_certificates) == 0
    assert [(e["type"], e["critical"]) for e in await emitted(db, "chargePoint.securityEvent")] == [
        ("TamperDetectionActivated", True)]


# -- root certificates on the station ---------------------------------------------------------------


async def installed_rows(live) -> list[tuple[str, str]]:
    t = installed_certificates.c
    async with live.server.rt.db.read() as conn:
        return [tuple(r) for r in (await conn.execute(select(t.certificate_type, t.serial_number).order_by(t.id)))]


@pytest.mark.parametrize("certificate_type, setting", [("CSMSRootCertificate", "CPMS_CSMS_ROOT_CERT"),
                                                       ("V2GRootCertificate", "CPMS_V2G_ROOT_CERT")])
async def test_TC_M_01_and_TC_M_03_CSMS_InstallCACertificate_then_TC_M_18_RetrieveAll(live, certificate_type,
                                                                                      setting) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-INST", protocol="ocpp 2.0.1")
    pem = Path(live.server.settings.extra[setting]).read_text()
    async with connect(live.ws_url, "CS-INST") as charger, client(live.base_url) as api:
        response = await api.post(action(cp["id"], "install-certificate"), json={"certificateType": certificate_type})
        assert response.status_code == 202 and response.json()["success"] is True, response.text
        synced = await api.post(action(cp["id"], "sync-certificates"), json={"certificateType": None})
        assert synced.status_code == 202, synced.text
    assert charger.sent("InstallCertificate") == [{"certificate_type": certificate_type, "certificate": pem}]
    assert [p["certificate_type"] for p in charger.sent("GetInstalledCertificateIds")] == [
        ["CSMSRootCertificate"], ["ManufacturerRootCertificate"], ["V2GRootCertificate"], ["MORootCertificate"],
        ["V2GCertificateChain"]]
    expected = certificate_hash_data16(pem)
    assert synced.json()["certificates"] == [{
        "certificateType": certificate_type, "hashAlgorithm": "SHA256", "issuerNameHash": expected["issuer_name_hash"],
        "issuerKeyHash": expected["issuer_key_hash"], "serialNumber": expected["serial_number"]}]
    assert await installed_rows(live) == [(certificate_type, expected["serial_number"])]


async def test_TC_M_05_CSMS_InstallCACertificate_Failed_is_406_and_nothing_is_kept(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-INSTF", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-INSTF") as charger, client(live.base_url) as api:
        charger.answers["InstallCertificate"] = call_result.InstallCertificate(status="Failed")
        response = await api.post(action(cp["id"], "install-certificate"),
                                  json={"certificateType": "V2GRootCertificate"})
    assert response.status_code == 406 and response.json()["status"] == "Failed"
    assert await installed_rows(live) == []


async def test_TC_M_20_CSMS_DeleteCertificate_Success(live) -> None:
    cp = await seed.charge_point(live.server.rt.db, "CS-DEL", protocol="ocpp 2.0.1")
    pem = Path(live.server.settings.extra["CPMS_CSMS_ROOT_CERT"]).read_text()
    csms_root = {"certificateType": "CSMSRootCertificate"}
    async with connect(live.ws_url, "CS-DEL") as charger, client(live.base_url) as api:
        charger.certificates["CSMSRootCertificate"] = [pem]
        synced = await api.post(action(cp["id"], "sync-certificates"), json=csms_root)
        assert len(synced.json()["certificates"]) == 1, synced.text
        response = await api.post(action(cp["id"], "delete-certificate"), json=csms_root)
        assert response.status_code == 202 and response.json() == {"success": True, "deleted": 1}, response.text
    assert charger.sent("DeleteCertificate") == [{"certificate_hash_data": certificate_hash_data16(pem)}]
    assert charger.certificates["CSMSRootCertificate"] == [] and await installed_rows(live) == []


# -- ISO 15118 and OCSP -----------------------------------------------------------------------------


async def test_Get15118EVCertificate_is_answered_Failed_and_kept_without_a_contract_certificate_provider(live) -> None:
    db = live.server.rt.db
    cp = await seed.charge_point(db, "CS-EV", protocol="ocpp 2.0.1")
    async with connect(live.ws_url, "CS-EV") as charger:
        answer = await charger.call(call.Get15118EVCertificate(iso15118_schema_version="urn:iso:15118:2:2013:MsgDef",
                                                               action="Install", exi_request="gAB="))
    assert answer.status == "Failed" and answer.exi_response == ""
    async with db.read() as conn:
        row = (await conn.execute(select(charger_reports))).one()
    assert (row.charge_point_id, row.kind, row.status, row.data["exiRequest"]) == (
        cp["id"], "Get15118EVCertificate", "Failed", "gAB=")


def ocsp_fixture() -> tuple[dict[str, str], bytes]:
    """A certificate's OCPP hash data and a signed OCSP response saying it is good."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Sub CA")])
    now = dt.datetime.now(dt.timezone.utc)
    issuer = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
              .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(1))
              .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
              .sign(key, hashes.SHA256()))
    leaf = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CS-OCSP")]))
            .issuer_name(name).public_key(ec.generate_private_key(ec.SECP256R1()).public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now).not_valid_after(now + dt.timedelta(1))
            .sign(key, hashes.SHA256()))
    request = ocsp.OCSPRequestBuilder().add_certificate(leaf, issuer, hashes.SHA256()).build()
    response = (ocsp.OCSPResponseBuilder()
                .add_response(cert=leaf, issuer=issuer, algorithm=hashes.SHA256(), cert_status=ocsp.OCSPCertStatus.GOOD,
                              this_update=now, next_update=now + dt.timedelta(hours=1), revocation_time=None,
                              revocation_reason=None)
                .responder_id(ocsp.OCSPResponderEncoding.HASH, issuer).sign(key, hashes.SHA256()))
    hash_data = {"hash_algorithm": "SHA256", "issuer_name_hash": request.issuer_name_hash.hex(),
                 "issuer_key_hash": request.issuer_key_hash.hex(), "serial_number": format(request.serial_number, "x")}
    return hash_data, response.public_bytes(serialization.Encoding.DER)


async def ocsp_responder(answer: bytes, asked: list[bytes]) -> tuple[asyncio.Server, int]:
    """A one-page HTTP OCSP responder on 127.0.0.1 that records the requests it gets."""
    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in head.split(b"\r\n")
                      if line.lower().startswith(b"content-length"))
        asked.append(await reader.readexactly(length))
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/ocsp-response\r\nConnection: close\r\n"
                     + f"Content-Length: {len(answer)}\r\n\r\n".encode() + answer)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(serve, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_TC_M_24_CSMS_GetChargingStationCertificateStatus_only_from_allowed_responders(settings) -> None:
    hash_data, good = ocsp_fixture()
    asked: list[bytes] = []
    server, port = await ocsp_responder(good, asked)
    responder = f"http://127.0.0.1:{port}/ocsp"
    extra = {"CPMS_OCSP_RESPONDERS": f"http://127.0.0.1:{port}/ocsp, https://ocsp.example.com/"}
    try:
        async with running(settings.with_(extra=extra)) as live:
            await seed.charge_point(live.server.rt.db, "CS-OCSP", protocol="ocpp 2.0.1")
            async with connect(live.ws_url, "CS-OCSP") as charger:
                allowed = await charger.call(call.GetCertificateStatus(
                    ocsp_request_data={**hash_data, "responder_url": responder}))
                # a longer host name, or a path outside the allowed one, is another responder
                others = [await charger.call(call.GetCertificateStatus(ocsp_request_data={**hash_data,
                                                                                          "responder_url": url}))
                          for url in (f"http://127.0.0.1:{port}0/ocsp", f"http://127.0.0.1:{port}/admin",
                                      "https://ocsp.example.com.evil.net/")]
            async with live.server.rt.db.read() as conn:
                kept = (await conn.execute(select(charger_reports.c.kind, charger_reports.c.status)
                                           .order_by(charger_reports.c.id))).all()
    finally:
        server.close()
    assert allowed.status == "Accepted" and base64.b64decode(allowed.ocsp_result) == good
    assert [o.status for o in others] == ["Failed"] * 3 and len(asked) == 1
    sent = ocsp.load_der_ocsp_request(asked[0])
    assert (sent.issuer_key_hash.hex(), format(sent.serial_number, "x")) == (hash_data["issuer_key_hash"],
                                                                              hash_data["serial_number"])
    assert [tuple(r) for r in kept] == [("GetCertificateStatus", "Accepted")] + [("GetCertificateStatus", "Failed")] * 3


async def test_certificate_status_is_failed_when_no_responder_is_allowed(live) -> None:
    hash_data, _ = ocsp_fixture()
    await seed.charge_point(live.server.rt.db, "CS-OCSP0", protocol="ocpp 2.0.1")
    payload = {"ocspRequestData": {"hashAlgorithm": "SHA256", "issuerNameHash": hash_data["issuer_name_hash"],
                                   "issuerKeyHash": hash_data["issuer_key_hash"],
                                   "serialNumber": hash_data["serial_number"], "responderURL": "http://10.0.0.1/"}}
    [answer] = await raw_exchange(live.ws_url, "CS-OCSP0", [json.dumps([2, "1", "GetCertificateStatus", payload])])
    assert answer[0] == 3 and answer[2]["status"] == "Failed" and "CPMS_OCSP_RESPONDERS" in json.dumps(answer[2])
