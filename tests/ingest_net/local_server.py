"""A tiny HTTP server on 127.0.0.x for network tests: scripted routes, every request recorded."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Reply = tuple[int, dict[str, str], bytes]
Route = Reply | Callable[["Seen"], Reply]


@dataclass
class Seen:
    """One request the server received."""

    path: str
    headers: dict[str, str]


@dataclass
class LocalServer:
    host: str
    port: int
    routes: dict[str, Route]
    requests: list[Seen] = field(default_factory=list)

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]


def _handler(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            seen = Seen(self.path, {k.lower(): v for k, v in self.headers.items()})
            server.requests.append(seen)
            route = server.routes.get(self.path.split("?")[0])
            if route is None:
                status, headers, body = 404, {"Content-Type": "text/plain"}, b"not found"
            else:
                status, headers, body = route(seen) if callable(route) else route
            headers = dict(headers)
            self.send_response(status)
            chunked = headers.pop("X-Test-No-Length", None) is not None
            for name, value in headers.items():
                self.send_header(name, value)
            if chunked:
                self.send_header("Connection", "close")
                self.end_headers()
                for start in range(0, len(body), 1024):
                    self.wfile.write(body[start : start + 1024])
                self.close_connection = True
                return
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up early (size and time caps) are expected here


@contextmanager
def serve(
    routes: dict[str, Route], host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
) -> Iterator[LocalServer]:
    """Run a server on `host` (any 127.0.0.0/8 address works on Linux) on a free port."""
    state = LocalServer(host, 0, routes)
    httpd = _QuietServer((host, 0), _handler(state))
    if tls is not None:
        httpd.socket = tls.wrap_socket(httpd.socket, server_side=True)
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


def slow(seconds: float, reply: Reply) -> Callable[[Seen], Reply]:
    """A route that answers after `seconds`."""

    def route(_seen: Seen) -> Reply:
        time.sleep(seconds)
        return reply

    return route
