"""Plain data passed along the read side: passages in, an `Answer` out."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from ingest.index.models import DocumentMeta

Mode = Literal["llm", "extractive"]


@dataclass(frozen=True, slots=True)
class Passage:
    """A retrieved chunk with its document's metadata and its retrieval score."""

    chunk_id: str
    doc_id: str
    text: str
    title: str
    url: str = ""
    published_date: str = ""
    source: str = ""
    path: str = ""
    start: int = 0
    score: float = 0.0
    page: int = 0  # the PDF page the passage starts on (0: not a paged document)
    title_is_lede: bool = False  # `DocumentMeta.title_is_lede`

    @property
    def headline(self) -> str:
        """The title as its author gave it: what the answerer reads as the article's headline."""
        return "" if self.title_is_lede else self.title

    @classmethod
    def of(
        cls,
        meta: DocumentMeta,
        *,
        chunk_id: str,
        text: str,
        start: int = 0,
        score: float = 0.0,
        page: int = 0,
    ) -> Passage:
        """A chunk of the document `meta` describes."""
        shown = (meta.title, meta.url, meta.published_date, meta.source, meta.path)
        return cls(chunk_id, meta.doc_id, text, *shown, start, score, page, meta.title_is_lede)


@dataclass(frozen=True, slots=True)
class Citation:
    """A numbered source behind an answer: `[n]` in the answer text points here."""

    n: int
    doc_id: str
    chunk_id: str
    title: str
    url: str
    published_date: str
    quote: str
    path: str = ""  # the file it came from (shown by the CLI when there is no url)
    page: int = 0  # the PDF page the quoted passage starts on (0: not a paged document)
    also: tuple[str, ...] = ()  # the other passages of the article the quote comes from

    @property
    def where(self) -> str:
        """The date and page to show after the title: "2024-03-15 · p. 3"."""
        parts = [self.published_date] if self.published_date else []
        if self.page:
            parts.append(f"p. {self.page}")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The `ask --json` citation object."""
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "url": self.url,
            "published_date": self.published_date,
            "quote": self.quote,
            "chunk_id": self.chunk_id,
            "page": self.page,
            "also": list(self.also),
        }


@dataclass(slots=True)
class Answer:
    """What citebot says to one question, with everything needed to show and audit it."""

    question: str
    text: str
    refused: bool
    mode: Mode
    citations: list[Citation] = field(default_factory=list)
    retrieved: list[Passage] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    fallback: bool = False  # LLM mode failed and this is the extractive answer
    notice: str = ""  # a short note for the user (e.g. why the fallback happened)
    searched: int = 0  # how many documents the index held when answering
    as_of: str = ""
    answerability: float = 0.0  # extractive: the best sentence's probability of answering
    claims: list[dict[str, Any]] = field(default_factory=list)  # LLM mode: each claim's decision
    unsupported_language: bool = False  # refused because the question is not in English
    small_talk: str = ""  # the `small_talk.Act` of a message that asks nothing of the articles
    nearest: Citation | None = None  # refused although on-topic: the article that came closest
    read_on: bool = False  # "tell me more": the sentences after the conversation's last quote

    def refusal_text(self) -> str:
        """What a refusal says: the question's language, or what was searched."""
        if self.unsupported_language:
            return self.text
        return f"I couldn't find that in {self.searched_phrase()}."

    def searched_phrase(self) -> str:
        """What was searched, for refusals: "the 612 indexed articles"."""
        if not self.searched:
            return "the indexed articles"
        return f"the {self.searched:,} indexed article{'s' if self.searched != 1 else ''}"

    def to_dict(self) -> dict[str, Any]:
        """The `ask --json` object."""
        return {
            "question": self.question,
            "answer": self.text,
            "refused": self.refused,
            "mode": self.mode,
            "fallback": self.fallback,
            "notice": self.notice,
            "as_of": self.as_of,
            "answerability": round(self.answerability, 4),
            "citations": [c.to_dict() for c in self.citations],
            "retrieved": [
                {"doc_id": p.doc_id, "chunk_id": p.chunk_id, "score": round(p.score, 6)}
                for p in self.retrieved
            ],
            "timings_ms": {k: round(v, 2) for k, v in self.timings_ms.items()},
            "claims": self.claims,
            "small_talk": self.small_talk,
            "nearest": self.nearest.to_dict() if self.nearest else None,
        }


def passage_dict(passage: Passage) -> dict[str, Any]:
    """A passage as plain data."""
    return asdict(passage)
