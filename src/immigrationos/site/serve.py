"""Serve the web UI with waitress, a pure-Python WSGI server."""

from __future__ import annotations

import logging
from typing import Any

from immigrationos.cases.conf import attachment_max_bytes
from immigrationos.site.setup import django_setup, migrate

logger = logging.getLogger(__name__)

SERVER_THREADS = 8
# Room for a multipart upload's headers and form fields beside the largest attachment.
REQUEST_BODY_MARGIN_BYTES = 1024 * 1024


def server_options() -> dict[str, Any]:
    """Return the waitress options of the UI server.

    Django reads an upload whole before a view can check its size, so the server stops a
    body larger than the attachment limit and a margin first (waitress returns 413).
    """
    return {
        "threads": SERVER_THREADS,
        "ident": "",
        "max_request_body_size": attachment_max_bytes() + REQUEST_BODY_MARGIN_BYTES,
    }


def serve(*, host: str, port: int) -> None:
    """Migrate the operational store and serve the UI on ``host:port`` until interrupted."""
    import waitress  # type: ignore[import-untyped]

    django_setup()
    migrate()

    from immigrationos.site.wsgi import application

    shown_host = f"[{host}]" if ":" in host else host
    print(f"ImmigrationOS is serving at http://{shown_host}:{port}/ (Ctrl+C stops it)")
    try:
        waitress.serve(application, host=host, port=port, **server_options())
    except KeyboardInterrupt:
        logger.info("server on %s:%s stopped", host, port)
