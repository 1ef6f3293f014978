"""LogME (You et al., 2021, "LogME: Practical Assessment of Pre-trained Models for
Transfer Learning"): how well frozen features explain labels, as the log marginal
likelihood (evidence) of a Bayesian linear model, maximised over its two precisions.

Model: y = F w + noise, w ~ N(0, alpha^-1 I), noise ~ N(0, beta^-1 I). The evidence is
maximised by MacKay's fixed-point iteration

    gamma = sum_i beta s_i / (alpha + beta s_i)      (s_i: eigenvalues of F^T F)
    alpha = gamma / |m|^2,   beta = (n - gamma) / |F m - y|^2,
    m = beta (alpha I + beta F^T F)^-1 F^T y,

done in the eigenbasis of F^T F so each step costs O(d). The score is the maximised
evidence divided by n. A classification target is scored as the paper does: the mean over
classes of the LogME of each class's one-hot indicator column.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Evidence:
    value: float  # maximised log evidence / n
    alpha: float
    beta: float
    iterations: int


class _Eigen:
    """F^T F's eigen-decomposition, shared by every label column of one feature matrix."""

    def __init__(self, features: np.ndarray) -> None:
        f = np.asarray(features, dtype=np.float64)
        if f.ndim != 2 or f.shape[0] < 2:
            raise ValueError(f"LogME needs an (n >= 2, d) feature matrix, got {f.shape}")
        self.f = f
        self.n, self.d = f.shape
        sigma, v = np.linalg.eigh(f.T @ f)
        self.sigma = np.clip(sigma, 0.0, None)
        self.v = v

    def project(self, y: np.ndarray) -> tuple[np.ndarray, float]:
        y = np.asarray(y, dtype=np.float64)
        return self.v.T @ (self.f.T @ y), float(y @ y)

    def log_evidence(self, x: np.ndarray, yy: float, alpha: float, beta: float) -> float:
        """log p(y | alpha, beta) / n, with x = V^T F^T y and yy = y^T y."""
        n, d, s = self.n, self.d, self.sigma
        denom = alpha + beta * s
        z = beta * x / denom  # V^T m
        residual = max(yy - 2.0 * float(z @ x) + float((s * z * z).sum()), 0.0)
        mm = float(z @ z)
        value = (n / 2 * math.log(beta) + d / 2 * math.log(alpha) - n / 2 * math.log(2 * math.pi)
                 - beta / 2 * residual - alpha / 2 * mm - 0.5 * float(np.log(denom).sum()))
        return value / n

    def maximise(self, y: np.ndarray, tol: float = 1e-5, max_iter: int = 100) -> Evidence:
        x, yy = self.project(y)
        s = self.sigma
        alpha, beta, iterations = 1.0, 1.0, 0
        while iterations < max_iter:
            iterations += 1
            denom = alpha + beta * s
            gamma = float((beta * s / denom).sum())
            z = beta * x / denom
            mm = float(z @ z)
            residual = max(yy - 2.0 * float(z @ x) + float((s * z * z).sum()), 1e-12)
            new_alpha = gamma / max(mm, 1e-12)
            new_beta = max(self.n - gamma, 1e-12) / residual
            done = (abs(new_alpha - alpha) / alpha < tol and abs(new_beta - beta) / beta < tol)
            alpha, beta = new_alpha, new_beta
            if done:
                break
        return Evidence(self.log_evidence(x, yy, alpha, beta), alpha, beta, iterations)


def log_evidence(features: np.ndarray, y: np.ndarray, alpha: float, beta: float) -> float:
    """The log evidence / n at fixed precisions (for tests and for inspection)."""
    eig = _Eigen(features)
    x, yy = eig.project(y)
    return eig.log_evidence(x, yy, alpha, beta)


def logme_regression(features: np.ndarray, targets: np.ndarray) -> float:
    """Mean LogME over the columns of `targets` (n,) or (n, k)."""
    eig = _Eigen(features)
    t = np.asarray(targets, dtype=np.float64)
    cols = t[:, None] if t.ndim == 1 else t
    return float(np.mean([eig.maximise(cols[:, j]).value for j in range(cols.shape[1])]))


def logme_classification(features: np.ndarray, labels: np.ndarray) -> float:
    """Mean over the classes present of the LogME of each class's one-hot column."""
    labels = np.asarray(labels)
    classes = np.unique(labels)
    if len(classes) < 2:
        raise ValueError("LogME of a classification target needs at least two classes")
    onehot = (labels[:, None] == classes[None, :]).astype(np.float64)
    return logme_regression(features, onehot)
