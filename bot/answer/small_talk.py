"""Messages that are not questions about the articles: "hi", "thanks!", "ok lol", "what can you
do?", "what's new?".

People talk to a chat bot the way they talk to each other, and in a bot's thread they also talk
among themselves. Searching the articles for "hi" quotes someone saying hi; answering "thanks!"
with "I couldn't find that" is noise. A message is small talk only when all of it is: a run of
known phrases ("ok thanks", "hey citebot, what can you do?"), with a few words that add nothing
("so", "a lot", "guys"), and no other word. "Thanks, and where will it be built?" is a question.

Hand-written phrase lists rather than a model: no dialogue-act classifier installs offline, and
the phrases people use for these few acts are a short, closed list. A list also cannot mistake a
question for small talk the way a statistical classifier can: a message with any word outside it
is searched as before.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.answer.models import Answer, Citation, Mode, Passage
from ingest.index.language.sentences import split_sentences

NEWEST = 5  # articles listed for "what's new?"


class Act(StrEnum):
    """What a small-talk message does (strongest first: `_STRENGTH`)."""

    HELP = "help"  # "what can you do?", "who are you"
    NEWS = "news"  # "what's new?", "how many articles do you have?": the newest articles
    DOUBT = "doubt"  # "are you sure?", "that's wrong": how to check an answer
    SOURCES = "sources"  # "source?", "link?": where an answer's sources are
    MORE = "more"  # "tell me more", "go on": read on in the article (`reading_on`)
    THANKS = "thanks"
    FAREWELL = "farewell"
    GREETING = "greeting"
    ACK = "ack"  # "ok", "cool", "lol", "👍"


# People talk to each other in a thread with these: they need no reply there (`CHATTER`).
CHATTER = frozenset({Act.THANKS, Act.FAREWELL, Act.GREETING, Act.ACK})
# Small talk even in a conversation. "What happened?" or "how does this work?" after a question
# asks about its topic, so a follow-up like that takes the topic and is searched.
UNTOPICAL = CHATTER | {Act.DOUBT, Act.SOURCES, Act.MORE}

_PHRASES: dict[Act, str] = {
    Act.GREETING: """hi | hello | hey | hi there | hey there | hello there | heya | hiya | howdy |
        yo | sup | wassup | whats up | greetings | good morning | good afternoon | good evening |
        morning | gm""",
    Act.THANKS: """thanks | thank you | thankyou | thanks a lot | many thanks | thx | ty | tysm |
        tyvm | cheers | much appreciated | appreciate it | appreciated | thank u |
        thanks for the help | thanks for the info | thanks for that | thank you for the help |
        thank you for that | thanks for the link | thanks for the source |
        thanks for the sources | that helps | thanks that helps""",
    Act.ACK: """ok | okay | okey | k | kk | cool | nice | great | awesome | perfect | excellent |
        good | neat | sweet | got it | gotcha | i see | makes sense | fair enough | fair | true |
        right | yes | yeah | yep | yup | no | nope | nah | sure | lol | lmao | lmfao | rofl |
        haha | hahaha | hah | heh | wow | whoa | oh | ah | ahh | hmm | hm | interesting | damn |
        dang | wild | crazy | insane | omg | no way | oof | yikes | agreed | indeed | same |
        no more | nothing more | no more thanks | thats enough | enough | no worries | np |
        all good | good to know | never mind | nevermind | nvm | good bot |
        bad bot | alright | okie | okk | yea | mhm | gg | xd | ikr | exactly | noted |
        understood | sounds good | will do | me too | same here | nice one | good one |
        great answer | good answer | helpful | good news | great news | nice source |
        good source | great source | nice sources | good sources | great sources""",
    Act.FAREWELL: """bye | bye bye | goodbye | see ya | see you | see you later | cya | later |
        good night | gn | ttyl | bye for now | see you tomorrow""",
    Act.HELP: """help | what can you do | what do you do | who are you | what are you |
        how do you work | how does this work | how do i use this | how do i use you |
        what can i ask | what can i ask you | what should i ask | what should i ask you |
        are you a bot | are you an ai | what is citebot | whats citebot | what do you know |
        how to use this | commands""",
    Act.NEWS: """whats new | what is new | anything new | any news | news | latest news |
        the latest | whats the latest | what is the latest | whats happening |
        what is happening | what happened | whats going on | what is going on | headlines |
        latest headlines | top stories | newest articles | latest articles | recent articles |
        recent news | show me the latest | show me the newest | what articles do you have |
        which articles do you have | what sources do you have | what do you have |
        what have you got | how many articles do you have | how many articles are there |
        how many articles | when were you last updated | when was the last update |
        last update""",
    Act.DOUBT: """are you sure | you sure | really sure | thats wrong | that is wrong | wrong |
        thats not true | that is not true | not true | thats not right | not right | incorrect |
        youre wrong | you are wrong | wrong answer | bad answer | that makes no sense |
        that doesnt make sense | thats false | false""",
    Act.MORE: """more | tell me more | is that all | is that it | more please | more info |
        more details | go on | keep going | continue | what else | anything else | elaborate |
        please elaborate | can you elaborate | expand on that | say more | more on that |
        tell me more about that | tell me more about it | what next | and then | then what |
        anything more |
        what happened next | what else happened | keep reading | read on""",
    Act.SOURCES: """source | sources | link | links | citation | citations | proof | sauce |
        whats the source | what is the source | whats your source | what are your sources |
        where did you get that | where is that from | wheres that from | where does that come from |
        got a link | any link | link please | source please | can i see the source""",
}
# Words that change nothing about what such a message does ("thanks so much guys", "what's new
# this week?").
_FILLERS = """citebot | bot | guys | all | everyone | man | dude | bro | mate | buddy |
    friend | again | so | very | much | a lot | you | u | ya | and | just | well | please | pls |
    plz | thats | that is | its | it is | today | tonight | this week | this month | lately |
    recently | in the news | around here"""
_STRENGTH = {act: rank for rank, act in enumerate(Act)}
_TABLE: dict[tuple[str, ...], Act | None] = {
    tuple(phrase.split()): act
    for act, phrases in [*_PHRASES.items(), (None, _FILLERS)]
    for phrase in phrases.split("|")
}
_LONGEST = max(len(words) for words in _TABLE)
_WORD = re.compile(r"\w+")


def act_of(message: str) -> Act | None:
    """What `message` does when all of it is small talk, else None (a question to search).

    A message with no word at all ("👍", ":)") is an acknowledgement; one asked ("true?") is a
    question. Of several acts the strongest counts: "hi, what can you do?" asks for help, "ok
    thanks" thanks."""
    words = _WORD.findall(message.lower().replace("’", "").replace("'", ""))
    if not words:
        return Act.ACK if message.strip() else None
    found: list[Act] = []
    i = 0
    while i < len(words):
        size = _phrase_at(words, i)
        if not size:
            return None  # a word no small talk uses: the message asks something
        if (act := _TABLE[tuple(words[i : i + size])]) is not None:
            found.append(act)
        i += size
    act = min(found, key=_STRENGTH.__getitem__, default=None)
    if act is Act.ACK and message.rstrip().endswith("?"):
        return None  # "true?", "right?": asks whether the last answer holds, a follow-up
    return act


