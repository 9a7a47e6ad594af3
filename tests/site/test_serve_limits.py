"""The UI server stops a request body larger than an attachment before Django reads it."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterable
from typing import Any

import pytest

from immigrationos.site.serve import REQUEST_BODY_MARGIN_BYTES, server_options


def _app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [str(len(body)).encode()]


def _post(port: int, size: int, *, send_body: bool = True) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.putrequest("POST", "/")
        connection.putheader("Content-Length", str(size))
        connection.endheaders()
        if send_body:
            connection.send(b"x" * size)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_body_over_attachment_limit_gets_413(monkeypatch: pytest.MonkeyPatch) -> None:
    import waitress.server  # type: ignore[import-untyped]

    monkeypatch.setenv("IMMIGRATIONOS_ATTACHMENT_MAX_BYTES", "1000")
    options = server_options()
    assert options["max_request_body_size"] == 1000 + REQUEST_BODY_MARGIN_BYTES

    server = waitress.server.create_server(_app, host="127.0.0.1", port=0, **options)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        port = server.effective_port
        assert _post(port, 1000) == (200, b"1000")
        # The server responds from the Content-Length header, before any of the body arrives.
        status, _ = _post(port, 1000 + REQUEST_BODY_MARGIN_BYTES + 1, send_body=False)
        assert status == 413
    finally:
        server.close()
        thread.join(timeout=10)
