"""``mlp-widgets dashboard`` compresses what it sends to a browser that accepts gzip (slow links: Binder)."""

from __future__ import annotations

import gzip
import re
import urllib.request

import pytest

pytestmark = pytest.mark.browser


def _get(url: str, encoding: str | None) -> tuple[dict, bytes]:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding} if encoding else {})
    with urllib.request.urlopen(request, timeout=60) as response:
        return dict(response.headers), response.read()


def test_javascript_is_gzipped_for_a_client_that_accepts_it(dashboard_server):
    _, page = _get(dashboard_server.url("voila/static/voila.js"), None)
    headers, body = _get(dashboard_server.url("voila/static/voila.js"), "gzip")
    assert headers.get("Content-Encoding") == "gzip"
    assert gzip.decompress(body) == page
    assert len(body) < len(page) / 2


def test_a_client_that_does_not_accept_gzip_gets_plain_bytes(dashboard_server):
    headers, body = _get(dashboard_server.url("voila/static/voila.js"), None)
    assert "Content-Encoding" not in headers
    assert re.search(rb"[a-zA-Z]", body[:200])
