"""`resilnet demo` serves the site with a worker, and Ctrl-C stops both."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def get(url: str) -> tuple[int, bytes]:
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 (loopback only)
        return response.status, response.read()


def test_demo_serves_with_a_worker_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILNET_", "DJANGO_"))}
    env["RESILNET_VAR_DIR"] = str(tmp_path / "var")
    demo = subprocess.Popen(
        [sys.executable, "-m", "resilnet.cli", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                status, body = get(f"http://127.0.0.1:{port}/healthz")
                health = json.loads(body)
                if health["worker"]["ok"]:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert health is not None, "the server never answered"
        assert health["status"] == "ok", health
        status, body = get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert b"resilnet" in body
        status, body = get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")
        assert status == 200
    finally:
        demo.send_signal(signal.SIGINT)
        output, _ = demo.communicate(timeout=30)
    assert demo.returncode == 0, output
    assert "admin" in output
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        get(f"http://127.0.0.1:{port}/healthz")
