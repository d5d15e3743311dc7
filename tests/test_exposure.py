"""Offline operation and exposure: no network with the default model, loopback only,
no share link, no stray files served; a bounded load test against the real app."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import ROOT, start_app, stop_app

GUARD = Path(__file__).resolve().parent / "netguard"
sys.path.insert(0, str(ROOT / "benchmarks"))


def guarded_env(settings, log: Path) -> dict:
    return {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(GUARD), os.environ.get("PYTHONPATH", "")]),
        "NETGUARD_LOG": str(log),
        "RETRIEVAL_CORPUS": str(settings.corpus_dir),
        "RETRIEVAL_INDEX": str(settings.index_dir),
    }


def test_the_guard_really_blocks_the_network(tmp_path):
    log = tmp_path / "net.log"
    code = "import urllib.request\ntry:\n urllib.request.urlopen('http://example.com', timeout=3)\nexcept OSError as e:\n print('blocked', e)"
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "PYTHONPATH": str(GUARD), "NETGUARD_LOG": str(log)}, capture_output=True)
    assert b"blocked" in done.stdout
    assert "getaddrinfo example.com" in log.read_text()


def test_ask_never_touches_the_network(assistant, settings, tmp_path):
    log = tmp_path / "net.log"
    done = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "Combien d'argent reçoivent les IA clusters ?"],
        cwd=ROOT, env=guarded_env(settings, log), capture_output=True, timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "360 M€" in done.stdout.decode()
    assert not log.exists() or log.read_text() == ""


def test_the_app_and_its_api_never_touch_the_network(assistant, settings, tmp_path):
    from gradio_client import Client

    log = tmp_path / "net.log"
    server = start_app(settings, "--mcp", env=guarded_env(settings, log))
    try:
        result = Client(server.url, verbose=False).predict("Where will ALT-EDIC be based?", api_name="/ask")
        assert result["citations"]
        with urllib.request.urlopen(server.url + "gradio_api/mcp/schema", timeout=30) as response:
            schema = response.read().decode()
        assert '"ask"' in schema and "quotes" in schema
    finally:
        output = stop_app(server)
    assert not log.exists() or log.read_text() == "", log.read_text()
    assert "gradio.live" not in output


def _listening_addresses(port: int) -> set[str]:
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not os.path.exists(table):
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state = fields[1], fields[3]
            address, port_hex = local.split(":")
            if state == "0A" and int(port_hex, 16) == port:  # LISTEN
                if width == 8:
                    found.add(".".join(str(b) for b in reversed(bytes.fromhex(address))))
                else:
                    found.add(address)
    return found


def test_the_app_binds_to_loopback_and_offers_no_share_link(server):
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"127.0.0.1"}
    assert "gradio.live" not in server.output()


@pytest.mark.parametrize(
    "path",
    [
        "gradio_api/file=/etc/passwd",
        "file=/etc/passwd",
        "gradio_api/file=../../../../etc/passwd",
        f"gradio_api/file={ROOT}/app.py",
        f"gradio_api/file={ROOT}/corpus/corpus.toml",
        "gradio_api/file=" + str(Path.home() / ".cache"),
    ],
)
def test_no_file_outside_the_app_is_served(server, path):
    try:
        with urllib.request.urlopen(server.url + path, timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as exc:
        status, body = exc.code, exc.read()
    assert status in (400, 403, 404, 405), (status, body[:200])
    assert b"root:" not in body and b"import" not in body


def test_load_small_version_has_no_errors_and_no_memory_growth(server, questions):
    from load import rss_mb, run_load

    before = rss_mb(server.proc.pid)
    result = run_load(server.url, [q.question for q in questions], requests=40, clients=8, timeout_s=300)
    after = rss_mb(server.proc.pid)
    assert result["errors"] == 0, result["error_samples"]
    assert result["p95_ms"] > 0
    assert after - before < 150, (before, after)
