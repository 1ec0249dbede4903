"""The offline answerer picks the sentence that answers, quotes at most two, and cites them."""

from __future__ import annotations

import pytest

from bot.answer.answer_types import offers, proper_words, typed_spans
from bot.answer.citations import check_citations
from bot.answer.extractive import asks, compose, is_credit, pick_sentences
from bot.answer.models import Passage
from bot.answer.places import places_in
from bot.answer.question_kinds import answer_kind, asks_title, place_category
from bot.answer.sentences import split_sentences
from ingest.index.embeddings import LocalEmbedder


def _passage(doc_id: str, text: str, *, start: int = 0, title: str = "") -> Passage:
    return Passage(
        chunk_id=f"{doc_id}::0000000000000000::00000",
        doc_id=doc_id,
        text=text,
        title=title or doc_id,
        start=start,
    )


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How many people have been arrested?", "number"),
        ("What percentage of adults disapprove?", "percent"),
        ("How much will the partnership cost?", "money"),
        ("Where will the new Micra be built?", "place"),
        ("Which country will host the summit?", "place"),
        ("When will the boosters be available?", "date"),
        ("Who will Macron face in the runoff?", "name"),
        ("Which automaker is buying back its SUVs?", "name"),
        ("Which Ivy League school eliminated student loans?", "name"),
        ("Which menu item did KFC roll out?", "thing"),
        ("activision deal exact price?", "money"),
        ("buffett lunch auction starting bid?", "money"),
        ("adidas q1 profit drop?", "number"),
        ("how bad did sales fall in china", "number"),
        ("most polluted us city in the report", "place"),
        ("At which restaurant will the lunch take place?", "name"),
        ("Since what year has Phil made forecasts?", "date"),
        # the first question word asks; a later "when", "where" or "who" sets the scene
        ("how old was the pilot when she landed", "number"),
        ("Where was the senator when the storm hit?", "place"),
        ("Which team did he join when he left Chicago?", "name"),
        ("What is the name of the farm where the fossil was dug up?", "name"),
        ("When did the mayor who resigned take office?", "date"),
        ("The storm hit on Monday. Where did it make landfall?", "place"),
        # misspelt question words ask as they are meant to
        ("wich city was the first to average $5 for gas?", "place"),
        ("whre will the plant be built", "place"),
        ("waht did it cost", "money"),
        # a compound names its kind last; a possessive is what is asked
        ("Which country rock band opened the show?", "name"),
        ("Which city council member resigned?", "name"),
        ("Which other pro team does he own?", "name"),
        ("Which state's governor signed the bill?", "place"),
        ("What song did the band play first?", "name"),
        ("What chip did Apple show off?", "thing"),
        # "how much" asked of a verb asks for money, unless it measures or compares
        ("how much is the city paying the contractor?", "money"),
        ("how much r tickets for the tour", "money"),
        ("how much did the court give her", "money"),
        ("how much does the new rover weigh", "number"),
        ("how much have rents increased this year?", "number"),
        # chat questions with no question word: their last head says the kind
        ("eiffel tower height?", "number"),
        ("queen victoria death year", "date"),
        ("apple q3 revenue?", "money"),
        ("storm rainfall tuesday inches", "number"),
        ("bees eggs per day?", "thing"),
        # question words contracted without the apostrophe
        ("whos the head of the union now", "name"),
        ("whens the merger supposed to close", "date"),
        ("wat share of voters backed it?", "percent"),
        # "what's the" asks like "what"
        ("what's the deadline to apply?", "date"),
        ("what's the score?", "number"),
        ("what is the income cutoff for couples?", "money"),
        ("Which journal published the study?", "name"),
        # a cause or a reason; a "why" inside the question asks for none
        ("why did the mayor resign?", "cause"),
        ("so why is the bridge closed", "cause"),
        ("what did the singer die of?", "cause"),
        ("wat caused the blackout", "cause"),
        ("What was the cause of the fire?", "cause"),
        ("Which drug did the firm recall after explaining why sales fell?", "thing"),
        ("how many people were killed by the storm?", "number"),
    ],
)
def test_answer_kind(question: str, kind: str) -> None:
    assert answer_kind(question) == kind


