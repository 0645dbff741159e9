"""tjsim.analysis.plan: the plan factor's loading fitted to the record of headline counts."""

from __future__ import annotations

import numpy as np
import pytest

import tjsim
from tjsim.analysis.plan import PLAN_PARAMETER, PLAN_RECORD, headline_counts, plan_likelihood
from tjsim.scenario import Scenario

DRAWS, SEED = 4_000, 3


def test_each_loading_gives_a_distribution_of_headline_counts(calibration):
    fits = plan_likelihood(calibration, draws=DRAWS, seed=SEED, grid=(0.0, 0.4, 0.6))
    headline = sum(1 for t in calibration.targets.values() if t.headline)
    assert [fit.loading for fit in fits] == [0.0, 0.4]  # 0.6 leaves a total unreachable
    for fit in fits:
        assert fit.distribution.shape == (headline + 1,)
        assert fit.distribution.sum() == pytest.approx(1.0)
        expected = np.prod([fit.distribution[n] for n in PLAN_RECORD.values()])
        assert fit.likelihood == pytest.approx(expected)
    # a stronger common factor makes all-or-nearly-all years likelier
    assert fits[1].distribution[headline - 1 :].sum() > fits[0].distribution[headline - 1 :].sum()


def test_headline_counts_are_those_of_the_kept_draws(calibration):
    scenario = Scenario().with_parameter(PLAN_PARAMETER, 0.3)
    counts = headline_counts(calibration, scenario, DRAWS, SEED)
    run = tjsim.simulate(scenario, draws=DRAWS, seed=SEED, calibration=calibration)
    table = run.headline_counts()
    assert counts.shape == (DRAWS,)
    observed = np.bincount(counts, minlength=len(table)) / DRAWS
    np.testing.assert_allclose(observed, table["probability"].to_numpy(), atol=1e-12)
