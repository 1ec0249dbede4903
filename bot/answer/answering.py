"""Answer a question from the index: retrieve, answer (LLM or extractive), check citations."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.answer import prompts
from bot.answer.answer_types import answered, proper_words
from bot.answer.answerability import (
    Model,
    Question,
    default_model,
    passage_holds,
    passage_stems,
    prepare,
)
from bot.answer.citations import check_citations
from bot.answer.extractive import SentenceEmbedder, Vectors, answer_sentences, compose
from bot.answer.grammar import parse_answer, says_not_found
from bot.answer.llm import (
    LLMError,
    LLMPolicy,
    OnDelta,
    acomplete,
    answer_messages,
    complete,
    condense_question,
)
from bot.answer.models import Answer, Citation, Mode, Passage
from bot.answer.posting import llm_answer
from bot.answer.reading_on import Reading, read_on_answer
from bot.answer.retrieval import Query, Retriever
from bot.answer.sanitize import sanitize_answer
from bot.answer.small_talk import NEWEST, UNTOPICAL, Act, act_of, chat_answer
from bot.settings import DEFAULTS
from ingest.index.language.detect import is_foreign
from ingest.index.language.followups import resolve_followup, stands_alone

if TYPE_CHECKING:
    from langchain_core.language_models.chat_models import BaseChatModel

log = logging.getLogger(__name__)

REFUSAL = "I couldn't find that in the indexed articles."
FOREIGN = "I can only answer questions in English for now."
FALLBACK_NOTICE = "The language model is unavailable, so this answer quotes the articles directly."
UNSURE_NOTICE = "This may not be exactly what you asked: it is the closest the articles come."
# The fitted decision's probability that the quoted sentence answers the question: below even
# odds the answer says so. Held out, quoted answers below .55 held the gold answer 45-50% of the
# time, those above .7 about 80% (k-fold over the fitting sets, and holdouts 1-3).
UNSURE = 0.5
NEAREST_RELEVANCE = 0.5  # a refusal names an article holding at least half the key terms' weight


@dataclass(frozen=True, slots=True)
class AnswerConfig:
    """Knobs for answering (from settings)."""

    top_k: int = DEFAULTS["top_k"]
    min_relevance: float | None = DEFAULTS["min_relevance"]  # None: the fitted model's
    min_support: float = DEFAULTS["min_support"]
    max_sentences: int = DEFAULTS["max_answer_sentences"]
    llm_policy: LLMPolicy = field(default_factory=LLMPolicy)
    model: Model = field(default_factory=default_model)


class Answerer:
    """The question-answering pipeline every entry point shares (CLI, eval, Discord)."""

    def __init__(
        self,
        *,
        retriever: Retriever,
        embedder: SentenceEmbedder,
        config: AnswerConfig,
        llm: BaseChatModel | None = None,
    ):
        self.retriever = retriever
        self.embedder = embedder
        self.config = config
        self.llm = llm

    @property
    def mode(self) -> Mode:
        """ "llm" when a chat model is configured, else "extractive"."""
        return "llm" if self.llm is not None else "extractive"

    def documents(self) -> int:
        """How many documents the index holds."""
        return self.retriever.document_count()

    # -- retrieval -----------------------------------------------------------------------------

    def retrieve(self, question: str, as_of: str = "") -> list[Passage]:
        """Top passages for the question."""
        return self.retriever.retrieve(Query(question, as_of), self.config.top_k)

    def topicality(self, question: str, passages: Sequence[Passage]) -> float:
        """How on-topic the best passage is: weighted share of key terms it and its title hold,
        as written or in other words (`passage_holds`)."""
        prepared = prepare(question, self.retriever.rarity(), passages)
        proper = proper_words(p.text for p in passages)
        return max(
            (
                prepared.coverage(passage_holds(prepared, p.text, p.headline, proper))
                for p in passages
            ),
            default=0.0,
        )

    def relevant(self, question: str, passages: Sequence[Passage]) -> bool:
        """True when some passage is on-topic enough to look for an answer in it."""
        threshold = self.config.min_relevance
        if threshold is None:
            threshold = self.config.model.topic_threshold
        return bool(passages) and self.topicality(question, passages) >= threshold

    def vectors(self, question: str, passages: Sequence[Passage]) -> Vectors | None:
        """The question's vector and the sentence vectors stored with the passages' chunks, for
        the answerability model's similarity (None when nothing was retrieved)."""
        if not passages:
            return None
        vector = self.retriever.embed_query(question)
        ids = [p.chunk_id for p in passages]
        return Vectors(vector, self.retriever.sentence_vectors(ids, len(vector)), question)

    # -- answering -----------------------------------------------------------------------------

    def answer(self, question: str, *, as_of: str = "", reading: Reading | None = None) -> Answer:
        """Answer synchronously (CLI and eval); `reading`: where the conversation's "tell me
        more" reads on."""
        started = time.perf_counter()
        if (act := act_of(question)) is not None:
            return _timed(self.chat(question, act, as_of, reading), started, started)
        if is_foreign(question):
            return _timed(self.foreign(question, as_of), started, started)
        passages = self.retrieve(question, as_of)
        retrieved_at = time.perf_counter()
        if not self.relevant(question, passages):
            answer = self.refusal(question, passages, as_of)
        elif self.llm is not None:
            try:
                raw = complete(
                    self.llm, answer_messages(question, passages, as_of), self.config.llm_policy
                )
                answer = self.from_llm(question, raw, passages, as_of)
            except LLMError as exc:
                log.warning("LLM failed, answering extractively: %s", exc)
                answer = self.extractive(question, passages, as_of, fallback=True)
        else:
            answer = self.extractive(question, passages, as_of)
        return _timed(answer, started, retrieved_at)

    async def aanswer(
        self,
        question: str,
        *,
        as_of: str = "",
        on_delta: OnDelta | None = None,
        reading: Reading | None = None,
    ) -> Answer:
        """Answer without blocking the event loop (Discord); stream LLM text to `on_delta`."""
        started = time.perf_counter()
        if (act := act_of(question)) is not None:
            answer = await asyncio.to_thread(self.chat, question, act, as_of, reading)
            return _timed(answer, started, started)
        if await asyncio.to_thread(is_foreign, question):
            return _timed(self.foreign(question, as_of), started, started)
        passages = await asyncio.to_thread(self.retrieve, question, as_of)
        retrieved_at = time.perf_counter()
        if not await asyncio.to_thread(self.relevant, question, passages):
            # The refusal counts the index's documents: a store call, so off the loop too.
            answer = await asyncio.to_thread(self.refusal, question, passages, as_of)
        elif self.llm is not None:
            try:
                raw = await acomplete(
                    self.llm,
                    answer_messages(question, passages, as_of),
                    _sanitized(on_delta, passages),
                    self.config.llm_policy,
                )
                answer = await asyncio.to_thread(self.from_llm, question, raw, passages, as_of)
            except LLMError as exc:
                log.warning("LLM failed, answering extractively: %s", exc)
                answer = await asyncio.to_thread(
                    self.extractive, question, passages, as_of, fallback=True
                )
        else:
            answer = await asyncio.to_thread(self.extractive, question, passages, as_of)
        return _timed(answer, started, retrieved_at)

    def standalone(self, question: str, history: list[tuple[str, str]], as_of: str = "") -> str:
        """Turn a follow-up into a standalone question: the LLM rewrites it, or the conversation's
        topic (and what the last answer named) is added to it unless it reads as a question of
        its own that is better asked alone: the conversation's story holds none of its key terms
        ("who won the 2018 World Cup?" after a Micra question), or another story holds them
        better (`continues`) and answers it (`finds`). Never both questions joined: the old
        question word would ask for the wrong kind of answer."""
        if not history or act_of(question) in UNTOPICAL:
            return question  # "thanks!" or "source?" in a thread asks nothing about its topic
        if self.llm is not None:
            try:
                return condense_question(self.llm, question, history, self.config.llm_policy)
            except LLMError as exc:
                log.warning("follow-up rewrite failed, joining instead: %s", exc)
        last_asked, last_answer = history[-1]
        resolved = resolve_followup(
            question, [asked for asked, _ in history], answered(last_asked, last_answer)
        )
        if not stands_alone(question):
            return resolved
        alone, along = self.retrieve(question, as_of), self.retrieve(resolved, as_of)
        held = self.topicality(question, along[:1])  # its own terms in the conversation's story
        if held <= 0:
            return question  # a new question: the old topic would only drag it off
        if self.continues(question, alone[:1], along[:1], held):
            return resolved
        if not self.finds(question, alone, as_of) and self.finds(resolved, along, as_of):
            return resolved  # alone it finds no answer; in the conversation's story it does
        return question

    def continues(
        self, question: str, alone: Sequence[Passage], along: Sequence[Passage], held: float
    ) -> bool:
        """Whether a question that reads as one of its own still asks about the conversation's
        story: with the topic words it finds another article (`along`, top first) than alone,
        and that article holds the question's own key terms (`held`) at least as well ("who got
        the conn smythe?" after "did colorado win the stanley cup?" finds this final, not an
        older one)."""
        if not along or (alone and along[0].doc_id == alone[0].doc_id):
            return False
        return held >= self.topicality(question, alone[:1])

    def finds(self, question: str, passages: list[Passage], as_of: str) -> bool:
        """Whether the offline answerer answers `question` from `passages` (does not refuse)."""
        return self.relevant(question, passages) and not (
            self.extractive(question, passages, as_of).refused
        )

    # -- building answers ----------------------------------------------------------------------

    def refusal(
        self, question: str, passages: list[Passage], as_of: str, *, on_topic: bool = False
    ) -> Answer:
        """The honest "not in the articles" answer; `on_topic`: the passages are about what was
        asked but none says it, so the article that came closest is named (not quoted)."""
        return Answer(
            question=question,
            text=REFUSAL,
            refused=True,
            mode="llm" if self.llm is not None else "extractive",
            retrieved=passages,
            searched=self.documents(),
            as_of=as_of,
            nearest=self._nearest(question, passages, as_of) if on_topic else None,
        )

    def _nearest(self, question: str, passages: list[Passage], as_of: str) -> Citation | None:
        prepared = prepare(question, self.retriever.rarity(), passages)
        return nearest_article(prepared, passages, as_of)

    def chat(self, question: str, act: Act, as_of: str, reading: Reading | None = None) -> Answer:
        """The reply to small talk ("hi", "thanks", "what's new?"): the articles are not searched,
        "what's new?" lists the newest, and "tell me more" reads on from `reading`."""
        if act is Act.MORE and reading is not None:
            return read_on_answer(self, question, reading, as_of)
        newest = self.retriever.newest(NEWEST, as_of) if act is Act.NEWS else []
        return chat_answer(
            question, act, mode=self.mode, searched=self.documents(), as_of=as_of, newest=newest
        )

    def foreign(self, question: str, as_of: str) -> Answer:
        """The honest "not in a language I answer" reply (the articles were not searched)."""
        return Answer(
            question=question,
            text=FOREIGN,
            refused=True,
            mode=self.mode,
            as_of=as_of,
            unsupported_language=True,
        )

    def extractive(
        self, question: str, passages: list[Passage], as_of: str, *, fallback: bool = False
    ) -> Answer:
        """Quote the best sentences, with citations."""
        picks, best = answer_sentences(
            question,
            passages,
            self.embedder,
            max_sentences=self.config.max_sentences,
            rarity=self.retriever.rarity(),
            model=self.config.model,
            vectors=self.vectors(question, passages),
        )
        if not picks or picks[0].coverage < self.config.min_support:
            refused = self.refusal(question, passages, as_of, on_topic=True)
            refused.answerability = best
            return refused
        checked = check_citations(compose(picks), passages)
        if not checked.citations:
            return self.refusal(question, passages, as_of, on_topic=True)
        return Answer(
            question=question,
            # Quoted article text is as untrusted as a model's: same links and mentions policy.
            text=sanitize_answer(checked.text, passages),
            refused=False,
            mode="extractive",
            citations=checked.citations,
            retrieved=passages,
            fallback=fallback,
            notice=" ".join(
                note
                for note, shown in ((FALLBACK_NOTICE, fallback), (UNSURE_NOTICE, best < UNSURE))
                if shown
            ),
            searched=self.documents(),
            as_of=as_of,
            answerability=best,
        )

    def from_llm(self, question: str, raw: str, passages: list[Passage], as_of: str) -> Answer:
        """Check the model's answer claim by claim; refuse, post what holds, or quote instead."""
        raw = sanitize_answer(raw, passages)
        said_not_found = prompts.NOT_FOUND.lower().rstrip(".") in raw.lower()
        if said_not_found or (says_not_found(raw) and not parse_answer(raw)):
            # the model says the sources don't say
            return self.refusal(question, passages, as_of, on_topic=True)
        return llm_answer(self, question, raw, passages, as_of)


