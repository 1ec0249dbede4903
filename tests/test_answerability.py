"""The answerability model: fitted weights rank the answering sentence first, refusals calibrate."""

from __future__ import annotations

import numpy as np

from bot.answer.answer_types import proper_words
from bot.answer.answerability import (
    _PRIOR_DECISION,
    _PRIOR_RANK,
    DECISION,
    FEATURES,
    PRIOR,
    default_model,
    features_row,
    headline,
    passage_holds,
    passage_stems,
    prepare,
)
from bot.answer.estimators import best_threshold, conditional_logit_fit, logistic_fit
from bot.answer.extractive import Candidate, _similarities
from bot.app import build_citebot
from bot.settings import Settings
from ingest.index.embeddings import LocalEmbedder
from ingest.index.language.tokens import terms


def test_conditional_logit_learns_which_feature_marks_the_answer() -> None:
    # Two features; within each question the answer is the row with the higher first feature.
    groups = [
        (np.array([[0.9, 0.1], [0.2, 0.8], [0.1, 0.5]]), np.array([1, 0, 0])),
        (np.array([[0.3, 0.9], [0.7, 0.2]]), np.array([0, 1])),
        (np.array([[0.6, 0.6], [0.1, 0.9], [0.2, 0.1]]), np.array([1, 0, 0])),
    ]
    w = conditional_logit_fit(groups)
    assert w[0] > 0 > w[1]
    assert np.array_equal(w, conditional_logit_fit(groups))  # no randomness


