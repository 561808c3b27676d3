"""A private PostgreSQL server for the test suite, started and stopped by the tests themselves.

A test run killed from outside (SIGKILL, a `timeout`) cannot stop its server. Each server's
directory therefore names the process that owns it, and starting a server first stops the
servers whose owner is gone, so killed runs do not pile up idle servers on the machine.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path


def find_bin_dir() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for directory in candidates:
        if Path(directory, "pg_ctl").exists():
            return Path(directory)
    found = shutil.which("pg_ctl")
    return Path(found).resolve().parent if found else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


OWNER_FILE = "owner.pid"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def orphaned_dirs(root: Path | None = None) -> list[Path]:
    """Server directories whose owning process has exited (a directory without an owner is left alone:
    it may be one being created right now, or not ours)."""
    found = []
    for directory in Path(root or tempfile.gettempdir()).glob("cpms-pg-*"):
        try:
            pid = int((directory / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue
        if not _alive(pid):
            found.append(directory)
    return found


def reap_orphans(root: Path | None = None) -> int:
    """Stop and remove the servers of test runs that were killed; returns how many were found."""
    orphans = orphaned_dirs(root)
    bin_dir = find_bin_dir()
    for directory in orphans:
        data = directory / "data"
        if bin_dir is not None and (data / "postmaster.pid").exists():
            as_user = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
            subprocess.run([*as_user, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=directory)
        shutil.rmtree(directory, ignore_errors=True)
    return len(orphans)


class PostgresServer:
    """initdb + pg_ctl in a temporary directory; as root the server runs as the postgres user."""

    def __init__(self) -> None:
        bin_dir = find_bin_dir()
        if bin_dir is None:
            raise FileNotFoundError("no PostgreSQL server binaries (pg_ctl) found")
        self.bin_dir = bin_dir
        self.dir = Path(tempfile.mkdtemp(prefix="cpms-pg-"))
        (self.dir / OWNER_FILE).write_text(str(os.getpid()))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            os.chmod(self.dir, 0o777)
            shutil.chown(self.dir, "postgres")
            self._as_user = ["runuser", "-u", "postgres", "--"]

    def _run(self, *args: str) -> None:
        subprocess.run([*self._as_user, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                       cwd=self.dir)

    def start(self) -> None:
        reap_orphans(self.dir.parent)
        self._run(str(self.bin_dir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "--no-sync",
                  "-E", "UTF8")
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c synchronous_commit=off -c full_page_writes=off -c max_connections=300")
        self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-o", options, "-w", "-l",
                  str(self.dir / "log"), "start")

    def stop(self) -> None:
        try:
            self._run(str(self.bin_dir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"
