"""`citebot chat`: ask in turns at the terminal; follow-ups use the conversation, as in Discord."""

from __future__ import annotations

from typing import Annotated

import typer

from bot.cli.main import CollectionOpt, StoreOpt, load_settings, parse_date, user_errors

QUIT = frozenset({"exit", "quit", ":q"})


def register(app: typer.Typer) -> None:
    """Add `citebot chat` to the app."""
    app.command("chat")(chat_command)


def chat_command(
    as_of: Annotated[
        str | None, typer.Option("--as-of", help="Date the questions are asked (YYYY-MM-DD).")
    ] = None,
    store: StoreOpt = None,
    collection: CollectionOpt = None,
) -> None:
    """Ask questions in turns; a follow-up ("and where will it be built?") uses the conversation."""
    from bot.answer.conversation import Conversations
    from bot.answer.small_talk import Act
    from bot.app import build_citebot
    from bot.cli.output import out, print_answer

    when = parse_date(as_of)
    with user_errors():
        answerer = build_citebot(load_settings(store=store, collection=collection)).answerer
        count = answerer.documents()
        out.print(
            f"[dim]Ask about the {count:,} indexed article{'s' if count != 1 else ''}; follow-ups "
            "use the conversation. Type exit or press Ctrl-D to stop.[/]"
        )
        conversation = Conversations(max_threads=1)
        while (question := _read()) is not None:
            if not question:
                continue
            if question.lower().strip(" .!") in QUIT:
                break
            asked = answerer.standalone(question, conversation.history(0), when)
            answer = answerer.answer(asked, as_of=when, reading=conversation.reading(0))
            print_answer(answer)
            out.print()
            if answer.small_talk == Act.FAREWELL:
                break
            conversation.add(0, question, answer)


def _read() -> str | None:
    """The next question, stripped (None at the end of input or on Ctrl-C)."""
    try:
        return input("> ").strip()
    except (EOFError, KeyboardInterrupt):
        return None
