"""A tiny HTTP server on 127.0.0.1 for k6 to load: the only thing tests ever send load to."""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Target:
    """Counts requests per path; ``/ok`` answers 200, ``/fail`` 500, ``/slow`` 200 after 200 ms."""

    def __init__(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def count(self, path: str) -> int:
        with self._lock:
            return self.counts.get(path, 0)

    def hit(self, path: str) -> None:
        with self._lock:
            self.counts[path] = self.counts.get(path, 0) + 1


@contextmanager
def serve_target() -> Iterator[Target]:
    target: Target

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            target.hit(path)
            if path == "/slow":
                time.sleep(0.2)
            status = 500 if path == "/fail" else 200
            body = b'{"ok": true}' if status == 200 else b'{"ok": false}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    target = Target(server)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        server.shutdown()
        server.server_close()
