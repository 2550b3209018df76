"""A local HTTP server on 127.0.0.1 for the download tests: files, 404s and transfers cut halfway."""

from __future__ import annotations

import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class FileServer:
    """Serves `files` ({"/name": bytes}); paths in `cut` send half their bytes and hang up.

    `hits` counts the requests per path, so a test sees retries and which sources were tried;
    `gate`, until set, holds every body after its headers (a test acts mid-download, not in a race)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.cut: set[str] = set()
        self.hits: Counter = Counter()
        self.gate = threading.Event()
        self.gate.set()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?")[0]
                server.hits[path] += 1
                body = server.files.get(path)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                server.gate.wait(20)
                if path in server.cut:
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                """Quiet: the tests assert on `hits`."""

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return f"{self.base}{path}"

    def __enter__(self) -> "FileServer":
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def closed_port_url(name: str) -> str:
    """A URL on 127.0.0.1 where nothing listens: what "no network" looks like to requests."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{name}"


def isolate_downloads(tmp_path, monkeypatch, no_waiting: bool = True) -> None:
    """The test's own cache and lab catalogue (`tmp_path/lab.toml`), no mirror, and no pauses
    between pooch's retries: nothing a download test does reaches the user's files or waits."""
    import time

    monkeypatch.setenv("FCN_STUDIO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("FCN_STUDIO_CATALOGUE", str(tmp_path / "lab.toml"))
    monkeypatch.delenv("FCN_STUDIO_MIRROR", raising=False)
    if no_waiting:
        monkeypatch.setattr(time, "sleep", lambda s: None)
