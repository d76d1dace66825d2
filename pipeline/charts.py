"""Inline SVG charts for the report: drawn from numbers the analyse stage computed.

Each function returns an SVG string with a ``<title>`` and a ``<desc>`` (text
alternative) and ``role="img"``. Every text value is XML-escaped here, because
the report inserts the SVG unescaped. Colours differ in lightness as well as
hue and series also differ by marker shape, so the charts read in greyscale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

INK = "#1a1a1a"
GREY = "#767676"
SERIES = (  # (fill, marker): dark blue circles, orange squares, green diamonds, grey triangles
    ("#1f4e79", "circle"),
    ("#b35900", "square"),
    ("#2e7d32", "diamond"),
    ("#595959", "triangle"),
)
FONT = 'font-family="Liberation Sans, Arial, sans-serif"'


def _svg(width: int, height: int, title: str, desc: str, body: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
        f'width="100%" style="max-width:{width}px" role="img" {FONT} font-size="12">'
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>" + "".join(body) + "</svg>"
    )


def _scale(lo: float, hi: float, a: float, b: float):
    span = (hi - lo) or 1.0
    return lambda v: a + (v - lo) / span * (b - a)


def _finite(value: Any) -> bool:
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def _nice_ticks(lo: float, hi: float, count: int = 5) -> list[float]:
    span = (hi - lo) or 1.0
    raw = span / count
    step = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * step:
            step *= m
            break
    first = math.ceil(lo / step) * step
    return [round(first + i * step, 10) for i in range(int((hi - first) / step) + 1)]


def _marker(kind: str, x: float, y: float, fill: str, r: float = 5) -> str:
    if kind == "square":
        size = 2 * r
        return (
            f'<rect x="{x - r:.1f}" y="{y - r:.1f}" width="{size}" height="{size}" fill="{fill}"/>'
        )
    if kind == "diamond":
        pts = f"{x},{y - r - 1} {x + r + 1},{y} {x},{y + r + 1} {x - r - 1},{y}"
        return f'<polygon points="{pts}" fill="{fill}"/>'
    if kind == "triangle":
        pts = f"{x},{y - r - 1} {x + r + 1},{y + r} {x - r - 1},{y + r}"
        return f'<polygon points="{pts}" fill="{fill}"/>'
    return f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{r}" fill="{fill}"/>'


def _text(x, y, s, anchor="start", size=12, weight="normal", fill=INK) -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size}" '
        f'font-weight="{weight}" fill="{fill}">{escape(str(s))}</text>'
    )


def means_chart(
    series: Mapping[str, Sequence[Mapping[str, Any]]],
    waves: Sequence[str],
    title: str,
    y_label: str,
    y_range: tuple[float, float],
) -> str:
    """Means with 95% CIs by wave, one series per group.

    Parameters
    ----------
    series : mapping of str to sequence of mapping
        Group name to points ``{"wave", "mean", "ci_low", "ci_high", "n"}``.
    waves : sequence of str
        Wave order (x axis).
    """
    w, h, left, right, top, bottom = 560, 300, 60, 150, 20, 40
    values = [v for pts in series.values() for p in pts for v in (p["ci_low"], p["ci_high"])]
    lo = min([*values, y_range[1]]) if values else y_range[0]
    hi = max([*values, y_range[0]]) if values else y_range[1]
    pad = (hi - lo) * 0.1 or 1
    lo, hi = max(y_range[0], lo - pad), min(y_range[1], hi + pad)
    y = _scale(lo, hi, h - bottom, top)
    x = {wave: left + (i + 0.5) * (w - left - right) / len(waves) for i, wave in enumerate(waves)}
    body = [f'<line x1="{left}" y1="{top}" x2="{left}" y2="{h - bottom}" stroke="{GREY}"/>']
    for t in _nice_ticks(lo, hi):
        body.append(
            f'<line x1="{left - 4}" y1="{y(t):.1f}" x2="{w - right}" y2="{y(t):.1f}" '
            f'stroke="#e0e0e0"/>'
        )
        body.append(_text(left - 8, y(t) + 4, f"{t:g}", "end"))
    for wave in waves:
        body.append(_text(x[wave], h - bottom + 18, wave, "middle"))
    body.append(
        f'<text transform="translate(14,{(top + h - bottom) / 2}) rotate(-90)" '
        f'text-anchor="middle" fill="{INK}">{escape(y_label)}</text>'
    )
    desc = []
    for k, (group, pts) in enumerate(series.items()):
        fill, shape = SERIES[k % len(SERIES)]
        offset = (k - (len(series) - 1) / 2) * 14
        coords = []
        for p in pts:
            px = x[p["wave"]] + offset
            body.append(
                f'<line x1="{px:.1f}" y1="{y(p["ci_low"]):.1f}" x2="{px:.1f}" '
                f'y2="{y(p["ci_high"]):.1f}" stroke="{fill}" stroke-width="2"/>'
            )
            body.append(_marker(shape, px, y(p["mean"]), fill))
            coords.append(f"{px:.1f},{y(p['mean']):.1f}")
            desc.append(
                f"{group} at {p['wave']}: mean {p['mean']:.1f} "
                f"(95% CI {p['ci_low']:.1f} to {p['ci_high']:.1f}, n {p['n']})"
            )
        if len(coords) > 1:
            body.append(
                f'<polyline points="{" ".join(coords)}" fill="none" stroke="{fill}" '
                'stroke-dasharray="4 3"/>'
            )
        ly = top + 10 + k * 20
        body.append(_marker(shape, w - right + 20, ly, fill))
        body.append(_text(w - right + 32, ly + 4, group))
    return _svg(w, h, title, "; ".join(desc) or "no data", body)


def forest(
    rows: Sequence[Mapping[str, Any]], title: str, x_label: str, reference: float = 0.0
) -> str:
    """Draw a horizontal forest plot: one estimate with its CI per row.

    Row keys: ``label``, ``estimate``, ``ci_low``, ``ci_high``.
    """
    w, left, right, top, row_h = 640, 250, 30, 20, 30
    h = top + row_h * len(rows) + 45
    rows = [
        {**r, **{k: (r[k] if _finite(r[k]) else r["estimate"]) for k in ("ci_low", "ci_high")}}
        for r in rows
    ]  # an estimate without a CI is drawn as a point
    values = [v for r in rows for v in (r["ci_low"], r["ci_high"], r["estimate"])] + [reference]
    values = [v for v in values if _finite(v)]
    lo, hi = min(values), max(values)
    pad = (hi - lo) * 0.08 or 1
    x = _scale(lo - pad, hi + pad, left, w - right)
    bottom = top + row_h * len(rows)
    body = [
        f'<line x1="{x(reference):.1f}" y1="{top - 5}" x2="{x(reference):.1f}" '
        f'y2="{bottom}" stroke="{GREY}" stroke-dasharray="3 3"/>'
    ]
    for t in _nice_ticks(lo - pad, hi + pad):
        body.append(_text(x(t), bottom + 16, f"{t:g}", "middle"))
    body.append(_text((left + w - right) / 2, bottom + 36, x_label, "middle"))
    desc = []
    for i, r in enumerate(rows):
        cy = top + row_h * i + row_h / 2
        body.append(_text(8, cy + 4, r["label"]))
        if not _finite(r["estimate"]):
            body.append(_text(left, cy + 4, "not estimable", fill=GREY))
            continue
        body.append(
            f'<line x1="{x(r["ci_low"]):.1f}" y1="{cy}" x2="{x(r["ci_high"]):.1f}" '
            f'y2="{cy}" stroke="{INK}" stroke-width="2"/>'
        )
        body.append(_marker("square", x(r["estimate"]), cy, SERIES[0][0], 5))
        desc.append(
            f"{r['label']}: {r['estimate']:.2f} (95% CI {r['ci_low']:.2f} to {r['ci_high']:.2f})"
        )
    return _svg(w, h, title, "; ".join(desc), body)


def change_scatter(
    points: Sequence[Sequence[float]],
    threshold: float,
    scale: tuple[float, float],
    higher_is: str,
    title: str,
) -> str:
    """Plot baseline against follow-up per person, with the reliable-change band.

    The diagonal is no change; the grey band is change within the Jacobson-Truax
    threshold. Points above the band rose reliably.
    """
    size, pad = 360, 50
    lo, hi = scale
    s = _scale(lo, hi, pad, size - 10)
    t = _scale(lo, hi, size - pad, 10)
    body = [
        f'<rect x="{pad}" y="10" width="{size - pad - 10}" height="{size - pad - 10}" '
        f'fill="none" stroke="{GREY}"/>'
    ]
    band = (
        f"{s(lo):.1f},{t(lo + threshold):.1f} {s(hi - threshold):.1f},{t(hi):.1f} "
        f"{s(hi):.1f},{t(hi):.1f} {s(hi):.1f},{t(hi - threshold):.1f} "
        f"{s(lo + threshold):.1f},{t(lo):.1f} {s(lo):.1f},{t(lo):.1f}"
    )
    body.append(f'<polygon points="{band}" fill="#e8e8e8"/>')
    body.append(
        f'<line x1="{s(lo):.1f}" y1="{t(lo):.1f}" x2="{s(hi):.1f}" y2="{t(hi):.1f}" '
        f'stroke="{GREY}"/>'
    )
    better = 0
    worse = 0
    for bx, fy in points:
        d = (fy - bx) if higher_is == "better" else (bx - fy)
        kind = "improved" if d > threshold else "deteriorated" if d < -threshold else "same"
        better += kind == "improved"
        worse += kind == "deteriorated"
        colour = {"improved": SERIES[0][0], "deteriorated": SERIES[1][0], "same": GREY}[kind]
        body.append(
            f'<circle cx="{s(bx):.1f}" cy="{t(fy):.1f}" r="2.5" fill="{colour}" '
            'fill-opacity="0.7"/>'
        )
    for v in _nice_ticks(lo, hi):
        body.append(_text(s(v), size - pad + 16, f"{v:g}", "middle", 11))
        body.append(_text(pad - 6, t(v) + 4, f"{v:g}", "end", 11))
    body.append(_text((pad + size) / 2, size - 12, "baseline", "middle"))
    body.append(
        f'<text transform="translate(14,{size / 2 - 20}) rotate(-90)" '
        f'text-anchor="middle" fill="{INK}">follow-up</text>'
    )
    desc = (
        f"{len(points)} people; the grey band is no reliable change (within "
        f"{threshold:.1f} points); {better} reliably improved, {worse} reliably "
        "deteriorated"
    )
    return _svg(size, size, title, desc, body)


def stacked_shares(bars: Sequence[Mapping[str, Any]], parts: Sequence[str], title: str) -> str:
    """Horizontal 100% bars (e.g. improved / unchanged / deteriorated) with labelled shares.

    ``bars`` items: ``{"label": str, "shares": {part: share}, "n": int}``.
    """
    w, left, top, bar_h = 640, 150, 30, 28
    fills = {parts[0]: SERIES[0][0], parts[1]: "#bdbdbd", parts[-1]: SERIES[1][0]}
    text_fill = {parts[0]: "#ffffff", parts[1]: INK, parts[-1]: "#ffffff"}
    h = top + (bar_h + 12) * len(bars) + 10
    body = []
    for k, part in enumerate(parts):
        body.append(
            f'<rect x="{left + k * 150}" y="6" width="12" height="12" fill="{fills[part]}"/>'
        )
        body.append(_text(left + k * 150 + 18, 16, part))
    desc = []
    for i, bar in enumerate(bars):
        y = top + i * (bar_h + 12)
        body.append(_text(8, y + bar_h / 2 + 4, f"{bar['label']} (n {bar['n']})"))
        x = left
        for part in parts:
            share = bar["shares"].get(part, 0.0)
            width = share * (w - left - 10)
            body.append(
                f'<rect x="{x:.1f}" y="{y}" width="{width:.1f}" height="{bar_h}" '
                f'fill="{fills[part]}"/>'
            )
            if width > 34:
                body.append(
                    _text(
                        x + width / 2,
                        y + bar_h / 2 + 4,
                        f"{share:.0%}",
                        "middle",
                        fill=text_fill[part],
                    )
                )
            x += width
        desc.append(
            f"{bar['label']}: "
            + ", ".join(f"{part} {bar['shares'].get(part, 0):.0%}" for part in parts)
        )
    return _svg(w, h, title, "; ".join(desc), body)


def flow_diagram(boxes: Sequence[Sequence[Mapping[str, Any]]], title: str) -> str:
    """Draw a CONSORT-style diagram: rows of boxes joined top to bottom.

    ``boxes`` is a list of rows; each row a list of ``{"heading", "lines"}`` boxes
    laid out side by side (one column per group below the split).
    """
    w, box_h_line, gap = 720, 16, 26
    body, y = [], 10
    prev_centres: list[float] = []
    desc = []
    for row_boxes in boxes:
        cols = len(row_boxes)
        col_w = (w - 20) / cols
        height = max(24 + box_h_line * len(b["lines"]) for b in row_boxes)
        centres = []
        for k, box in enumerate(row_boxes):
            bx = 10 + k * col_w + 6
            bw = col_w - 12
            cx = bx + bw / 2
            centres.append(cx)
            body.append(
                f'<rect x="{bx:.1f}" y="{y}" width="{bw:.1f}" height="{height}" '
                f'rx="4" fill="#ffffff" stroke="{INK}"/>'
            )
            body.append(_text(bx + 8, y + 17, box["heading"], weight="bold"))
            for j, line in enumerate(box["lines"]):
                body.append(_text(bx + 8, y + 17 + box_h_line * (j + 1), line, size=11))
            desc.append(f"{box['heading']}: " + "; ".join(box["lines"]))
        for pc in prev_centres:
            targets = (
                centres
                if len(prev_centres) == 1
                else [centres[min(prev_centres.index(pc), len(centres) - 1)]]
            )
            for tc in targets:
                body.append(
                    f'<line x1="{pc:.1f}" y1="{y - gap:.1f}" x2="{tc:.1f}" y2="{y - 2}" '
                    f'stroke="{INK}" marker-end="url(#arrow)"/>'
                )
        prev_centres = centres
        y += height + gap
    defs = (
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        f'markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="{INK}"/>'
        "</marker></defs>"
    )
    return _svg(w, y - gap + 10, title, " | ".join(desc), [defs, *body])
