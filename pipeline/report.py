"""Report stage: the evidence report for commissioners, one self-contained HTML file.

The report is assembled from the analysis outputs only: numbers are selected,
rounded, suppressed and worded here, never computed. Templates live in
``reports/`` (Jinja2, autoescape on, undefined variables an error); CSS is
inlined and charts are inline SVG (:mod:`pipeline.charts`), so the file makes no
requests and reads offline or as an email attachment.

Privacy: no respondent id, date of birth or free text is used; any count below
``min_cell`` (default 5) is shown as "<5" and statistics describing fewer
people are withheld, in every table and chart.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jinja2
import pandas as pd
from markupsafe import Markup

from pipeline import __version__, charts, evidence
from pipeline.instruments import Instrument

TEMPLATES = Path(__file__).resolve().parent.parent / "reports"
DEFAULT_MIN_CELL = 5
SECTIONS = (
    ("summary", "Summary"),
    ("evidence", "Strength of evidence"),
    ("york", "Answering the York review"),
    ("flow", "Who took part"),
    ("data-quality", "Data quality and response"),
    ("outcomes", "Outcomes"),
    ("dropout", "Who dropped out"),
    ("tools", "Were the questionnaires used correctly?"),
    ("precision", "How precise are the results?"),
    ("methods", "Methods and reproducibility"),
)


@dataclass(frozen=True)
class ReportInputs:
    """Everything the report reads: the earlier stages' outputs and the run's provenance."""

    results: Mapping[str, Any]
    flow: Mapping[str, Any]
    quality: Mapping[str, Any]
    response: pd.DataFrame
    missingness: pd.DataFrame
    instruments: Mapping[str, Instrument]
    title: str
    generated: str
    provenance: Mapping[str, Any] = field(default_factory=dict)
    randomised: bool = False
    min_cell: int = DEFAULT_MIN_CELL
    paired_threshold: int = 30


@dataclass(frozen=True)
class ReportContext:
    """Every variable the report template uses (checked by a test)."""

    title: str = field(metadata={"help": "Scheme name from the study configuration"})
    generated: str = field(metadata={"help": "Date and time the report was rendered"})
    version: str = field(metadata={"help": "Pipeline version"})
    min_cell: int = field(metadata={"help": "Counts below this are suppressed"})
    sections: list[dict[str, str]] = field(metadata={"help": "Section ids and headings, in order"})
    summary: dict[str, Any] = field(
        metadata={"help": "Headline sentences worded by evidence level"}
    )
    evidence: dict[str, Any] = field(metadata={"help": "Maryland level and ROBINS-I domains"})
    york: list[dict[str, str]] = field(metadata={"help": "York criticisms with computed status"})
    flow: dict[str, Any] = field(metadata={"help": "Participant-flow diagram and notes"})
    quality: dict[str, Any] = field(metadata={"help": "Response, missingness, quarantine tables"})
    outcomes: list[dict[str, Any]] = field(metadata={"help": "Per instrument: charts and tables"})
    dropout: dict[str, Any] = field(metadata={"help": "Completers vs non-completers at baseline"})
    tools: list[dict[str, Any]] = field(metadata={"help": "Instrument versions, scoring, alpha"})
    precision: list[dict[str, Any]] = field(metadata={"help": "n analysed, MDE, power"})
    methods: dict[str, Any] = field(metadata={"help": "Analysis plan, versions, hashes, timing"})


# --------------------------------------------------------------------------- formatting


def _ok(value: Any) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def num(value: Any, digits: int = 1) -> str:
    """Format a number for the report ("" when missing)."""
    return f"{value:.{digits}f}" if _ok(value) else ""


def count(n: Any, min_cell: int) -> str:
    """Format a count, suppressing small ones as ``<min_cell``."""
    if not _ok(n):
        return ""
    n = int(n)
    return f"<{min_cell}" if 0 < n < min_cell else f"{n:,}"


def pct(share: Any) -> str:
    """Format a share as a whole percentage."""
    return f"{share:.0%}" if _ok(share) else ""


def ci(r: Mapping[str, Any], digits: int = 1) -> str:
    """Format ``estimate (95% CI low to high)``."""
    if not _ok(r.get("estimate")):
        return "not estimable"
    text = num(r["estimate"], digits)
    if _ok(r.get("ci_low")) and _ok(r.get("ci_high")):
        text += f" ({num(r['ci_low'], digits)} to {num(r['ci_high'], digits)})"
    return text


def p_text(p: Any) -> str:
    """Format a p-value."""
    if not _ok(p):
        return ""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


# --------------------------------------------------------------------------- selection


class _Stats:
    """Look-ups into the statistics rows of ``results.json``."""

    def __init__(self, rows: list[Mapping[str, Any]]):
        self.frame = pd.DataFrame(rows)

    def one(self, **where: Any) -> dict[str, Any] | None:
        hit = self.all(**where)
        return hit.iloc[0].to_dict() if len(hit) else None

    def all(self, **where: Any) -> pd.DataFrame:
        frame = self.frame
        if frame.empty:
            return frame
        mask = pd.Series(True, index=frame.index)
        for key, value in where.items():
            mask &= frame[key] == value
        return frame[mask]


def _primary_scores(inputs: ReportInputs) -> list[tuple[Instrument, Any]]:
    found = []
    analysable = inputs.flow["groups"]["all"]["analysable"]
    for inst_id, entry in analysable.items():
        inst = inputs.instruments.get(inst_id)
        if inst is not None:
            spec = next(s for s in inst.scores if s.id == entry["score"])
            found.append((inst, spec))
    primary = inputs.results["primary_outcome"]["score"]
    found.sort(key=lambda pair: pair[1].id != primary)
    return found


def _direction_words(higher_is: str, estimate: float) -> tuple[str, bool]:
    rose = estimate > 0
    better = rose if higher_is == "better" else not rose
    return ("rose" if rose else "fell"), better


# --------------------------------------------------------------------------- sections


def _summary(inputs: ReportInputs, st: _Stats, level: int, primaries) -> dict[str, Any]:
    results = inputs.results
    design = results["design"]
    waves = design["waves"]
    causal = evidence.causal_wording_allowed(level)
    sentences = []
    if not primaries:
        return {"sentences": ["No questionnaire could be scored."], "caveat": "", "causal": causal}
    inst, score = primaries[0]
    follow = waves[1] if len(waves) > 1 else None
    paired = st.one(
        analysis="paired_change", term="mean_change", score=score.id, group="all", wave=follow
    )
    name = f"{score.label} ({inst.name.split(' (')[0]})"
    if paired and _ok(paired.get("estimate")) and int(paired["n"]) >= inputs.min_cell:
        verb, better = _direction_words(score.higher_is, paired["estimate"])
        sentences.append(
            f"Among the {int(paired['n']):,} people who completed the questionnaire at "
            f"{waves[0]} and at {follow}, the {name} {verb} by "
            f"{abs(paired['estimate']):.1f} points on average (95% confidence interval "
            f"{num(paired['ci_low'])} to {num(paired['ci_high'])}; the scale runs "
            f"{score.range[0]:g} to {score.range[1]:g} and higher is {score.higher_is})."
        )
    if causal:
        adj = st.one(analysis="ancova", term="group_difference", score=score.id, wave=follow)
        if adj and _ok(adj.get("estimate")):
            verb, better = _direction_words(score.higher_is, adj["estimate"])
            clear = _ok(adj.get("ci_low")) and (adj["ci_low"] > 0 or adj["ci_high"] < 0)
            others = ", ".join(g for g in design["groups"] if g != design["intervention_group"])
            sentences.append(
                f"Compared with the {others} group, and allowing for where people started, "
                f"the {design['intervention_group']} "
                f"group's score was {abs(adj['estimate']):.1f} points "
                f"{'higher' if adj['estimate'] > 0 else 'lower'} at {follow} "
                f"(95% CI {num(adj['ci_low'])} to {num(adj['ci_high'])})."
            )
            if clear and better:
                sentences.append(
                    "This suggests the scheme improved wellbeing for those who "
                    "took part, although the groups were not randomised."
                )
            elif clear:
                sentences.append(
                    "This suggests the scheme group fared worse than the comparison group."
                )
            else:
                sentences.append(
                    "The difference between the groups is too uncertain to say "
                    "whether the scheme made a difference."
                )
    elif paired and _ok(paired.get("estimate")):
        sentences.append(
            "This change was associated with taking part in the scheme, but the evaluation "
            "design cannot show that the scheme caused it: there was no comparison group, so "
            "the change could reflect the passage of time, regression to the mean or other "
            "support people received."
        )
        rtm = st.one(analysis="regression_to_mean", score=score.id, wave=follow)
        if rtm and _ok(rtm.get("estimate")):
            sentences.append(
                f"Regression to the mean alone would be expected to move the "
                f"average by about {abs(rtm['estimate']):.1f} points."
            )
    rel = {
        t: st.one(
            analysis="reliable_change", term=f"share_{t}", score=score.id, group="all", wave=follow
        )
        for t in ("improved", "deteriorated")
    }
    if all(rel.values()):
        sentences.append(
            f"{pct(rel['improved']['estimate'])} of them changed by more than measurement "
            f"error alone would explain in the better direction, and "
            f"{pct(rel['deteriorated']['estimate'])} in the worse direction."
        )
    enrolled = inputs.flow["groups"]["all"]["enrolled"]
    valid = inputs.flow["groups"]["all"]["follow_up"].get(follow, {}).get("valid", 0)
    if enrolled:
        sentences.append(
            f"{count(valid, inputs.min_cell)} of {count(enrolled, inputs.min_cell)} people who "
            f"started ({pct(valid / enrolled)}) returned a usable {follow} questionnaire."
        )
    tip = st.one(analysis="delta_adjusted", term="tipping_point", score=score.id, wave=follow)
    if tip:
        sentences.append(
            "If the people who did not return a questionnaire had fared "
            f"{tip['estimate']:.1f} points worse than similar people who did, the conclusion "
            "would change."
            if _ok(tip["estimate"])
            else "The conclusion holds even if the people who did not return a questionnaire "
            "fared markedly worse than similar people who did."
        )
    return {
        "sentences": sentences,
        "caveat": ""
        if causal
        else "This evaluation can describe change but cannot attribute it to the scheme.",
        "causal": causal,
    }


def _flow_section(inputs: ReportInputs) -> dict[str, Any]:
    m = inputs.min_cell
    flow = inputs.flow
    returns = flow["returns"]
    waves = flow["waves"]
    set_aside = [
        f"{k.replace('_', ' ')}: {count(v, m)}" for k, v in returns["quarantined_by_reason"].items()
    ]
    rows = [
        [
            {
                "heading": f"Questionnaires received: {count(returns['received'], m)}",
                "lines": [
                    f"usable: {count(returns['used'], m)}; set aside: "
                    f"{count(returns['quarantined'], m)}"
                ]
                + set_aside,
            }
        ]
    ]
    groups = [g for g in flow["groups"] if g != "all"] or ["all"]
    rows.append(
        [
            {
                "heading": f"{g}: started",
                "lines": [
                    f"{count(flow['groups'][g]['enrolled'], m)} with a usable "
                    f"{waves[0]} questionnaire"
                ],
            }
            for g in groups
        ]
    )
    for wave in waves[1:]:
        boxes = []
        for g in groups:
            f = flow["groups"][g]["follow_up"][wave]
            lines = [
                f"returned: {count(f['returned'], m)}; not returned: {count(f['not_returned'], m)}",
                f"usable: {count(f['valid'], m)}; set aside: {count(f['excluded'], m)}",
            ]
            boxes.append({"heading": f"{g}: {wave}", "lines": lines})
        rows.append(boxes)
    analysable = []
    for g in groups:
        lines = []
        for inst_id, entry in flow["groups"][g]["analysable"].items():
            for wave, a in entry["follow_up"].items():
                lines.append(f"{inst_id} ({wave}): {count(a['paired'], m)} paired")
        analysable.append({"heading": f"{g}: analysed", "lines": lines[:6]})
    rows.append(analysable)
    svg = charts.flow_diagram(rows, "Participant flow")
    return {
        "svg": Markup(svg),
        "note": "Boxes add up: every questionnaire received is either usable or set aside "
        "with a reason; everyone who started either returned a follow-up or did not. "
        "'Paired' means the score exists at both time points.",
    }


def _quality_section(inputs: ReportInputs) -> dict[str, Any]:
    m = inputs.min_cell
    response = []
    for r in inputs.response.to_dict("records"):
        small = r["enrolled"] < m or 0 < r["valid"] < m or 0 < r["enrolled"] - r["valid"] < m
        response.append(
            {
                "wave": r["wave"],
                "dimension": r["dimension"],
                "level": str(r["level"]),
                "enrolled": count(r["enrolled"], m),
                "valid": count(r["valid"], m),
                "rate": "suppressed" if small else pct(r["response_rate"]),
            }
        )
    miss = inputs.missingness.sort_values("missing_share", ascending=False).head(8)
    missing = [
        {
            "item": r["item"],
            "wave": r["wave"],
            "missing": count(r["missing"], m),
            "share": pct(r["missing_share"]),
        }
        for r in miss.to_dict("records")
    ]
    quarantine = [
        {
            "reason": k.replace("_", " "),
            "n": count(v, m),
            "share": "" if v < m else pct(inputs.quality["unusable_share_by_reason"].get(k)),
        }
        for k, v in inputs.flow["returns"]["quarantined_by_reason"].items()
    ]
    flags = []
    for f in inputs.quality.get("low_response_flags", []):
        if f["kind"] == "low_follow_up_response":
            flags.append(
                f"Follow-up response at {f['wave']} was {pct(f['value'])}, below the "
                f"{pct(f['threshold'])} the plan aimed for."
            )
        else:
            flags.append(
                f"Only {count(f['value'], m)} people were paired on {f['score']} at "
                f"{f['wave']} (fewer than {f['threshold']}, the WEMWBS authors' rule of "
                "thumb for comparing two time points)."
            )
    return {
        "response": response,
        "missing": missing,
        "quarantine": quarantine,
        "flags": flags,
        "unusable": pct(inputs.quality.get("unusable_share")),
    }


def _ordinal(n: int) -> str:
    """Return ``1st``, ``2nd``, ``3rd``, ``4th``, ``11th``, ``223rd``..."""
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _outcome(inputs: ReportInputs, st: _Stats, inst: Instrument, score, level: int):
    m = inputs.min_cell
    waves = inputs.results["design"]["waves"]
    groups = ["all", *inputs.results["design"]["groups"]]
    series: dict[str, list] = {}
    for g in groups:
        pts = []
        for w in waves:
            r = st.one(analysis="descriptives", term="mean", score=score.id, group=g, wave=w)
            if r and _ok(r.get("ci_low")) and int(r["n"]) >= m:
                pts.append(
                    {
                        "wave": w,
                        "mean": r["estimate"],
                        "ci_low": r["ci_low"],
                        "ci_high": r["ci_high"],
                        "n": int(r["n"]),
                    }
                )
        if pts and (g != "all" or len(groups) == 1):
            series[g] = pts
    if not series:
        series = {}
    means_svg = (
        charts.means_chart(
            series, waves, f"{score.label}: mean by time point", score.label, score.range
        )
        if series
        else ""
    )
    change_rows, forest_rows, shares, scatter = [], [], [], ""
    for wave in waves[1:]:
        for g in groups:
            p = st.one(
                analysis="paired_change", term="mean_change", score=score.id, group=g, wave=wave
            )
            if not p:
                continue
            small = not _ok(p.get("n")) or int(p["n"]) < m
            eff = {
                t: st.one(analysis="effect_size", term=t, score=score.id, group=g, wave=wave)
                for t in ("d_z", "g_av")
            }
            change_rows.append(
                {
                    "wave": wave,
                    "group": g,
                    "n": count(p.get("n"), m),
                    "change": "suppressed" if small else ci(p),
                    "p": "" if small else p_text(p.get("p_value")),
                    "d_z": "" if small or not eff["d_z"] else ci(eff["d_z"], 2),
                    "g_av": "" if small or not eff["g_av"] else ci(eff["g_av"], 2),
                }
            )
            rel = {
                t: st.one(
                    analysis="reliable_change",
                    term=f"share_{t}",
                    score=score.id,
                    group=g,
                    wave=wave,
                )
                for t in ("improved", "unchanged", "deteriorated")
            }
            if all(rel.values()) and not small:
                shares.append(
                    {
                        "label": f"{g}, {wave}",
                        "n": int(p["n"]),
                        "shares": {k: v["estimate"] for k, v in rel.items()},
                    }
                )
        key = "ancova" if inputs.results["design"]["comparison_group"] else "paired_change"
        term = "group_difference" if key == "ancova" else "mean_change"
        comp = st.one(analysis=key, term=term, score=score.id, wave=wave, group="all")
        if comp:
            forest_rows.append({"label": f"completers ({wave})", **_est(comp)})
        mi = st.one(analysis="multiple_imputation", term=term, score=score.id, wave=wave)
        if mi:
            forest_rows.append({"label": f"all who started, imputed ({wave})", **_est(mi)})
        if key == "ancova":
            mixed = st.one(
                analysis="mixed_model",
                term=f"wave[{wave}]:group[{inputs.results['design']['intervention_group']}]",
                score=score.id,
            )
            if mixed:
                forest_rows.append(
                    {"label": f"all who started, mixed model ({wave})", **_est(mixed)}
                )
        deltas = st.all(analysis="delta_adjusted", score=score.id, wave=wave)
        deltas = deltas[deltas["term"] != "tipping_point"]
        for r in (
            deltas.iloc[[len(deltas) // 2, len(deltas) - 1]].to_dict("records")
            if len(deltas) > 2
            else []
        ):
            forest_rows.append(
                {"label": f"non-returners {r['term'].split('=')[1]} points worse", **_est(r)}
            )
    threshold = st.one(
        analysis="reliable_change", term="rci_threshold", score=score.id, group="all"
    )
    pv = next((v for v in inputs.results.get("paired_values", []) if v["score"] == score.id), None)
    sample = ""
    if threshold and pv and pv["n"] >= max(10, m):
        title = f"{score.label}: each person's baseline and follow-up"
        if pv["step"] > 1:
            sample = (
                f"every {_ordinal(pv['step'])} of {pv['n']:,} people, to keep the chart legible"
            )
            title += f" ({sample})"
        scatter = charts.change_scatter(
            pv["points"], threshold["estimate"], score.range, score.higher_is, title
        )
    bands = []
    for r in st.all(analysis="band_transition", score=score.id, group="all").to_dict("records"):
        note = str(r["note"])
        label = note.split("band '")[1].split("'")[0] if "band '" in note else ""
        scheme = note.split(" bands (")[0]
        what = {
            "in_worst_band_baseline": f"in the '{label}' band at baseline",
            "in_worst_band_follow_up": f"in the '{label}' band at follow-up",
            "mcnemar": "change in that share (McNemar's test)",
        }.get(r["term"], r["term"])
        value = (
            p_text(r["p_value"])
            if r["term"] == "mcnemar"
            else (f"{pct(r['estimate'])} ({count(r['statistic'], m)} of {count(r['n'], m)})")
        )
        bands.append(
            {
                "wave": r["wave"],
                "term": what,
                "value": value,
                "note": f"{scheme} bands, indicative only",
            }
        )
    x_label = (
        "adjusted difference between groups (points)"
        if inputs.results["design"]["comparison_group"]
        else "mean change (points)"
    )
    return {
        "id": inst.id,
        "name": inst.name,
        "label": score.label,
        "scale": f"{score.range[0]:g} to {score.range[1]:g}; higher is {score.higher_is}",
        "means_svg": Markup(means_svg),
        "change": change_rows,
        "forest_svg": Markup(
            charts.forest(
                forest_rows, f"{score.label}: how the estimate depends on who is analysed", x_label
            )
        )
        if forest_rows
        else "",
        "scatter_svg": Markup(scatter),
        "scatter_sample": sample,
        "shares_svg": Markup(
            charts.stacked_shares(
                shares, ["improved", "unchanged", "deteriorated"], "Reliable change"
            )
        )
        if shares
        else "",
        "rci": num(threshold["estimate"]) if threshold else "",
        "rci_note": ""
        if threshold
        else "Reliable change is not shown: no reliability is "
        "stored for this score, and a single item has no internal consistency to estimate one.",
        "rci_method": threshold["method"] if threshold else "",
        "bands": bands,
    }


def _est(r: Mapping[str, Any]) -> dict[str, Any]:
    return {k: r.get(k) for k in ("estimate", "ci_low", "ci_high")}


def _dropout(inputs: ReportInputs, primaries) -> dict[str, Any]:
    m = inputs.min_cell
    attrition = pd.DataFrame(inputs.results.get("attrition", []))
    if attrition.empty:
        return {"rows": [], "flagged": []}
    keep = (
        {s.id for _, s in primaries}
        | set(inputs.results["design"]["covariates"])
        | {"group", "site"}
    )
    sub = attrition[(attrition["group"] == "all") & attrition["variable"].isin(keep)]
    rows = []
    for r in sub.to_dict("records"):
        small = min(r["n_completers"], r["n_non_completers"]) < m
        numeric = r["kind"] == "numeric"
        rows.append(
            {
                "variable": r["variable"] + (f" = {r['level']}" if r["level"] else ""),
                "completers": count(r["n_completers"], m),
                "non_completers": count(r["n_non_completers"], m),
                "value_c": "suppressed"
                if small
                else (num(r["mean_completers"]) if numeric else pct(r["mean_completers"])),
                "value_nc": "suppressed"
                if small
                else (num(r["mean_non_completers"]) if numeric else pct(r["mean_non_completers"])),
                "smd": "" if small else num(r["smd"], 2),
                "flag": "yes" if r["differential"] else "",
            }
        )
    flagged = sorted(set(sub.loc[sub["differential"].astype(bool), "variable"]))
    return {"rows": rows, "flagged": flagged}


def _tools(inputs: ReportInputs, st: _Stats, primaries) -> list[dict[str, Any]]:
    rows = []
    for inst, score in primaries:
        alphas = st.all(analysis="reliability", score=score.source_score or score.id)
        sample = "; ".join(
            f"{r['wave']} {num(r['estimate'], 2)} ({num(r['ci_low'], 2)} to {num(r['ci_high'], 2)})"
            for r in alphas.to_dict("records")
        )
        published = next(
            (
                f"{f['value']} ({f['source']})"
                for f in inst.reliability
                if f["score"] == score.id and f["statistic"] == "cronbach_alpha"
            ),
            "none stored",
        )
        method = ""
        if score.lookup:
            method = f"raw total converted with the lookup table ({score.lookup_status})"
        elif score.method:
            meta = inst.methods.get(score.method, {})
            method = f"{score.method}: {meta.get('description', '')}"
        elif len(score.items) == 1:
            method = "the single item's value"
        else:
            method = f"{score.aggregate} of {len(score.items)} items"
        rows.append(
            {
                "name": inst.name,
                "version": inst.version,
                "score": score.label,
                "method": method,
                "missing_rule": inst.missing.describe(),
                "missing_status": inst.missing.status,
                "alpha_sample": sample or "n/a",
                "alpha_published": published,
                "unconfirmed": inst.unconfirmed_facts(),
            }
        )
    return rows


def _precision(inputs: ReportInputs, st: _Stats, primaries) -> list[dict[str, Any]]:
    out = []
    for _, score in primaries:
        for r in st.all(analysis="precision", score=score.id).to_dict("records"):
            label = {
                "mde_paired": "smallest change detectable within people",
                "mde_between_groups": "smallest difference detectable between groups",
                "power_meaningful_change": "power to detect the smallest meaningful change",
            }[r["term"]]
            value = (
                pct(r["estimate"])
                if r["term"].startswith("power")
                else (f"{num(r['estimate'])} points ({num(r['statistic'], 2)} SD)")
            )
            out.append(
                {
                    "score": score.label,
                    "wave": r["wave"],
                    "what": label,
                    "n": count(r["n"], inputs.min_cell),
                    "value": value,
                    "warning": "underpowered" in str(r.get("note", "")).lower()
                    and "adequately" not in str(r.get("note", "")).lower(),
                }
            )
    return out


def build_context(inputs: ReportInputs) -> ReportContext:
    """Assemble the report context from the stage outputs.

    Parameters
    ----------
    inputs : ReportInputs
        ``results.json``, ``flow.json``, ``quality.json`` and the other outputs, plus
        provenance and the suppression threshold.

    Returns
    -------
    ReportContext
    """
    st = _Stats(inputs.results["statistics"])
    design = inputs.results["design"]
    level, level_text = evidence.maryland_level(design, inputs.randomised)
    primaries = _primary_scores(inputs)
    primary = inputs.results["primary_outcome"]["score"]
    attrition = pd.DataFrame(inputs.results.get("attrition", []))
    if attrition.empty:
        attrition = pd.DataFrame(columns=["group", "variable", "differential"])
    unconfirmed = {inst.id: inst.unconfirmed_facts() for inst, _ in primaries}
    york = evidence.york_table(
        level,
        inputs.flow,
        inputs.quality,
        st.frame,
        attrition,
        primary,
        design,
        unconfirmed,
        inputs.paired_threshold,
    )
    robins = evidence.robins_i(
        level,
        inputs.flow,
        attrition,
        st.frame,
        primary,
        inputs.results["primary_outcome"]["declared"],
    )
    return ReportContext(
        title=inputs.title,
        generated=inputs.generated,
        version=__version__,
        min_cell=inputs.min_cell,
        sections=[{"id": i, "heading": h} for i, h in SECTIONS],
        summary=_summary(inputs, st, level, primaries),
        evidence={"level": level, "level_text": level_text, "robins": robins},
        york=york,
        flow=_flow_section(inputs),
        quality=_quality_section(inputs),
        outcomes=[_outcome(inputs, st, inst, score, level) for inst, score in primaries],
        dropout=_dropout(inputs, primaries),
        tools=_tools(inputs, st, primaries),
        precision=_precision(inputs, st, primaries),
        methods={
            "primary": primary,
            "declared": inputs.results["primary_outcome"]["declared"],
            "secondary": inputs.results["primary_outcome"]["secondary"],
            "design": design,
            "options": inputs.results.get("options", {}),
            "provenance": dict(inputs.provenance),
        },
    )


def environment(templates: Path = TEMPLATES) -> jinja2.Environment:
    """Return the Jinja2 environment: autoescape on, undefined variables an error."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(templates)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )


def render_report(context: ReportContext, templates: Path = TEMPLATES) -> str:
    """Render the report to a self-contained HTML string (CSS inlined)."""
    env = environment(templates)
    css = (templates / "report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(ctx=context, css=css)
