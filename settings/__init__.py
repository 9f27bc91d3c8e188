"""Bersih's settings: the single switchboard. Override any of them with -s NAME=VALUE."""

BOT_NAME = "bersih"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"
COMMANDS_MODULE = "crawler.commands"
ADDONS = {"crawler.addon.Bersih": 0}

# --- Identity and politeness -------------------------------------------------
# The User-Agent is "Bersih/<version> (+<BERSIH_CONTACT_URL>)"; point it at a page
# that tells site owners who runs the crawl and how to reach them.
BERSIH_CONTACT_URL = "https://github.com/bersih-id/bersih"
ROBOTSTXT_OBEY = True
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.robots.SharedRobotsTxtMiddleware": 100,
    # before RetryMiddleware (550) sees the response: 429/503 with Retry-After wait as asked
    "crawler.retryafter.RetryAfterMiddleware": 560,
}
# URLs over URLLENGTH_LIMIT (Scrapy's 2083) are not requested; an article's is rejected as
# "url-too-long" rather than dropped without an outcome as Scrapy's own middleware does.
SPIDER_MIDDLEWARES = {
    "scrapy.spidermiddlewares.urllength.UrlLengthMiddleware": None,
    "crawler.urllength.AccountedUrlLengthMiddleware": 800,
}
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
CONCURRENT_REQUESTS = 16
CONCURRENT_REQUESTS_PER_DOMAIN = 4
# An article response yields one item: Scrapy's default of 100 parallel slots per response only
# costs the reactor a hundred idle tasks per page (bench/crawl.py measures the difference).
CONCURRENT_ITEMS = 8
# Downloaded pages waiting for cleaning, per site, before Scrapy stops fetching more: about ten
# articles. Scrapy's 5 MB default holds dozens of pages per site in memory (bench/crawl.py).
SCRAPER_SLOT_MAX_ACTIVE_SIZE = 1_000_000
# The queue of requests waiting to be fetched lives on disk (Scrapy's disk queues, in a temporary
# folder unless JOBDIR is set), so memory does not grow with the URLs a sitemap lists.
SCHEDULER = "crawler.scheduler.DiskFrontierScheduler"
SCHEDULER_DISK_FRONTIER = True
SCHEDULER_DISK_FRONTIER_DIR = None  # the system's temporary folder
DOWNLOAD_DELAY = 0.5
DOWNLOAD_TIMEOUT = 30
RETRY_TIMES = 3
# The longest Retry-After (seconds) a page waits for; a site asking for more is retried at once.
RETRY_AFTER_MAX = 120
# A news article is well under a megabyte; refuse the outliers before they are parsed.
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024

# Preflight closes a run that cannot start before it fetches anything. The Ledger comes after the
# WARC archive, so that its manifest says whether the archive is complete.
EXTENSIONS = {
    "crawler.preflight.Preflight": 0,
    "crawler.summary.RunSummary": 0,
    "crawler.warc.WarcArchive": 0,
    "crawler.ledger.Ledger": 10,
    # One line per site every PROGRESS_INTERVAL seconds, in place of Scrapy's "Crawled N pages".
    "crawler.progress.Progress": 20,
    "scrapy.extensions.logstats.LogStats": None,
    # With CLEANING_AUDIT: OUTPUT_DIR/<run-id>.removed.json, the removals by site and rule.
    "crawler.removals.RemovalsReport": 30,
    # Spidermon's monitors, with SPIDERMON_ENABLED (README "Drift alarms"); it runs after the Ledger.
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
}
PROGRESS_INTERVAL = 60  # seconds; 0: no progress lines
# Scrapy's end-of-run stats dump goes to the log at STATS_DUMP_LEVEL ("INFO" to see it without
# -s LOG_LEVEL=DEBUG); the summary table on stdout and the manifest say what a run did.
STATS_CLASS = "crawler.stats.LeveledStatsCollector"
STATS_DUMP_LEVEL = "DEBUG"
LOG_FORMATTER = "crawler.logformatter.BersihLogFormatter"

