"""`cpms serve` and `cpms token ...` as an operator runs them: separate processes on one database.

The server caches a token's check for a couple of seconds, so a revocation made by another
process is awaited (bounded), not expected at once.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from tests.support.server_process import ServerProcess, served
from tests.support.waiting import eventually

REPO = Path(__file__).resolve().parents[2]
ANNOUNCEMENT = "It is shown only this once"


def cpms(proc: ServerProcess, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "cpms", *args], env=proc.env(), cwd=REPO,
                          capture_output=True, text=True, timeout=60)


def status_with(proc: ServerProcess, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{proc.base_url}/public-api/resources/locations/v2.0", headers=headers, timeout=10).status_code


@pytest.fixture
async def first_start(databases, tmp_path) -> AsyncIterator[ServerProcess]:
    """A server started by hand on an empty database, with no CPMS_API_TOKEN."""
    async with served(databases, tmp_path / "data", token=None) as proc:
        yield proc


async def test_a_first_start_without_a_token_prints_one_once_and_it_works(first_start) -> None:
    printed = re.findall(r"only this once:\s+(\S+)", first_start.log())
    assert len(printed) == 1, first_start.log()
    assert status_with(first_start, printed[0]) == 200
    first_start.restart()
    assert first_start.log().count(ANNOUNCEMENT) == 1
    assert status_with(first_start, printed[0]) == 200


async def test_token_create_list_revoke_against_a_running_server(first_start) -> None:
    created = cpms(first_start, "token", "create", "--name", "back office")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    token_id = int(re.search(r"created token (\d+) \(back office\)", created.stderr).group(1))
    assert status_with(first_start, token) == 200

    listed = cpms(first_start, "token", "list")
    assert listed.returncode == 0, listed.stderr
    row = next(line for line in listed.stdout.splitlines() if line.split()[0] == str(token_id))
    assert "back office" in row and row.rstrip().endswith("active")
    assert token not in listed.stdout, "the list shows a prefix, never the whole token"

    revoked = cpms(first_start, "token", "revoke", str(token_id))
    assert revoked.returncode == 0 and f"revoked token {token_id}" in revoked.stdout

    async def refused() -> bool:
        return status_with(first_start, token) == 401

    await eventually(refused, timeout=10)
    assert "revoked" in next(line for line in cpms(first_start, "token", "list").stdout.splitlines()
                             if line.split()[0] == str(token_id))


async def test_revoking_an_unknown_or_revoked_token_fails_with_a_message(first_start) -> None:
    unknown = cpms(first_start, "token", "revoke", "999")
    assert unknown.returncode == 1 and "no active token with id 999" in unknown.stderr
    token_id = re.search(r"created token (\d+)", cpms(first_start, "token", "create", "--name", "x").stderr).group(1)
    assert cpms(first_start, "token", "revoke", token_id).returncode == 0
    again = cpms(first_start, "token", "revoke", token_id)
    assert again.returncode == 1 and f"no active token with id {token_id}" in again.stderr


async def test_token_commands_reject_missing_arguments_with_usage(first_start) -> None:
    for args in (("token", "create"), ("token", "revoke", "one"), ("token",)):
        result = cpms(first_start, *args)
        assert result.returncode == 2 and "usage: cpms token" in result.stderr, args
