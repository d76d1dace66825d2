r"""Random-intercept linear mixed model fitted by REML in O(N) time.

The model is

.. math::

    y = X\beta + u_{g(j)} + e_j, \qquad u_g \sim N(0, \sigma_u^2), \quad
    e_j \sim N(0, \sigma_e^2),

one random intercept per cluster (for this pipeline: per respondent, over waves).
:func:`fit_random_intercept` reproduces what R's ``lme4::lmer(y ~ ... + (1 | id),
REML = TRUE)`` reports -- fixed effects, their ``summary()`` standard errors, the two
variance components and ``logLik()`` -- but in a fraction of the time
``statsmodels.MixedLM`` needs on large surveys.

Method
------
With :math:`\theta = \sigma_u^2 / \sigma_e^2` the covariance of cluster :math:`i`
(size :math:`n_i`) is :math:`\sigma_e^2 V_i` with :math:`V_i = I + \theta J`, so

* :math:`V_i^{-1} = I - \theta / (1 + n_i\theta)\, J` and
  :math:`\log|V_i| = \log(1 + n_i\theta)`;
* for any columns :math:`a, b`,
  :math:`a'V^{-1}b = W_{ab} + \sum_i n_i \bar a_i \bar b_i / (1 + n_i\theta)`,
  where :math:`W_{ab} = a'b - \sum_i n_i \bar a_i \bar b_i` is the pooled
  within-cluster cross-product (the global cross-product minus the per-cluster sums,
  computed here from cluster-centred columns, which avoids cancellation).

The between-cluster term only depends on :math:`\theta` through the cluster size, so
it is accumulated once per distinct size :math:`k` into
:math:`B_k = \sum_{i: n_i = k} n_i \bar z_i \bar z_i'` (with :math:`z = [X, y]`).
One pass over the data (``np.bincount``; no Python loop over rows or clusters) builds
:math:`W` and the :math:`B_k`; after that each evaluation of the likelihood costs
:math:`O(K p^2 + p^3)` for :math:`K` distinct cluster sizes, independent of :math:`N`.

:math:`\sigma_e^2` and :math:`\beta` are profiled out and the REML criterion (the
quantity lme4 minimises, ``REMLcrit``) is

.. math::

    d(\theta) = \sum_i \log(1 + n_i\theta) + \log|X'V^{-1}X|
        + (N - p)\,[1 + \log(2\pi\, r'V^{-1}r / (N - p))],

with :math:`r = y - X\hat\beta(\theta)` the GLS residual. It is minimised over the
standard-deviation ratio :math:`t = \sqrt\theta \ge 0` (lme4's ``theta``): a coarse
log-spaced grid locates the basin, scipy's bounded Brent minimiser refines it to about
1e-8 relative (the limit of a search on function values), and a root search on the
analytic derivative polishes an interior optimum to machine precision. The boundary
:math:`t = 0` (a singular fit, ``sigma2_u = 0``) is evaluated exactly and chosen
whenever it is at least as good. Then
:math:`\hat\sigma_e^2 = r'V^{-1}r / (N - p)`, :math:`\hat\sigma_u^2 = \hat\theta
\hat\sigma_e^2`, :math:`\mathrm{Cov}(\hat\beta) = \hat\sigma_e^2 (X'V^{-1}X)^{-1}`
(lme4's ``vcov()``) and the REML log-likelihood is :math:`-d(\hat\theta)/2`
(lme4's ``logLik()`` for a REML fit).

Validated against lme4 1.1-31 (``tests/r/mixed.R``) and statsmodels' ``MixedLM``
(``tests/test_mixed.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, optimize

__all__ = ["MixedResult", "fit_random_intercept"]

_Z_95 = 1.96
# Grid over t = sigma_u / sigma_e used to bracket the optimum before Brent refines it.
_T_GRID = np.concatenate([[0.0], np.geomspace(1e-4, 1e4, 81)])


@dataclass(frozen=True, eq=False)
class MixedResult:
    """Estimates of a REML random-intercept fit (see :func:`fit_random_intercept`).

    Attributes
    ----------
    names : list of str
        Column names of ``X``, in order.
    beta : np.ndarray
        Fixed-effect estimates (GLS at the REML variance components).
    se : np.ndarray
        Standard errors, ``sqrt(diag(cov))`` -- lme4's ``summary()`` "Std. Error".
    cov : np.ndarray
        Covariance of ``beta``, ``sigma2_e * (X' V^-1 X)^-1`` (lme4's ``vcov()``).
    sigma2_e : float
        Residual variance.
    sigma2_u : float
        Random-intercept variance (0 for a singular/boundary fit).
    reml_loglik : float
        REML log-likelihood, ``-REMLcrit / 2``, as lme4's ``logLik()`` reports it for
        REML fits. Only comparable between models with the same fixed effects.
    n_obs : int
        Observations used (after dropping rows with missing values).
    n_groups : int
        Clusters among the observations used.
    converged : bool
        Whether the optimiser reported success with the optimum inside its range;
        ``False`` also when ``sigma_u / sigma_e`` would exceed 1e4 (residuals with
        essentially no within-cluster variation): the fit then stops at that ratio and
        ``sigma2_e`` is not meaningful.
    """

    names: list[str]
    beta: np.ndarray
    se: np.ndarray
    cov: np.ndarray
    sigma2_e: float
    sigma2_u: float
    reml_loglik: float
    n_obs: int
    n_groups: int
    converged: bool

    @property
    def singular(self) -> bool:
        """Whether the fit is on the boundary ``sigma2_u == 0`` (lme4: ``isSingular()``)."""
        return self.sigma2_u == 0.0

    @property
    def icc(self) -> float:
        """Intraclass correlation, ``sigma2_u / (sigma2_u + sigma2_e)``."""
        return self.sigma2_u / (self.sigma2_u + self.sigma2_e)

    def table(self) -> pd.DataFrame:
        """Fixed-effects table with Wald 95% confidence intervals.

        Returns
        -------
        pd.DataFrame
            One row per column of ``X`` with columns ``term``, ``estimate``, ``se``,
            ``statistic`` (``estimate / se``, lme4's "t value"), ``ci_low`` and
            ``ci_high`` (``estimate -/+ 1.96 * se``).

        Notes
        -----
        No p-values are given, as lme4's ``summary()`` gives none: the reference
        distribution of the t statistic in a mixed model is not exactly known
        (Satterthwaite or Kenward-Roger degrees of freedom need ``lmerTest`` or
        ``pbkrtest``). With many clusters, ``2 * norm.sf(abs(statistic))`` is the usual
        normal approximation, which is also what the Wald intervals assume.
        """
        return pd.DataFrame(
            {
                "term": list(self.names),
                "estimate": self.beta,
                "se": self.se,
                "statistic": self.beta / self.se,
                "ci_low": self.beta - _Z_95 * self.se,
                "ci_high": self.beta + _Z_95 * self.se,
            }
        )


@dataclass(frozen=True)
class _Moments:
    """Sufficient statistics of ``z = [X, y]`` for the random-intercept likelihood."""

    within: np.ndarray  # (q, q) pooled within-cluster cross-products
    between: np.ndarray  # (K, q, q): sum over clusters of size k of n_i zbar_i zbar_i'
    sizes: np.ndarray  # (K,) distinct cluster sizes k
    counts: np.ndarray  # (K,) number of clusters of each size
    n_obs: int
    p: int


def _cluster_means(z: np.ndarray, codes: np.ndarray, n_i: np.ndarray) -> np.ndarray:
    """Per-cluster column means of ``z`` (N x q) in O(N q), one bincount per column."""
    g = n_i.size
    sums = np.column_stack(
        [np.bincount(codes, weights=z[:, j], minlength=g) for j in range(z.shape[1])]
    )
    return sums / n_i[:, None]


def _moments(z: np.ndarray, codes: np.ndarray, n_i: np.ndarray, p: int) -> _Moments:
    """One O(N) pass: within cross-products and between cross-products per cluster size."""
    zbar = _cluster_means(z, codes, n_i)
    zc = z - zbar[codes]
    within = zc.T @ zc
    sizes, size_of, counts = np.unique(n_i, return_inverse=True, return_counts=True)
    scaled = zbar * np.sqrt(n_i)[:, None]
    order = np.argsort(size_of, kind="stable")
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    # Sum of outer products within each size class: a loop over the K distinct sizes
    # (K <= sqrt(2N)), never over clusters.
    blocks = np.split(scaled[order], starts[1:])
    between = np.stack([b.T @ b for b in blocks])
    return _Moments(within, between, sizes.astype(float), counts.astype(float), z.shape[0], p)


def _cross(m: _Moments, theta: float) -> np.ndarray:
    """``z' V^-1 z`` for ``V = I + theta Z Z'`` (q x q)."""
    w = 1.0 / (1.0 + m.sizes * theta)
    return m.within + np.tensordot(w, m.between, axes=1)


def _reml_crit(m: _Moments, t: float) -> float:
    """lme4's REML criterion (-2 x REML log-likelihood) at ``theta = t**2``, profiled."""
    theta = t * t
    cross = _cross(m, theta)
    try:
        chol = np.linalg.cholesky(cross)
    except np.linalg.LinAlgError:
        return np.inf
    diag = np.diag(chol)
    p, df = m.p, m.n_obs - m.p
    pwrss = diag[p] ** 2  # r' V^-1 r at the GLS beta (Schur complement of X' V^-1 X)
    if not pwrss > 1e-13 * cross[p, p]:  # zero up to rounding: y is fitted exactly
        return np.inf
    logdet_x = 2.0 * np.sum(np.log(diag[:p]))
    logdet_v = float(np.sum(m.counts * np.log1p(m.sizes * theta)))
    return logdet_v + logdet_x + df * (1.0 + np.log(2.0 * np.pi * pwrss / df))


def _reml_grad(m: _Moments, theta: float) -> float:
    """Return the analytic derivative of the REML criterion with respect to ``theta``.

    With ``M = z' V^-1 z`` and ``M' = dM/dtheta = -sum_k k B_k / (1 + k theta)^2``:
    ``sum_i n_i / (1 + n_i theta) + tr(A^-1 A') + (N - p) v'M'v / (v'Mv)`` where ``A``
    is the X block of ``M`` and ``v = [-beta_hat, 1]`` (envelope theorem for the
    profiled ``beta``).
    """
    p, df = m.p, m.n_obs - m.p
    w = 1.0 / (1.0 + m.sizes * theta)
    cross = m.within + np.tensordot(w, m.between, axes=1)
    dcross = np.tensordot(-m.sizes * w * w, m.between, axes=1)
    chol = linalg.cho_factor(cross[:p, :p], lower=True)
    beta = linalg.cho_solve(chol, cross[:p, p])
    v = np.append(-beta, 1.0)
    pwrss = v @ cross @ v
    trace = np.trace(linalg.cho_solve(chol, dcross[:p, :p]))
    return float(np.sum(m.counts * m.sizes * w) + trace + df * (v @ dcross @ v) / pwrss)


def _polish(m: _Moments, t_hat: float) -> float:
    """Refine an interior optimum ``t_hat`` to machine precision via the gradient's root.

    Brent on function values locates a minimum only to about ``sqrt(eps)`` relative;
    ``brentq`` on the analytic derivative in ``theta`` pins it down to ~1e-15. Returns
    ``t_hat`` unchanged if the derivative does not change sign close to it.
    """
    theta = t_hat * t_hat
    for width in (1e-6, 1e-4, 1e-2):
        lo, hi = theta * (1.0 - width), theta * (1.0 + width)
        g_lo, g_hi = _reml_grad(m, lo), _reml_grad(m, hi)
        if g_lo < 0.0 < g_hi:
            root = optimize.brentq(
                lambda th: _reml_grad(m, th), lo, hi, xtol=1e-300, rtol=4 * np.finfo(float).eps
            )
            # A sign change - to + brackets a local minimum next to Brent's answer; the
            # criterion itself is too flat there (~1e-13) to compare the two meaningfully.
            return float(np.sqrt(root))
    return t_hat


def _optimise(m: _Moments) -> tuple[float, bool]:
    """Minimise the REML criterion over ``t = sigma_u / sigma_e >= 0``.

    Returns ``(t_hat, converged)``. A grid brackets the global minimum; bounded Brent
    refines it; ``t = 0`` is evaluated exactly since Brent never evaluates an end point.
    A minimum beyond the grid's top (``t > 1e4``) returns ``(1e4, False)``.
    """
    crit = np.array([_reml_crit(m, t) for t in _T_GRID])
    if not np.isfinite(crit).any():
        raise ValueError(
            "the REML criterion is not finite for any variance ratio: y is (numerically) an "
            "exact linear function of X, leaving no residual variance to estimate"
        )
    j = int(np.argmin(crit))
    if j == _T_GRID.size - 1:
        # sigma_u / sigma_e > 1e4: the residuals have (numerically) no within-cluster
        # variation and sigma2_e is not estimable; stop at the top of the grid and flag it.
        return float(_T_GRID[-1]), False
    lo, hi = _T_GRID[max(j - 1, 0)], _T_GRID[j + 1]
    res = optimize.minimize_scalar(
        lambda t: _reml_crit(m, t),
        bounds=(lo, hi),
        method="bounded",
        options={"xatol": 1e-12 * max(hi, 1.0), "maxiter": 1000},
    )
    t_hat, f_hat = float(res.x), float(res.fun)
    converged = bool(res.success) and bool(np.isfinite(f_hat))
    if crit[0] <= f_hat:
        return 0.0, converged
    return _polish(m, t_hat), converged


def _clean(
    y: np.ndarray, X: np.ndarray, groups: np.ndarray, names: Sequence[str] | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int, list[str]]:
    """Validate shapes, drop incomplete rows, factorise groups and check identifiability."""
    col_names = getattr(X, "columns", None)
    y = np.asarray(y, dtype=float)
    X = np.asarray(X, dtype=float)
    groups = np.asarray(groups)
    if X.ndim == 1:
        X = X[:, None]
    if y.ndim != 1 or X.ndim != 2 or groups.ndim != 1:
        raise ValueError(
            f"y and groups must be 1-D and X 2-D; got shapes {y.shape}, {groups.shape} "
            f"and {X.shape}"
        )
    if not (y.shape[0] == X.shape[0] == groups.shape[0]):
        raise ValueError(
            f"y, X and groups must have the same length; got {y.shape[0]}, {X.shape[0]} "
            f"and {groups.shape[0]}"
        )
    p = X.shape[1]
    if names is None:
        names = (
            [str(c) for c in col_names] if col_names is not None else [f"x{j}" for j in range(p)]
        )
    names = list(names)
    if len(names) != p:
        raise ValueError(f"names has {len(names)} entries but X has {p} columns")
    keep = ~(np.isnan(y) | np.isnan(X).any(axis=1) | pd.isna(groups))
    y, X, groups = y[keep], X[keep], groups[keep]
    if not (np.isfinite(y).all() and np.isfinite(X).all()):
        raise ValueError("y and X must not contain infinite values")
    codes, uniques = pd.factorize(groups, sort=False)
    n_obs, n_groups = y.shape[0], len(uniques)
    if n_groups < 2:
        raise ValueError(
            f"a random-intercept model needs at least 2 groups; got {n_groups} "
            f"(after dropping rows with missing values, {n_obs} observations remain)"
        )
    if n_groups >= n_obs:
        raise ValueError(
            f"every group has a single observation ({n_obs} observations, {n_groups} "
            "groups): the random-intercept and residual variances are not identifiable"
        )
    rank = np.linalg.matrix_rank(X)
    if rank < p:
        _, _, piv = linalg.qr(X, mode="economic", pivoting=True)
        dropped = [names[k] for k in sorted(piv[rank:])]
        raise ValueError(
            f"X is rank-deficient (rank {rank} < {p} columns, n = {n_obs} after dropping "
            f"missing rows); linearly dependent column(s) include: {', '.join(dropped)}"
        )
    if n_obs <= p:
        raise ValueError(f"need more observations ({n_obs}) than columns of X ({p}) for REML")
    return y, X, codes.astype(np.intp), n_groups, names


def fit_random_intercept(
    y: np.ndarray,
    X: np.ndarray,
    groups: np.ndarray,
    names: list[str] | None = None,
) -> MixedResult:
    """Fit ``y = X beta + u[group] + e`` by REML, matching ``lme4::lmer(REML = TRUE)``.

    Parameters
    ----------
    y : np.ndarray
        Outcome, shape ``(N,)``.
    X : np.ndarray
        Fixed-effects design matrix, shape ``(N, p)``, including the intercept column
        if one is wanted (it is not added). A DataFrame's column names are used when
        ``names`` is not given.
    groups : np.ndarray
        Cluster label of each row (any hashable values), shape ``(N,)``.
    names : list of str, optional
        Names of the columns of ``X``; default the DataFrame's columns or ``x0, x1, ...``.

    Returns
    -------
    MixedResult
        Estimates, standard errors, variance components and the REML log-likelihood.
        ``n_obs`` and ``n_groups`` count what remains after dropping incomplete rows.

    Raises
    ------
    ValueError
        If shapes disagree, ``X`` is rank-deficient (after dropping incomplete rows),
        there are fewer than 2 groups, every group has a single observation, ``y`` is
        fitted exactly by ``X``, or the data contain infinite values.

    Notes
    -----
    Rows with NaN in ``y`` or ``X``, or a missing group label, are dropped first (as
    lme4's default ``na.action = na.omit`` does). The REML criterion is profiled over
    ``sigma2_e`` and ``beta`` and minimised over ``t = sigma_u / sigma_e >= 0``; every
    step costs O(N) (see the module docstring). At the boundary ``t = 0`` the fit is
    singular (``sigma2_u = 0``) and equals ordinary least squares with the REML
    variance ``RSS / (N - p)``, as in lme4.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> g = np.repeat(np.arange(50), 3)
    >>> X = np.column_stack([np.ones(150), rng.normal(size=150)])
    >>> y = X @ [1.0, 0.5] + rng.normal(size=50)[g] + rng.normal(size=150)
    >>> fit = fit_random_intercept(y, X, g, names=["(Intercept)", "x"])
    >>> list(fit.table().columns)
    ['term', 'estimate', 'se', 'statistic', 'ci_low', 'ci_high']
    """
    y, X, codes, n_groups, names = _clean(y, X, groups, names)
    n_obs, p = X.shape
    n_i = np.bincount(codes, minlength=n_groups).astype(float)
    m = _moments(np.column_stack([X, y]), codes, n_i, p)
    t_hat, converged = _optimise(m)
    theta = t_hat * t_hat

    cross = _cross(m, theta)
    chol_x = linalg.cho_factor(cross[:p, :p], lower=True)
    beta = linalg.cho_solve(chol_x, cross[:p, p])
    # Weighted residual sum of squares recomputed from the residuals themselves (more
    # accurate than the Schur complement when y is far from zero).
    r = (y - X @ beta)[:, None]
    mr = _moments(r, codes, n_i, 0)
    pwrss = float(_cross(mr, theta)[0, 0])
    df = n_obs - p
    sigma2_e = pwrss / df
    cov = sigma2_e * linalg.cho_solve(chol_x, np.eye(p))
    cov = (cov + cov.T) / 2.0
    logdet_x = 2.0 * float(np.sum(np.log(np.diag(chol_x[0]))))
    logdet_v = float(np.sum(m.counts * np.log1p(m.sizes * theta)))
    crit = logdet_v + logdet_x + df * (1.0 + np.log(2.0 * np.pi * sigma2_e))
    se = np.sqrt(np.diag(cov))
    for arr in (beta, se, cov):
        arr.setflags(write=False)
    return MixedResult(
        names=names,
        beta=beta,
        se=se,
        cov=cov,
        sigma2_e=float(sigma2_e),
        sigma2_u=float(theta * sigma2_e),
        reml_loglik=float(-0.5 * crit),
        n_obs=int(n_obs),
        n_groups=int(n_groups),
        converged=converged,
    )
