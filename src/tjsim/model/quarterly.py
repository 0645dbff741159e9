r"""Quarterly structure and conditioning on year-to-date figures.

Quarters
    For a variable :math:`v` with quarters, the year-on-year growth of quarter
    :math:`q` is :math:`g_q = v + u_q` where :math:`v` is the year's growth (the model's
    annual variable) and the deviations :math:`u = P\varepsilon`, with
    :math:`\varepsilon` AR(1) across quarters (persistence :math:`\rho`, spread
    :math:`\sigma_v`) and :math:`P = I - \mathbf{1} w^\top` the projection that makes
    :math:`\sum_q w_q u_q = 0` for the quarter weights :math:`w` (2023 GDP shares).
    The year is the weighted mean of its quarters, and the cumulative year-to-date
    growth after :math:`k` quarters is

    .. math:: Y_k = \frac{\sum_{q \le k} w_q g_q}{\sum_{q \le k} w_q}
              = v + \frac{\sum_{q \le k} w_q u_q}{\sum_{q \le k} w_q},

    published as ``Q1`` (:math:`k = 1`), ``H1`` (2), ``Q1-Q3`` (3) and ``FY`` (4,
    :math:`Y_4 = v`).

Conditioning
    Every :math:`Y_k` is affine in the basis :math:`x`, and :math:`x` is a transform of
    the latent normals :math:`z \sim N(0, R)`. Replacing each shock by its best linear
    predictor :math:`x_j \approx m_j + \beta_j z_j` (exact for normal shocks) makes the
    observations :math:`o = h + H z` linear, and the latent normals are drawn from the
    Gaussian conditional

    .. math:: z \mid o \sim N\big(K (o - h),\; R - K H R\big), \qquad
              K = R H^\top (H R H^\top)^{-1},

    without rejection. Each draw then passes through the exact marginals, and the
    quarterly deviations are corrected so that every observed partial-year figure holds
    exactly in every draw (the correction is affine, so it is folded into the compiled
    loadings). For normal shocks the whole procedure is exact; a full-year (``FY``)
    observation is matched exactly only to the extent the shocks are Gaussian.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

import numpy as np
from scipy import special

from ..calibration import PERIODS, Calibration
from ..errors import ScenarioError
from ..limits import MAX_SURPRISE
from ..marginals import Marginal
from ..scenario import checks
from .compiled import CompiledModel

_SUFFIX = {1: "ytd_q1", 2: "ytd_h1", 3: "ytd_q1_q3"}

Observed = Mapping[str, Mapping[str, float]]


def ytd_indicator(variable: str, quarters: int) -> str:
    """Indicator id of ``variable``'s year-to-date growth after ``quarters`` quarters."""
    return variable if quarters == 4 else f"{variable}_{_SUFFIX[quarters]}"


def quarterly_model(model: CompiledModel, calibration: Calibration) -> CompiledModel:
    """Add quarterly deviation shocks and year-to-date indicators to ``model``.

    Four normal shocks per variable with quarters (columns ``{v}_dev_q1..q4``, AR(1)
    correlated) join the basis after the existing shocks, and three indicators per
    variable (``{v}_ytd_q1``, ``{v}_ytd_h1``, ``{v}_ytd_q1_q3``) join the indicators.
    """
    spec = calibration.quarterly
    if spec is None:
        raise ScenarioError(f"the {calibration.name} calibration has no quarterly structure")
    if any(b.endswith("_dev_q1") for b in model.basis):
        raise ScenarioError("the model already has quarters")
    params = model.parameters
    mfile = calibration.files.get("model", "model.yaml")
    w = np.array([calibration.value(x, params, mfile, "quarterly.weights") for x in spec.weights])
    rho = calibration.value(spec.persistence, params, mfile, "quarterly.persistence")
    variables = list(spec.variables)
    spreads = [
        calibration.value(spec.variables[v], params, mfile, f"quarterly.variables.{v}")
        for v in variables
    ]
    k, d, nq = model.n_shocks, model.dimension, 4 * len(variables)

    def widen(matrix: np.ndarray) -> np.ndarray:  # insert the new shock columns at k
        return np.concatenate([matrix[:, :k], np.zeros((len(matrix), nq)), matrix[:, k:]], axis=1)

    ar1 = rho ** np.abs(np.subtract.outer(np.arange(4), np.arange(4)))
    corr = np.eye(d + nq)
    old = np.r_[np.arange(k), np.arange(k + nq, d + nq)]
    corr[np.ix_(old, old)] = model.correlation
    for i in range(len(variables)):
        block = slice(k + 4 * i, k + 4 * i + 4)
        corr[block, block] = ar1
    cholesky = np.linalg.cholesky(corr)

    projection = np.eye(4) - np.outer(np.ones(4), w)  # u = P eps, with w @ u = 0
    loadings = widen(model.loadings)
    rows, ids, labels, units, sources = [], [], [], [], []
    for i, variable in enumerate(variables):
        j = model.indicators.index(variable)
        for quarters in (1, 2, 3):
            sources.append(j)
            row = loadings[j].copy()
            cum = w[:quarters] @ projection[:quarters] / w[:quarters].sum()
            row[k + 4 * i : k + 4 * i + 4] = cum
            rows.append(row)
            ids.append(ytd_indicator(variable, quarters))
            labels.append(f"{model.labels[j]}, year to date ({_period_name(quarters)})")
            units.append(model.units[j])
    return replace(
        model,
        indicators=(*model.indicators, *ids),
        labels=(*model.labels, *labels),
        units=(*model.units, *units),
        layers=(*model.layers, *["quarterly"] * len(ids)),
        basis=(
            *model.basis[:k],
            *[f"{v}_dev_q{q}" for v in variables for q in range(1, 5)],
            *model.basis[k:],
        ),
        n_shocks=k + nq,
        marginals=(*model.marginals, *[Marginal("normal", s) for s in spreads for _ in range(4)]),
        correlation=corr,
        cholesky=cholesky,
        baseline=np.r_[model.baseline, model.baseline[sources]],
        constant=np.r_[model.constant, model.constant[sources]],
        loadings=np.vstack([loadings, rows]) if rows else loadings,
        target_loadings=widen(model.target_loadings),
    )


