"""Which catalogued service or life event a whole sentence is about (or none: out of scope, or
another kind of request), and which topic it asks about, each with a probability.

Two linear classifiers over the same features of the sentence: character n-grams and word
n-grams (TF-IDF, which carry spelling variants, typos, dialect and Arabizi spellings), and,
when the package can be loaded, a multilingual sentence embedding (which carries meaning
across words never seen in training). Trained on the NLU examples and on the catalogue's own
titles, keywords and descriptions in three languages, so a service added to the catalogue is
recognised after training with no NLU file edited. Independent of Rasa: the Rasa component
(language.rasa_components.CatalogueRecogniser) wraps it.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from .embeddings import SentenceEmbedder, load_embedder
from .normalise import normalise as arabic_normalise

log = logging.getLogger(__name__)

SERVICE = "service:"
EVENT = "event:"
OUT_OF_SCOPE = "oos"
OTHER = "other:"  # another kind of request (a greeting, an application status...)
TOPICS = (
    "overview",
    "documents",
    "fees",
    "processing_time",
    "offices",
    "eligibility",
    "how_to_apply",
)

_REPEATED = re.compile(r"(.)\1{2,}")
_NON_WORD = re.compile(r"[^\w]+")


def feature_text(text: str) -> str:
    """The form of a sentence the features see: case, accents, Arabic letter variants and
    letters typed three or more times ("kiiiif", "مبرووووك") folded; punctuation dropped."""
    text = unicodedata.normalize("NFKD", arabic_normalise(text.casefold()))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _REPEATED.sub(r"\1\1", text)
    return _NON_WORD.sub(" ", text).strip()


@dataclass(frozen=True)
class Example:
    text: str
    target: str  # service:<id>, event:<id>, oos or other:<intent>
    topic: str | None = None  # for questions about a service (or a follow-up about one)
    weight: float = 1.0


@dataclass(frozen=True)
class Recognition:
    targets: list[tuple[str, float]]  # best first
    topics: list[tuple[str, float]]  # best first

    @property
    def target(self) -> str:
        return self.targets[0][0]

    @property
    def confidence(self) -> float:
        return self.targets[0][1]

    def probability(self, label: str) -> float:
        return next((p for t, p in self.targets if t == label), 0.0)

    def best(self, prefix: str) -> tuple[str, float]:
        """The most probable label of one kind (service:, event:) and its probability."""
        return next(((t, p) for t, p in self.targets if t.startswith(prefix)), ("", 0.0))

    def kind_probability(self, prefix: str) -> float:
        return sum(p for t, p in self.targets if t.startswith(prefix))

    @property
    def top_topic(self) -> tuple[str, float]:
        """The most probable topic and its probability ("", 0.0 when none was asked)."""
        return self.topics[0] if self.topics else ("", 0.0)

    def topic_probability(self, topic: str) -> float:
        return next((p for t, p in self.topics if t == topic), 0.0)


@dataclass
class RecogniserConfig:
    char_ngrams: tuple[int, int] = (2, 5)
    word_ngrams: tuple[int, int] = (1, 2)
    embedder: str | None = "use"  # "use", "e5" or None (lexical features only)
    embedding_weight: float = 1.0
    classifier: str = "svm"  # "svm": linear SVM, calibrated; "logreg": logistic regression
    regularisation: float = 1.0  # C of either
    calibration_folds: int = 3


@dataclass
class Recogniser:
    config: RecogniserConfig = field(default_factory=RecogniserConfig)
    char_vectoriser: TfidfVectorizer | None = None
    word_vectoriser: TfidfVectorizer | None = None
    target_model: Any = None
    topic_model: Any = None
    embedder_name: str | None = None  # what was used in training; None: lexical only
    embedding_size: int = 0
    _embedder: SentenceEmbedder | None = field(default=None, repr=False)
    _embedder_failed: bool = field(default=False, repr=False)

    # Features ----------------------------------------------------------------------

    def _embedding(self, texts: Sequence[str]) -> np.ndarray | None:
        if self.embedder_name is None:
            return None
        if self._embedder is None and not self._embedder_failed:
            self._embedder = load_embedder(self.embedder_name)
            self._embedder_failed = self._embedder is None
        if self._embedder is None:
            # The package cannot run on this machine: its features are left at zero, so the
            # lexical features decide alone (load_embedder said so in the log).
            return np.zeros((len(texts), self.embedding_size), dtype=np.float32)
        return self._embedder.embed(list(texts)) * self.config.embedding_weight

    def features(self, texts: Sequence[str]) -> sparse.csr_matrix:
        assert self.char_vectoriser is not None and self.word_vectoriser is not None
        folded = [feature_text(t) for t in texts]
        blocks = [self.char_vectoriser.transform(folded), self.word_vectoriser.transform(folded)]
        embedded = self._embedding(texts)
        if embedded is not None:
            blocks.append(sparse.csr_matrix(embedded))
        return sparse.hstack(blocks, format="csr")

    # Training ----------------------------------------------------------------------

    def fit(self, examples: Sequence[Example]) -> Recogniser:
        examples = self._enough_of_each(examples)
        folded = [feature_text(e.text) for e in examples]
        self.char_vectoriser = TfidfVectorizer(
            analyzer="char_wb", ngram_range=self.config.char_ngrams, sublinear_tf=True, min_df=1
        ).fit(folded)
        self.word_vectoriser = TfidfVectorizer(
            analyzer="word",
            ngram_range=self.config.word_ngrams,
            sublinear_tf=True,
            token_pattern=r"(?u)\b\w+\b",
        ).fit(folded)
        self.embedder_name = None
        if self.config.embedder:
            embedder = load_embedder(self.config.embedder)
            if embedder is not None:
                self._embedder, self.embedder_name = embedder, self.config.embedder
                self.embedding_size = embedder.size
        x = self.features([e.text for e in examples])
        weights = np.array([e.weight for e in examples])
        targets = np.array([e.target for e in examples])
        self.target_model = self._classifier().fit(x, targets, sample_weight=weights)
        with_topic = [i for i, e in enumerate(examples) if e.topic]
        topics = np.array([examples[i].topic for i in with_topic])
        self.topic_model = self._classifier().fit(
            x[with_topic], topics, sample_weight=weights[with_topic]
        )
        return self

    def _enough_of_each(self, examples: Sequence[Example]) -> list[Example]:
        """Calibration splits each label's examples into folds: a label with fewer examples
        than folds (a rare intent) has its examples repeated."""
        needed = self.config.calibration_folds
        counts = Counter(e.target for e in examples)
        topic_counts = Counter(e.topic for e in examples if e.topic)
        extra = []
        for example in examples:
            rare = max(needed - counts[example.target], 0)
            if example.topic:
                rare = max(rare, needed - topic_counts[example.topic])
            extra += [example] * rare
        return [*examples, *extra]

    def _classifier(self) -> Any:
        if self.config.classifier == "logreg":
            return LogisticRegression(
                C=self.config.regularisation, max_iter=3000, class_weight="balanced"
            )
        # A linear SVM trains in seconds on these sparse features (logistic regression takes
        # minutes); its scores become probabilities by cross-validated sigmoid calibration.
        svm = LinearSVC(C=self.config.regularisation, class_weight="balanced", random_state=0)
        return CalibratedClassifierCV(svm, method="sigmoid", cv=self.config.calibration_folds)

    # Recognising -------------------------------------------------------------------

    def recognise_many(self, texts: Sequence[str]) -> list[Recognition]:
        assert self.target_model is not None and self.topic_model is not None
        x = self.features(texts)
        targets = self.target_model.predict_proba(x)
        topics = self.topic_model.predict_proba(x)
        return [
            Recognition(
                _ranked(self.target_model.classes_, t), _ranked(self.topic_model.classes_, p)
            )
            for t, p in zip(targets, topics, strict=True)
        ]

    def recognise(self, text: str) -> Recognition:
        return self.recognise_many([text])[0]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_embedder"] = None  # loaded again from its package, never pickled
        state["_embedder_failed"] = False
        return state


def _ranked(classes: Iterable[str], probabilities: np.ndarray) -> list[tuple[str, float]]:
    ranked = sorted(zip(classes, probabilities, strict=True), key=lambda cp: -cp[1])
    return [(str(c), float(p)) for c, p in ranked]
