"""The LLM boundary: one interface, the backend chosen by settings.

Callers ask ``llm_client()`` for a client and call ``complete``; ``None`` means no model
is available (no endpoint configured and the offline extra not installed), and the
caller falls back to its own extractive path, labelled as such. Every completion reports
the model, the token counts and the duration, so that callers can log and budget it;
every call is logged on the ``digest.llm`` logger.

Selection (``LLM_BACKEND``): ``auto`` takes the OpenAI-compatible endpoint when one is
configured (``LLM_BASE_URL`` or ``LLM_API_KEY``), else the local model when the
``local-llm`` extra and a model are installed *and* it earned its place: the draft
benchmark (``benchmarks/draft_quality.py``, read from ``LLM_LOCAL_EVIDENCE``) scored it
above the extractive drafts; else None. ``openai``, ``local`` and ``none`` force one.
"""

from __future__ import annotations

import json
import logging
from functools import lru_cache
from pathlib import Path

from digest.lib.llm.base import (
    Completion,
    LLMBudgetExceeded,
    LLMClient,
    LLMError,
    TokenBudget,
    complete_within,
    estimate_tokens,
)
from digest.lib.llm.prompts import render_prompt

__all__ = [
    "Completion",
    "LLMBudgetExceeded",
    "LLMClient",
    "LLMError",
    "TokenBudget",
    "complete_within",
    "estimate_tokens",
    "llm_client",
    "render_prompt",
]

logger = logging.getLogger("digest.llm")


def llm_client() -> LLMClient | None:
    """The configured client, or None when no model is available."""
    from django.conf import settings

    backend = settings.LLM_BACKEND
    if backend == "none":
        return None
    if backend == "openai" or (backend == "auto" and settings.LLM_ENDPOINT_CONFIGURED):
        return _openai_client(
            base_url=settings.LLM_BASE_URL,
            model=settings.LLM_MODEL,
            api_key=settings.LLM_API_KEY,
            timeout_s=settings.LLM_TIMEOUT_S,
            max_retries=settings.LLM_MAX_RETRIES,
        )
    if backend == "auto" and not local_model_earned(results=settings.LLM_LOCAL_EVIDENCE):
        logger.info("LLM_BACKEND=auto: the local model did not beat extractive drafts; none used")
        return None
    return _local_client(
        spec=settings.LLM_LOCAL_MODEL,
        threads=settings.LLM_LOCAL_THREADS,
        context=settings.LLM_LOCAL_CONTEXT,
        forced=backend == "local",
    )


def local_model_earned(*, results: Path) -> bool:
    """Whether the draft benchmark scored the local model above extractive drafting.

    No result, an unreadable one, or one without both scores: not earned.
    """
    try:
        figures = json.loads(results.read_text())["figures"]
        local = float(figures["local_quality_score"]["value"])
        extractive = float(figures["extractive_quality_score"]["value"])
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return local > extractive


@lru_cache(maxsize=4)
def _openai_client(
    *, base_url: str, model: str, api_key: str, timeout_s: float, max_retries: int
) -> LLMClient:
    from digest.lib.llm.openai_backend import OpenAIClient

    return OpenAIClient(
        base_url=base_url,
        model=model,
        api_key=api_key,
        timeout_s=timeout_s,
        max_retries=max_retries,
    )


def _local_client(*, spec: str, threads: int, context: int, forced: bool) -> LLMClient | None:
    from digest.lib.llm.local_backend import LocalClient, find_local_model, runtime_installed

    if not runtime_installed():
        if forced:
            logger.error("LLM_BACKEND=local but the local-llm extra is not installed")
        return None
    model_path: Path | None = find_local_model(spec)
    if model_path is None:
        if forced:
            logger.error("LLM_BACKEND=local but no GGUF model found for LLM_LOCAL_MODEL=%r", spec)
        return None
    return LocalClient(model_path=model_path, threads=threads, context=context)
