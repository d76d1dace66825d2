"""Analyse stage: the statistics that answer the York review, one tidy table.

:func:`analyse_scores` runs, for every score of every instrument present:

* descriptives per wave and group (all scores);
* paired change among completers: mean change with a paired t-test, Wilcoxon's
  signed-rank test, and effect sizes d_z, d_av and g_av (all scores), for every
  follow-up wave against baseline, for everyone and within each group;
* individual change: Jacobson-Truax reliable change, criterion c where a norm
  allows, and movement across indicative bands with McNemar's test;
* with a comparison group: ANCOVA, difference-in-differences and a linear mixed
  model over all waves (random intercept per respondent);
* without one: the means set against population norms (weaker evidence) and the
  change expected from regression to the mean;
* for each instrument's primary score: multiple imputation of missing
  follow-ups with delta-adjusted sensitivity and tipping point, precision
  (minimum detectable effect, power), subgroups with interaction tests, dose
  and follow-up time;
* reliability in this sample (Cronbach's alpha per score and wave) beside the
  published value;
* Holm-adjusted p-values for the secondary outcomes (the primary outcome is
  declared in the configuration).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from pipeline import change, compare, imputation, precision
from pipeline.config import AnalyseOptions, Study
from pipeline.instruments import Instrument, Score
from pipeline.keys import positions
from pipeline.progress import bar
from pipeline.score import item_matrix, item_points, scored_instruments
from pipeline.stats_table import frame, row

MAX_SCATTER_POINTS = 2000  # paired values kept for the change scatter (every k-th person)
DESCRIPTIVE_COLUMNS = [
    "instrument",
    "score",
    "wave",
    "group",
    "n",
    "mean",
    "sd",
    "median",
    "q1",
    "q3",
    "min",
    "max",
]


@dataclass
class AnalysisResult:
    """The statistics table and the structured results written to ``results.json``."""

    statistics: pd.DataFrame
    descriptives: pd.DataFrame
    results: dict[str, Any] = field(default_factory=dict)


def score_columns(scores: pd.DataFrame, instruments: Mapping[str, Instrument]) -> dict[str, str]:
    """Return ``{score column: instrument id}`` for every score present in ``scores``."""
    return {
        sid: inst.id for inst in instruments.values() for sid in inst.score_ids if sid in scores
    }


def descriptives(
    scores: pd.DataFrame, instruments: Mapping[str, Instrument], waves: list[str]
) -> pd.DataFrame:
    """Describe every score by wave and group.

    Parameters
    ----------
    scores : pandas.DataFrame
        The score stage's output.
    instruments : mapping of str to Instrument
        Definitions, to know which columns are scores.
    waves : list of str
        Study waves in time order (sets the row order).

    Returns
    -------
    pandas.DataFrame
        Columns ``instrument, score, wave, group, n, mean, sd, median, q1, q3,
        min, max``; ``group`` is ``all`` for everyone together. ``n`` counts
        non-missing scores; the statistics of a cell with no score are NaN.
    """
    owners = score_columns(scores, instruments)
    has_group = "group" in scores and scores["group"].notna().any()
    cols = list(owners)
    parts = [_describe(scores.assign(group="all"), cols)]
    if has_group:
        parts.append(_describe(scores.dropna(subset=["group"]), cols))
    out = pd.concat(parts, ignore_index=True)
    out["instrument"] = out["score"].map(owners)
    wave_rank = {w: i for i, w in enumerate(waves)}
    score_rank = {s: i for i, s in enumerate(owners)}
    out = out.assign(
        _s=out["score"].map(score_rank),
        _w=out["wave"].map(wave_rank).fillna(len(waves)),
        _g=out["group"] != "all",
    ).sort_values(["_s", "_w", "_g", "group"])
    return out[DESCRIPTIVE_COLUMNS].reset_index(drop=True)


def _describe(data: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """Return one row per score, wave and group with n, mean, sd, quantiles, min and max."""
    grouped = data.groupby(["wave", "group"], sort=False, dropna=False)[cols]
    stats_by_name = {
        "n": grouped.count(),
        "mean": grouped.mean(),
        "sd": grouped.std(),
        "median": grouped.median(),
        "min": grouped.min(),
        "max": grouped.max(),
        "q1": grouped.quantile(0.25),
        "q3": grouped.quantile(0.75),
    }
    wide = pd.concat(stats_by_name, axis=1)  # columns: (statistic, score)
    long = wide.stack(level=1).rename_axis(["wave", "group", "score"]).reset_index()
    return long.astype({"n": "int64"})


def _descriptive_rows(table: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for r in table.to_dict("records"):
        ctx = dict(
            instrument=r["instrument"],
            score=r["score"],
            population="returned",
            group=r["group"],
            wave=r["wave"],
            n=r["n"],
        )
        se = r["sd"] / np.sqrt(r["n"]) if r["n"] > 1 else np.nan
        q = stats.t.ppf(0.975, r["n"] - 1) if r["n"] > 1 else np.nan
        rows.append(
            row(
                "descriptives",
                "mean",
                estimate=r["mean"],
                se=se,
                ci_low=r["mean"] - q * se,
                ci_high=r["mean"] + q * se,
                method="t-based CI",
                **ctx,
            )
        )
        for term in ("sd", "median", "q1", "q3"):
            rows.append(row("descriptives", term, estimate=r[term], **ctx))
    return rows


def paired(
    scores: pd.DataFrame,
    score_id: str,
    baseline: str,
    wave: str,
    extra: list[str],
    person: np.ndarray | None = None,
) -> pd.DataFrame:
    """Return one row per person with a baseline score.

    Columns: ``baseline``, ``follow`` (NaN if absent) and the baseline record's
    ``group``, ``site`` and other ``extra`` columns. A person's first baseline
    record with the score is used, and their first record at ``wave``.
    ``person`` may pass ``pandas.factorize(scores["respondent_id"])`` codes
    computed once for many calls.
    """
    if person is None:
        person = pd.factorize(scores["respondent_id"], use_na_sentinel=False)[0]
    values = scores[score_id].to_numpy(dtype="float64", na_value=np.nan)
    at_base = (scores["wave"] == baseline).to_numpy(dtype=bool) & ~np.isnan(values)
    rows = _first_of_each(np.flatnonzero(at_base), person)
    follow_row = np.full(person.max() + 1 if len(person) else 0, -1)
    firsts = _first_of_each(np.flatnonzero((scores["wave"] == wave).to_numpy(dtype=bool)), person)
    follow_row[person[firsts]] = firsts
    matched = follow_row[person[rows]]
    keep = ["respondent_id", *[c for c in extra if c in scores]]
    out = scores[keep].iloc[rows].reset_index(drop=True)
    out.insert(1, "baseline", values[rows])
    out["follow"] = np.where(matched >= 0, values[np.maximum(matched, 0)], np.nan)
    if "group" not in out:
        out["group"] = pd.NA
    return out


def _first_of_each(rows: np.ndarray, person: np.ndarray) -> np.ndarray:
    """Return the first of ``rows`` for each person, in row order."""
    return np.sort(rows[np.unique(person[rows], return_index=True)[1]])


def _published(inst: Instrument, score_id: str, kind: str) -> Mapping[str, Any] | None:
    facts = [f for f in inst.reliability if f["score"] == score_id and f["statistic"] == kind]
    return facts[0] if facts else None


def _norm(inst: Instrument, score_id: str) -> Mapping[str, Any] | None:
    return next((n for n in inst.norms if n["score"] == score_id and "sd" in n), None)


def _label(fact: Mapping[str, Any]) -> str:
    status = "" if fact.get("status") == "confirmed" else f", {fact.get('status')}"
    return f"{fact['source']}{status}"


@dataclass
class _Context:
    scores: pd.DataFrame
    items: pd.DataFrame | None
    study: Study
    options: AnalyseOptions
    intervention: str | None
    rows: list = field(default_factory=list)
    bands: list = field(default_factory=list)
    sample_alpha: dict = field(default_factory=dict)
    paired_values: list = field(default_factory=list)
    person: np.ndarray | None = None  # respondent codes (positions in ids), for fast pairing
    ids: pd.Index | None = None


def _groups(data: pd.DataFrame, ctx: _Context) -> list[tuple[str, pd.DataFrame]]:
    out = [("all", data)]
    if data["group"].notna().any():
        out += [(str(g), sub) for g, sub in data.groupby("group", sort=True)]
    return out


def _reliability_rows(inst: Instrument, ctx: _Context) -> None:
    if ctx.items is None:
        return
    matrix = item_matrix(ctx.items, inst)
    for score in inst.scores:
        if not score.items or len(score.items) < 2:
            continue
        points = item_points(matrix, score, inst)
        published = _published(inst, score.id, "cronbach_alpha")
        for wave in ctx.study.waves:
            at = (ctx.items["wave"] == wave).to_numpy()
            alpha, lo, hi, n = precision.cronbach_alpha(points[at])
            if n < 3:
                continue
            if wave == ctx.study.waves[0]:
                ctx.sample_alpha[score.id] = alpha
            note = (
                f"published {published['value']} ({_label(published)})"
                if published
                else "no published value stored"
            )
            ctx.rows.append(
                row(
                    "reliability",
                    "cronbach_alpha",
                    instrument=inst.id,
                    score=score.id,
                    population="returned",
                    wave=wave,
                    n=n,
                    estimate=alpha,
                    ci_low=lo,
                    ci_high=hi,
                    method="Cronbach's alpha on complete returns; Feldt CI",
                    note=note,
                )
            )


def _individual_change(inst: Instrument, score: Score, pairs, wave, group, ctx: _Context):
    x, y = pairs["baseline"].to_numpy(float), pairs["follow"].to_numpy(float)
    if len(x) < 2:
        return
    base = dict(instrument=inst.id, score=score.id, wave=wave, group=group)
    published = _published(inst, score.id, "cronbach_alpha") or _published(
        inst, score.id, "test_retest"
    )
    if ctx.options.reliability_source == "published" and published:
        r, r_source = published["value"], _label(published)
    elif score.id in ctx.sample_alpha and np.isfinite(ctx.sample_alpha[score.id]):
        r, r_source = ctx.sample_alpha[score.id], "this sample's baseline alpha"
    else:
        r = None
    norm = _norm(inst, score.id)
    sd, sd_source = (
        (norm["sd"], _label(norm)) if norm else (x.std(ddof=1), "this sample's baseline")
    )
    if r is not None and r >= 1:
        r = None  # perfect consistency (all answers alike): no measurement error to estimate
    if r is not None and len(x) > 1:
        ctx.rows += change.reliable_change(
            x, y, sd, r, score.higher_is, f"{sd_source} (SD); {r_source} (reliability)", **base
        )
        if norm and "mean" in norm:
            threshold = 1.96 * sd * np.sqrt(2) * np.sqrt(1 - r)
            ctx.rows += change.clinical_change(
                x, y, threshold, norm["mean"], norm["sd"], score.higher_is, _label(norm), **base
            )
    for band in (b for b in inst.bands if b.score == score.id):
        worst = 0 if score.higher_is == "better" else len(band.labels) - 1
        rows, table = change.band_transition(x, y, band.thresholds, band.labels, worst, **base)
        for r_ in rows:
            r_["note"] = f"{band.id} bands ({band.status}, indicative); " + r_["note"]
        ctx.rows += rows
        ctx.bands.append(
            {
                "instrument": inst.id,
                "score": score.id,
                "scheme": band.id,
                "wave": wave,
                "group": group,
                "status": band.status,
                "cells": table,
            }
        )


def _change_rows(inst: Instrument, score: Score, ctx: _Context, primary: bool) -> None:
    study = ctx.study
    extra = ["group", "site", "date", *study.covariates]
    for wave in study.waves[1:]:
        data = paired(ctx.scores, score.id, study.waves[0], wave, extra, ctx.person)
        done = data.dropna(subset=["follow"])
        for group, sub in _groups(done, ctx):
            x, y = sub["baseline"].to_numpy(float), sub["follow"].to_numpy(float)
            base = dict(instrument=inst.id, score=score.id, wave=wave, group=group)
            ctx.rows.append(change.paired_t(x, y, **base))
            ctx.rows.append(change.wilcoxon(x, y, **base))
            ctx.rows += change.effect_sizes(x, y, **base)
            _individual_change(inst, score, sub, wave, group, ctx)
        base = dict(instrument=inst.id, score=score.id, wave=wave)
        if ctx.intervention:
            cats = [c for c in ctx.options.ancova_covariates if not _numeric(done, c)]
            nums = [c for c in ctx.options.ancova_covariates if _numeric(done, c)]
            ctx.rows += compare.ancova(done, ctx.intervention, nums, cats, **base)
            ctx.rows.append(compare.difference_in_differences(done, ctx.intervention, **base))
        else:
            _norm_rows(inst, score, data, done, wave, ctx)
        if primary:
            _primary_rows(inst, score, data, done, wave, ctx)
            step = max(1, -(-len(done) // MAX_SCATTER_POINTS))  # every k-th person at most
            ctx.paired_values.append(
                {
                    "instrument": inst.id,
                    "score": score.id,
                    "wave": wave,
                    "n": len(done),
                    "step": step,
                    "points": done[["baseline", "follow"]]
                    .iloc[::step]
                    .round(2)
                    .to_numpy()
                    .tolist(),
                }
            )


def _numeric(data: pd.DataFrame, col: str) -> bool:
    return col in data and pd.api.types.is_numeric_dtype(data[col])


def _norm_rows(inst, score, data, done, wave, ctx: _Context) -> None:
    """Without a comparison group: wave means against norms, and regression to the mean."""
    base = dict(instrument=inst.id, score=score.id, wave=wave)
    retest = _published(inst, score.id, "test_retest")
    alpha = _published(inst, score.id, "cronbach_alpha")
    for norm in (n for n in inst.norms if n["score"] == score.id and "mean" in n):
        for when, values in (("baseline", data["baseline"]), (wave, done["follow"])):
            v = values.dropna().to_numpy(float)
            if len(v) < 2 or v.std() == 0:
                continue
            t = stats.ttest_1samp(v, norm["mean"])
            se = v.std(ddof=1) / np.sqrt(len(v))
            q = stats.t.ppf(0.975, len(v) - 1)
            diff = v.mean() - norm["mean"]
            ctx.rows.append(
                row(
                    "norm_comparison",
                    f"{when}_minus_norm",
                    **{**base, "wave": when},
                    population="returned" if when != "baseline" else "enrolled",
                    n=len(v),
                    estimate=diff,
                    se=se,
                    ci_low=diff - q * se,
                    ci_high=diff + q * se,
                    statistic=float(t.statistic),
                    df=len(v) - 1,
                    p_value=float(t.pvalue),
                    method=f"one-sample t-test against the norm mean {norm['mean']}",
                    note=f"norm: {norm['population']}, {norm['year']} ({_label(norm)}); "
                    "weaker evidence: a population norm is not a comparison group",
                )
            )
        reliability = retest or alpha
        if reliability is None or len(done) < 2:
            continue
        rho = reliability["value"]
        expected = (1 - rho) * (norm["mean"] - done["baseline"].mean())
        observed = (done["follow"] - done["baseline"]).mean()
        kind = "test-retest" if retest else "internal consistency (alpha; overstates rho)"
        ctx.rows.append(
            row(
                "regression_to_mean",
                "expected_change",
                **base,
                n=len(done),
                estimate=expected,
                method=f"(1 - rho) x (norm mean - baseline mean of completers); rho {rho} "
                f"{kind} from {_label(reliability)}",
                note=f"observed mean change {observed:.3g}; norm {norm['population']} "
                f"({norm['year']}); change beyond this is not explained by regression to the mean "
                "alone (Barnett et al. 2005)",
            )
        )


def _primary_rows(inst, score: Score, data, done, wave, ctx: _Context) -> None:
    """Missing-data sensitivity, precision, subgroups, dose and follow-up time."""
    options, study = ctx.options, ctx.study
    base = dict(instrument=inst.id, score=score.id, wave=wave)
    cats = [c for c in ("site", *study.covariates) if c in data and not _numeric(data, c)]
    nums = [c for c in study.covariates if _numeric(data, c) and data[c].notna().any()]
    sd = data["baseline"].std(ddof=1)
    grid = options.delta_grid or tuple(np.round(np.linspace(0, sd, 11), 2))
    worse = -1 if score.higher_is == "better" else 1
    if len(data) >= 5 and len(done) >= 3:
        results = imputation.analyse_imputed(
            data, ctx.intervention, nums, cats, options.imputations, options.seed, grid, worse
        )
        ctx.rows += imputation.imputation_rows(
            results,
            "Bayesian linear regression imputation from baseline, group, site and "
            "covariates; Rubin's rules",
            **base,
        )
    _precision_rows(inst, score, done, ctx, base)
    subgroups = options.subgroups if options.subgroups is not None else dict.fromkeys(cats)
    for by in subgroups:
        if by in done and by != "group" and done[by].nunique() > 1:
            ctx.rows += compare.subgroup_interaction(
                done, by, ctx.intervention, options.min_subgroup_n, **base
            )
    if options.dose and options.dose in ctx.scores:
        # the dose is recorded as the course goes on: take each person's largest value
        dose = ctx.scores[options.dose].groupby(ctx.person).max()  # by respondent code
        dosed = done.drop(columns=[options.dose], errors="ignore")
        code = positions(dosed["respondent_id"], pd.Series(ctx.ids))
        dosed = dosed.assign(**{options.dose: dose.reindex(code).to_numpy()})
        if ctx.intervention:
            dosed = dosed[dosed["group"] == ctx.intervention]
        ctx.rows += compare.dose_response(dosed, options.dose, **base)
    if "date" in ctx.scores:
        first = {w: _first_date(ctx, w) for w in (study.waves[0], wave)}
        if all(d.notna().any() for d in first.values()):
            days = (first[wave] - first[study.waves[0]]).dt.days.dropna()
            for term, value in (
                ("days_median", days.median()),
                ("days_q1", days.quantile(0.25)),
                ("days_q3", days.quantile(0.75)),
            ):
                ctx.rows.append(
                    row(
                        "follow_up_time",
                        term,
                        **base,
                        n=len(days),
                        estimate=value,
                        method="days from baseline to follow-up return",
                    )
                )


def _first_date(ctx: _Context, wave: str) -> pd.Series:
    """Each respondent's earliest date at ``wave`` (NaT if none), by respondent code."""
    at = (ctx.scores["wave"] == wave).to_numpy(dtype=bool)
    dates = ctx.scores["date"][at].groupby(ctx.person[at]).min()
    return dates.reindex(np.arange(len(ctx.ids)))