SENT = "It sent 44 people to the shelters of its 3 counties."
CASES = "In 3 weeks the county saw 12 cases."
MAYOR = "Ron Nirenberg backed it, San Antonio said."
ASH = "Ash rose 20 kilometers over the island of Tonga; 2 days on it fell."


@pytest.mark.parametrize(
    ("kind", "sentence", "question", "found", "strength"),
    [
        ("place", "It will be built in northern France.", "Where is it built?", "France", 1.0),
        ("money", "The deal is worth $68.7 billion.", "How much is the deal worth?", "$68.7", 1.0),
        ("money", "They sold 40 of them.", "How much did they pay?", "40", 0.3),
        ("number", "About 700 people were arrested in 2021.", "How many arrested?", "700", 1.0),
        ("date", "The rocket launches on Friday.", "When is the launch?", "Friday", 1.0),
        ("name", "Honda is working with Nissan.", "Who is Honda working with?", "Nissan", 1.0),
        ("date", "They have made forecasts since 1887.", "Since what year?", "1887", 1.0),
        ("number", ASH, "How high did the ash go?", "20", 1.0),
        ("number", ASH, "How high did the ash go?", "2", 0.5),
        ("number", "It killed four people in 3 towns.", "What is the death toll?", "four", 1.0),
        ("number", "Saget, 65, was found in 1 room.", "How old was Bob Saget?", "65", 1.0),
        # chat's "ppl" counts people: the count beside "people" answers, the other number half
        ("number", SENT, "how many ppl were sent?", "44", 1.0),
        ("number", SENT, "how many ppl were sent?", "3", 0.5),
        ("name", "Huawei said it would retaliate.", "Who said it would retaliate?", "Huawei", 1.0),
        # a counted noun is the phrase's key words, most often its last: "cases", not "positive"
        ("number", CASES, "How many positive monkeypox cases are there?", "12", 1.0),
        ("number", CASES, "How many positive monkeypox cases are there?", "3", 0.5),
        # a name that is only a place, or a word that describes, answers "who" half
        ("name", MAYOR, "Who backed the plan?", "Ron Nirenberg", 1.0),
        ("name", MAYOR, "Who backed the plan?", "San Antonio", 0.5),
        ("name", "Trump-era rules stayed.", "Who kept the rules?", "Trump-era", 0.5),
        ("cause", "He died of heart failure.", "What did he die of?", " heart failure", 1.0),
        ("cause", "It shut due to a gas leak.", "Why did it shut?", " a gas leak", 1.0),
        ("cause", "It shut after a gas leak.", "Why did it shut?", " a gas leak", 0.5),
        ("cause", "A gas leak caused the closure.", "What caused it?", "A gas leak", 0.5),
    ],
)
def test_typed_spans_say_where_the_answer_of_the_kind_is(
    kind: str, sentence: str, question: str, found: str, strength: float
) -> None:
    spans = typed_spans(kind, sentence, question)
    # a name's span may keep a trailing full stop (the rules keep the dots of "U.S.")
    assert (found, strength) in [(sentence[a:b].rstrip("."), s) for a, b, s in spans]
    assert offers(kind, sentence, question) == max(s for _, _, s in spans)


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("Hurricane Roslyn made landfall in which country this week?", "country"),
        ("what nation won the most medals", "country"),
        ("Which state has the most confirmed cases?", "state"),
        ("In which US city is the menorah located?", "city"),
        ("most polluted us city?", "city"),
        ("Which state's governor signed the bill?", "state"),
        ("Where will the plant be built?", None),
        ("Which stadium hosts the final?", None),
        # the phrase's head asks, not any category word in it
        ("Which stadium in the city hosts the final?", None),
        ("In which cities did it snow?", "city"),
    ],
)
def test_a_place_question_names_the_category_it_asks_for(
    question: str, category: str | None
) -> None:
    assert answer_kind(question) == "place"
    assert place_category(question) == category


