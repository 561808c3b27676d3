"""Prints `contract: N of 452 operations implemented` and fails a full run that leaves one untested.

"Implemented" means the registry has a handler; "exercised" means a test received a 2xx answer
from it through a contract-checked client.
"""

from __future__ import annotations

import pytest

from cpms.api import operations
from cpms.contract import load_contract
from tests.support.contract_check import RECORDER

_STATE = {"full_run": False, "missing": []}


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    args = [a for a in config.args if not a.startswith("-")]
    default_paths = not args or all(a.rstrip("/") in ("tests", str(config.rootpath / "tests")) for a in args)
    _STATE["full_run"] = default_paths and not config.getoption("keyword") and not config.getoption("markexpr")


def _status() -> tuple[int, int, list[str]]:
    registry = operations.load()
    implemented = set(registry.handlers)
    exercised = {op for op, statuses in RECORDER.seen.items() if any(200 <= s < 300 for s in statuses)}
    return len(implemented), len(load_contract()), sorted(implemented - exercised)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _STATE["full_run"] and exitstatus == 0:
        _STATE["missing"] = _status()[2]
        if _STATE["missing"]:
            session.exitstatus = 1


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    implemented, total, missing = _status()
    terminalreporter.write_line(
        f"contract: {implemented} of {total} operations implemented; "
        f"{implemented - len(missing)} exercised with a 2xx answer in this run")
    if _STATE["missing"]:
        terminalreporter.write_line("FAILED: implemented but never answered 2xx in the full run: "
                                    + ", ".join(_STATE["missing"]), red=True)
