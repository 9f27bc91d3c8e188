"""A download handler that sends every request to the replay server instead of the web."""

from __future__ import annotations

import logging

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from crawler.replay.server import ReplayServer

logger = logging.getLogger(__name__)


class ReplayDownloadHandler(HTTP11DownloadHandler):
    """Fetch through the replay server as an HTTP proxy; responses keep their original URL.

    The request travels over real HTTP to 127.0.0.1, so Scrapy's middlewares
    (robots.txt, redirects, retries, size limits) work as they do on the web.
    """

    _shared_server: ReplayServer | None = None

    def __init__(self, crawler: Crawler):
        super().__init__(crawler)
        settings = crawler.settings
        self.server_url = settings.get("REPLAY_SERVER")
        if not self.server_url:
            directory = settings.get("REPLAY_DIR")
            if not directory:
                raise NotConfigured("set REPLAY_DIR or REPLAY_SERVER to replay recorded pages")
            # One server per process, shared by the http and https handlers.
            server = ReplayDownloadHandler._shared_server
            if server is None or server.archive_dir != directory:
                server = ReplayServer(directory).start_in_thread()
                server.archive_dir = directory
                ReplayDownloadHandler._shared_server = server
                logger.info(
                    "Replaying %d recorded responses from %s at %s",
                    len(server.archive),
                    directory,
                    server.url,
                )
            self.server_url = server.url

    async def download_request(self, request: Request) -> Response:
        # Plain http to the proxy: the replay server keys on host, path and query.
        via = request.replace(
            url="http://" + request.url.split("://", 1)[1],
            meta={**request.meta, "proxy": self.server_url},
        )
        response = await super().download_request(via)
        return response.replace(url=request.url, request=request)
