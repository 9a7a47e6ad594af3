"""Serve the web UI with waitress, a pure-Python WSGI server."""

from __future__ import annotations

import logging

from immigrationos.site.setup import django_setup, migrate

logger = logging.getLogger(__name__)

SERVER_THREADS = 8


def serve(*, host: str, port: int) -> None:
    """Migrate the operational store and serve the UI on ``host:port`` until interrupted."""
    import waitress  # type: ignore[import-untyped]

    django_setup()
    migrate()

    from immigrationos.site.wsgi import application

    shown_host = f"[{host}]" if ":" in host else host
    print(f"ImmigrationOS is serving at http://{shown_host}:{port}/ (Ctrl+C stops it)")
    try:
        waitress.serve(application, host=host, port=port, threads=SERVER_THREADS, ident="")
    except KeyboardInterrupt:
        logger.info("server on %s:%s stopped", host, port)
