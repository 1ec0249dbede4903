"""The answerability model: fitted weights rank the answering sentence first, refusals calibrate."""

from __future__ import annotations

import numpy as np

from bot.answer.answerability import (
    best_threshold,
    conditional_logit_fit,
    default_model,
    logistic_fit,
)


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
