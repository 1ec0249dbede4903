"""Sentence splitting moved to the shared language layer; this re-export keeps old imports."""

from ingest.index.language.sentences import Sentence, split_sentences

__all__ = ["Sentence", "split_sentences"]
