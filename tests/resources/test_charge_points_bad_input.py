"""Bad input to charge points (v2.0 and v1.0): the contract's 422/404 answers, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from cpms.storage.tables.charge_points import (charge_point_shared_partners, charge_point_shares, charge_points,
                                               connectors, evses)
from cpms.storage.tables.core import events
from tests.resources.test_charge_points import CPS, cp_body, create_cp
from tests.resources.test_charge_points_v1 import V1, v1_body

TABLES = (charge_points, evses, connectors, charge_point_shares, charge_point_shared_partners)


async def snapshot(server) -> tuple[Any, ...]:
    """Every row of the network's tables, and how many events were recorded."""
    async with server.rt.db.read() as conn:
        rows = [tuple(tuple(r) for r in (await conn.execute(select(t).order_by(*t.primary_key.columns))).all())
                for t in TABLES]
        count = (await conn.execute(select(func.count()).select_from(events))).scalar_one()
    return (*rows, count)


BAD_CREATES = [
    ({}, ["name", "type", "status"]),
    (cp_body(name=None), ["name"]),
    (cp_body(name=3), ["name"]),
    (cp_body(name="x" * 256), ["name"]),
    (cp_body(type="shared"), ["type"]),
    (cp_body(status="active"), ["status"]),
    (cp_body(pin="12345"), ["pin"]),
    (cp_body(locationId="1"), ["locationId"]),
    (cp_body(locationId=999), ["locationId"]),
    (cp_body(modelId=999), ["modelId"]),
    (cp_body(user={"id": 999}), ["user.id"]),
    (cp_body(network={"id": 5}), ["network.id"]),
    (cp_body(network={"protocol": "ocpp 3"}), ["network.protocol"]),
    (cp_body(network={"port": "80"}), ["network.port"]),
    (cp_body(network={"password": 1234}), ["network.password"]),
    (cp_body(network="NET-1"), ["network"]),
    (cp_body(capabilities=["teleport"]), ["capabilities.0"]),
    (cp_body(capabilities="meter_values"), ["capabilities"]),
    (cp_body(tags=[1]), ["tags.0"]),
    (cp_body(partner={"id": "7"}), ["partner.id"]),
    (cp_body(partner={"id": 2**40}), ["partner.id"]),
    (cp_body(partner={"accessType": "everyone"}), ["partner.accessType"]),
    (cp_body(managedByOperator="yes"), ["managedByOperator"]),
    (cp_body(externalId="x" * 256), ["externalId"]),
    (cp_body(externalId="nul\x00byte"), ["externalId"]),
    (cp_body(tags=["nul\x00"]), ["tags.0"]),
    (cp_body(networkType="5g"), ["networkType"]),
    (cp_body(subscription={"planIds": ["a"]}), ["subscription.planIds.0"]),
    (cp_body(communicationMode="roaming"), ["communicationMode"]),
    (cp_body(utilityId=2**31), ["utilityId"]),
]


@pytest.mark.parametrize(("body", "fields"), BAD_CREATES)
async def test_bad_create_gets_422_naming_the_fields(api, server, body, fields) -> None:
    await create_cp(api, name="Existing", network={"id": "EXISTING"})
    before = await snapshot(server)
    response = await api.post(CPS, json=body)
    assert response.status_code == 422, response.json()
    assert set(fields) <= set(response.json()["errors"]), response.json()
    assert await snapshot(server) == before


@pytest.mark.parametrize(("body", "fields"), BAD_CREATES[1:])
async def test_bad_update_gets_422_and_changes_nothing(api, server, body, fields) -> None:
    created = await create_cp(api, name="Existing", network={"id": "EXISTING"})
    before = await snapshot(server)
    patch = {key: value for key, value in body.items() if key in {f.split(".")[0] for f in fields}}
    response = await api.patch(f"{CPS}/{created['id']}", json=patch)
    if fields == ["communicationMode"]:  # not writable after create: ignored
        assert response.status_code == 200
        return
    assert response.status_code == 422, (patch, response.json())
    assert set(fields) <= set(response.json()["errors"])
    assert await snapshot(server) == before


