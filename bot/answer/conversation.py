"""Recent turns of each conversation (a Discord thread, a `citebot chat` session), for rewriting
follow-ups into questions, and where "tell me more" reads on (`reading_on`)."""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass, field

from bot.answer.models import Answer
from bot.answer.reading_on import Reading, reading_after

MAX_TURNS = 4
MAX_THREADS = 2000


@dataclass(slots=True)
class _Thread:
    turns: deque[tuple[str, str]]
    reading: Reading | None = field(default=None)


class Conversations:
    """The last few (question, answer) turns per thread, for the most recently active threads."""

    def __init__(self, *, max_turns: int = MAX_TURNS, max_threads: int = MAX_THREADS):
        self.max_turns = max_turns
        self.max_threads = max_threads
        self._threads: OrderedDict[int, _Thread] = OrderedDict()

    def history(self, thread_id: int) -> list[tuple[str, str]]:
        """The thread's recent turns, oldest first (empty if unknown)."""
        thread = self._threads.get(thread_id)
        return list(thread.turns) if thread else []

    def reading(self, thread_id: int) -> Reading | None:
        """Where "tell me more" reads on in the thread (None before any quoted answer)."""
        thread = self._threads.get(thread_id)
        return thread.reading if thread else None

    def add(self, thread_id: int, question: str, answer: Answer) -> None:
        """Remember one turn; forget the least recently active thread when full. Small talk is
        no turn: "thanks!" or "what's new?" names no topic, and no place to read on from."""
        if answer.small_talk:
            return
        thread = self._threads.get(thread_id)
        if thread is None:
            thread = self._threads[thread_id] = _Thread(deque(maxlen=self.max_turns))
            while len(self._threads) > self.max_threads:
                self._threads.popitem(last=False)
        self._threads.move_to_end(thread_id)
        if not answer.read_on:  # "tell me more" asks nothing a follow-up could take up
            thread.turns.append((question, answer.text))
        thread.reading = reading_after(answer, thread.reading)

    def __len__(self) -> int:
        return len(self._threads)
