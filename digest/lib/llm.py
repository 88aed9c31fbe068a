"""The LLM boundary: one interface, the backend chosen by settings.

Callers ask ``llm_client()`` for a client and call ``complete``; ``None`` means no model
is available (no endpoint configured and the offline extra not installed), and the
caller falls back to its own extractive path, labelled as such. Every completion reports
the model, the token counts and the duration, so that callers can log and budget it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


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


def render_prompt(name: str, **context: object) -> str:
    """Render the prompt template ``templates/prompts/<name>.txt`` (plain text, no escaping)."""
    from django.template import engines

    engine = engines["django"]
    template = engine.from_string(_read_prompt(name))
    return template.render(context).strip()


def _read_prompt(name: str) -> str:
    from django.conf import settings

    if not name.replace("_", "").isalnum():
        raise ValueError(f"invalid prompt name {name!r}")
    path = settings.BASE_DIR / "templates" / "prompts" / f"{name}.txt"
    return "{% autoescape off %}" + path.read_text(encoding="utf-8") + "{% endautoescape %}"


def llm_client() -> LLMClient | None:
    """The configured client, or None when no model is available."""
    return None