async def test_duplicate_network_id_changes_nothing(api, server) -> None:
    await create_cp(api, network={"id": "TAKEN"})
    other = await create_cp(api, name="Other")
    before = await snapshot(server)
    assert (await api.post(CPS, json=cp_body(network={"id": "TAKEN"}))).status_code == 422
    assert (await api.patch(f"{CPS}/{other['id']}", json={"network": {"id": "TAKEN"}})).status_code == 422
    assert (await api.post(V1, json=v1_body(networkId="TAKEN"))).status_code == 422
    assert await snapshot(server) == before


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"text"', b"null", b"", b'{"name": }', b"\xff\xfe", b"123"])
async def test_malformed_json_gets_422(api, server, raw) -> None:
    created = await create_cp(api)
    evse = (await api.post(f"{CPS}/{created['id']}/evses", json={"physicalReference": "A", "currentType": "ac",
                                                                 "networkId": "1", "status": "enabled"})).json()["data"]
    before = await snapshot(server)
    base = f"{CPS}/{created['id']}"
    targets = [("POST", CPS), ("PATCH", base), ("POST", V1), ("PATCH", f"{V1}/{created['id']}"),
               ("POST", f"{base}/evses"), ("PATCH", f"{base}/evses/{evse['id']}"),
               ("POST", "/public-api/resources/evses/v2.1"), ("PATCH", f"/public-api/resources/evses/v2.1/{evse['id']}"),
               ("PUT", f"/public-api/resources/evses/v2.0/{evse['id']}"),
               ("POST", f"{base}/evses/{evse['id']}/connectors"), ("POST", f"{base}/shares"),
               ("PUT", f"{base}/shared-partners")]
    for method, url in targets:
        response = await api.request(method, url, content=raw, headers={"content-type": "application/json"})
        assert response.status_code == 422, (method, url, raw, response.text)
        assert response.json()["errors"]
    assert await snapshot(server) == before


@pytest.mark.parametrize("suffix", ["999", "0", "-1", "x", "99999999999999999999", "1.5"])
async def test_unknown_charge_point_ids_are_404(api, server, suffix) -> None:
    await create_cp(api)
    before = await snapshot(server)
    for base in (CPS, V1):
        path = f"{base}/{suffix}"
        assert (await api.get(path)).status_code == 404
        assert (await api.patch(path, json={"name": "X"})).status_code == 404
        assert (await api.delete(path)).status_code == 404
    for nested in ("evses", "shares", "shared-partners"):
        assert (await api.get(f"{CPS}/{suffix}/{nested}")).status_code == 404
    assert await snapshot(server) == before


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8)
V2_FIELDS = st.sampled_from(["name", "type", "status", "pin", "locationId", "chargingZoneId", "network", "capabilities",
                             "security", "modelId", "user", "partner", "tags", "externalId", "managedByOperator",
                             "networkStatus", "ocppConnectedChargePointId", "utilityId", "subscription"])
V1_FIELDS = st.sampled_from(["name", "networkId", "networkPort", "status", "accessType", "capabilities", "evses",
                             "templateId", "ownerPartnerId", "partnerAccessType", "desiredSecurityProfile", "tags"])
NETWORK = st.fixed_dictionaries({}, optional={"id": JSON | st.text(max_size=300), "protocol": JSON,
                                              "password": JSON, "port": JSON})


def mutated(base: dict[str, Any], fields: st.SearchStrategy[str]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid body with some fields replaced by anything at all, or removed."""
    changes = st.dictionaries(fields, JSON | NETWORK | st.none(), max_size=4)
    return st.builds(lambda c: {k: v for k, v in {**base, **c}.items() if v is not None}, changes)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=mutated(cp_body(), V2_FIELDS) | JSON)
async def test_v2_garbage_never_breaks_the_server_nor_the_database(api, server, body) -> None:
    before = await snapshot(server)
    response = await api.post(CPS, json=body)
    assert response.status_code in {201, 422}, response.text
    if response.status_code == 422:
        assert await snapshot(server) == before
    existing = (await api.get(CPS)).json()["data"]
    if existing and isinstance(body, dict):
        before = await snapshot(server)
        patched = await api.patch(f"{CPS}/{existing[0]['id']}", json=body)
        assert patched.status_code in {200, 422}, patched.text
        if patched.status_code == 422:
            assert await snapshot(server) == before


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=mutated(v1_body(evses={"1": {}}), V1_FIELDS))
async def test_v1_garbage_never_breaks_the_server_nor_the_database(api, server, body) -> None:
    before = await snapshot(server)
    response = await api.post(V1, json=body)
    assert response.status_code in {201, 422}, response.text
    if response.status_code == 422:
        assert await snapshot(server) == before