def nearest_article(
    question: Question, passages: Sequence[Passage], as_of: str = ""
) -> Citation | None:
    """The article of the best-ranked passage that is about the question: it holds at least
    `NEAREST_RELEVANCE` of the key terms' weight and the most telling one ("Canada" in "how many
    people live in Canada?", not only "people"), and was published by `as_of`. None when no
    passage is: a refusal names no article rather than an unrelated one."""
    for p in passages:  # best first, by retrieval (which weighs dates)
        if (as_of and p.published_date[:10] > as_of) or p.score < NEAREST_RELEVANCE:
            continue
        if question.holds_telling(passage_stems(p.text, p.headline)):
            return Citation(0, p.doc_id, p.chunk_id, p.title, p.url, p.published_date, "", p.path)
    return None


def _sanitized(on_delta: OnDelta | None, passages: list[Passage]) -> OnDelta | None:
    """Stream only sanitised text (no live mentions, fake citations or foreign links)."""
    if on_delta is None:
        return None
    sink = on_delta

    async def send(text: str) -> None:
        await sink(sanitize_answer(text, passages))

    return send


def _timed(answer: Answer, started: float, retrieved_at: float) -> Answer:
    done = time.perf_counter()
    answer.timings_ms = {
        "retrieve": (retrieved_at - started) * 1000,
        "answer": (done - retrieved_at) * 1000,
        "total": (done - started) * 1000,
    }
    return answer