def _period_name(quarters: int) -> str:
    return {v: k for k, v in PERIODS.items()}[quarters]


def linear_predictors(model: CompiledModel) -> tuple[np.ndarray, np.ndarray]:
    r"""``(m, beta)``: each basis column's mean and its linear coefficient on its latent
    normal, :math:`x_j \approx m_j + \beta_j z_j` with :math:`\beta_j = E[x_j z_j]`."""
    nodes, weights = np.polynomial.hermite_e.hermegauss(120)
    weights = weights / weights.sum()
    beta = np.array([weights @ (mg.from_normal(nodes) * nodes) for mg in model.marginals])
    thresholds = model.event_thresholds
    with np.errstate(invalid="ignore"):
        events_beta = np.where(
            np.isfinite(thresholds), -np.exp(-0.5 * thresholds**2) / np.sqrt(2 * np.pi), 0.0
        )
    for j, mg in enumerate(model.event_marginals):  # events of random size: quadrature
        if mg is not None:
            events_beta[j] = weights @ (mg.from_normal(nodes) * nodes)
    mean = np.concatenate([np.zeros(model.n_shocks), model.event_probabilities])
    return mean, np.concatenate([beta, events_beta])


def _check_plausible(
    names: list[tuple[str, str]],
    o: np.ndarray,
    h: np.ndarray,
    s: np.ndarray,
    source: str | None,
) -> None:
    """Refuse an observation far outside what the model can produce.

    Under the linearised model the observations are normal with mean ``h`` and
    covariance ``s``. Each observation, given those before it (``names`` order), must
    lie within :data:`~tjsim.limits.MAX_SURPRISE` standard deviations of its
    conditional mean; beyond that the linear approximation of non-normal shocks no
    longer holds and the conditioned distributions mean nothing.
    """
    for i, (variable, period) in enumerate(names):
        weights = np.linalg.solve(s[:i, :i], s[:i, i]) if i else np.zeros(0)
        mean = h[i] + weights @ (o[:i] - h[:i])
        sd = float(np.sqrt(max(s[i, i] - s[:i, i] @ weights, 0.0)))
        if abs(o[i] - mean) <= MAX_SURPRISE * sd:
            continue
        given = ", ".join(f"{v} {p} = {x:g}" for (v, p), x in zip(names[:i], o, strict=False))
        low, high = mean - MAX_SURPRISE * sd, mean + MAX_SURPRISE * sd
        raise ScenarioError(
            f"{o[i]:g} is far outside what the model can produce"
            + (f" given {given}" if given else "")
            + f": the plausible range is {low:.2f} to {high:.2f} (the expected {mean:.2f} "
            f"plus or minus {MAX_SURPRISE:g} standard deviations of {sd:.2f}); check the "
            "figure (cumulative year-on-year growth in percent)",
            file=source,
            key=f"observed.{variable}.{period}",
        )


