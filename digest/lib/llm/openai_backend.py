"""Any OpenAI-compatible chat-completions endpoint, through the official ``openai`` package.

OpenAI itself, vLLM, Ollama, llama.cpp's server and LM Studio all speak this API. Retries
are the package's own: connection errors, timeouts, 408, 409, 429 and 5xx are retried
``max_retries`` times with exponential backoff (0.5 s doubling to at most 8 s, with jitter,
or the server's ``Retry-After``); we turn what is left into one ``LLMError``.
"""

from __future__ import annotations

import time
from typing import Any

import openai

from digest.lib.llm.base import Completion, LLMError, estimate_tokens, log_completion, log_failure

# Local servers (vLLM, Ollama, llama.cpp) accept any key; the openai package insists on one.
PLACEHOLDER_KEY = "not-needed"


class OpenAIClient:
    backend = "openai"

    def __init__(
        self, *, base_url: str, model: str, api_key: str, timeout_s: float, max_retries: int
    ) -> None:
        self.model = model
        self.base_url = base_url
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self._client = openai.OpenAI(
            base_url=base_url,
            api_key=api_key or PLACEHOLDER_KEY,
            timeout=timeout_s,
            max_retries=max_retries,
        )

    def complete(
        self, *, system: str, prompt: str, max_tokens: int, temperature: float = 0.2
    ) -> Completion:
        started = time.monotonic()
        try:
            response = self._client.chat.completions.create(
                model=self.model,
                messages=[
                    {"role": "system", "content": system},
                    {"role": "user", "content": prompt},
                ],
                max_tokens=max_tokens,
                temperature=temperature,
            )
            completion = self._completion(response, system=system, prompt=prompt, started=started)
        except (openai.OpenAIError, LLMError) as exc:
            error = exc if isinstance(exc, LLMError) else LLMError(self._describe(exc))
            log_failure(
                backend=self.backend,
                model=self.model,
                duration_s=time.monotonic() - started,
                error=error,
            )
            raise error from exc
        log_completion(completion)
        return completion

    def _completion(self, response: Any, *, system: str, prompt: str, started: float) -> Completion:
        choices = getattr(response, "choices", None) or []
        text = choices[0].message.content if choices and choices[0].message else None
        if not text or not text.strip():
            raise LLMError(f"{self.base_url} answered with no text (model {self.model})")
        usage = getattr(response, "usage", None)
        if usage is not None and usage.prompt_tokens:
            counts = (usage.prompt_tokens, usage.completion_tokens or 0, False)
        else:  # a server that reports no usage: estimated from the texts
            counts = (
                estimate_tokens(system) + estimate_tokens(prompt),
                estimate_tokens(text),
                True,
            )
        return Completion(
            text=text.strip(),
            model=getattr(response, "model", None) or self.model,
            backend=self.backend,
            prompt_tokens=counts[0],
            completion_tokens=counts[1],
            duration_s=time.monotonic() - started,
            usage_estimated=counts[2],
        )

    def _describe(self, exc: openai.OpenAIError) -> str:
        where = f"{self.base_url} (model {self.model})"
        tries = f"after {self.max_retries + 1} attempts"
        if isinstance(exc, openai.APITimeoutError):
            return f"{where} did not answer within {self.timeout_s:g} s, {tries}"
        if isinstance(exc, openai.APIConnectionError):
            return f"{where} could not be reached, {tries}: {exc}"
        if isinstance(exc, openai.APIStatusError):
            retryable = exc.status_code in {408, 409, 429} or exc.status_code >= 500
            retried = f", {tries}" if retryable else ""
            return f"{where} answered HTTP {exc.status_code}{retried}: {_message(exc)}"
        return f"{where} failed: {exc}"


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])
    return exc.message
