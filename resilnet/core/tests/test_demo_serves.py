"""`resilnet demo` serves the site with a worker, and Ctrl-C stops both."""

import json
import os
import re
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


def wait_for_worker(
    port: int, not_pid: int | None = None, wait: float = 90, process: subprocess.Popen | None = None
) -> dict:
    """/healthz once a worker reports (a worker other than `not_pid`'s, if given).

    Gives up at once when `process`, the server being waited for, has exited."""
    health: dict = {}
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and (process is None or process.poll() is None):
        try:
            health = json.loads(get(f"http://127.0.0.1:{port}/healthz")[1])
            if health["worker"]["ok"] and health["worker"].get("pid") != not_pid:
                return health
        except OSError:
            pass
        time.sleep(0.5)
    return health


def launch(tmp_path, *args: str) -> subprocess.Popen:
    """`resilnet ARGS…` with a var/ folder and a home of its own, none of our settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESILNET_", "DJANGO_"))}
    env["RESILNET_VAR_DIR"] = str(tmp_path / "var")
    env["HOME"] = str(tmp_path / "home")
    # Output goes to a file: a pipe nobody reads while the test waits fills up and stalls
    # the server at its next line.
    with (tmp_path / "output.log").open("wb") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "resilnet.cli", *args], env=env, stdout=log, stderr=log
        )


def stop(process: subprocess.Popen, tmp_path) -> str:
    """Ctrl-C, then everything the process printed."""
    process.send_signal(signal.SIGINT)
    process.wait(timeout=30)
    return (tmp_path / "output.log").read_text(errors="replace")


def test_demo_serves_with_a_worker_and_stops_on_ctrl_c(tmp_path):
    port = free_port()
    demo = launch(tmp_path, "demo", "--port", str(port))
    try:
        # The demo data of every module loads first.
        health = wait_for_worker(port, wait=600, process=demo)
        if not health:  # say why: the demo's own output, not only that it never answered
            output = stop(demo, tmp_path)
            pytest.fail(f"the server never answered (exit {demo.returncode}):\n{output[-4000:]}")
        assert health["status"] == "ok", health
        status, body = get(f"http://127.0.0.1:{port}/")
        assert status == 200
        assert b"resilnet" in body
        # The page names its stylesheet by its hash: sent for good, brotli-compressed.
        stylesheet = re.search(rb'href="(/static/resilnet/site\.[0-9a-f]{12}\.css)"', body)
        assert stylesheet, body[:2000]
        url = f"http://127.0.0.1:{port}{stylesheet.group(1).decode()}"
        request = urllib.request.Request(url, headers={"Accept-Encoding": "br"})
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310 (loopback)
            assert response.headers["Content-Encoding"] == "br"
            assert "immutable" in response.headers["Cache-Control"]
        status, body = get(f"http://127.0.0.1:{port}/static/vendor/htmx/htmx.min.js")
        assert status == 200
        # A worker that dies is started again; the site keeps answering meanwhile.
        first = health["worker"]["pid"]
        os.kill(first, signal.SIGKILL)
        assert get(f"http://127.0.0.1:{port}/")[0] == 200
        again = wait_for_worker(port, not_pid=first)
        assert again["worker"]["ok"], again
        assert again["worker"]["pid"] != first
    finally:
        output = stop(demo, tmp_path)
    assert demo.returncode == 0, output
    assert "admin" in output
    assert "worker exited (exit -9); starting it again" in output
    with pytest.raises(urllib.error.URLError, match="Connection refused"):
        get(f"http://127.0.0.1:{port}/healthz")
    # gunicorn's control socket would be shared by every instance of the user.
    assert not (tmp_path / "home").exists() or not any((tmp_path / "home").rglob("*.ctl"))
