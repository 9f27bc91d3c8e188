"""Bersih's own Scrapy signals: how components report what became of each article URL."""

# Sent by spiders when they schedule an article: (url, key, site).
article_scheduled = object()
# Sent for an outcome that is not an item passing the pipelines: (key, outcome, reason, detail,
# provisional). A provisional outcome gives way to a later one for the same key.
# outcome is one of "skipped" and "failed"; items report "written", "rejected",
# "duplicate" and "skipped" through item_scraped and item_dropped.
article_outcome = object()
# Sent by the writer when an output file is complete under its final name: (path, records, sha256).
output_committed = object()
# Sent by the writer when records it had taken cannot be completed on disk: (urls, reason, detail).
# Their outcome becomes "failed", whatever it was.
records_failed = object()
# Sent by the writer when a state commit failed and its outputs did not become final: (reason, urls).
# Those records, counted as written, are then failed.
output_abandoned = object()
# Sent by the writer when a checkpoint is due, before it commits: the WARC finishes its part.
checkpoint_reached = object()
# Sent by the writer once a checkpoint's outputs are committed and final: (urls), the records
# they hold. The manifest is written as the run stands.
checkpoint_committed = object()
# Sent by the WARC archive when it closes: (path, records, error). `error` is empty when the
# archive is complete under `path`; otherwise it says why the archive stopped.
archive_closed = object()