def test_logistic_fit_separates_and_is_deterministic() -> None:
    x = np.array([[0.1], [0.2], [0.3], [0.7], [0.8], [0.9]])
    y = np.array([0.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    w = logistic_fit(x, y)
    assert w[0] > 0
    assert np.array_equal(w, logistic_fit(x, y))


def test_threshold_refuses_the_unanswerable_and_keeps_right_answers() -> None:
    scores = [0.9, 0.8, 0.2, 0.1]
    answerable = [True, True, False, False]
    correct = [True, True, False, False]
    threshold = best_threshold(scores, answerable, correct)
    assert 0.2 < threshold <= 0.8


def test_the_shipped_model_says_what_it_was_fitted_on() -> None:
    model = default_model()
    assert 0.0 < model.threshold < 1.0
    assert set(model.meta["kfold"]) == {
        "containment",
        "quote_precision",
        "null_refusal",
        "false_refusal",
    }
    assert set(model.meta["kfold_by_source"]) == set(model.meta["sources"])
    assert len(model.rank_weights) == len(FEATURES)


def test_before_any_fit_the_hand_weights_still_answer(seeded_settings: Settings) -> None:
    # A new feature must not break `citebot fit`, which answers with the prior when the
    # shipped model was fitted on other features.
    answerer = build_citebot(seeded_settings, model=PRIOR).answerer

    answer = answerer.answer("What is Honda's 2040 target?")

    assert not answer.refused and "2040" in answer.text
    assert len(PRIOR.rank_weights) == len(FEATURES) and len(PRIOR.weights) == len(DECISION)
    assert set(_PRIOR_RANK) <= set(FEATURES) and set(_PRIOR_DECISION) <= set(DECISION)


def test_detail_coverage_counts_what_the_story_titles_do_not_name() -> None:
    question = prepare("What is Honda's goal for 2040?", None)
    story = frozenset(terms("Honda and Nissan in talks"))
    goal = frozenset(terms("Its goal: electric sales by 2040"))
    mention = frozenset(terms("Honda and Nissan are said to be talking"))

    assert question.detail_coverage(goal, story) == 1.0  # goal and 2040: the asked detail
    assert question.detail_coverage(mention, story) == 0.0  # the story alone answers nothing
    assert question.detail_coverage(mention, frozenset(terms("Honda goal 2040"))) == 1.0


def test_centred_similarity_favours_what_a_sentence_adds_to_the_story(
    embedder: LocalEmbedder,
) -> None:
    question = "Where will the new Micra be built?"
    texts = [
        "Nissan and Honda are in talks about electric cars.",
        "Nissan and Honda could share electric car parts.",
        "The new Micra will be built at a plant in northern France.",
    ]
    top = [Candidate(t, 0, lede=False) for t in texts]
    plain, centred = _similarities(question, top, embedder, None)

    assert len(plain) == len(centred) == 3
    assert int(np.argmax(centred)) == 2
    assert centred[2] - max(centred[:2]) > plain[2] - max(plain[:2])  # the story is taken out


def test_ask_coverage_counts_the_sentence_that_asks_not_the_scene_it_sets() -> None:
    question = prepare(
        "Deshaun Watson was suspended for six games by the league. Which team does he play for?",
        None,
    )
    restated = frozenset(terms("Watson was suspended for six games by the league"))
    answer = frozenset(terms("The Browns team he plays for"))

    assert question.ask_coverage(answer) == 1.0
    assert question.ask_coverage(restated) == 0.0
    assert question.coverage(restated) > question.coverage(answer)  # what plain coverage prefers


def test_a_one_sentence_question_asks_with_all_its_terms() -> None:
    question = prepare("Where will the new Micra be built?", None)
    built = frozenset(terms("The Micra will be built in France"))

    assert question.ask_coverage(built) == question.coverage(built)


def _features(question: str, sentence: str, title: str) -> list[float]:
    asked = prepare(question, None)
    return features_row(
        asked,
        sentence,
        frozenset(terms(sentence)),
        frozenset(),
        frozenset(terms(sentence)),
        story=frozenset(terms(title)),
        title=headline(asked, title),
        rank=0,
        lede=False,
        similarity=0.0,
        centred=0.0,
    )


def _headline_features(question: str, sentence: str, title: str) -> tuple[float, float]:
    row = _features(question, sentence, title)
    return row[FEATURES.index("headline_answer")], row[FEATURES.index("headline_coverage")]


def test_an_answer_next_to_the_asked_words_is_nearby() -> None:
    question = "Who will lead the interim government?"
    answers = "Smith will lead the interim government, officials said."
    mentions = (
        "Smith, a former banker who was seen at a gala in March with friends, "
        "is not among those who could lead the interim government."
    )

    def nearby(sentence: str) -> float:
        return _features(question, sentence, "Coup leaders name a cabinet")[
            FEATURES.index("nearby")
        ]

    assert nearby(answers) == 1.0
    assert nearby(mentions) == 0.0  # the same name and words, but far apart


def test_a_sentence_that_tells_the_headline_fact_is_marked() -> None:
    title = "Kanye West to acquire Parler | CNN Business"
    question = "Which company is Kanye West buying?"

    told = _headline_features(question, "Ye agreed to acquire Parler, the company said.", title)
    side = _headline_features(question, "West also spoke with Tucker Carlson on Fox.", title)

    assert told == (1.0, 1.0)  # Parler: the asked-for name; acquire and Parler: the title's news
    assert side == (0.0, 0.0)  # other names, none of the title's news (nor its site's name)


def test_a_headline_loses_its_site_name_and_keeps_its_news() -> None:
    question = prepare("What did Biden say about the pandemic?", None)

    assert [t.word for t in headline(question, "Biden: 'The pandemic is over' | CNN").news] == []
    assert [t.word for t in headline(question, "Biden on 60 Minutes - CNN Politics").news] == [
        "60",
        "minutes",
    ]
    assert [t.word for t in headline(question, "Biden says the pandemic is over ...").news] == []


def test_a_passage_holds_a_key_term_it_says_in_other_words() -> None:
    question = prepare("Who first reported the talks?", None)
    text = "Discussions are in early stages. Initial reports were disclosed by TV Tokyo."

    held = passage_holds(question, text, "Nissan and Honda may partner")

    assert "talk" in held and "talk" not in passage_stems(text, "Nissan and Honda may partner")
    assert question.coverage(held) > question.coverage(passage_stems(text, ""))


def test_names_and_dates_are_not_paraphrased() -> None:
    """Words of one kind sit near each other ("Toyota" and "Honda", "Tuesday" and "Monday"):
    a passage about Honda on Monday does not hold Toyota or Tuesday."""
    text = "The plant, Honda said on Monday, was built in 2019."
    proper = proper_words([text])

    toyota = passage_holds(prepare("What did Toyota say?", None), text, "", proper)
    tuesday = passage_holds(prepare("What happened on Tuesday?", None), text, "", proper)

    assert "toyota" not in toyota and "tuesday" not in tuesday
    built = passage_holds(prepare("Where was the plant constructed?", None), text, "", proper)
    assert "construct" in built  # a plain word still finds its paraphrase ("built")