# --- Cleaning and output -----------------------------------------------------
ITEM_PIPELINES = {
    "pipelines.extract.ExtractPipeline": 100,
    "pipelines.validate.ValidatePipeline": 200,
    "pipelines.language.LanguagePipeline": 250,
    "pipelines.dedup.DedupPipeline": 300,
    "pipelines.state.StatePipeline": 800,
    # Each site's quality measures and drift alarms (README "Drift alarms"). Pipelines close in reverse
    # order: it closes after the writer's last commit and before the state pipeline closes the store.
    "crawler.drift.DriftWatch": 850,
    "pipelines.jsonl.JsonLinesPipeline": 900,
}
# Pages larger than this are rejected as "too-large" without being parsed.
EXTRACT_MAX_BYTES = 10 * 1024 * 1024
# Cleaning runs in this many worker processes (None: one per core; 0: in the crawl process).
EXTRACT_WORKERS = None
# A page whose cleaning takes longer is rejected as "cleaner-timeout"; its worker is replaced.
EXTRACT_TIMEOUT = 30
# Pages being cleaned at once (0: twice the workers); the rest wait, and so do downloads.
EXTRACT_MAX_IN_FLIGHT = 0
# The cleaning audit: each record's `removed` lists what cleaning removed from its page, each run
# of text with its rule and layer (profile, tree, trafilatura, lines), and the run writes
# OUTPUT_DIR/<run-id>.removed.json beside its manifest. Off: `removed` is null, at no cost.
CLEANING_AUDIT = False
# Records with fewer words are rejected as "too-short".
VALIDATE_MIN_WORDS = 40
# Every record carries `language` and `language_score`, identified from its clean text (py3langid);
# a page's <html lang> only settles a near tie. LANGUAGE_EXPECTED: the languages a run wants, as a
# list or "id,en" with -s (empty: the site profile's language; Indonesian for a site without one).
# A record in another language is, by LANGUAGE_ACTION: "keep" (written as it is), "mark" (written
# with `language_expected`, counted as bersih/language/unexpected) or "reject" (`unexpected-language`).
LANGUAGE_EXPECTED = []
LANGUAGE_ACTION = "mark"
# Cross-run state (SQLite under STATE_DIR): a run writes only what is new or changed.
# Articles published within STATE_REFETCH_WINDOW are fetched again to catch updates;
# older ones only when their sitemap lastmod moves.
STATE_ENABLED = True
STATE_DIR = "state"
STATE_REFETCH_WINDOW = "2d"
# A new state (or a Redis restarted empty) beside earlier runs' output stops the run, as it would write
# that output again; set STATE_NEW_OK to accept it.
STATE_NEW_OK = False
# "sqlite" (under STATE_DIR, one run at a time) or "redis" (REDIS_URL, shared by the workers
# of distributed mode, which sets it).
STATE_BACKEND = "sqlite"

# Exact duplicates (the same normalised text under another URL): "drop" them, counted
# as "duplicate" in the manifest, or "mark" them, written with `duplicate_of`.
DEDUP_ENABLED = True
DEDUP_ACTION = "drop"
# Near duplicates (syndicated copies, regional editions): MinHash LSH over 5-word shingles,
# at this Jaccard similarity, against the articles written within NEAR_DUP_WINDOW.
NEAR_DUP_ENABLED = True
NEAR_DUP_THRESHOLD = 0.8
NEAR_DUP_WINDOW = "30d"
# Site memory (README "Site memory"): per site, the state store counts each short paragraph
# (digits, dates and names of days folded) once per distinct committed article, within
# MEMORY_WINDOW. A paragraph of at most MEMORY_MAX_WORDS words in MEMORY_MIN_ARTICLES articles and
# MEMORY_MIN_SHARE of the site's, on MEMORY_MIN_DAYS publication days and in MEMORY_MIN_SECTIONS
# sections, is template: the `memory` layer of cleaning removes it. The days guard against quotes
# (follow-up stories of one event repeat one on a day or two). Cleaning re-reads a site's template
# every MEMORY_REFRESH pages and after each commit. Measured by bench/memory.py (bench/RESULTS.md).
MEMORY_ENABLED = True
MEMORY_MIN_ARTICLES = 3
MEMORY_MIN_SHARE = 0.01
MEMORY_MAX_WORDS = 30
MEMORY_MIN_DAYS = 3
MEMORY_MIN_SECTIONS = 1
MEMORY_WINDOW = "30d"
MEMORY_REFRESH = 100
# Output: OUTPUT_DIR/<site>/<partition>/<run-id>.jsonl
OUTPUT_DIR = "out"
# "crawl-date" (the run's UTC date), "published-date" (the article's date) or "site" (none).
OUTPUT_PARTITION = "crawl-date"
# "jsonl" (JSON Lines) or "parquet" (<run-id>.parquet, row groups of 1000 records; pyarrow).
OUTPUT_FORMAT = "jsonl"
# "gzip" (.jsonl.gz) or "zstd" (.jsonl.zst); empty for plain .jsonl. With parquet, the codec
# inside the file (empty: snappy).
OUTPUT_COMPRESSION = ""
# Continue a partition's output in a new file after this many records (0: no limit).
OUTPUT_MAX_RECORDS = 0
# Checkpoints: every CHECKPOINT_RECORDS records or CHECKPOINT_SECONDS seconds (0: never), the
# output parts and the WARC part are made final, the state commits them and the manifest is
# written as the run stands. A run killed later loses only the work since, which the next run redoes.
CHECKPOINT_RECORDS = 1000
CHECKPOINT_SECONDS = 120
# A fixed run id (default: UTC start time, spider name and a random suffix).
BERSIH_RUN_ID = None