def test_a_death_or_a_cause_said_to_be_unknown_offers_no_cause() -> None:
    question = "What did the singer die of?"

    assert not typed_spans("cause", "He died on Wednesday, his manager said.", question)
    assert not typed_spans("cause", "The cause of death was not known.", question)


def test_a_known_place_answers_without_a_preposition_before_it() -> None:
    """GeoNames says "Mexico" is a country; nothing in the sentence does."""
    question = "Hurricane Roslyn made landfall in which country this week?"
    sentence = "Hurricane Roslyn slammed into west-central Mexico on Sunday."

    assert [(sentence[a:b], s) for a, b, s in typed_spans("place", sentence, question)] == [
        ("Mexico", 1.0)
    ]


def test_a_place_of_another_category_than_the_asked_one_answers_half() -> None:
    question = "Hurricane Roslyn made landfall in which country this week?"
    state = "Roslyn made landfall near Santa Cruz in northern Nayarit state."
    country = "Roslyn made landfall in northern Mexico."

    assert offers("place", state, question) == 0.5
    assert offers("place", country, question) == 1.0
    # with no category asked, any place after "in" answers "where"
    assert offers("place", state, "Where did Roslyn make landfall?") == 1.0


def test_a_known_place_ends_where_its_name_does() -> None:
    """A sentence's full stop is no part of "Mexico"; the dots of "U.S." are."""
    sentence = "The storm hit Mexico."
    spans = typed_spans("place", sentence, "Where did the storm hit?")
    assert [(sentence[a:b], s) for a, b, s in spans] == [("Mexico", 1.0)]
    assert places_in("the U.S.") == [(4, 8, frozenset({"country"}))]


def test_a_place_the_question_names_is_no_answer() -> None:
    question = "Which city in Mexico did Roslyn hit?"
    assert offers("place", "Roslyn hit Mexico hard.", question) == 0.0
    assert offers("place", "Roslyn hit Mexico, and Tepic above all.", question) == 1.0


def test_a_quoted_term_answers_a_question_that_asks_for_a_word_or_a_title() -> None:
    question = "Which word did Merriam-Webster select as its 2022 word of the year?"
    sentence = "Merriam-Webster’s word of the year is “gaslighting.”"

    assert answer_kind(question) == "name"
    assert asks_title(question)
    assert ("gaslighting", 1.0) in [
        (sentence[a:b], s) for a, b, s in typed_spans("name", sentence, question)
    ]
    assert asks_title("whats the new blink 182 singel called")
    # a quote is no answer to a question about a person, and a long one is speech, not a title
    assert not asks_title("Who picked the word of the year?")
    assert not asks_title("Who named the ship?")
    assert not asks_title("What is the name of the CEO?")
    assert offers("name", "It said “gaslighting” was looked up most.", "Who said it?") == 0.0
    speech = "“we will keep looking until we find every one of them,” it said."
    assert offers("name", speech, question) == 0.0


def test_the_question_restated_offers_no_answer() -> None:
    question = "Is Nissan partnering with Honda in 2024?"
    assert typed_spans("name", "Nissan and Honda may partner.", question) == []
    assert typed_spans("date", "Nissan and Honda may partner in 2024.", question) == []
    assert offers("date", "Nissan and Honda may partner in 2024.", question) == 0.0


