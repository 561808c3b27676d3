"""Bad input to EVSEs and connectors: the contract's 422/404 answers, nothing written."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.resources.test_charge_points import CPS, create_cp
from tests.resources.test_charge_points_bad_input import JSON, mutated, snapshot
from tests.resources.test_evses import EVSES, add_connector, create_evse, evse_body, nested
from tests.resources.test_evses_v20 import V20, put_body

BAD_EVSES = [
    ({}, ["physicalReference", "currentType", "networkId", "status"]),
    (evse_body(currentType="ac/dc"), ["currentType"]),
    (evse_body(status="active"), ["status"]),
    (evse_body(networkId=1), ["networkId"]),
    (evse_body(networkId=""), ["networkId"]),
    (evse_body(networkId="x" * 65), ["networkId"]),
    (evse_body(physicalReference=None), ["physicalReference"]),
    (evse_body(tariffGroupId="3"), ["tariffGroupId"]),
    (evse_body(tariffGroupId=2**31), ["tariffGroupId"]),
    (evse_body(powerOptions={"maxVoltage": "1000"}), ["powerOptions.maxVoltage"]),
    (evse_body(powerOptions={"phases": "four_phase"}), ["powerOptions.phases"]),
    (evse_body(powerOptions={"maxPower": 1.5}), ["powerOptions.maxPower"]),
    (evse_body(powerOptions=[]), ["powerOptions"]),
    (evse_body(allowsReservation="no"), ["allowsReservation"]),
    (evse_body(externalId="x" * 256), ["externalId"]),
    (evse_body(label="\x00"), ["label"]),
]


@pytest.mark.parametrize(("body", "fields"), BAD_EVSES)
async def test_bad_evse_create_gets_422(api, server, body, fields) -> None:
    cp = await create_cp(api)
    await create_evse(api, cp["id"], networkId="9")
    before = await snapshot(server)
    for url, extra in ((nested(cp["id"]), {}), (EVSES, {"chargePointId": cp["id"]})):
        response = await api.post(url, json={**body, **extra})
        assert response.status_code == 422, (url, response.json())
        assert set(fields) <= set(response.json()["errors"]), response.json()
    assert await snapshot(server) == before


@pytest.mark.parametrize(("body", "fields"), BAD_EVSES[1:])
async def test_bad_evse_update_gets_422(api, server, body, fields) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    before = await snapshot(server)
    patch = {key: value for key, value in body.items() if key in {f.split(".")[0] for f in fields}}
    for url in (f"{nested(cp['id'])}/{evse['id']}", f"{EVSES}/{evse['id']}"):
        response = await api.patch(url, json=patch)
        assert response.status_code == 422, (url, patch, response.json())
        assert set(fields) <= set(response.json()["errors"])
    assert await snapshot(server) == before


@pytest.mark.parametrize("suffix", ["999", "0", "x", "99999999999999999999"])
async def test_unknown_evse_and_connector_ids_are_404(api, server, suffix) -> None:
    cp = await create_cp(api)
    evse = await create_evse(api, cp["id"])
    plug = await add_connector(api, cp["id"], evse["id"])
    before = await snapshot(server)
    for url in (f"{nested(cp['id'])}/{suffix}", f"{EVSES}/{suffix}", f"{V20}/{suffix}",
                f"{nested(cp['id'])}/{evse['id']}/connectors/{suffix}", f"{nested(cp['id'])}/{suffix}/connectors/1",
                f"{nested(suffix)}/{evse['id']}/connectors/{plug['id']}"):
        assert (await api.get(url)).status_code == 404, url
        if not url.startswith(V20):  # v2.0 has no DELETE
            assert (await api.delete(url)).status_code == 404, url
    assert (await api.put(f"{V20}/{suffix}", json=put_body())).status_code == 404
    assert (await api.patch(f"{EVSES}/{suffix}", json={"label": "x"})).status_code == 404
    assert (await api.get(f"{nested(cp['id'])}/{suffix}/connectors")).status_code == 404
    assert await snapshot(server) == before


EVSE_FIELDS = st.sampled_from(["physicalReference", "currentType", "networkId", "status", "tariffGroupId",
                               "powerOptions", "label", "externalId", "midMeterCertificationEndYear",
                               "allowsReservation", "connectors", "hardwareStatus"])
V20_FIELDS = st.sampled_from(["physicalReference", "type", "networkId", "status", "maxPowerKw", "maxVoltage",
                              "phases", "phaseRotation", "connectors", "allowsReservation", "tariffGroupId"])
CONNECTORS = st.lists(st.fixed_dictionaries({}, optional={"id": st.integers(-2, 5) | JSON, "type": JSON |
                                                          st.sampled_from(["type2", "catarc", "ccs2"]),
                                                          "status": st.sampled_from(["active", "disabled"]) | JSON}),
                      max_size=3)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=mutated(evse_body(), EVSE_FIELDS) | JSON, v20=mutated(put_body(), V20_FIELDS),
       items=CONNECTORS)
async def test_evse_garbage_never_breaks_the_server_nor_the_database(api, server, body, v20, items) -> None:
    cps = (await api.get(CPS)).json()["data"]
    cp_id = cps[0]["id"] if cps else (await create_cp(api))["id"]
    before = await snapshot(server)
    response = await api.post(nested(cp_id), json=body)
    assert response.status_code in {201, 422}, response.text
    if response.status_code == 422:
        assert await snapshot(server) == before
    listed = (await api.get(EVSES)).json()["data"]
    if listed:
        before = await snapshot(server)
        response = await api.put(f"{V20}/{listed[0]['id']}", json={**v20, "connectors": items})
        assert response.status_code in {200, 422}, response.text
        if response.status_code == 422:
            assert await snapshot(server) == before
        before = await snapshot(server)
        connector: Any = items[0] if items else body
        response = await api.post(f"{nested(cp_id)}/{listed[0]['id']}/connectors", json=connector)
        assert response.status_code in {201, 422}, response.text
        if response.status_code == 422:
            assert await snapshot(server) == before