def condition(
    model: CompiledModel, observed: Observed, *, source: str | None = None
) -> CompiledModel:
    """Condition a quarterly ``model`` on year-to-date observations.

    Parameters
    ----------
    model
        A model returned by :func:`quarterly_model`.
    observed
        ``{variable: {period: value}}`` with periods ``Q1``, ``H1``, ``Q1-Q3``, ``FY``
        (cumulative year-on-year growth in percent), e.g.
        ``{"gdp_growth": {"Q1": 5.5}, "retail_sales": {"H1": 8.1}}``.
    source
        The file the observations came from, for error messages.
    """
    quarterly = sorted({b[: b.rindex("_dev_q")] for b in model.basis if "_dev_q" in b})
    names: list[tuple[str, str]] = []  # (variable, period) of each observation
    rows, values, partial = [], [], []
    checks.check_observed_names(observed, quarterly, file=source)
    for variable, periods in observed.items():
        key = f"observed.{variable}"
        for period in sorted(periods, key=PERIODS.__getitem__):
            value = periods[period]
            if (
                isinstance(value, bool)
                or not isinstance(value, (int, float))
                or not np.isfinite(value)
            ):
                raise ScenarioError(
                    f"expected a growth rate in percent, found {value!r:.40}",
                    file=source,
                    key=f"{key}.{period}",
                )
            index = model.indicators.index(ytd_indicator(variable, PERIODS[period]))
            names.append((variable, period))
            rows.append(index)
            values.append(float(value))
            partial.append(PERIODS[period] < 4)
    if not rows:
        return model
    a = model.loadings[rows]  # (n, d)
    c = model.constant[rows]
    o = np.array(values)
    mean_x, beta = linear_predictors(model)
    h = c + a @ mean_x
    big_h = a * beta  # (n, d)
    r = model.correlation
    s = big_h @ r @ big_h.T
    if np.linalg.cond(s) > 1e12:
        raise ScenarioError(
            "the observations are redundant or inconsistent (they pin down the same combination of shocks twice)",
            file=source,
            key="observed",
        )
    _check_plausible(names, o, h, s, source)
    gain = np.linalg.solve(s, big_h @ r).T  # (d, n) = R H^T S^-1
    mu = gain @ (o - h)
    cov = r - gain @ big_h @ r
    cov = (cov + cov.T) / 2
    eigval, eigvec = np.linalg.eigh(cov)
    factor = eigvec * np.sqrt(np.clip(eigval, 0.0, None))
    # An observation that pins a combination down exactly leaves the conditional
    # covariance singular, and rounding can leave it slightly indefinite: rebuild it
    # from its factor, so that it is positive semi-definite (no negative variance).
    cov = factor @ factor.T

    # Fold the conditional mean into the model: normal shocks through the constants,
    # non-normal ones as a latent shift of their transform, events through their
    # thresholds (occurs when z + mu < t, i.e. z < t - mu), events of random size as a
    # latent shift of their break transform (their probability stays the stated one).
    k = model.n_shocks
    normal = np.array([mg.family == "normal" for mg in model.marginals])
    spreads = np.array([mg.spread for mg in model.marginals])
    shift_x = np.zeros(model.dimension)
    shift_x[:k][normal] = spreads[normal] * mu[:k][normal]
    marginals = tuple(
        mg if is_normal else replace(mg, latent_shift=float(mu[j]))
        for j, (mg, is_normal) in enumerate(zip(model.marginals, normal, strict=True))
    )
    random = model.random_events
    thresholds = np.where(
        random, model.event_probabilities, special.ndtr(model.event_thresholds - mu[k:])
    )
    event_marginals = tuple(
        mg if mg is None else replace(mg, latent_shift=mg.latent_shift + float(mu[k + j]))
        for j, mg in enumerate(model.event_marginals)
    )
    constant = model.constant + model.loadings @ shift_x
    t_const = model.target_constant + model.target_loadings @ shift_x
    loadings, t_load = model.loadings, model.target_loadings

    # Make partial-year observations hold exactly in every draw: move the quarterly
    # deviations by G r, r = o - c - A x, with A_eps G = I (an affine map of x).
    part = np.flatnonzero(partial)
    if len(part):
        dev = np.array(["_dev_q" in b for b in model.basis])
        a_p = a[part]
        g = np.zeros((model.dimension, len(part)))
        g[dev] = np.linalg.pinv(a_p[:, dev])
        move = np.eye(model.dimension) - g @ a_p  # x' = move x + g (o - c)
        shift = g @ (o[part] - c[part]) - g @ a_p @ shift_x
        constant = constant + loadings @ shift
        t_const = t_const + t_load @ shift
        loadings = loadings @ move
        t_load = t_load @ move

    # Make full-year observations hold exactly too. The Gaussian conditioning above
    # matches them only for the normal part of the shocks; the non-normal ones (a skewed
    # momentum, a break of random size) leave a residual. Remove it from each draw along
    # the prior regression of the basis on the observed values, x' = x + g (o - c - A x)
    # with g = S A^T (A S A^T)^-1 (S the basis's linearised prior covariance), so that
    # A x' = o - c in every draw and the partial-year figures stay exact.
    full = np.flatnonzero(~np.asarray(partial))
    if len(full):
        a_f = loadings[[rows[i] for i in full]]
        c_f = constant[[rows[i] for i in full]]
        prior = beta[:, None] * r * beta[None, :]
        spread = a_f @ prior @ a_f.T
        if np.linalg.cond(spread) < 1e12:
            g = prior @ a_f.T @ np.linalg.inv(spread)  # (d, n_full)
            shift = g @ (o[full] - c_f)
            constant = constant + loadings @ shift
            t_const = t_const + t_load @ shift
            move = np.eye(model.dimension) - g @ a_f
            loadings = loadings @ move
            t_load = t_load @ move
    return replace(
        model,
        marginals=marginals,
        event_probabilities=thresholds,
        event_marginals=event_marginals,
        correlation=cov,
        cholesky=factor,
        constant=constant,
        loadings=loadings,
        target_constant=t_const,
        target_loadings=t_load,
    )
