"""The plan-factor block of the calibration page: the loadings of
:func:`tjsim.analysis.plan.plan_likelihood` against the record, formatted."""

from __future__ import annotations

from tjsim.calibration import Calibration

from .common import RUN_DRAWS, RUN_SEED, values
from .tables import calibration_link, number, percent, table


def render_plan_factor(cal: Calibration) -> str:
    """The plan-management factor's loading against the record of headline counts."""
    from tjsim.analysis.plan import plan_likelihood

    if cal.plan_factor is None:
        return "This calibration has no plan-management factor.\n"
    parameter, record = cal.plan_factor.parameter, cal.plan_factor.record
    fits = plan_likelihood(cal, draws=RUN_DRAWS, seed=RUN_SEED)
    total = sum(fit.likelihood for fit in fits)
    every = len(fits[0].distribution) - 1  # the number of headline targets
    near = every - 1
    body = [
        [
            number(fit.loading),
            percent(fit.distribution[near]),
            percent(fit.distribution[near:].sum()),
            percent(fit.distribution[every]),
            f"{fit.distribution[near:].sum() ** len(record):.4f}",
            f"{fit.likelihood / total:.3f}",
        ]
        for fit in fits
    ]
    years = ", ".join(f"{year}: {n} of {every}" for year, n in record.items())
    best = max(fits, key=lambda fit: fit.likelihood).loading
    return (
        table(
            [
                f"`{parameter}`",
                f"P({near} of {every})",
                f"P(at least {near} of {every})",
                f"P(all {every})",
                f"P(a {len(record)}-year record at {near} or {every} each year)",
                "Posterior weight",
            ],
            body,
            "rrrrrr",
        )
        + f"\nRecord ({years}); the loadings shown are those that leave every managed "
        "target's record-derived total reachable. The likelihood rises with the loading: "
        f"its maximum on this grid is at **{best:g}**, against "
        f"{calibration_link(parameter)} = "
        f"{number(values(cal)[parameter])}. Ordinary years (tail events off), "
        f"{RUN_DRAWS:,} draws, seed {RUN_SEED}.\n"
    )
