"""A threaded werkzeug server running in the background: the local API and the embedded moto."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

from werkzeug.serving import WSGIRequestHandler, make_server


class BackgroundServer:
    """Serve APP on HOST:PORT (port 0: a free one) in a daemon thread. Binds on creation."""

    def __init__(
        self,
        app: Callable[..., Any],
        port: int = 0,
        host: str = "127.0.0.1",
        request_handler: type[WSGIRequestHandler] = WSGIRequestHandler,
        name: str = "wsgi",
    ) -> None:
        self._server = make_server(host, port, app, threaded=True, request_handler=request_handler)
        self._thread = threading.Thread(
            target=functools.partial(self._server.serve_forever, poll_interval=0.05), name=name, daemon=True
        )
        self.url = f"http://{host}:{self._server.server_port}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()