# Every fetched response is archived to WARC_DIR/<run-id>.warc.gz (default OUTPUT_DIR/warc),
# so that `scrapy reprocess` can rebuild the corpus with newer rules and no network.
WARC_ENABLED = True
WARC_DIR = None
# gzip level of each archived record: 3 takes half the CPU of gzip's default 6 for archives 11% larger;
# warcio's 9 takes three times as much for 1% smaller (measured on the corpus pages).
WARC_COMPRESSION_LEVEL = 3

# --- Offline replay ----------------------------------------------------------
# REPLAY_DIR=sample/kompas serves recorded pages from a local HTTP server on
# 127.0.0.1 started inside the crawl; REPLAY_SERVER=http://127.0.0.1:PORT uses one
# started elsewhere (python -m crawler.replay.server DIR --port PORT).
REPLAY_DIR = None
REPLAY_SERVER = None

# Health: a run exits non-zero (status 3) when a site that has yielded articles before gets
# none written or skipped, or when more than HEALTH_MAX_ERROR_RATE of at least
# HEALTH_MIN_SCHEDULED articles failed. The reasons are logged and put in the manifest.
HEALTH_MAX_ERROR_RATE = 0.2
HEALTH_MIN_SCHEDULED = 5
# A drift alarm (below) exits with status 3 too when HEALTH_FAIL_ON_DRIFT is on.
HEALTH_FAIL_ON_DRIFT = False

# Drift alarms (README "Drift alarms"): each run keeps, per site, in the state store, its leak canary
# rate, fallback rate, field fill rates, mean text length and selector hit rates, and compares them
# with the median of the site's latest DRIFT_HISTORY_RUNS runs of at least DRIFT_MIN_RECORDS records
# (pages, for selectors); with fewer than DRIFT_MIN_HISTORY such runs, or fewer records now, no alarm.
# An alarm: leaks up by DRIFT_LEAK_RISE or fallbacks by DRIFT_FALLBACK_RISE (0.05: five points); a
# selector's hit rate or a field's fill rate under DRIFT_DROP_RATIO of usual and down DRIFT_MIN_DROP;
# the mean text under DRIFT_DROP_RATIO of usual.
DRIFT_ENABLED = True
DRIFT_HISTORY_RUNS = 10
DRIFT_MIN_HISTORY = 3
DRIFT_MIN_RECORDS = 20
DRIFT_LEAK_RISE = 0.05
DRIFT_FALLBACK_RISE = 0.15
DRIFT_DROP_RATIO = 0.5
DRIFT_MIN_DROP = 0.2
# Spidermon: SPIDERMON_ENABLED runs these suites when a crawl closes; crawler.monitors.BersihMonitorSuite
# fails on drift alarms and health problems, and then runs the Spidermon actions (email, Slack,
# Telegram) named in BERSIH_MONITOR_ACTIONS, each set up with its own SPIDERMON_* settings.
SPIDERMON_ENABLED = False
SPIDERMON_SPIDER_CLOSE_MONITORS = ["crawler.monitors.BersihMonitorSuite"]
BERSIH_MONITOR_ACTIONS = []

LOG_LEVEL = "INFO"
FEED_EXPORT_ENCODING = "utf-8"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"

# Distributed mode (README "Scaling out"): workers share a frontier and the state in Redis.
# Switch it on with SCRAPY_SETTINGS_MODULE=settings.distributed, or -s DISTRIBUTED=1 -s REDIS_URL=…
DISTRIBUTED = False
REDIS_URL = None
# A worker that stops renewing its leases (killed, cut off) loses its requests to the others
# after this long; keep it above DOWNLOAD_TIMEOUT plus EXTRACT_TIMEOUT.
DISTRIBUTED_LEASE_SECONDS = 90
# A worker exits when the frontier has been empty, with nothing leased anywhere, this long.
DISTRIBUTED_IDLE_EXIT = 30
SCHEDULER_QUEUE_KEY = "bersih:%(spider)s:requests"
SCHEDULER_DUPEFILTER_KEY = "bersih:%(spider)s:dupefilter"
