"""A real museum-kg server for tests (a helper module, importable by name)."""

from __future__ import annotations


class LiveServer:
    """The app behind a real waitress server on a free port, in a thread of this process.

    `url` ends with "/" (e.g. `live_server.url + "sparql"`); `app` and `settings` are
    the ones served; `close()` stops the server and the backend's worker processes.
    """

    def __init__(self, settings, backend=None) -> None:
        import threading

        from museum_kg.endpoint.app import create_app
        from museum_kg.endpoint.commands import make_server

        self.settings = settings
        self.app = create_app(settings, backend)
        self.server = make_server(self.app, settings, port=0)
        self.url = f"http://127.0.0.1:{self.server.effective_port}/"
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()

    @property
    def sparql(self) -> str:
        return self.url + "sparql"

    def close(self) -> None:
        from museum_kg.endpoint.app import close_app
        from waitress.channel import HTTPChannel

        def stop() -> None:  # runs in the server's loop thread
            # idle keep-alive connections would hold the loop until their timeout
            for channel in list(self.server._map.values()):
                if isinstance(channel, HTTPChannel):
                    channel.close()
            self.server.close()

        self.server.trigger.pull_trigger(stop)
        self.thread.join(timeout=10)
        close_app(self.app)
