"""LogME against closed forms: the evidence at fixed precisions equals the Gaussian
marginal likelihood computed directly, and the fixed point reaches the maximum a brute
force over (alpha, beta) finds."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.optimize import minimize

from harness.selection.logme import _Eigen, log_evidence, logme_classification


def _direct(f: np.ndarray, y: np.ndarray, alpha: float, beta: float) -> float:
    """log N(y; 0, I/beta + F F^T/alpha) / n, from the definition."""
    n = len(y)
    cov = np.eye(n) / beta + f @ f.T / alpha
    _, logdet = np.linalg.slogdet(cov)
    return float(-0.5 * (n * math.log(2 * math.pi) + logdet + y @ np.linalg.solve(cov, y))) / n


@pytest.fixture
def problem() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    f = rng.normal(size=(12, 3))
    y = f @ np.array([1.0, -2.0, 0.5]) + 0.3 * rng.normal(size=12)
    return f, y


@pytest.mark.parametrize(("alpha", "beta"), [(1.0, 1.0), (0.1, 10.0), (5.0, 0.2)])
def test_evidence_matches_the_gaussian_marginal(problem, alpha, beta) -> None:
    f, y = problem
    assert log_evidence(f, y, alpha, beta) == pytest.approx(_direct(f, y, alpha, beta),
                                                            abs=1e-9)


def test_fixed_point_reaches_the_brute_force_maximum(problem) -> None:
    f, y = problem
    found = _Eigen(f).maximise(y, tol=1e-10, max_iter=1000)
    best = minimize(lambda p: -_direct(f, y, math.exp(p[0]), math.exp(p[1])), [0.0, 0.0],
                    method="Nelder-Mead", options={"xatol": 1e-8, "fatol": 1e-12,
                                                   "maxiter": 5000})
    assert found.value == pytest.approx(-best.fun, abs=1e-6)
    assert math.log(found.alpha) == pytest.approx(best.x[0], abs=1e-3)
    assert math.log(found.beta) == pytest.approx(best.x[1], abs=1e-3)
    grid = [_direct(f, y, a, b) for a in np.logspace(-3, 2, 25) for b in np.logspace(-2, 3, 25)]
    assert found.value >= max(grid) - 1e-12


def test_classification_is_the_mean_over_one_hot_columns() -> None:
    rng = np.random.default_rng(1)
    labels = rng.integers(0, 3, size=60)
    f = rng.normal(size=(60, 4))
    cols = [(labels == c).astype(float) for c in range(3)]
    expected = np.mean([_Eigen(f).maximise(c).value for c in cols])
    assert logme_classification(f, labels) == pytest.approx(expected)


def test_informative_features_score_higher_than_noise() -> None:
    rng = np.random.default_rng(2)
    labels = rng.integers(0, 3, size=300)
    centres = rng.normal(scale=3.0, size=(3, 8))
    good = centres[labels] + rng.normal(size=(300, 8))
    noise = rng.normal(size=(300, 8))
    assert logme_classification(good, labels) > logme_classification(noise, labels) + 0.1


def test_a_single_class_is_refused() -> None:
    with pytest.raises(ValueError, match="two classes"):
        logme_classification(np.ones((5, 2)), np.zeros(5))
