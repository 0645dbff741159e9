"""A toy linear-Gaussian economy with closed-form answers, for the tests.

Two drivers ``a`` and ``b`` (normal, correlation ``rho``) and an output
``y = mu_y + beta_a * (a - baseline(a)) + beta_b * (b - baseline(b)) + e`` with a
normal residual ``e``. Every target is a threshold on a normal variable, so its
probability is a normal CDF.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from tjsim.calibration import Calibration


def _fact(ident: str, value: float) -> dict:
    return {
        "id": ident,
        "value": float(value),
        "unit": "%",
        "year": 2024,
        "kind": "assumption",
        "label": ident,
        "source": "assumption: toy model for tests",
    }


@dataclass(frozen=True)
class Toy:
    mu_a: float = 1.0
    mu_b: float = -0.5
    sd_a: float = 1.0
    sd_b: float = 2.0
    rho: float = 0.3
    mu_y: float = 4.0
    beta_a: float = 0.8
    beta_b: float = 0.4
    sd_e: float = 0.5
    threshold_y: float = 4.5
    threshold_a: float = 0.0
    sd_q: float = 0.8
    rho_q: float = 0.5

    def calibration(self) -> Calibration:
        return Calibration.from_mappings(*self.mappings())

    def mappings(self) -> tuple[list[dict], dict, dict]:
        """The calibration's facts, model and targets, as read from YAML."""
        facts = [_fact(k, v) for k, v in vars(self).items()]
        model = {
            "name": "toy",
            "version": "1",
            "variables": {
                "a": {
                    "layer": "driver",
                    "label": "a",
                    "unit": "%",
                    "equation": "mu_a",
                    "shock": {"distribution": "normal", "spread": "sd_a"},
                },
                "b": {
                    "layer": "driver",
                    "label": "b",
                    "unit": "%",
                    "equation": "mu_b",
                    "shock": {"distribution": "normal", "spread": "sd_b"},
                },
                "y": {
                    "layer": "aggregate",
                    "label": "y",
                    "unit": "%",
                    "equation": "mu_y + beta_a * (a - baseline(a)) + beta_b * (b - baseline(b))",
                    "shock": {"distribution": "normal", "spread": "sd_e"},
                },
            },
            "correlations": [["a", "b", "rho"]],
            "quarterly": {
                "weights": [0.2, 0.25, 0.25, 0.3],
                "persistence": "rho_q",
                "variables": {"y": "sd_q"},
            },
        }
        targets = {
            "targets": {
                "y_high": {"indicator": "y", "op": ">=", "threshold": "threshold_y"},
                "a_positive": {"indicator": "a", "op": ">", "threshold": "threshold_a"},
                "y_above_a": {"indicator": "y", "op": ">=", "compare_to": "a"},
            }
        }
        return facts, model, targets

    @property
    def sd_y(self) -> float:
        var = (
            (self.beta_a * self.sd_a) ** 2
            + (self.beta_b * self.sd_b) ** 2
            + 2 * self.rho * self.beta_a * self.beta_b * self.sd_a * self.sd_b
            + self.sd_e**2
        )
        return math.sqrt(var)

    @property
    def quarter_weights(self) -> np.ndarray:
        return np.array([0.2, 0.25, 0.25, 0.3])

    def ytd_deviation_cov(self) -> np.ndarray:
        """Covariance of the year-to-date deviations ``Y_k - y``, k = 1, 2, 3."""
        w = self.quarter_weights
        ar1 = self.rho_q ** np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
        projection = np.eye(4) - np.outer(np.ones(4), w)
        rows = np.array([w[:k] @ projection[:k] / w[:k].sum() for k in (1, 2, 3)])
        return self.sd_q**2 * rows @ ar1 @ rows.T

    def probabilities(self) -> dict[str, float]:
        """Closed-form probability of each target."""
        diff_mean = self.mu_y - self.mu_a
        diff_var = (
            ((self.beta_a - 1) * self.sd_a) ** 2
            + (self.beta_b * self.sd_b) ** 2
            + 2 * self.rho * (self.beta_a - 1) * self.beta_b * self.sd_a * self.sd_b
            + self.sd_e**2
        )
        return {
            "y_high": float(norm.sf(self.threshold_y, self.mu_y, self.sd_y)),
            "a_positive": float(norm.sf(self.threshold_a, self.mu_a, self.sd_a)),
            "y_above_a": float(norm.sf(0.0, diff_mean, math.sqrt(diff_var))),
        }
