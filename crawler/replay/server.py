"""The replay HTTP server: answers proxy-style requests for recorded URLs on loopback."""

from __future__ import annotations

import argparse
import contextlib
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from crawler.replay.archive import Recorded, load_archive, url_key

logger = logging.getLogger(__name__)


class ReplayHandler(BaseHTTPRequestHandler):
    """Serve a recorded response by the absolute URL of the request line."""

    server: ReplayServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._answer(send_body=True)

    def do_HEAD(self) -> None:
        self._answer(send_body=False)

    def _answer(self, send_body: bool) -> None:
        url = self.path if "://" in self.path else f"http://{self.headers.get('Host', '')}{self.path}"
        recorded: Recorded | None = self.server.archive.get(url_key(url))
        self.server.count(url, self.headers.get("User-Agent", ""))
        if recorded is None:
            body = f"not recorded: {url}\n".encode()
            status, headers = 404, {"Content-Type": "text/plain; charset=utf-8"}
        else:
            time.sleep(recorded.delay_seconds)
            body, status, headers = recorded.body(), recorded.status, recorded.headers
        self.send_response(status)
        for name, value in headers.items():
            if name.lower() not in ("content-length", "transfer-encoding", "connection"):
                self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:
        logger.debug("replay: " + format, *args)


class ReplayServer(ThreadingHTTPServer):
    """A threaded HTTP server over one replay directory; counts requests per URL."""

    daemon_threads = True

    def __init__(self, directory: str | Path, port: int = 0):
        self.archive = load_archive(directory)
        self.hits: dict[str, int] = {}
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", port), ReplayHandler)

    @property
    def url(self) -> str:
        """Where to point a crawl (REPLAY_SERVER)."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, url: str, user_agent: str) -> None:
        with self._lock:
            self.hits[url] = self.hits.get(url, 0) + 1
            self.user_agents.add(user_agent)

    def handle_error(self, request, client_address) -> None:
        """A client that hangs up mid-answer (a crawl cancelling a download) is routine."""
        logger.debug("replay: connection from %s ended early", client_address, exc_info=True)

    def start_in_thread(self) -> ReplayServer:
        """Serve in a daemon thread and return self."""
        threading.Thread(target=self.serve_forever, name="bersih-replay", daemon=True).start()
        return self


def main(argv: list[str] | None = None) -> None:
    """Serve a replay directory in the foreground, for crawls started elsewhere."""
    parser = argparse.ArgumentParser(
        prog="python -m crawler.replay.server",
        description="Serve recorded pages on 127.0.0.1 for offline crawls "
        "(point a crawl at it with -s REPLAY_SERVER=http://127.0.0.1:PORT).",
    )
    parser.add_argument("directory", help="replay directory holding responses.jsonl")
    parser.add_argument("--port", type=int, default=8765, help="port on 127.0.0.1 (default: 8765)")
    args = parser.parse_args(argv)
    server = ReplayServer(Path(args.directory), args.port)
    print(f"Replaying {len(server.archive)} responses from {args.directory} at {server.url}", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()


if __name__ == "__main__":
    main()