def test_a_word_that_starts_the_sentence_is_a_name_when_the_passages_capitalise_it() -> None:
    proper = proper_words(
        [
            "Moreover, the report said talks had begun. It was disclosed by TV Tokyo, and "
            "talks between Nissan and Honda are at an early stage. Notably, no date was set."
        ]
    )
    question = "Who first reported the talks?"

    assert {"TV", "Tokyo", "Nissan", "Honda"} <= proper
    assert typed_spans("name", "Moreover, the report mentions the chief executives.", question)
    assert typed_spans("name", "Moreover, the report mentions it.", question, proper) == []
    assert typed_spans("name", "Notably, no date was set.", question, proper) == []
    assert typed_spans("name", "Nissan declined to comment.", question, proper)


def test_a_day_or_a_month_is_not_a_name() -> None:
    question = "Which company announced a stock split?"
    assert typed_spans("name", "The board announced Wednesday that it would split.", question) == []
    assert offers("name", "In March, the board approved a split.", question) == 0.0
    assert offers("name", "Amazon announced the split on Wednesday.", question) == 1.0


def test_a_common_word_that_starts_the_sentence_is_not_a_name() -> None:
    question = "Which school will eliminate student loans?"
    assert typed_spans("name", "Several colleges may eliminate loans.", question) == []
    assert typed_spans("name", "However, few colleges did.", question) == []


def test_picks_the_sentence_that_names_the_answer(embedder: LocalEmbedder) -> None:
    passages = [
        _passage(
            "deal",
            "The deal to buy Activision Blizzard would be the largest in gaming history. "
            "Microsoft agreed to buy Activision Blizzard for $68.7 billion on Tuesday. "
            "Analysts expect regulators to look closely at the purchase.",
            start=200,
        ),
    ]

    picks = pick_sentences("Which company agreed to buy Activision Blizzard?", passages, embedder)

    assert "Microsoft" in picks[0].text
    assert 1 <= len(picks) <= 2


def test_number_questions_prefer_a_sentence_with_a_new_number(embedder: LocalEmbedder) -> None:
    passages = [
        _passage(
            "capitol",
            "The investigation into the attack on the Capitol is the largest in FBI history. "
            "More than 700 people have been arrested for their roles in the attack on the Capitol.",
            start=500,
        )
    ]

    picks = pick_sentences(
        "How many people have been arrested for the Capitol attack?", passages, embedder
    )

    assert "700" in picks[0].text


def test_a_question_in_an_article_is_never_the_answer(embedder: LocalEmbedder) -> None:
    """A quiz article asks the reader's question itself: restating it answers nothing."""
    passages = [
        _passage(
            "quiz",
            "1. How many gang members have been jailed in El Salvador since March?\n"
            "The government declared a state of emergency in March.",
            start=0,
        )
    ]

    picks = pick_sentences(
        "How many gang members have been jailed in El Salvador?", passages, embedder
    )

    assert not any(p.text.endswith("?") for p in picks)
    assert asks('He asked: "Why now?"') and not asks("Why? Because the rules changed.")


@pytest.mark.parametrize(
    ("sentence", "credit"),
    [
        ("(With inputs from Reuters)", True),
        ("Contributing: Kelly Tyko, USA TODAY; The Associated Press", True),
        ("CNN's Chloe Melas contributed to this report.", True),
        ("Reporting by the Times showed that the mayor lied.", False),
        ("Contributing factors included heavy rain.", False),
    ],
)
def test_a_credit_line_is_told_from_a_sentence_about_the_story(sentence: str, credit: bool) -> None:
    assert is_credit(sentence) is credit


def test_the_lede_of_the_top_article_is_favoured(embedder: LocalEmbedder) -> None:
    lede = "Dartmouth College said it will eliminate student loans for all undergraduates."
    passages = [
        _passage("dartmouth", lede + " The college announced the change on Tuesday.", start=0),
        _passage(
            "other",
            "Several colleges have considered whether to eliminate student loans.",
            start=900,
        ),
    ]

    picks = pick_sentences("Which school will eliminate student loans?", passages, embedder)

    assert picks[0].text == lede
    assert picks[0].passage_index == 0


