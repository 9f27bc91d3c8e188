"""The replay HTTP server: answers proxy-style requests for recorded URLs on loopback."""

from __future__ import annotations

import argparse
import contextlib
import functools
import gzip
import logging
import socket
import struct
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
        hit = self.server.count(url, self.headers.get("User-Agent", ""))
        fault = recorded.fault if recorded is not None else None
        if fault and hit <= fault.get("times", hit) and self._play(fault, recorded, send_body):
            return
        if recorded is None:
            body = f"not recorded: {url}\n".encode()
            status, headers = 404, {"Content-Type": "text/plain; charset=utf-8"}
        else:
            time.sleep(recorded.delay_seconds)
            body, status, headers = recorded.body(), recorded.status, recorded.headers
        self._send(status, headers, body, send_body)

    def _play(self, fault: dict, recorded: Recorded, send_body: bool) -> bool:
        """Answer with the fault; False when the recorded answer follows (after a hang)."""
        kind = fault["kind"]
        if kind == "hang":
            time.sleep(fault.get("seconds", 60))
            return False
        if kind == "status":
            headers = {"Content-Type": "text/plain"}
            if "retry_after" in fault:
                headers["Retry-After"] = str(fault["retry_after"])
            self._send(fault.get("status", 503), headers, b"try again later\n", send_body)
            return True
        if kind == "gzip-bomb":
            headers = {**recorded.headers, "Content-Encoding": "gzip"}
            self._send(200, headers, _bomb(fault.get("bytes", 200_000_000)), send_body)
            return True
        body = recorded.body()  # reset, truncate: promise the whole body, send half
        self.send_response(recorded.status)
        self.send_header("Content-Type", recorded.headers.get("Content-Type", "text/html"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body[: len(body) // 2])
        self.wfile.flush()
        if kind == "reset":  # RST instead of FIN
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        return True

    def _send(self, status: int, headers: dict, body: bytes, send_body: bool) -> None:
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


@functools.cache
def _bomb(size: int) -> bytes:
    """`size` bytes of zeros, gzipped to a few hundred kilobytes."""
    return gzip.compress(b"\0" * size, compresslevel=9)


class ReplayServer(ThreadingHTTPServer):
    """A threaded HTTP server over one replay directory; counts requests per URL."""

    daemon_threads = True

    def __init__(self, directory: str | Path, port: int = 0):
        self.archive = load_archive(directory)
        self.hits: dict[str, int] = {}
        self.times: dict[str, list[float]] = {}  # when each URL was asked for (monotonic)
        self.user_agents: set[str] = set()
        self._lock = threading.Lock()
        super().__init__(("127.0.0.1", port), ReplayHandler)

    @property
    def url(self) -> str:
        """Where to point a crawl (REPLAY_SERVER)."""
        return f"http://127.0.0.1:{self.server_address[1]}"

    def count(self, url: str, user_agent: str) -> int:
        """Count a request; its number for this URL."""
        with self._lock:
            self.hits[url] = self.hits.get(url, 0) + 1
            self.times.setdefault(url, []).append(time.monotonic())
            self.user_agents.add(user_agent)
            return self.hits[url]

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
