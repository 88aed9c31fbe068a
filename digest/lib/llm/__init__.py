"""The LLM boundary: one interface, the backend chosen by settings.

Callers ask ``llm_client()`` for a client and call ``complete``; ``None`` means no model
is available (no endpoint configured and the offline extra not installed), and the
caller falls back to its own extractive path, labelled as such. Every completion reports
the model, the token counts and the duration, so that callers can log and budget it;
every call is logged on the ``digest.llm`` logger.

Selection (``LLM_BACKEND``): ``auto`` takes the OpenAI-compatible endpoint when one is
configured (``LLM_BASE_URL`` or ``LLM_API_KEY``), else the local model when the
``local-llm`` extra and a model are installed, else None; ``openai``, ``local`` and
``none`` force one.
"""

from __future__ import annotations

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
    return _local_client(
        spec=settings.LLM_LOCAL_MODEL,
        threads=settings.LLM_LOCAL_THREADS,
        context=settings.LLM_LOCAL_CONTEXT,
        forced=backend == "local",
    )


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