def _precision_rows(inst, score: Score, done, ctx: _Context, base) -> None:
    n = len(done)
    if n < 2:
        return
    sd_change = (done["follow"] - done["baseline"]).std(ddof=1)
    d = precision.minimum_detectable_effect(n, paired=True, power=ctx.options.power)
    method = f"{ctx.options.power:.0%} power, two-sided alpha 0.05 (as R's power.t.test)"
    ctx.rows.append(
        row(
            "precision",
            "mde_paired",
            **base,
            n=n,
            estimate=d * sd_change,
            statistic=d,
            method=method,
            note="estimate in score points; statistic in SD-of-change units",
        )
    )
    if ctx.intervention:
        sizes = done["group"].eq(ctx.intervention).value_counts()
        n_min = int(sizes.min()) if len(sizes) == 2 else 0
        if n_min >= 2:
            d2 = precision.minimum_detectable_effect(n_min, paired=False, power=ctx.options.power)
            sd_b = done["baseline"].std(ddof=1)
            ctx.rows.append(
                row(
                    "precision",
                    "mde_between_groups",
                    **base,
                    n=n_min,
                    estimate=d2 * sd_b,
                    statistic=d2,
                    method=method,
                    note="n = the smaller group's completers; estimate in score "
                    "points (x baseline SD); statistic in SD units",
                )
            )
    thresholds = sorted(m["value"] for m in inst.meaningful_change if m["score"] == score.id)
    if thresholds and sd_change > 0:
        delta = thresholds[0]
        power = precision.t_power(n, delta / sd_change, paired=True)
        under = power < ctx.options.power
        ctx.rows.append(
            row(
                "precision",
                "power_meaningful_change",
                **base,
                n=n,
                estimate=power,
                statistic=delta,
                method=f"paired t-test power for a change of "
                f"{delta:g} points (smallest meaningful change stored)",
                note="underpowered" if under else "adequately powered",
            )
        )
    elif n < 30:
        ctx.rows.append(
            row(
                "precision",
                "power_meaningful_change",
                **base,
                n=n,
                note="underpowered: fewer than 30 completers",
            )
        )


