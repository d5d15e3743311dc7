"""Offline operation and exposure: no network with the default model, loopback only,
no share link, no stray files served; a bounded load test against the real app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from .conftest import READY, ROOT, start_app, stop_app

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
    done = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, "PYTHONPATH": str(GUARD), "NETGUARD_LOG": str(log)},
        capture_output=True,
    )
    assert b"blocked" in done.stdout
    assert "getaddrinfo example.com" in log.read_text()


@pytest.mark.slow
def test_ask_never_touches_the_network(assistant, settings, tmp_path):
    log = tmp_path / "net.log"
    done = subprocess.run(
        [sys.executable, "-m", "retrieval", "ask", "Combien d'argent reçoivent les IA clusters ?"],
        cwd=ROOT,
        env=guarded_env(settings, log),
        capture_output=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert "360 M€" in done.stdout.decode()
    assert not log.exists() or log.read_text() == ""


@pytest.mark.slow
def test_the_app_and_its_api_never_touch_the_network(assistant, settings, tmp_path):
    from gradio_client import Client

    log = tmp_path / "net.log"
    server = start_app(settings, "--mcp", env=guarded_env(settings, log))
    try:
        client = Client(server.url, verbose=False)
        result = client.predict("Where will ALT-EDIC be based?", api_name="/ask")
        assert result["citations"]
        checked = client.predict(
            "Le supercalculateur Jean Zay sera vendu à la Chine en 2026.", api_name="/check"
        )
        assert checked["claims"][0]["source"] is None  # a check that embeds the claim, offline too
        with urllib.request.urlopen(server.url + "gradio_api/mcp/schema", timeout=30) as response:
            schema = response.read().decode()
        assert '"ask"' in schema and "quotes" in schema and '"check_quote"' in schema
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


@pytest.mark.slow
def test_the_app_binds_to_loopback_and_offers_no_share_link(server):
    port = int(server.url.rstrip("/").rsplit(":", 1)[1])
    assert _listening_addresses(port) == {"127.0.0.1"}
    assert "gradio.live" not in server.output()


@pytest.mark.slow
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


@pytest.mark.slow
def test_load_small_version_has_no_errors_and_no_memory_growth(server, questions):
    """Memory is measured after a warm-up round: the first questions fill the allocator, the tokenizer's
    and torch's caches and Gradio's queue workers once; that is start-up, not growth. Growth is what
    a second, identical round adds on top."""
    from load import rss_mb, run_load

    asked = [q.question for q in questions]
    warm = run_load(server.url, asked, requests=40, clients=8, timeout_s=300)
    before = rss_mb(server.proc.pid)
    result = run_load(server.url, asked, requests=40, clients=8, timeout_s=300)
    after = rss_mb(server.proc.pid)
    assert warm["errors"] == 0 and result["errors"] == 0, (warm["error_samples"], result["error_samples"])
    assert result["p95_ms"] > 0
    assert after - before < 150, (before, after)


# ------------------------------------------------------------------ limits


def _post(url: str, body: bytes, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, data=body, method="POST", headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


@pytest.mark.slow
def test_uploads_are_refused_and_nothing_is_stored(server):
    marker = f"upload-probe-{os.getpid()}"
    boundary = "----probe"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{marker}.bin"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        ).encode()
        + os.urandom(64 * 1024)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    for path in ("gradio_api/upload", "gradio_api/upload/", "upload"):
        status, _, reply = _post(
            server.url + path, body, {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )
        assert status in (403, 404, 405), (path, status, reply[:200])
    temp = Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")
    assert not list(temp.rglob(f"{marker}*")) if temp.exists() else True


@pytest.mark.slow
def test_oversized_requests_get_a_clear_413_and_the_server_goes_on(server, client):
    from retrieval.http_limits import MAX_REQUEST_BYTES

    big = json.dumps(
        {"data": ["x" * (MAX_REQUEST_BYTES + 10), None], "fn_index": 0, "session_hash": "probe"}
    ).encode()
    for path in ("gradio_api/queue/join", "gradio_api/call/ask", "gradio_api/mcp/"):
        status, _, reply = _post(server.url + path, big, {"Content-Type": "application/json"})
        assert status == 413, (path, status, reply[:200])
        assert "request too large" in json.loads(reply)["detail"]
    # a body sent without a length (chunked) is cut and refused the same way
    import http.client

    host, port = server.url.split("//")[1].rstrip("/").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    conn.putrequest("POST", "/gradio_api/queue/join")
    conn.putheader("Content-Type", "application/json")
    conn.putheader("Transfer-Encoding", "chunked")
    conn.endheaders()
    for _ in range(5):
        chunk = b"x" * (MAX_REQUEST_BYTES // 4)
        conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
    conn.send(b"0\r\n\r\n")
    response = conn.getresponse()
    assert response.status == 413 and b"request too large" in response.read()
    conn.close()
    assert (
        "360 M€" in client.predict("Combien d'argent reçoivent les IA clusters ?", api_name="/ask")["answer"]
    )
    assert "Traceback" not in server.output()


@pytest.fixture(scope="module")
def small_server(assistant, settings):
    """The app with a queue of 2, one question at a time, and MCP on."""
    running = start_app(settings, "--mcp", "--concurrency", "1", env={"RETRIEVAL_QUEUE_SIZE": "2"})
    yield running
    stop_app(running)


@pytest.mark.slow
def test_a_full_queue_tells_the_client_to_retry(small_server):
    from concurrent.futures import ThreadPoolExecutor

    with urllib.request.urlopen(small_server.url + "config", timeout=30) as response:
        config = json.loads(response.read())
    fn_index = next(i for i, d in enumerate(config["dependencies"]) if d.get("api_name") == "ask")

    def join(i: int):
        body = {
            "data": [f"Combien reçoit le cluster numéro {i} ?", None],
            "fn_index": fn_index,
            "session_hash": f"s{i}",
        }
        return _post(
            small_server.url + "gradio_api/queue/join",
            json.dumps(body).encode(),
            {"Content-Type": "application/json"},
        )

    with ThreadPoolExecutor(12) as pool:
        replies = list(pool.map(join, range(24)))
    refused = [r for r in replies if r[0] == 503]
    assert refused, [r[0] for r in replies]
    status, headers, body = refused[0]
    detail = json.loads(body)["detail"]
    assert "busy" in detail and "2 questions are already waiting" in detail and "retry in 5 seconds" in detail
    assert headers.get("retry-after") == "5" or headers.get("Retry-After") == "5"
    assert any(r[0] == 200 for r in replies)


@pytest.mark.slow
def test_mcp_returns_json_and_describes_its_tools_in_full_sentences(small_server):
    import asyncio

    from mcp import ClientSession
    from mcp.client.streamable_http import streamable_http_client

    async def call():
        async with (
            streamable_http_client(small_server.url + "gradio_api/mcp/") as (read, write, _),
            ClientSession(read, write) as session,
        ):
            await session.initialize()
            tools = (await session.list_tools()).tools
            asked = await session.call_tool(
                "ask", {"question": "Combien d'argent reçoivent les IA clusters ?"}
            )
            checked = await session.call_tool(
                "check_quote",
                {"text": "Les neuf lauréats de l'AMI IA-clusters bénéficieront de 400 M€ de financement."},
            )
            refused = await session.call_tool("check_quote", {"text": "   "})
            return tools, asked, checked, refused

    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:  # its own event loop: Playwright's may be running in this thread
        tools, asked, checked, refused = pool.submit(
            lambda: asyncio.run(asyncio.wait_for(call(), 120))
        ).result()
    by_name = {tool.name: tool for tool in tools}
    assert sorted(by_name) == ["ask", "check_quote"]
    for tool in tools:
        for text in [
            tool.description,
            *(p.get("description", "") for p in tool.inputSchema["properties"].values()),
        ]:
            assert text and text.rstrip().endswith((".", "?", "»", '"')), text
    assert "verbatim" in by_name["ask"].description or "word for word" in by_name["ask"].description
    payload = json.loads(asked.content[0].text)  # JSON, not a Python repr
    assert "360 M€" in payload["answer"] and payload["citations"][0]["n"] == 1
    # the check tool tells an agent what each verdict means, and returns `check --json`'s object
    described = by_name["check_quote"].description
    for verdict in ('"verbatim" means', '"altered" means', '"paraphrase" means', '"absent" means'):
        assert verdict in described, verdict
    assert by_name["check_quote"].inputSchema["required"] == ["text"]
    payload = json.loads(checked.content[0].text)
    (claim,) = payload["claims"]
    assert claim["verdict"] == "altered" and claim["source"]["page"] == 7
    assert {"kind": "number", "input": "400 M€", "dossier": "360 M€"} in claim["changed"]
    assert refused.isError and "empty" in refused.content[0].text


@pytest.mark.slow
def test_first_start_without_an_index_answers_at_once_then_the_chat_works(tiny_corpus, tmp_path, browser):
    from gradio_client import Client

    from retrieval.config import Settings

    from .conftest import ask_in_page, open_page

    fresh = Settings().with_(corpus_dir=tiny_corpus, index_dir=tmp_path / "no-index-yet")
    running = start_app(fresh, ready=False)
    try:
        assert READY not in running.output()
        pg = open_page(browser, running.url)
        notice = pg.locator("#status .building")
        notice.wait_for(timeout=30_000)
        assert "en cours de construction" in notice.inner_text()
        client = Client(running.url, verbose=False)
        deadline = time.time() + 600
        while True:
            try:
                result = client.predict("Quel est le budget du plan vélo ?", api_name="/ask")
                break
            except Exception as exc:
                assert "index is being built" in str(exc), exc
                assert time.time() < deadline, "the index was never ready"
                time.sleep(2)
        assert "12 M€" in result["answer"]
        notice.wait_for(state="hidden", timeout=30_000)  # the page updates itself
        ask_in_page(pg, "Quand ouvrira la ligne de tramway ?")
        assert "2027" in pg.inner_text("#chatbot")
        pg.context.close()
    finally:
        output = stop_app(running)
    assert "Traceback" not in output


def test_binding_to_every_interface_warns_that_anyone_on_the_network_can_use_it(tmp_path):
    done = subprocess.run(
        [sys.executable, "app.py", "--host", "0.0.0.0", "--corpus", str(tmp_path / "missing")],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    err = done.stderr.decode()
    assert (
        "warning: listening on 0.0.0.0: anyone who can reach this machine on the network can use the chat"
        in err
    )
    assert done.returncode == 1 and "Traceback" not in err


@pytest.mark.parametrize(
    "args, env, expected",
    [
        (["--port", "99999"], {}, "99999 is not a port number"),
        ([], {"RETRIEVAL_PORT": "abc"}, "'abc' is not a port number"),
        (["--concurrency", "0"], {}, "--concurrency takes a whole number"),
        ([], {"RETRIEVAL_QUEUE_SIZE": "many"}, "--queue-size takes a whole number"),
    ],
)
def test_bad_server_settings_get_one_line(args, env, expected):
    done = subprocess.run(
        [sys.executable, "app.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=120,
    )
    err = done.stderr.decode().strip()
    assert done.returncode == 2 and expected in err and len(err.splitlines()) == 1, err


def test_the_chat_takes_the_cli_flags():
    from app import parse_args

    args = parse_args(
        ["--cache", "/tmp/c", "--threshold", "0.5", "--quiet", "--index", "i", "--concurrency", "3"]
    )
    assert (args.cache, args.threshold, args.quiet, args.index, args.concurrency) == (
        "/tmp/c",
        0.5,
        True,
        "i",
        3,
    )
