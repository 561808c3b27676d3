"""The README's five-minute tour, run as written against the real server process.

The shell blocks are taken from README.md itself and run with bash and curl; only the port is
changed (the test's server is not on 8080). A change to the README that breaks a command fails
here, and so does a server that stops answering what the README promises.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.server_process import ServerProcess, served
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[2]
END = "@@end-of-command@@"

pytestmark = pytest.mark.skipif(shutil.which("curl") is None or shutil.which("bash") is None,
                                reason="the README tour runs curl in bash: install curl (apt-get install curl)")


def tour_blocks() -> list[str]:
    readme = (REPO / "README.md").read_text()
    tour = readme.split("## A five-minute tour", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)```", tour, flags=re.S)


def run_block(block: str, port: int) -> list[str]:
    """Each curl command's output, in order: a wrapper marks where one ends."""
    script = (f'curl() {{ command curl "$@"; echo; echo {END}; }}\n'
              + block.replace("127.0.0.1:8080", f"127.0.0.1:{port}"))
    result = subprocess.run(["bash", "-e", "-c", script], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return [part.strip() for part in result.stdout.split(END)[:-1]]


@pytest.fixture
async def tour_server(databases, tmp_path) -> AsyncIterator[ServerProcess]:
    """Started as the tour's first block says (its CPMS_API_TOKEN), on a fresh database."""
    start = tour_blocks()[0].strip()
    token = re.fullmatch(r"CPMS_API_TOKEN=(\S+) make run", start)
    assert token, f"the tour no longer starts with 'CPMS_API_TOKEN=... make run': {start!r}"
    async with served(databases, tmp_path / "data", token=token.group(1)) as proc:
        yield proc


async def test_the_tour_creates_reads_lists_and_refuses_bad_input(tour_server) -> None:
    outputs = [json.loads(out) for out in run_block(tour_blocks()[1], tour_server.port)]
    location, charge_point, evse, read_back, listing, bad = outputs
    assert location["data"]["id"] == 1 and location["data"]["city"] == "Sofia"
    assert charge_point["data"]["id"] == 1 and charge_point["data"]["network"]["id"] == "DEPOT-1"
    assert evse["data"]["networkId"] == "1" and evse["data"]["physicalReference"] == "DEPOT-1-A"
    assert read_back["data"]["name"] == "Depot 1" and read_back["data"]["locationId"] == 1
    assert [cp["network"]["id"] for cp in listing["data"]] == ["DEPOT-1"]
    assert set(listing["meta"]) >= {"per_page"} and "links" in listing
    assert bad["message"] and "name" in bad["errors"]


async def test_the_two_terminal_demo_charges_and_commands_reach_the_simulated_charger(tour_server) -> None:
    blocks = tour_blocks()
    run_block(blocks[1], tour_server.port)
    env = {**tour_server.env(), "PYTHONUNBUFFERED": "1"}
    simulator = subprocess.Popen(["bash", "-c", "exec " + blocks[2].strip()], cwd=REPO, env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                 start_new_session=True)
    try:
        headers = {"Authorization": f"Bearer {tour_server.token}"}

        async def a_session_recorded() -> bool:
            assert simulator.poll() is None, simulator.stderr.read() if simulator.stderr else ""
            answer = httpx.get(f"{tour_server.base_url}/public-api/resources/sessions/v1.0", headers=headers, timeout=10)
            return bool(answer.json()["data"])

        await eventually(a_session_recorded, timeout=60)
        sessions, reset_simulated, reset_offline = run_block(blocks[3], tour_server.port)
        assert json.loads(sessions)["data"][0]["chargePointId"] in (2, 3, 4)
        assert json.loads(reset_simulated) == {"success": True, "status": "Accepted"}
        refusal = json.loads(reset_offline)
        assert refusal["success"] is False and "not connected" in refusal["message"]
    finally:
        os.killpg(simulator.pid, signal.SIGINT)
        try:
            simulator.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(simulator.pid, signal.SIGKILL)
            simulator.wait(5)