def test_answer_is_at_most_two_sentences_with_checked_citations(embedder: LocalEmbedder) -> None:
    passages = [
        _passage(
            "a",
            "Gas prices hit a record this week. The national average for a gallon of "
            "regular gas reached $5 on Saturday, according to AAA. Diesel rose too. "
            "Drivers in California paid the most at more than $6 a gallon.",
        ),
        _passage("b", "AAA said a gallon of regular gas cost $5.01 on average nationwide."),
    ]

    picks = pick_sentences(
        "How much does a gallon of regular gas cost on average nationwide?",
        passages,
        embedder,
        max_sentences=2,
    )
    checked = check_citations(compose(picks), passages)

    assert len(split_sentences(checked.text)) <= 2
    assert checked.citations and not checked.unsupported
    cited = {c.doc_id for c in checked.citations}
    assert cited <= {"a", "b"}
    assert "$5" in checked.text


def test_no_passages_no_picks(embedder: LocalEmbedder) -> None:
    assert pick_sentences("Anything?", [], embedder) == []


def test_a_source_backing_two_claims_shows_both_quotes() -> None:
    passage = _passage(
        "gas",
        "Gas prices hit a record this week across the country. "
        "The national average for regular gas reached $5 a gallon on Saturday.",
    )
    answer = (
        "Gas prices hit a record this week across the country [1]. "
        "The national average for regular gas reached $5 a gallon on Saturday [1]."
    )

    checked = check_citations(answer, [passage])

    (citation,) = checked.citations
    assert "record this week" in citation.quote and "$5 a gallon" in citation.quote
    assert " … " in citation.quote


def test_two_passages_of_one_article_are_one_source() -> None:
    first = _passage("gas", "Gas prices hit a record this week across the country.")
    second = Passage(
        "gas::0000000000000000::00001", "gas", "The national average reached $5 a gallon.", "gas"
    )
    other = _passage("oil", "Oil traded near $120 a barrel on Friday.")
    answer = (
        "Gas prices hit a record this week across the country [1]. "
        "Oil traded near $120 a barrel on Friday [3]. The national average reached $5 a gallon [2]."
    )

    checked = check_citations(answer, [first, second, other])

    assert checked.text.count("[1]") == 2 and "[2]" in checked.text and "[3]" not in checked.text
    gas, oil = checked.citations
    assert (gas.n, gas.doc_id, oil.n, oil.doc_id) == (1, "gas", 2, "oil")
    assert "record this week" in gas.quote and "$5 a gallon" in gas.quote
    assert gas.chunk_id == first.chunk_id and gas.also == (second.chunk_id,)


def test_a_second_sentence_must_be_about_the_question_and_not_repeat_the_first(
    embedder: LocalEmbedder,
) -> None:
    passages = [
        _passage(
            "ev",
            "Honda has set ambitious targets, aiming for 100 percent electric vehicle sales by "
            "2040. Honda targets 100 percent electric vehicle sales by 2040. "
            "(With inputs from Reuters and agencies) "
            "Nissan declined to comment on the report.",
        )
    ]

    picks = pick_sentences("What is Honda's 2040 target?", passages, embedder)

    assert len(picks) == 1  # the repeat, the byline and the "no comment" are not quoted
    assert "2040" in picks[0].text


def test_the_runner_up_that_holds_the_answer_is_quoted_too(embedder: LocalEmbedder) -> None:
    passages = [
        _passage(
            "deal",
            "Microsoft on Tuesday announced plans to acquire Activision Blizzard in a "
            "blockbuster deal worth nearly $70 billion. The all-cash transaction is valued at "
            "$68.7 billion, and Microsoft says it will become the third-largest gaming company.",
        )
    ]

    picks = pick_sentences("activision deal exact price?", passages, embedder)

    assert len(picks) == 2
    assert any("$68.7 billion" in p.text for p in picks)