def _mixed_rows(inst: Instrument, score: Score, ctx: _Context) -> None:
    from pipeline.mixed import fit_random_intercept

    study = ctx.study
    cols = ["respondent_id", "wave", score.id] + (["group"] if "group" in ctx.scores else [])
    in_waves = ctx.scores["wave"].isin(study.waves)
    data = ctx.scores.loc[in_waves, cols].dropna(subset=[score.id])
    waves = [w for w in study.waves if (data["wave"] == w).any()]
    if len(waves) < 2 or data["respondent_id"].nunique() < 3:
        return
    cols = {"const": np.ones(len(data))}
    for w in waves[1:]:
        cols[f"wave[{w}]"] = (data["wave"] == w).to_numpy(float)
    if ctx.intervention:
        g = (data["group"] == ctx.intervention).to_numpy(float)
        cols[f"group[{ctx.intervention}]"] = g
        for w in waves[1:]:
            cols[f"wave[{w}]:group[{ctx.intervention}]"] = cols[f"wave[{w}]"] * g
    X = np.column_stack(list(cols.values()))
    try:
        fit = fit_random_intercept(
            data[score.id].to_numpy(float), X, data["respondent_id"].to_numpy(), list(cols)
        )
    except ValueError as exc:
        ctx.rows.append(
            row(
                "mixed_model",
                "model",
                instrument=inst.id,
                score=score.id,
                population="all_enrolled",
                note=f"not fitted: {exc}",
            )
        )
        return
    table = fit.table()
    formula = "score ~ wave" + (" * group" if ctx.intervention else "") + " + (1 | respondent)"
    for r in table.to_dict("records"):
        ctx.rows.append(
            row(
                "mixed_model",
                r["term"],
                instrument=inst.id,
                score=score.id,
                population="all_enrolled",
                n=fit.n_obs,
                estimate=r["estimate"],
                se=r["se"],
                ci_low=r["ci_low"],
                ci_high=r["ci_high"],
                statistic=r["statistic"],
                method=f"linear mixed model {formula}, REML (lme4-equivalent); Wald CI",
                note=f"{fit.n_groups} respondents; valid under missing at random",
            )
        )


