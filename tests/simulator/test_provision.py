"""`cpms simulate` makes sure its charge points exist, through the Public API, and runs."""

from __future__ import annotations

import argparse
import io

import pytest

from cpms.simulator import cli, provision
from tests.conftest import TOKEN, client


def arguments(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    return parser.parse_args(list(argv))


async def test_missing_charge_points_are_created_with_evses_and_connectors(live) -> None:
    specs = provision.plan("PROV-", 3, 1, "mixed", 2, dc_share=0.5)
    notes = await provision.ensure(live.base_url, TOKEN, specs, ("SIMTAG0001",))
    assert notes[0] == "0 charge points found, 3 created"
    async with client(live.base_url) as api:
        for spec in specs:
            cp = (await api.get(f"/public-api/resources/charge-points/v2.0/{spec.charge_point_id}")).json()["data"]
            assert cp["network"]["id"] == spec.identity and cp["network"]["protocol"] == spec.protocol
            evses = (await api.get(f"/public-api/resources/charge-points/v2.0/{spec.charge_point_id}/evses",
                                   params={"include[]": "connectors"})).json()["data"]
            assert sorted(e["networkId"] for e in evses) == ["1", "2"]
            assert {e["currentType"] for e in evses} == {"dc" if spec.dc else "ac"}
            assert all(len(e["connectors"]) == 1 for e in evses)
            assert {e["connectors"][0]["type"] for e in evses} == {"ccs2" if spec.dc else "type2"}


async def test_the_drivers_id_tags_are_created_once(live) -> None:
    specs = provision.plan("TAGS-", 1, 1, "1.6", 1, dc_share=0.0)
    await provision.ensure(live.base_url, TOKEN, specs, ("SIMTAG0001", "SIMTAG0002"))
    notes = await provision.ensure(live.base_url, TOKEN, specs, ("SIMTAG0001", "SIMTAG0002"))
    async with client(live.base_url) as api:
        tags = await api.get("/public-api/resources/id-tags/v2.0", params={"filter[idTagUid]": "SIMTAG0002"})
    if tags.status_code == 501:
        pytest.skip("the id tags endpoints are not implemented yet")
    assert len(tags.json()["data"]) == 1 and tags.json()["data"][0]["status"] == "enabled"
    assert not any("id tags" in note for note in notes)


async def test_existing_charge_points_are_simulated_as_configured(live) -> None:
    first = provision.plan("AGAIN-", 2, 1, "2.0.1", 1, dc_share=0.0)
    await provision.ensure(live.base_url, TOKEN, first, ())
    again = provision.plan("AGAIN-", 2, 1, "1.6", 3, dc_share=0.0)
    notes = await provision.ensure(live.base_url, TOKEN, again, ())
    assert notes[0] == "2 charge points found, 0 created"
    assert [s.protocol for s in again] == ["ocpp 2.0.1", "ocpp 2.0.1"]
    assert [len(s.evses) for s in again] == [1, 1]
    assert [s.charge_point_id for s in again] == [s.charge_point_id for s in first]


async def test_a_refused_token_is_explained(live) -> None:
    with pytest.raises(provision.ProvisionError, match="token was refused"):
        await provision.ensure(live.base_url, "cpms_wrong_token", provision.plan("X-", 1, 1, "1.6", 1, 0.0), ())


async def test_cpms_simulate_runs_and_summarises(live, settings) -> None:
    out = io.StringIO()
    args = arguments("--url", live.base_url, "--token", TOKEN, "--chargers", "3", "--protocol", "mixed",
                     "--speed", "600", "--session-minutes", "2", "--idle-minutes", "0.5", "--meter-interval", "20",
                     "--duration", "3", "--seed", "3", "--quiet")
    assert await cli.simulate(settings, args, out) == 0
    text = out.getvalue()
    assert "0 charge points found, 3 created" in text
    assert "3 chargers, 3 connections made" in text
    async with client(live.base_url) as api:
        listed = await api.get("/public-api/resources/charge-points/v2.0",
                               params={"filter[networkId]": "SIM-0002", "include[]": "lastBootNotification"})
    station = listed.json()["data"][0]
    assert station["network"]["protocol"] == "ocpp 2.0.1"
    assert station["lastBootNotification"]["vendor"] == "cpms"
    assert station["lastBootNotification"]["model"] in ("SimAC", "SimDC")


def test_bad_arguments_are_refused_before_anything_happens(capsys) -> None:
    assert cli.run_simulator(None, arguments("--chargers", "0")) == 2  # type: ignore[arg-type]
    assert "--chargers must be at least 1" in capsys.readouterr().err
