"""Read a model's answer into claims, each with the citations that belong to it.

Every style models write is understood: `claim [1].`, `claim. [1]`, `claim.[1]`, a leading
`[1] claim`, `[1][2]`, `[1, 2]`, `[1-3]`, `【1】`, `[^1]`, `(Source 1)`, `Source [1]:`, a trailing
"Sources: [1], [2]" line, bullets and numbered lists, several paragraphs, bold and other Markdown,
and citations in prose ("as source [1] states: ...", "The sources [1] and [2] provide this
information."), which cite the claims around them. A sentence without a marker takes the citations
of its neighbour in the same paragraph (the one before in the leading style, else the one after).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.answer.sentences import split_sentences
from ingest.index.language.tokens import key_stems

_NUM_LIST = r"\^?\s*\d{1,3}(?:\s*(?:[,;、]|and|&|-|–)\s*\^?\d{1,3})*"
_MARKERS = re.compile(
    rf"\[\s*{_NUM_LIST}\s*\]"
    rf"|【\s*{_NUM_LIST}\s*】"
    r"|\(\s*(?:sources?|src|refs?|references?)\.?\s*(?:\[\s*\d{1,3}\s*\]|\d{1,3})"
    r"(?:\s*(?:,|and|&)\s*(?:\[\s*\d{1,3}\s*\]|\d{1,3}))*\s*\)",
    re.IGNORECASE,
)
RUN = re.compile(r"(?:\s*\[\d{1,3}\])+")
_BULLET = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+")
_SOURCES_LINE = re.compile(
    r"^\s*(?:sources?|references?|citations?)\s*:?\s*((?:\[\d{1,3}\][\s,;]*(?:and\s*)?)*)\s*$",
    re.IGNORECASE,
)
_SOURCE_LEAD = re.compile(r"^\s*(?:sources?\s*)?((?:\[\d{1,3}\]\s*)+):\s*", re.IGNORECASE)
_PROSE_LEAD = re.compile(
    r"^(?:as\s+|according\s+to\s+|per\s+|in\s+|from\s+|based\s+on\s+)?(?:the\s+)?"
    r"(?:sources?|articles?|passages?)\s*((?:\[\d{1,3}\]\s*(?:,|and|&)?\s*)+)"
    r"(?:\s*(?:states?|says?|notes?|reports?|mentions?|explains?|shows?)(?:\s+that)?)?\s*[,:]?\s*",
    re.IGNORECASE,
)
# "according to two sources [1]" counts people who spoke, not the passages: the words stay.
_COUNTS = "two three four five six several multiple many other anonymous"
_NOT_COUNTED = "".join(rf"(?<!\b{w}\s)" for w in _COUNTS.split()) + r"(?<!\d\s)"
_PROSE_CITE = re.compile(
    r"\b(?:(?:according\s+to|as\s+(?:stated|noted|reported|mentioned|shown|explained)\s+in"
    r"|as|per|in|from|based\s+on)\s+)?(?:the\s+)?"
    + _NOT_COUNTED
    + r"(?:sources?|articles?|passages?)\s+"
    r"((?:\[\d{1,3}\]\s*(?:,|and|&)?\s*)+)"
    r"(?:(?:states?|says?|notes?|reports?|mentions?|explains?|shows?)(?:\s+that)?\b)?",
    re.IGNORECASE,
)
_META_LEAD = re.compile(
    r"^(?:based\s+on|according\s+to|from|per|as\s+(?:stated|noted|reported)\s+in)\s+"
    r"(?:the\s+)?(?:provided\s+|given\s+|above\s+)?"
    r"(?:sources?|articles?|passages?|information|context|reports?)\s*[,:]\s*",
    re.IGNORECASE,
)
META = frozenset(
    key_stems(
        """source sources article articles passage passages provide provides provided information
        state states stated statement mention mentions mentioned according see seen shown show
        shows indicate indicates indicated note notes noted explain explains explained answer
        question detail details detailed text context based given where can found find this that
        these discuss discusses discussed describe describes described cover covers covered refer
        refers referenced cite cited citing reads read information available content following
        here there above below both all answer answers yes yeah indeed correct right true sure
        certainly absolutely possibly probably perhaps maybe likely potentially partly partially
        unclear"""
    )
)


@dataclass(frozen=True, slots=True)
class ParsedClaim:
    """One claim of an answer: its text (no markers, no Markdown) and the numbers it cites."""

    text: str
    cited: tuple[int, ...]
    block: int = 0  # which paragraph or list item it came from
    bullet: bool = False
    inherited: bool = False  # cites its neighbour's sources (it had no marker of its own)


def canonical_markers(text: str) -> str:
    """Every citation form as `[n]` markers: `[1, 2]` -> `[1][2]`, `【3】` -> `[3]`, `[1-3]`."""

    def replace(match: re.Match[str]) -> str:
        body = match.group(0)
        out: list[int] = []
        for part in re.finditer(r"(\d{1,3})(?:\s*[-–]\s*\^?(\d{1,3}))?", body):
            first = int(part.group(1))
            last = int(part.group(2)) if part.group(2) else first
            out.extend(range(first, min(last, first + 19) + 1) if last >= first else [first])
        return "".join(f"[{n}]" for n in dict.fromkeys(out))

    return _MARKERS.sub(replace, text)


def strip_markdown(line: str) -> tuple[str, bool]:
    """A line without headers, emphasis and list bullets; True when it was a list item."""
    line = re.sub(r"^\s*#{1,6}\s+", "", line)
    bullet = bool(_BULLET.match(line))
    line = _BULLET.sub("", line)
    line = re.sub(r"\*\*|__|`|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)", "", line)
    return line.strip(), bullet


_NOT_SAID = re.compile(
    r"\b(?:i\s+(?:do\s+not|don['’]t|cannot|can['’]t|could\s+not|couldn['’]t)\s+"
    r"(?:know|find|tell|say|answer|determine)"
    r"|(?:sources?|articles?|passages?|context|texts?|information)\s+(?:provided\s+|given\s+)?"
    r"(?:do(?:es)?\s+not|don['’]t|doesn['’]t|did\s+not|didn['’]t|never)\s+"
    r"(?:say|mention|state|specify|provide|include|contain|give|tell|indicate|discuss|address"
    r"|cover|reveal|disclose|report|answer)"
    r"|(?:is|are|was|were)(?:\s+not|n['’]t)\s+(?:mentioned|stated|specified|provided|given"
    r"|disclosed|reported|available|included)\s+in\s+the\s+(?:\w+\s+)?"
    r"(?:sources?|articles?|passages?|context)"
    r"|\bno\s+(?:information|mention|details?|data)\s+(?:is\s+|was\s+)?(?:given\s+|provided\s+)?"
    r"(?:about|on|regarding|of|in\s+the\s+(?:sources?|articles?|passages?)))",
    re.IGNORECASE,
)


def says_not_found(text: str) -> bool:
    """A sentence saying the sources do not answer ("The sources do not say how much it costs",
    "I couldn't find that", "No information is given about the price")."""
    return bool(_NOT_SAID.search(text))


def is_meta(text: str) -> bool:
    """A sentence about the sources rather than a claim ("The sources provide this information",
    "The articles don't mention the price")."""
    terms = key_stems(text)
    return not terms or terms <= META or says_not_found(text)


def parse_answer(text: str) -> list[ParsedClaim]:
    """The claims of an answer in any citation style, each with the `[n]` numbers it cites."""
    claims: list[ParsedClaim] = []
    answer_wide: list[int] = []
    lines = canonical_markers(text).splitlines()
    for block, raw in enumerate(lines):
        line, bullet = strip_markdown(raw)
        listed = _SOURCES_LINE.match(line)
        if listed:
            answer_wide.extend(int(n) for n in re.findall(r"\d+", listed.group(1)))
            continue
        if not line:
            continue
        claims.extend(_line_claims(line, block, bullet))
    return _inherit(claims, answer_wide)


def _line_claims(line: str, block: int, bullet: bool) -> list[ParsedClaim]:
    line = _SOURCE_LEAD.sub(lambda m: m.group(1), line)
    line = _PROSE_CITE.sub(lambda m: m.group(1), line)
    leading = bool(re.match(r"\s*\[\d", line))
    clean, anchors = _anchors(line, leading)
    sentences = split_sentences(clean)
    cites: list[list[int]] = [[] for _ in sentences]
    for position, numbers, after in anchors:
        index = _holder(sentences, position, after)
        if index is not None:
            cites[index].extend(n for n in numbers if n not in cites[index])
    out: list[ParsedClaim] = []
    for sentence, cited in zip(sentences, cites, strict=True):
        claim = _tidy(sentence.text)
        if claim:
            out.append(ParsedClaim(claim, tuple(cited), block, bullet))
    return _absorb_meta(out, leading)


def _anchors(line: str, leading: bool) -> tuple[str, list[tuple[int, list[int], bool]]]:
    """The line without markers, and where each run of markers sat (True: cites what follows)."""
    clean = ""
    anchors: list[tuple[int, list[int], bool]] = []
    last = 0
    for run in RUN.finditer(line):
        clean += line[last : run.start()]
        numbers = [int(n) for n in re.findall(r"\d+", run.group(0))]
        before = clean.rstrip()
        forward = not before.strip(" ,;:") or (leading and before[-1] in ".!?:")
        anchors.append((len(clean) if forward else len(before), numbers, forward))
        clean += " "
        last = run.end()
    return clean + line[last:], anchors


def _holder(sentences: list, position: int, forward: bool) -> int | None:  # type: ignore[type-arg]
    for i, sentence in enumerate(sentences):
        if forward and sentence.end > position:
            return i
        if not forward and sentence.start < position <= sentence.end:
            return i
    if sentences:
        return 0 if forward else len(sentences) - 1
    return None


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:!?])", r"\1", " ".join(text.split()))
    text = _PROSE_LEAD.sub("", text)
    text = _META_LEAD.sub("", text)
    text = re.sub(r"^[,;:\-–—\s]+", "", text)
    text = re.sub(r"[,;\-–—\s]+$", "", text)
    text = re.sub(r"^[\"“'‘](.*)[\"”'’]([.!?]?)$", r"\1\2", text)
    return text[:1].upper() + text[1:] if text else text


def _absorb_meta(claims: list[ParsedClaim], leading: bool) -> list[ParsedClaim]:
    """Drop sentences about the sources; their citations go to the claim they introduce or end."""
    out: list[ParsedClaim] = []
    carry: tuple[int, ...] = ()
    for i, parsed in enumerate(claims):
        claim = parsed
        lead_in = re.match(r"(.*?):\s+(\S.*)$", claim.text)
        if lead_in and is_meta(lead_in.group(1)):
            claim = ParsedClaim(_tidy(lead_in.group(2)), claim.cited, claim.block, claim.bullet)
        if is_meta(claim.text):
            if claim.text.rstrip().endswith(":") or not out or (leading and i + 1 < len(claims)):
                carry += claim.cited
            else:
                last = out[-1]
                out[-1] = ParsedClaim(
                    last.text, _merge(last.cited, claim.cited), last.block, last.bullet
                )
            continue
        if carry:
            out.append(
                ParsedClaim(claim.text, _merge(carry, claim.cited), claim.block, claim.bullet)
            )
            carry = ()
        else:
            out.append(claim)
    return out


def _merge(a: tuple[int, ...], b: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(dict.fromkeys(a + b))


def _inherit(claims: list[ParsedClaim], answer_wide: list[int]) -> list[ParsedClaim]:
    """A claim without a marker cites its paragraph neighbour's sources (or the Sources line)."""
    out = list(claims)
    for i, claim in enumerate(claims):
        if claim.cited:
            continue
        same = [c for c in claims if c.block == claim.block and c.cited]
        before = [c for c in same if claims.index(c) < i]
        after = [c for c in same if claims.index(c) > i]
        donor = before[-1] if before else after[0] if after else None
        cited = donor.cited if donor is not None else tuple(dict.fromkeys(answer_wide))
        out[i] = ParsedClaim(claim.text, cited, claim.block, claim.bullet, inherited=True)
    return out