def _phrase_at(words: list[str], start: int) -> int:
    """How many words the longest known phrase at `words[start]` has (0: none is)."""
    for size in range(min(_LONGEST, len(words) - start), 0, -1):
        if tuple(words[start : start + size]) in _TABLE:
            return size
    return 0


def chat_answer(
    question: str, act: Act, *, mode: Mode, searched: int, as_of: str, newest: list[Passage]
) -> Answer:
    """The reply to small talk. "What's new?" lists the `newest` articles (published by `as_of`)
    as numbered sources, each with its opening sentence; the others get a line of text and cite
    nothing."""
    answer = Answer(
        question, "", refused=False, mode=mode, searched=searched, as_of=as_of, small_talk=act
    )
    if act is Act.NEWS and newest:
        answer.citations = [_opening(n, p) for n, p in enumerate(newest, 1)]
        answer.retrieved = newest
        answer.mode = "extractive"  # titles and opening lines, quoted
        numbers = "".join(f"[{c.n}]" for c in answer.citations)
        answer.text = (
            f"The newest of {answer.searched_phrase()}: {numbers}. Ask me about any of them."
        )
        return answer
    if act is Act.NEWS and as_of and searched:
        answer.text = f"None of {answer.searched_phrase()} was published by {as_of}."
    else:
        answer.text = reply(act, answer.searched_phrase())
    return answer


def _opening(n: int, passage: Passage) -> Citation:
    sentences = split_sentences(passage.text)
    quote = sentences[0].text.strip() if sentences else passage.text.strip()
    return Citation(
        n,
        passage.doc_id,
        passage.chunk_id,
        passage.title,
        passage.url,
        passage.published_date,
        quote,
        path=passage.path,
        page=passage.page,
    )


def reply(act: Act, articles: str) -> str:
    """What citebot says to small talk (`articles`: what it can search, "the 612 indexed
    articles")."""
    if act is Act.THANKS:
        return "You're welcome!"
    if act is Act.FAREWELL:
        return "Bye! Ask again any time."
    if act is Act.HELP:
        return (
            f"I answer questions from {articles} and show where each answer came from: "
            "numbered citations with the passages behind them. When the articles don't say, I "
            "say so. Ask in plain words, follow up in the thread, or ask “what's new?” for the "
            "newest articles."
        )
    if act is Act.MORE:
        return (
            "I have no answer of mine to read on from here (none yet, or I have restarted since): "
            "ask me a question, then “tell me more” reads on in the article its answer came from."
        )
    if act is Act.DOUBT:
        return (
            "I only say what the articles say, and every answer shows the passages behind it: "
            "open its sources to check. If I misread them, a 👎 under the answer (in Discord) "
            "tells the people who run me."
        )
    if act is Act.SOURCES:
        return (
            "Each answer lists its sources under it, numbered like the [n] in its text; a "
            "source's title opens the article at the quoted passage."
        )
    if act is Act.NEWS:
        return f"There is nothing in {articles} yet."
    if act is Act.ACK:
        return f"👍 Ask me anything about {articles} whenever you like."
    return (
        f"Hi! Ask me anything about {articles}, and I'll answer with the passages behind it. "
        "“What's new?” shows the newest."
    )
