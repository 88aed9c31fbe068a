"""Query embeddings through ONNX Runtime: the same vectors as torch, in about half the time.

The sentence-transformers ``[onnx]`` extra would pin transformers below 4.58, so the model
is exported here instead, offline, with ``torch.onnx.export``: the transformer, masked
mean pooling and L2 normalisation in one graph, written once under DATA_DIR/models.
A process that finds the file needs only ``onnxruntime`` and ``tokenizers``, not torch.
Exporting needs the ``onnx`` package as well (torch's exporter serialises with it).
"""

from __future__ import annotations

import hashlib
import json
import os
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

OPSET = 17
_EXPECTED_MODULES = ["Transformer", "Pooling"]


class OnnxUnavailable(Exception):
    """ONNX cannot serve this model here; queries fall back to torch."""


class OnnxQueryEncoder:
    def __init__(self, *, onnx_path: Path, tokenizer_path: Path, max_length: int) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(tokenizer_path))
        # tokenizer.json carries fixed 128-token padding and truncation; the model reads 256.
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_length)
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # A query is a few dozen tokens: one thread encodes it about as fast as two, and
        # it runs beside BM25's statements (search.selectors), whose cores a second thread,
        # or ONNX Runtime's default of spinning idle threads between runs, would take.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(onnx_path), options, providers=["CPUExecutionProvider"]
        )

    def encode(self, texts: list[str]) -> np.ndarray:
        """Unit-length float32 vectors, one row per text."""
        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(texts), width), dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for row, encoding in enumerate(encodings):
            ids[row, : len(encoding.ids)] = encoding.ids
            mask[row, : len(encoding.ids)] = 1
        (vectors,) = self.session.run(None, {"input_ids": ids, "attention_mask": mask})
        return np.asarray(vectors, dtype=np.float32)


def onnx_query_encoder(
    *, model_dir: Path, cache_dir: Path, load_model: Callable[[], Any]
) -> OnnxQueryEncoder:
    """An ONNX encoder for a local mean-pooled model, exported first if not cached.

    ``load_model`` gives the SentenceTransformer; it is called only to export.
    """
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        raise OnnxUnavailable("onnxruntime is not installed") from None
    max_length = _check_mean_pooled(model_dir)
    path = cache_dir / f"{_fingerprint(model_dir)}.onnx"
    if not path.exists():
        try:
            export(model=load_model(), path=path)
        except OnnxUnavailable:
            raise
        except Exception as exc:  # any exporter failure (e.g. a torch upgrade): use torch
            raise OnnxUnavailable(f"export failed: {exc}") from exc
    return OnnxQueryEncoder(
        onnx_path=path, tokenizer_path=model_dir / "tokenizer.json", max_length=max_length
    )


def _check_mean_pooled(model_dir: Path) -> int:
    """The model's max sequence length, if the graph below reproduces it exactly."""
    try:
        modules = json.loads((model_dir / "modules.json").read_text())
        pooling = json.loads((model_dir / "1_Pooling" / "config.json").read_text())
        config = json.loads((model_dir / "sentence_bert_config.json").read_text())
    except (OSError, ValueError) as exc:
        raise OnnxUnavailable(f"{model_dir} is not a local sentence-transformers model") from exc
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules if "Normalize" not in m["type"]]
    modes = {k for k, v in pooling.items() if k.startswith("pooling_mode_") and v}
    if kinds != _EXPECTED_MODULES or modes != {"pooling_mode_mean_tokens"}:
        raise OnnxUnavailable(f"{model_dir.name} is not transformer + mean pooling")
    if not (model_dir / "tokenizer.json").exists():
        raise OnnxUnavailable(f"{model_dir} has no tokenizer.json")
    return int(config.get("max_seq_length") or 512)


def _fingerprint(model_dir: Path) -> str:
    """Names the export after the weights and the exporter, so a new model exports anew."""
    digest = hashlib.sha256(f"opset{OPSET}".encode())
    for name in ("config.json", "tokenizer.json", "sentence_bert_config.json"):
        digest.update((model_dir / name).read_bytes())
    for weights in sorted(model_dir.glob("*.safetensors")) + sorted(model_dir.glob("*.bin")):
        stat = weights.stat()
        digest.update(f"{weights.name}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return f"{model_dir.name}-{digest.hexdigest()[:16]}"


def export(*, model: Any, path: Path) -> None:
    """Export transformer + mean pooling + normalisation; atomic, so racing workers are safe."""
    import torch

    try:
        import onnx  # noqa: F401  (torch's exporter needs it to write the file)
    except ImportError:
        raise OnnxUnavailable("exporting needs the onnx package") from None
    graph = _pooled_graph(model[0].auto_model)
    sample = model.tokenizer(["a query", "a second query"], padding=True, return_tensors="pt")
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(f".{os.getpid()}.tmp")
    # The tracer warns that shape checks in transformers' masking become constants; they
    # are constant for an encoder (no cache, no causal mask), and the test suite compares
    # the exported vectors with torch's over batches of mixed lengths.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            graph, (sample["input_ids"], sample["attention_mask"]), str(partial),
            dynamo=False, opset_version=OPSET,
            input_names=["input_ids", "attention_mask"], output_names=["embedding"],
            dynamic_axes={
                "input_ids": {0: "batch", 1: "tokens"},
                "attention_mask": {0: "batch", 1: "tokens"},
                "embedding": {0: "batch"},
            },
        )  # fmt: skip
    os.replace(partial, path)


def _pooled_graph(transformer: Any) -> Any:
    """The transformer followed by masked mean pooling and L2 normalisation."""
    import torch

    class Pooled(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any) -> Any:
            output = self.transformer(input_ids=input_ids, attention_mask=attention_mask)
            weights = attention_mask.unsqueeze(-1).to(output.last_hidden_state.dtype)
            summed = (output.last_hidden_state * weights).sum(1)
            mean = summed / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(mean, p=2, dim=1)

    return Pooled().eval()
