"""The test suite's private PostgreSQL servers do not outlive runs that were killed."""

import os
import subprocess
import sys
from pathlib import Path

from tests.support.postgres import OWNER_FILE, orphaned_dirs, reap_orphans


def _server_dir(root: Path, name: str, owner: int | None) -> Path:
    directory = root / f"cpms-pg-{name}"
    (directory / "data").mkdir(parents=True)
    if owner is not None:
        (directory / OWNER_FILE).write_text(str(owner))
    return directory


def test_servers_of_a_killed_run_are_reaped_and_live_or_unowned_ones_kept(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = _server_dir(tmp_path, "dead", int(gone.stdout))
    live = _server_dir(tmp_path, "live", os.getpid())
    unowned = _server_dir(tmp_path, "new", None)

    assert orphaned_dirs(tmp_path) == [dead]
    assert reap_orphans(tmp_path) == 1
    assert not dead.exists()
    assert live.exists() and unowned.exists()
