"""tjsim.analysis.plan: the plan factor's loading fitted to the record of headline counts."""

from __future__ import annotations

import numpy as np
import pytest

import tjsim
from tjsim.analysis.compare import kept_met_flags
from tjsim.analysis.plan import headline_distribution, plan_likelihood
from tjsim.scenario import Scenario

DRAWS, SEED = 4_000, 3


def test_each_loading_gives_a_distribution_of_headline_counts(calibration):
    fits = plan_likelihood(calibration, draws=DRAWS, seed=SEED, grid=(0.0, 0.4, 0.6))
    headline = sum(1 for t in calibration.targets.values() if t.headline)
    assert [fit.loading for fit in fits] == [0.0, 0.4]  # 0.6 leaves a total unreachable
    for fit in fits:
        assert fit.distribution.shape == (headline + 1,)
        assert fit.distribution.sum() == pytest.approx(1.0)
        record = calibration.plan_factor.record
        expected = np.prod([fit.distribution[n] for n in record.values()])
        assert fit.likelihood == pytest.approx(expected)
    # a stronger common factor makes all-or-nearly-all years likelier
    assert fits[1].distribution[headline - 1 :].sum() > fits[0].distribution[headline - 1 :].sum()


def test_headline_counts_are_those_of_the_kept_draws(calibration):
    scenario = Scenario().with_parameter(calibration.plan_factor.parameter, 0.3)
    distribution = headline_distribution(calibration, scenario, DRAWS, SEED)
    run = tjsim.simulate(scenario, draws=DRAWS, seed=SEED, calibration=calibration, keep_draws=True)
    flags = kept_met_flags(run)
    names = [target.id for target in run.model.primary_targets]
    headline = [names.index(target.id) for target in run.model.headline_targets]
    counts = flags[:, headline].sum(axis=1)
    assert counts.shape == (DRAWS,)
    observed = np.bincount(counts, minlength=len(distribution)) / DRAWS
    np.testing.assert_allclose(observed, distribution, atol=1e-12)


def test_the_parameter_and_record_are_the_calibrations_data(calibration):
    spec = calibration.plan_factor
    assert spec is not None and spec.parameter in calibration.parameter_ids
    headline = sum(1 for t in calibration.targets.values() if t.headline)
    assert all(0 <= n <= headline for n in spec.record.values())
    china = tjsim.load_calibration("china")
    assert china.plan_factor is None
    with pytest.raises(tjsim.CalibrationError, match="no 'plan_factor' block"):
        plan_likelihood(china, draws=100, seed=SEED)
