"""``openimr serve`` serves the workbench next to the API, with a session key of its own."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_openimr_serve_serves_the_workbench(tmp_path: Path) -> None:
    env = dict(os.environ, OPENIMR_HOME=str(tmp_path / "home"))
    env.pop("OPENIMR_WEB_SECRET", None)
    url = f"sqlite+pysqlite:///{tmp_path / 'serve.sqlite3'}"
    cli = [sys.executable, "-m", "openimr"]
    token = subprocess.run(
        [*cli, "users", "create", "desk", "--role", "intake", "--database-url", url],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    port = _free_port()
    server = subprocess.Popen(
        [*cli, "serve", "--port", str(port), "--database-url", url],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{base}/api/v1/health").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline and server.poll() is None, "serve did not start"
            time.sleep(0.2)
        with httpx.Client(base_url=base) as client:
            assert client.get("/").headers["location"] == "/workbench/"
            login = client.get("/workbench/login", params={"next": "/workbench/?q=Zebulon"})
            assert login.status_code == 200
            csrf = re.search(r'name="csrf" value="([^"]+)"', login.text)
            assert csrf
            signed = client.post(
                "/workbench/login", data={"csrf": csrf.group(1), "token": token, "next": ""}
            )
            assert signed.status_code == 303
            queue = client.get("/workbench/")
            assert queue.status_code == 200 and "Intake work" in queue.text
            css = client.get("/workbench/static/workbench.css")
            assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
        key = tmp_path / "home" / "web-session.key"
        assert key.exists() and (key.stat().st_mode & 0o077) == 0
    finally:
        server.terminate()
        server.wait(timeout=20)
    # One line a request, by route as written: never the query, which may hold a name.
    logged = server.stderr.read().decode() if server.stderr else ""
    assert re.search(
        r"openimr\.access: GET /workbench/login 200 \d+ ms request=[0-9a-f]{32}", logged
    )
    assert "Zebulon" not in logged
