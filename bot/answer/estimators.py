"""The estimators that fit the answerability model (`bot.fitting`): the ranking's conditional
logit, the decision's logistic regression, and the refusal threshold. Plain numpy, deterministic:
every fit starts from zero and takes the same steps, so a refit on the same cases gives the same
model.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def logistic_fit(x: np.ndarray, y: np.ndarray, *, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights (bias last) of an L2-regularised logistic regression, by Newton's method."""
    design = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(design.shape[1])
    penalty = np.eye(design.shape[1]) * l2
    penalty[-1, -1] = 0.0  # the bias is not shrunk
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(design @ w)))
        gradient = design.T @ (p - y) + penalty @ w
        hessian = (design * (p * (1 - p))[:, None]).T @ design + penalty
        try:
            step = np.linalg.solve(hessian, gradient)
        except np.linalg.LinAlgError:  # saturated (a fold where every label is the same)
            step = np.linalg.lstsq(hessian, gradient, rcond=None)[0]
        w -= step
        if float(np.abs(step).max()) < 1e-8:
            break
    return w


def conditional_logit_fit(
    groups: Sequence[tuple[np.ndarray, np.ndarray]], *, l2: float = 0.1, steps: int = 3000
) -> np.ndarray:
    """Weights maximising, per group, the softmax share of its positive rows (groups without one
    are skipped), by gradient descent from zero: deterministic."""
    usable = [(x, y.astype(bool)) for x, y in groups if y.any() and len(x)]
    if not usable:
        raise ValueError("no question has a labelled answer among its candidates")
    width = max(len(x) for x, _ in usable)
    dims = usable[0][0].shape[1]
    xs = np.zeros((len(usable), width, dims))
    present = np.zeros((len(usable), width), dtype=bool)
    positive = np.zeros((len(usable), width), dtype=bool)
    for g, (x, y) in enumerate(usable):
        xs[g, : len(x)] = x
        present[g, : len(x)] = True
        positive[g, : len(y)] = y
    w = np.zeros(dims)
    for _ in range(steps):
        z = np.where(present, xs @ w, -np.inf)
        p = np.exp(z - z.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        q = np.where(positive, p, 0.0)
        q /= q.sum(axis=1, keepdims=True)
        gradient = np.einsum("gc,gcf->f", p - q, xs) / len(usable) + l2 * w
        w -= gradient
    return w


FALSE_REFUSAL_COST = 0.5  # refusing an answerable question, against a right answer's 1


THRESHOLD_STEP = 0.005  # the thresholds tried
THRESHOLD_SMOOTHING = 0.05  # the gain is averaged over thresholds this close


def best_threshold(
    scores: Sequence[float], answerable: Sequence[bool], correct: Sequence[bool]
) -> float:
    """The threshold that maximises right answers and right refusals, less wrong refusals, on
    average over the thresholds within `THRESHOLD_SMOOTHING` of it: the gain is flat over a wide
    range, where its single best point jumps with every refit (.25 to .31 for one new feature);
    its smoothed best point moves little, and alike for either order of `citebot fit`'s folds."""
    p = np.asarray(scores, dtype=float)
    can = np.asarray(answerable, dtype=bool)
    right = np.asarray(correct, dtype=float)
    grid = np.arange(0.0, 1.0 + THRESHOLD_STEP / 2, THRESHOLD_STEP)
    gains = np.asarray(
        [np.where(p >= t, right, np.where(can, -FALSE_REFUSAL_COST, 1.0)).sum() for t in grid]
    )
    reach = round(THRESHOLD_SMOOTHING / THRESHOLD_STEP)
    smoothed = [gains[max(0, i - reach) : i + reach + 1].mean() for i in range(len(grid))]
    return float(grid[int(np.argmax(smoothed))])