def _holm(stats_frame: pd.DataFrame, primary: str, secondary: list[str], key: tuple) -> None:
    analysis, term = key
    first_wave = stats_frame.loc[stats_frame["analysis"] == analysis, "wave"]
    if first_wave.empty:
        return
    wave = first_wave.iloc[0]
    mask = (
        (stats_frame["analysis"] == analysis)
        & (stats_frame["term"] == term)
        & (stats_frame["group"] == "all")
        & (stats_frame["wave"] == wave)
    )
    sec = mask & stats_frame["score"].isin(secondary)
    stats_frame.loc[sec, "p_holm"] = change.holm(stats_frame.loc[sec, "p_value"].to_numpy())
    prim = mask & (stats_frame["score"] == primary)
    stats_frame.loc[prim, "p_holm"] = stats_frame.loc[prim, "p_value"]


def analyse_scores(
    scores: pd.DataFrame,
    instruments: Mapping[str, Instrument],
    study: Study,
    options: AnalyseOptions | None = None,
    items: pd.DataFrame | None = None,
) -> AnalysisResult:
    """Run every analysis on the scores of the used returns.

    Parameters
    ----------
    scores : pandas.DataFrame
        The score stage's output.
    instruments : mapping of str to Instrument
        Definitions (scores, bands, norms, reliability, meaningful change).
    study : Study
        Waves (the first is the baseline), groups, intervention group, covariates.
    options : AnalyseOptions, optional
        Primary outcome, covariates, imputation and sensitivity settings.
    items : pandas.DataFrame, optional
        The validated items, for reliability in this sample.

    Returns
    -------
    AnalysisResult
    """
    options = options or AnalyseOptions()
    present = scored_instruments(scores, instruments)
    groups_found = set(scores["group"].dropna().unique()) if "group" in scores else set()
    intervention = (
        study.intervention_group
        if study.intervention_group in groups_found and len(groups_found) > 1
        else None
    )
    ctx = _Context(scores, items, study, options, intervention)
    ctx.person, ctx.ids = pd.factorize(scores["respondent_id"], use_na_sentinel=False)
    table = descriptives(scores, instruments, list(study.waves))
    ctx.rows += _descriptive_rows(table)
    primaries = {
        inst.id: next((s for s in inst.scores if s.primary), inst.scores[0]) for inst in present
    }
    for inst in bar(present, "analyse: instruments"):
        _reliability_rows(inst, ctx)
        for score in bar(inst.scores, f"analyse: {inst.id} scores"):
            _change_rows(inst, score, ctx, primary=score is primaries[inst.id])
        _mixed_rows(inst, primaries[inst.id], ctx)
    statistics = frame(ctx.rows)
    primary = options.primary_outcome or (next(iter(primaries.values())).id if primaries else None)
    secondary = [s.id for s in primaries.values() if s.id != primary]
    key = ("ancova", "group_difference") if intervention else ("paired_change", "mean_change")
    if primary:
        _holm(statistics, primary, secondary, key)
    design = {
        "waves": list(study.waves),
        "groups": sorted(groups_found),
        "comparison_group": intervention is not None,
        "intervention_group": intervention,
        "covariates": list(study.covariates),
        "ancova_covariates": list(options.ancova_covariates),
    }
    results = {
        "schema_version": 1,
        "design": design,
        "primary_outcome": {
            "score": primary,
            "declared": options.primary_outcome is not None,
            "key_test": {"analysis": key[0], "term": key[1]},
            "secondary": secondary,
        },
        "options": {
            "reliability_source": options.reliability_source,
            "imputations": options.imputations,
            "seed": options.seed,
            "min_subgroup_n": options.min_subgroup_n,
            "power": options.power,
        },
        "band_transitions": ctx.bands,
        "paired_values": ctx.paired_values,
    }
    return AnalysisResult(statistics, table, results)
