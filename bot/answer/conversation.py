"""Recent turns of each conversation (a Discord thread, a `citebot chat` session), for rewriting
follow-ups into questions."""

from __future__ import annotations

from collections import OrderedDict, deque

MAX_TURNS = 4
MAX_THREADS = 2000


class Conversations:
    """The last few (question, answer) turns per thread, for the most recently active threads."""

    def __init__(self, *, max_turns: int = MAX_TURNS, max_threads: int = MAX_THREADS):
        self.max_turns = max_turns
        self.max_threads = max_threads
        self._turns: OrderedDict[int, deque[tuple[str, str]]] = OrderedDict()

    def history(self, thread_id: int) -> list[tuple[str, str]]:
        """The thread's recent turns, oldest first (empty if unknown)."""
        return list(self._turns.get(thread_id, ()))

    def add(self, thread_id: int, question: str, answer: str) -> None:
        """Remember one turn; forget the least recently active thread when full."""
        turns = self._turns.get(thread_id)
        if turns is None:
            turns = self._turns[thread_id] = deque(maxlen=self.max_turns)
            while len(self._turns) > self.max_threads:
                self._turns.popitem(last=False)
        self._turns.move_to_end(thread_id)
        turns.append((question, answer))

    def __len__(self) -> int:
        return len(self._turns)
