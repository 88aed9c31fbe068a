"""Test profile: the real settings module, with Redis as broker, result store and cache.

Only environment defaults are set here; every value still flows through digest.settings.
"""

import os

_redis = os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0").rstrip("/")
_redis_base = _redis.rsplit("/", 1)[0] if _redis.rsplit("/", 1)[-1].isdigit() else _redis
os.environ.setdefault("CELERY_BROKER_URL", f"{_redis_base}/15")
os.environ.setdefault("CELERY_RESULT_BACKEND", f"{_redis_base}/15")
os.environ.setdefault("CACHE_URL", f"{_redis_base}/14")
os.environ.setdefault("USE_REDIS_CACHE", "1")
# Tests choose their LLM backend explicitly (the openai_server fixture, the local model
# tests); everything else sees no model and takes the extractive path.
os.environ.setdefault("LLM_BACKEND", "none")

from digest.settings import *  # noqa: E402, F403
