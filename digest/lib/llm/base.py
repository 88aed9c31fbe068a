"""The contract every backend keeps: completions, errors, budgets and the call log."""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from typing import Protocol

logger = logging.getLogger("digest.llm")


class LLMError(Exception):
    """A completion failed after the client's retries (timeout, HTTP error, bad answer)."""


class LLMBudgetExceeded(LLMError):
    """A draft asked for more tokens than its budget allows."""


@dataclass(frozen=True)
class Completion:
    text: str
    model: str
    backend: str  # "openai" | "local"
    prompt_tokens: int
    completion_tokens: int
    duration_s: float
    # True when the server reported no usage and the counts are estimates (≈4 chars/token).
    usage_estimated: bool = False

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


class LLMClient(Protocol):
    backend: str
    model: str

    def complete(
        self, *, system: str, prompt: str, max_tokens: int, temperature: float = 0.2
    ) -> Completion: ...


@dataclass
class TokenBudget:
    """Tokens one job (a draft, a topic naming run) may spend; ``charge`` raises past it."""

    limit: int
    spent: int = 0
    calls: list[Completion] = field(default_factory=list)

    def check(self, *, max_tokens: int) -> None:
        if self.spent + max_tokens > self.limit:
            raise LLMBudgetExceeded(
                f"token budget {self.limit} would be exceeded ({self.spent} spent, "
                f"{max_tokens} more asked)"
            )

    def charge(self, completion: Completion) -> None:
        self.spent += completion.total_tokens
        self.calls.append(completion)


def estimate_tokens(text: str) -> int:
    """A rough token count (≈4 characters per token, English prose) for budgets and logs."""
    return max(1, math.ceil(len(text) / 4)) if text else 0


def complete_within(
    client: LLMClient,
    budget: TokenBudget,
    *,
    system: str,
    prompt: str,
    max_tokens: int,
    temperature: float = 0.2,
) -> Completion:
    """One completion charged to ``budget``; raises LLMBudgetExceeded before any request."""
    budget.check(max_tokens=estimate_tokens(system) + estimate_tokens(prompt) + max_tokens)
    completion = client.complete(
        system=system, prompt=prompt, max_tokens=max_tokens, temperature=temperature
    )
    budget.charge(completion)
    return completion


def log_completion(completion: Completion) -> None:
    logger.info(
        "llm call backend=%s model=%s prompt_tokens=%d completion_tokens=%d%s duration_s=%.2f",
        completion.backend,
        completion.model,
        completion.prompt_tokens,
        completion.completion_tokens,
        " (estimated)" if completion.usage_estimated else "",
        completion.duration_s,
    )


def log_failure(*, backend: str, model: str, duration_s: float, error: Exception) -> None:
    logger.warning(
        "llm call failed backend=%s model=%s duration_s=%.2f error=%s",
        backend,
        model,
        duration_s,
        error,
    )
