"""Instrument definitions: load YAML, check it, and build scoring specs.

An instrument is described entirely by one YAML file in ``instruments/``; no
instrument has Python of its own. Loading has two layers:

1. ``yaml.safe_load`` and JSON Schema validation against
   ``instruments/_schema.yaml`` (shape, types, typos);
2. semantic checks (:func:`check_definition`): ids match the file name, every
   referenced item, group, method and recode exists, recodes and lookup tables
   cover their range, and each declared score range equals the range computed
   from the scale, recodes and aggregate.

Problems are reported with the file and the key path (``scores[2].range``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline.errors import ConfigError, InstrumentError

SCHEMA_FILE = "_schema.yaml"


@dataclass(frozen=True)
class Scale:
    """A response scale: valid codes and the text labels accepted for them."""

    id: str
    min: float
    max: float
    integer: bool = True
    labels: Mapping[str, int] = field(default_factory=dict)
    labels_status: str = "confirmed"

    def codes(self) -> list[float]:
        """Return the valid codes (only the end points for a continuous scale)."""
        if self.integer:
            return list(range(int(self.min), int(self.max) + 1))
        return [self.min, self.max]


@dataclass(frozen=True)
class Item:
    """One questionnaire item: id, short label, scale and optional alias column."""

    id: str
    label: str
    scale: Scale
    alias: str | None = None


@dataclass(frozen=True)
class MissingRule:
    """The missing-item rule in force for an instrument."""

    rule: str = "complete_case"
    max_missing: int = 0
    source: str = ""
    status: str = "unconfirmed"

    def describe(self) -> str:
        """Return the rule as recorded beside every score, e.g. ``prorate(max_missing=2)``."""
        if self.rule == "prorate":
            return f"prorate(max_missing={self.max_missing})"
        return "complete_case"


@dataclass(frozen=True)
class Score:
    """One output score: which items, how each is recoded, how they are combined."""

    id: str
    label: str
    range: tuple[float, float]
    higher_is: str
    items: tuple[str, ...] = ()
    recode: Mapping[str, Mapping[int, float]] = field(default_factory=dict)
    reverse: frozenset[str] = frozenset()
    aggregate: str = "sum"
    method: str | None = None
    source_score: str | None = None
    lookup: Mapping[int, float] = field(default_factory=dict)
    lookup_status: str | None = None
    primary: bool = False


@dataclass(frozen=True)
class Band:
    """Indicative bands: a value at or above ``thresholds[i]`` falls in ``labels[i + 1]``."""

    id: str
    score: str
    thresholds: tuple[float, ...]
    labels: tuple[str, ...]
    source: str
    status: str
    note: str = ""


@dataclass(frozen=True)
class Instrument:
    """A loaded, checked instrument definition."""

    id: str
    name: str
    version: str
    citation: str
    licence: str
    path: str
    items: tuple[Item, ...]
    scores: tuple[Score, ...]
    missing: MissingRule
    bands: tuple[Band, ...] = ()
    norms: tuple[Mapping[str, Any], ...] = ()
    reliability: tuple[Mapping[str, Any], ...] = ()
    meaningful_change: tuple[Mapping[str, Any], ...] = ()
    methods: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    @property
    def item_ids(self) -> list[str]:
        """Return the item ids in questionnaire order."""
        return [item.id for item in self.items]

    @property
    def score_ids(self) -> list[str]:
        """Return the score ids in definition order."""
        return [score.id for score in self.scores]

    def unconfirmed_facts(self) -> list[str]:
        """List the facts this definition marks as unconfirmed, for labelling in outputs."""
        facts = []
        if self.missing.status == "unconfirmed":
            facts.append(f"missing-item rule ({self.missing.describe()})")
        facts += [f"{s.id} lookup table" for s in self.scores if s.lookup_status == "unconfirmed"]
        facts += [
            f"method {name}" for name, m in self.methods.items() if m.get("status") == "unconfirmed"
        ]
        facts += [f"bands {b.score}:{b.id}" for b in self.bands if b.status == "unconfirmed"]
        scales = {item.scale.id: item.scale for item in self.items}
        facts += [
            f"response labels {s.id}" for s in scales.values() if s.labels_status == "unconfirmed"
        ]
        for kind in ("norms", "reliability", "meaningful_change"):
            facts += [
                f"{kind} {f['score']} ({f['source'][:40]})"
                for f in getattr(self, kind)
                if f.get("status") == "unconfirmed"
            ]
        return facts


# --------------------------------------------------------------------------- loading


def normalise_label(text: str) -> str:
    """Fold case, spacing and curly quotes so labels match however they were typed."""
    text = str(text).replace("\u2019", "'").replace("\u2018", "'").casefold()
    return re.sub(r"\s+", " ", text).strip()


@cache
def _schema(directory: str) -> dict[str, Any]:
    path = Path(directory) / SCHEMA_FILE
    if not path.exists():
        path = Path(__file__).resolve().parent.parent / "instruments" / SCHEMA_FILE
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def read_definition(path: str | Path) -> dict[str, Any]:
    """Read one definition file with the safe YAML loader.

    Parameters
    ----------
    path : str or pathlib.Path
        The ``.yaml`` file.

    Returns
    -------
    dict
        The parsed mapping.

    Raises
    ------
    InstrumentError
        If the file is missing, is not valid YAML, uses a Python object tag or is
        not a mapping.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InstrumentError(f"cannot read the definition: {exc}", file=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.constructor.ConstructorError as exc:
        mark = exc.problem_mark
        where = f"line {mark.line + 1}" if mark else None
        raise InstrumentError(
            f"unsupported YAML tag ({exc.problem}); definitions may hold only plain data",
            file=str(path),
            location=where,
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise InstrumentError(
            f"not valid YAML: {problem}", file=str(path), location=where
        ) from None
    if not isinstance(data, dict):
        raise InstrumentError("the file must hold a mapping of keys", file=str(path))
    return data


def _stringify_keys(value: Any) -> Any:
    """Return a copy with mapping keys as strings (JSON Schema sees only string keys)."""
    if isinstance(value, dict):
        return {str(k): _stringify_keys(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_stringify_keys(v) for v in value]
    return value


def _key_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def schema_problems(data: Mapping[str, Any], directory: str | Path) -> list[tuple[str, str]]:
    """Validate a definition against the JSON Schema; return ``(key path, message)`` pairs."""
    validator = jsonschema.Draft202012Validator(_schema(str(directory)))
    problems = []
    for err in sorted(validator.iter_errors(_stringify_keys(dict(data))), key=lambda e: e.path):
        problems.append((_key_path(err.absolute_path), err.message))
    return problems


# --------------------------------------------------------------------------- semantic checks


class _Problems(list):
    def add(self, where: str, message: str) -> None:
        self.append((where, message))


def _scales(data: Mapping[str, Any], problems: _Problems) -> dict[str, Scale]:
    scales = {}
    for sid, spec in data["responses"].items():
        lo, hi = spec["min"], spec["max"]
        integer = spec.get("integer", True)
        if lo >= hi:
            problems.add(f"responses.{sid}", f"min {lo} must be below max {hi}")
        if integer and (lo != int(lo) or hi != int(hi)):
            problems.add(f"responses.{sid}", "an integer scale needs whole-number min and max")
        labels: dict[str, int] = {}
        for code, texts in (spec.get("labels") or {}).items():
            if not lo <= int(code) <= hi:
                problems.add(f"responses.{sid}.labels.{code}", f"code {code} is outside {lo}-{hi}")
            for text in texts:
                key = normalise_label(text)
                if key in labels and labels[key] != int(code):
                    problems.add(
                        f"responses.{sid}.labels.{code}",
                        f"label {text!r} is also given for code {labels[key]}",
                    )
                labels[key] = int(code)
        scales[sid] = Scale(sid, lo, hi, integer, labels, spec.get("labels_status", "confirmed"))
    return scales


def _resolve_items(ref: Any, items: Mapping[str, Item], groups: Mapping[str, list[str]]):
    if ref == "all":
        return list(items)
    if isinstance(ref, str):
        return groups.get(ref)
    return list(ref)


def _item_points(item: Item, reverse: bool, recode: Mapping[int, float] | None) -> list[float]:
    codes = item.scale.codes()
    if reverse:
        codes = [item.scale.min + item.scale.max - c for c in codes]
    if recode is None:
        return [float(c) for c in codes]
    return [float(recode[int(c)]) for c in codes if int(c) in recode]


def _computed_range(score: Score, items: Mapping[str, Item]) -> tuple[float, float]:
    lows, highs = [], []
    for item_id in score.items:
        points = _item_points(items[item_id], item_id in score.reverse, score.recode.get(item_id))
        lows.append(min(points))
        highs.append(max(points))
    if score.aggregate == "mean":
        return sum(lows) / len(lows), sum(highs) / len(highs)
    return sum(lows), sum(highs)


def _is_integer_valued(score: Score, items: Mapping[str, Item]) -> bool:
    for item_id in score.items:
        pts = _item_points(items[item_id], item_id in score.reverse, score.recode.get(item_id))
        if not items[item_id].scale.integer or any(p != int(p) for p in pts):
            return False
    return score.aggregate == "sum"


def check_definition(
    data: Mapping[str, Any],
    path: str | Path,
    known_items: Mapping[str, Item] | None = None,
) -> tuple[Instrument | None, list[tuple[str, str]]]:
    """Check a schema-valid definition and build the :class:`Instrument`.

    Parameters
    ----------
    data : mapping
        The parsed YAML (already valid against the JSON Schema).
    path : str or pathlib.Path
        The file it came from; its stem must equal ``id``.
    known_items : mapping of str to Item, optional
        Items of the other instruments, against which ``alias`` entries are
        resolved. When omitted, aliases are not checked.

    Returns
    -------
    instrument : Instrument or None
        The built instrument, or None when there are problems.
    problems : list of (str, str)
        Key path and message for each problem found.
    """
    path = Path(path)
    problems = _Problems()
    iid = data["id"]
    if iid != path.stem:
        problems.add("id", f"id {iid!r} must equal the file name {path.stem!r}")
    scales = _scales(data, problems)
    default_scale = next(iter(scales.values()))

    items: dict[str, Item] = {}
    for i, spec in enumerate(data["items"]):
        where = f"items[{i}]"
        if not spec["id"].startswith(f"{iid}_"):
            problems.add(f"{where}.id", f"item id {spec['id']!r} must start with '{iid}_'")
        if spec["id"] in items:
            problems.add(f"{where}.id", f"duplicate item id {spec['id']!r}")
        scale = scales.get(spec.get("scale", default_scale.id))
        if scale is None:
            problems.add(f"{where}.scale", f"unknown response scale {spec.get('scale')!r}")
            scale = default_scale
        alias = spec.get("alias")
        if alias and known_items is not None:
            target = known_items.get(alias)
            if target is None or alias.startswith(f"{iid}_"):
                problems.add(
                    f"{where}.alias", f"alias {alias!r} is not an item of another instrument"
                )
            elif (target.scale.min, target.scale.max) != (scale.min, scale.max):
                problems.add(f"{where}.alias", f"alias {alias!r} uses a different response range")
        items[spec["id"]] = Item(spec["id"], spec["label"], scale, alias)

    reverse = set(data.get("reverse") or [])
    for j, item_id in enumerate(data.get("reverse") or []):
        if item_id not in items:
            problems.add(f"reverse[{j}]", f"unknown item {item_id!r}")

    groups: dict[str, list[str]] = {}
    for name, members in (data.get("groups") or {}).items():
        if name == "all" or name in items:
            problems.add(f"groups.{name}", f"group name {name!r} clashes with 'all' or an item id")
        for j, item_id in enumerate(members):
            if item_id not in items:
                problems.add(f"groups.{name}[{j}]", f"unknown item {item_id!r}")
        groups[name] = [m for m in members if m in items]

    recodes = {
        name: {int(k): float(v) for k, v in table.items()}
        for name, table in (data.get("recodes") or {}).items()
    }
    methods = data.get("methods") or {}
    for name, method in methods.items():
        if method["recode"] not in recodes:
            problems.add(f"methods.{name}.recode", f"unknown recode {method['recode']!r}")
        for group, rec in (method.get("by_group") or {}).items():
            if group not in groups:
                problems.add(f"methods.{name}.by_group.{group}", f"unknown group {group!r}")
            if rec not in recodes:
                problems.add(f"methods.{name}.by_group.{group}", f"unknown recode {rec!r}")

    missing_spec = data["missing"]
    missing = MissingRule(
        missing_spec["rule"],
        missing_spec.get("max_missing", 0),
        missing_spec.get("source", ""),
        missing_spec["status"],
    )
    if missing.rule == "complete_case" and missing.max_missing:
        problems.add("missing.max_missing", "complete_case allows no missing items")

    scores: dict[str, Score] = {}
    primaries = 0
    for i, spec in enumerate(data["scores"]):
        where = f"scores[{i}]"
        sid = spec["id"]
        if not sid.startswith(f"{iid}_"):
            problems.add(f"{where}.id", f"score id {sid!r} must start with '{iid}_'")
        if sid in scores or sid in items:
            problems.add(f"{where}.id", f"score id {sid!r} is already used")
        primaries += bool(spec.get("primary"))
        common = dict(
            id=sid,
            label=spec["label"],
            range=(float(spec["range"][0]), float(spec["range"][1])),
            higher_is=spec["higher_is"],
            primary=bool(spec.get("primary")),
        )
        if "lookup" in spec:
            score = _lookup_score(spec, common, scores, items, missing, where, problems)
        else:
            score = _item_score(
                spec, common, items, groups, recodes, methods, reverse, where, problems
            )
        if score is None:
            continue
        if score.items:
            lo, hi = _computed_range(score, items)
        else:
            lo, hi = min(score.lookup.values()), max(score.lookup.values())
        if not (math.isclose(lo, score.range[0]) and math.isclose(hi, score.range[1])):
            problems.add(
                f"{where}.range",
                f"declared range {list(spec['range'])} differs from the computed range "
                f"[{lo:g}, {hi:g}]",
            )
        if missing.rule == "prorate" and score.items and missing.max_missing >= len(score.items):
            problems.add(
                "missing.max_missing",
                f"max_missing {missing.max_missing} leaves {sid} with no answered item",
            )
        scores[sid] = score
    if primaries > 1:
        problems.add("scores", "at most one score may be marked primary")

    bands = _bands(data, scores, problems)
    for kind in ("norms", "reliability", "meaningful_change"):
        for j, fact in enumerate(data.get(kind) or []):
            if fact["score"] not in scores:
                problems.add(f"{kind}[{j}].score", f"unknown score {fact['score']!r}")
            elif kind == "norms":
                lo, hi = scores[fact["score"]].range
                for key in ("mean", "median"):
                    if key in fact and not lo <= fact[key] <= hi:
                        problems.add(f"{kind}[{j}].{key}", f"{fact[key]} is outside {lo:g}-{hi:g}")

    if problems:
        return None, list(problems)
    inst = Instrument(
        id=iid,
        name=data["name"],
        version=str(data["version"]),
        citation=data["citation"],
        licence=data["licence"],
        path=str(path),
        items=tuple(items.values()),
        scores=tuple(scores.values()),
        missing=missing,
        bands=tuple(bands),
        norms=tuple(data.get("norms") or ()),
        reliability=tuple(data.get("reliability") or ()),
        meaningful_change=tuple(data.get("meaningful_change") or ()),
        methods=methods,
    )
    return inst, []


def _item_score(spec, common, items, groups, recodes, methods, reverse, where, problems):
    ref = spec["items"]
    members = _resolve_items(ref, items, groups)
    if members is None:
        problems.add(f"{where}.items", f"unknown group {ref!r} (use 'all', a group or item ids)")
        return None
    unknown = [m for m in members if m not in items]
    if unknown:
        problems.add(f"{where}.items", f"unknown items {unknown}")
        return None
    if not members:
        problems.add(f"{where}.items", f"{ref!r} holds no known item")
        return None
    if len(set(members)) != len(members):
        problems.add(f"{where}.items", "an item is listed twice")
    recode: dict[str, dict[int, float]] = {}
    method_name = spec.get("method")
    if method_name is not None:
        method = methods.get(method_name)
        if method is None:
            problems.add(f"{where}.method", f"unknown method {method_name!r}")
            return None
        overrides = {}
        for group, rec in (method.get("by_group") or {}).items():
            for item_id in groups.get(group, []):
                overrides[item_id] = rec
        for item_id in members:
            name = overrides.get(item_id, method["recode"])
            table = recodes.get(name)
            if table is None:
                return None
            scale = items[item_id].scale
            if not scale.integer:
                problems.add(
                    f"{where}.method", f"{item_id} is on a continuous scale; cannot recode"
                )
                return None
            uncovered = [c for c in scale.codes() if c not in table]
            if uncovered:
                problems.add(
                    f"recodes.{name}", f"does not cover codes {uncovered} of {item_id}'s scale"
                )
                return None
            recode[item_id] = table
    return Score(
        **common,
        items=tuple(members),
        recode=recode,
        reverse=frozenset(m for m in members if m in reverse),
        aggregate=spec["aggregate"],
        method=method_name,
    )


def _lookup_score(spec, common, scores, items, missing, where, problems):
    source = scores.get(spec["from"])
    if source is None:
        problems.add(f"{where}.from", f"{spec['from']!r} is not a score defined above this one")
        return None
    if missing.rule == "prorate":
        problems.add(f"{where}.lookup", "a lookup needs whole totals; it cannot follow prorating")
    if not source.items or not _is_integer_valued(source, items):
        problems.add(f"{where}.from", f"{source.id} is not a whole-number sum; cannot look it up")
        return None
    lookup = {int(k): float(v) for k, v in spec["lookup"].items()}
    expected = set(range(int(source.range[0]), int(source.range[1]) + 1))
    if set(lookup) != expected:
        gaps = sorted(expected - set(lookup))
        extra = sorted(set(lookup) - expected)
        problems.add(
            f"{where}.lookup",
            f"keys must cover {source.id} {min(expected)}-{max(expected)} exactly "
            f"(missing {gaps}, extra {extra})",
        )
        return None
    return Score(
        **common,
        source_score=source.id,
        lookup=lookup,
        lookup_status=spec.get("lookup_status"),
    )


def _bands(data, scores, problems) -> list[Band]:
    bands, seen = [], set()
    for j, spec in enumerate(data.get("bands") or []):
        where = f"bands[{j}]"
        score = scores.get(spec["score"])
        if score is None:
            problems.add(f"{where}.score", f"unknown score {spec['score']!r}")
            continue
        key = (spec["score"], spec["id"])
        if key in seen:
            problems.add(f"{where}.id", f"band id {spec['id']!r} repeats for {spec['score']}")
        seen.add(key)
        cuts = list(spec["thresholds"])
        if len(spec["labels"]) != len(cuts) + 1:
            problems.add(f"{where}.labels", "there must be one more label than thresholds")
        if any(b <= a for a, b in zip(cuts, cuts[1:], strict=False)):
            problems.add(f"{where}.thresholds", "thresholds must increase")
        lo, hi = score.range
        if any(not lo < c <= hi for c in cuts):
            problems.add(
                f"{where}.thresholds", f"thresholds must lie above {lo:g} and up to {hi:g}"
            )
        bands.append(
            Band(
                spec["id"],
                spec["score"],
                tuple(cuts),
                tuple(spec["labels"]),
                spec["source"],
                spec["status"],
                spec.get("note", ""),
            )
        )
    return bands


# --------------------------------------------------------------------------- public API


def definition_files(directory: str | Path) -> list[Path]:
    """Return the instrument files of a directory (``*.yaml`` not starting with ``_``)."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ConfigError("instrument directory not found", file=str(directory))
    return sorted(p for p in directory.glob("*.yaml") if not p.name.startswith("_"))


def check_files(paths: Iterable[str | Path], directory: str | Path | None = None) -> list[str]:
    """Check definition files; return one message per problem (empty when all are valid).

    Aliases are resolved against every definition in ``directory`` (by default the
    directory of each file), so a file can be checked on its own.
    """
    messages = []
    folder_items: dict[Path, dict[str, Item]] = {}
    for path in map(Path, paths):
        folder = Path(directory) if directory else path.parent
        try:
            data = read_definition(path)
        except InstrumentError as exc:
            messages.append(str(exc))
            continue
        problems = schema_problems(data, folder)
        if not problems:
            if folder not in folder_items:
                folder_items[folder] = _folder_items(folder)
            known = {
                k: v for k, v in folder_items[folder].items() if not k.startswith(f"{data['id']}_")
            }
            _, problems = check_definition(data, path, known)
        messages += [f"{path}: {where}: {message}" for where, message in problems]
    return messages


def _folder_items(directory: Path) -> dict[str, Item]:
    """Return the items of every valid definition in a folder (for resolving aliases)."""
    known: dict[str, Item] = {}
    for other in definition_files(directory):
        try:
            data = read_definition(other)
        except InstrumentError:
            continue
        if schema_problems(data, directory):
            continue
        inst, _ = check_definition(data, other, None)
        if inst is not None:
            known.update({item.id: item for item in inst.items})
    return known


def load_instruments(directory: str | Path) -> dict[str, Instrument]:
    """Load and check every instrument definition in a directory.

    Parameters
    ----------
    directory : str or pathlib.Path
        Folder holding ``<id>.yaml`` files and ``_schema.yaml``.

    Returns
    -------
    dict of str to Instrument
        Keyed by instrument id, in file-name order.

    Raises
    ------
    InstrumentError
        Listing every problem in every file, each with the file and key path.
    """
    files = definition_files(directory)
    messages = check_files(files, directory)
    if messages:
        raise InstrumentError(
            f"{len(messages)} problem(s) in instrument definitions:\n  " + "\n  ".join(messages)
        )
    out = {}
    for path in files:
        inst, _ = check_definition(read_definition(path), path, None)
        out[inst.id] = inst
    return out


def with_missing_rule(inst: Instrument, rule: str, max_missing: int = 0) -> Instrument:
    """Return a copy of ``inst`` scored under another missing-item rule (from config).

    Raises
    ------
    ConfigError
        If the rule is unknown, or prorating is asked for an instrument whose
        scores need whole totals (a lookup table) or would be left with no item.
    """
    if rule not in ("complete_case", "prorate"):
        raise ConfigError(
            f"unknown missing-item rule {rule!r} for {inst.id}", location="score.missing"
        )
    if rule == "complete_case":
        max_missing = 0
    elif any(s.lookup for s in inst.scores):
        raise ConfigError(
            f"{inst.id} has a lookup-table score that needs whole totals; it cannot be prorated",
            location=f"score.missing.{inst.id}",
        )
    elif max_missing < 1 or any(max_missing >= len(s.items) for s in inst.scores if s.items):
        raise ConfigError(
            f"max_missing for {inst.id} must be at least 1 and below every score's item count",
            location=f"score.missing.{inst.id}",
        )
    return replace(
        inst,
        missing=MissingRule(rule, max_missing, "set in the run configuration", "derived"),
    )


def with_band_thresholds(inst: Instrument, score: str, band_id: str, thresholds) -> Instrument:
    """Return a copy of ``inst`` with one band scheme's thresholds replaced (from config)."""
    bands = []
    found = False
    for band in inst.bands:
        if band.score == score and band.id == band_id:
            found = True
            cuts = tuple(float(t) for t in thresholds)
            lo, hi = inst_score_range(inst, score)
            if (
                len(cuts) != len(band.thresholds)
                or any(not lo < c <= hi for c in cuts)
                or any(b <= a for a, b in zip(cuts, cuts[1:], strict=False))
            ):
                raise ConfigError(
                    f"thresholds {list(thresholds)} do not fit band {band_id} of {score}",
                    location=f"score.bands.{score}.{band_id}",
                )
            band = replace(band, thresholds=cuts, source="set in the run configuration")
        bands.append(band)
    if not found:
        raise ConfigError(f"no band {band_id!r} for score {score!r}", location="score.bands")
    return replace(inst, bands=tuple(bands))


def inst_score_range(inst: Instrument, score: str) -> tuple[float, float]:
    """Return the declared range of a score of an instrument."""
    return next(s.range for s in inst.scores if s.id == score)


def describe(inst: Instrument) -> dict[str, Any]:
    """Return a plain summary of an instrument for ``wellbeing instruments show``."""
    return {
        "id": inst.id,
        "name": inst.name,
        "version": inst.version,
        "citation": inst.citation,
        "licence": inst.licence,
        "items": [
            {"id": i.id, "label": i.label, "codes": f"{i.scale.min:g}-{i.scale.max:g}"}
            | ({"alias": i.alias} if i.alias else {})
            for i in inst.items
        ],
        "missing_rule": inst.missing.describe(),
        "scores": [
            {
                "id": s.id,
                "label": s.label,
                "range": list(s.range),
                "higher_is": s.higher_is,
                **({"items": len(s.items), "aggregate": s.aggregate} if s.items else {}),
                **({"method": s.method} if s.method else {}),
                **({"from": s.source_score, "lookup": "table"} if s.lookup else {}),
            }
            for s in inst.scores
        ],
        "bands": [
            {
                "score": b.score,
                "id": b.id,
                "thresholds": list(b.thresholds),
                "labels": list(b.labels),
            }
            for b in inst.bands
        ],
        "unconfirmed": inst.unconfirmed_facts(),
    }
