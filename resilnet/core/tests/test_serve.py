"""`resilnet serve` takes the requests the API lets people send: a search of 500 Chinese
characters is a 4,500-byte URL, over gunicorn's default limit on the request line."""

import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from resilnet.core.tests.test_demo_serves import free_port, get, launch, stop


def test_serve_takes_a_request_line_up_to_8190_bytes(tmp_path):
    port = free_port()
    server = launch(tmp_path, "serve", "--port", str(port))
    base = f"http://127.0.0.1:{port}/api/v1/regions?kind="
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                get(f"http://127.0.0.1:{port}/healthz")
                break
            except OSError:
                time.sleep(0.5)
        long = base + urllib.parse.quote("卫" * 850)  # 7,650 bytes of query
        assert len(f"GET {long} HTTP/1.1") > 7000
        assert get(long) == (200, b"[]")
        with pytest.raises(urllib.error.HTTPError) as refused:
            get(base + urllib.parse.quote("卫" * 1000))
        assert refused.value.code == 414
    finally:
        output = stop(server, tmp_path)
    assert server.returncode == 0, output
