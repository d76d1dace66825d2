"""Run configuration and source mapping files, parsed into frozen dataclasses.

Two YAML files drive a run:

``config/pipeline.yaml``
    The study design (ordered waves, groups, covariates), the sources to read,
    the mapping file, per-instrument scoring options and the output folder. It
    has one section per stage so that DVC can track each stage's parameters.
``config/mappings/<name>.yaml``
    How one survey export maps onto canonical columns: headers to item ids,
    wave and group labels to canonical ones, missing-value codes and extra
    response labels. Survey-tool quirks live here, never in code.

Relative paths are resolved against the current working directory (run from
the project root, as DVC does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from pipeline.errors import ConfigError
from pipeline.instruments import (
    Instrument,
    load_instruments,
    normalise_label,
    with_band_thresholds,
    with_missing_rule,
)
from pipeline.reasons import REASONS

_STR_LIST = {"type": "array", "items": {"type": ["string", "number"]}}
_LABELS = {"type": "object", "additionalProperties": {"type": ["string", "integer"]}}

MAPPING_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "description": {"type": "string"},
        "layout": {"enum": ["long", "wide"]},
        "columns": {"type": "object", "additionalProperties": {"type": "string"}},
        "waves": {"type": "object", "additionalProperties": _STR_LIST},
        "groups": {"type": "object", "additionalProperties": _STR_LIST},
        "missing_codes": _STR_LIST,
        "missing_codes_by_instrument": {"type": "object", "additionalProperties": _STR_LIST},
        "labels": {"type": "object", "additionalProperties": _LABELS},
        "wide_suffixes": {"type": "object", "additionalProperties": {"type": "string"}},
        "dates": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"dayfirst": {"type": "boolean"}},
        },
        "spss": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"use_value_labels": {"type": "boolean"}},
        },
    },
}

_SOURCE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["path"],
    "properties": {
        "path": {"type": "string"},
        "sheet": {"type": ["string", "integer"]},
        "wave": {"type": "string"},
        "layout": {"enum": ["long", "wide"]},
        "header_row": {"type": "integer", "minimum": 1},
    },
}

RUN_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["study", "ingest"],
    "properties": {
        "study": {
            "type": "object",
            "additionalProperties": False,
            "required": ["waves"],
            "properties": {
                "name": {"type": "string"},
                "waves": {"type": "array", "minItems": 1, "items": {"type": "string"}},
                "groups": {"type": "array", "items": {"type": "string"}},
                "intervention_group": {"type": "string"},
                "randomised": {"type": "boolean"},
                "covariates": {"type": "array", "items": {"type": "string"}},
            },
        },
        "instruments": {"type": "string"},
        "output": {"type": "string"},
        "ingest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["mapping", "sources"],
            "properties": {
                "mapping": {"type": "string"},
                "sources": {"type": "array", "minItems": 1, "items": _SOURCE},
                "pseudonymise_ids": {"type": "boolean"},
                "id_key_env": {"type": "string", "pattern": "^[A-Z_][A-Z0-9_]*$"},
            },
        },
        "validate": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "actions": {
                    "type": "object",
                    "additionalProperties": {"enum": ["quarantine", "set_missing", "flag"]},
                },
                "straight_lining": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"min_items": {"type": "integer", "minimum": 2}},
                },
                "thresholds": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "follow_up_response": {"type": "number", "minimum": 0, "maximum": 1},
                        "paired_cases": {"type": "integer", "minimum": 1},
                    },
                },
            },
        },
        "score": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "missing": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["rule"],
                        "properties": {
                            "rule": {"enum": ["complete_case", "prorate"]},
                            "max_missing": {"type": "integer", "minimum": 0},
                        },
                    },
                },
                "bands": {
                    "type": "object",
                    "additionalProperties": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "number"}},
                    },
                },
            },
        },
        "analyse": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "primary_outcome": {"type": "string"},
                "ancova_covariates": {"type": "array", "items": {"type": "string"}},
                "reliability_source": {"enum": ["published", "sample"]},
                "imputations": {"type": "integer", "minimum": 2},
                "seed": {"type": "integer"},
                "delta_grid": {"type": "array", "minItems": 1, "items": {"type": "number"}},
                "subgroups": {"type": "array", "items": {"type": "string"}},
                "min_subgroup_n": {"type": "integer", "minimum": 2},
                "dose": {"type": ["string", "null"]},
                "power": {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
                "attrition": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"smd_threshold": {"type": "number", "exclusiveMinimum": 0}},
                },
            },
        },
        "report": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"min_cell": {"type": "integer", "minimum": 1}},
        },
    },
}

RESERVED_COLUMNS = ("respondent_id", "wave", "group", "site", "date")
IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class SourceSpec:
    """One input file: its path and how to read it."""

    path: Path
    sheet: str | int | None = None
    wave: str | None = None
    layout: str | None = None
    header_row: int = 1


@dataclass(frozen=True)
class SourceMapping:
    """How one export's headers, labels and codes map onto canonical ones."""

    path: str
    layout: str = "long"
    columns: Mapping[str, str] = field(default_factory=dict)
    waves: Mapping[str, str] = field(default_factory=dict)
    groups: Mapping[str, str] = field(default_factory=dict)
    missing_codes: tuple[str, ...] = ()
    missing_codes_by_instrument: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    labels: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    wide_suffixes: Mapping[str, str] = field(default_factory=dict)
    dayfirst: bool = True
    use_value_labels: bool = True


@dataclass(frozen=True)
class Study:
    """The design: ordered waves (first is baseline), groups and covariates."""

    waves: tuple[str, ...]
    groups: tuple[str, ...] = ()
    covariates: tuple[str, ...] = ()
    intervention_group: str | None = None
    name: str = "Unnamed scheme"
    randomised: bool = False


@dataclass(frozen=True)
class ValidateOptions:
    """Validate-stage options: actions per reason code and the quality thresholds."""

    actions: Mapping[str, str] = field(default_factory=dict)
    straight_lining_min_items: int = 7
    min_follow_up_response: float = 0.5
    min_paired_cases: int = 30

    def action(self, code: str) -> str:
        """Return the action in force for a reason code."""
        return self.actions.get(code, REASONS[code].default)


@dataclass(frozen=True)
class AnalyseOptions:
    """Analyse-stage options; see ``config/pipeline.yaml`` for each one's meaning."""

    primary_outcome: str | None = None
    ancova_covariates: tuple[str, ...] = ()
    reliability_source: str = "published"
    imputations: int = 20
    seed: int = 2026
    delta_grid: tuple[float, ...] | None = None
    subgroups: tuple[str, ...] | None = None
    min_subgroup_n: int = 10
    dose: str | None = "sessions_attended"
    power: float = 0.8
    attrition_smd_threshold: float = 0.2


@dataclass(frozen=True)
class RunConfig:
    """Everything a run needs, parsed and checked."""

    path: str
    study: Study
    sources: tuple[SourceSpec, ...]
    mapping: SourceMapping
    instruments_dir: Path
    output_dir: Path
    missing_overrides: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    band_overrides: Mapping[str, Mapping[str, list[float]]] = field(default_factory=dict)
    validate: ValidateOptions = field(default_factory=ValidateOptions)
    analyse: AnalyseOptions = field(default_factory=AnalyseOptions)
    raw: Mapping[str, Any] = field(default_factory=dict)


def _read_yaml(path: Path, what: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{what} not found", file=str(path)) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read {what}: {exc}", file=str(path)) from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError(f"not valid YAML ({problem})", file=str(path), location=where) from None
    if not isinstance(data, dict):
        raise ConfigError(f"{what} must be a mapping of keys", file=str(path))
    return data


def _check_schema(data: dict[str, Any], schema: dict[str, Any], path: Path) -> None:
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: e.path)
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "(top level)"
        raise ConfigError(err.message, file=str(path), location=where)


def _alias_map(spec: Mapping[str, list], canonical: tuple[str, ...], path: Path, key: str):
    """Map every normalised label (and each canonical name itself) to its canonical value."""
    out = {normalise_label(c): c for c in canonical}
    for target, labels in (spec or {}).items():
        if canonical and target not in canonical:
            raise ConfigError(
                f"{target!r} is not one of the study's {key} {list(canonical)}",
                file=str(path),
                location=f"{key}.{target}",
            )
        out[normalise_label(target)] = target
        for label in labels:
            norm = normalise_label(label)
            if out.get(norm, target) != target:
                raise ConfigError(
                    f"label {label!r} maps to both {out[norm]!r} and {target!r}",
                    file=str(path),
                    location=f"{key}.{target}",
                )
            out[norm] = target
    return out


def load_mapping(path: str | Path, study: Study) -> SourceMapping:
    """Load and check a source mapping file.

    Parameters
    ----------
    path : str or pathlib.Path
        The mapping YAML.
    study : Study
        The design, whose waves and groups the labels must map onto.

    Returns
    -------
    SourceMapping
    """
    path = Path(path)
    data = _read_yaml(path, "mapping file")
    _check_schema(data, MAPPING_SCHEMA, path)
    columns = {}
    for header, target in (data.get("columns") or {}).items():
        if not IDENTIFIER.match(target):
            raise ConfigError(
                f"target {target!r} must be a snake_case column name",
                file=str(path),
                location=f"columns.{header}",
            )
        columns[normalise_label(header)] = target
    labels: dict[str, dict[str, int]] = {}
    for target, table in (data.get("labels") or {}).items():
        labels[target] = {}
        for text, code in table.items():
            if isinstance(code, list) or not str(code).lstrip("-").isdigit():
                raise ConfigError(
                    f"label {text!r} must map to one whole-number code",
                    file=str(path),
                    location=f"labels.{target}",
                )
            labels[target][normalise_label(text)] = int(code)
    suffixes = dict(data.get("wide_suffixes") or {})
    for wave in suffixes:
        if wave not in study.waves:
            raise ConfigError(
                f"{wave!r} is not one of the study waves {list(study.waves)}",
                file=str(path),
                location=f"wide_suffixes.{wave}",
            )
    layout = data.get("layout", "long")
    if layout == "wide" and not suffixes:
        raise ConfigError(
            "a wide layout needs wide_suffixes (wave: column suffix)",
            file=str(path),
            location="layout",
        )
    return SourceMapping(
        path=str(path),
        layout=layout,
        columns=columns,
        waves=_alias_map(data.get("waves"), study.waves, path, "waves"),
        groups=_alias_map(data.get("groups"), study.groups, path, "groups"),
        missing_codes=tuple(normalise_label(c) for c in data.get("missing_codes") or ()),
        missing_codes_by_instrument={
            k: tuple(normalise_label(c) for c in v)
            for k, v in (data.get("missing_codes_by_instrument") or {}).items()
        },
        labels=labels,
        wide_suffixes=suffixes,
        dayfirst=(data.get("dates") or {}).get("dayfirst", True),
        use_value_labels=(data.get("spss") or {}).get("use_value_labels", True),
    )


def load_config(path: str | Path, output: str | Path | None = None) -> RunConfig:
    """Load and check the run configuration and the mapping file it names.

    Parameters
    ----------
    path : str or pathlib.Path
        ``config/pipeline.yaml`` or another run configuration.
    output : str or pathlib.Path, optional
        Output folder; overrides the configuration's ``output``.

    Returns
    -------
    RunConfig

    Raises
    ------
    ConfigError
        Naming the file and key of the first problem.
    """
    path = Path(path)
    data = _read_yaml(path, "run configuration")
    _check_schema(data, RUN_SCHEMA, path)
    st = data["study"]
    waves = tuple(st["waves"])
    for key, values in (("waves", waves), ("groups", tuple(st.get("groups") or ()))):
        bad = [v for v in values if not IDENTIFIER.match(v)]
        if bad or len(set(values)) != len(values):
            raise ConfigError(
                f"{key} must be distinct snake_case names (got {list(values)})",
                file=str(path),
                location=f"study.{key}",
            )
    covariates = tuple(st.get("covariates") or ())
    clash = [c for c in covariates if c in RESERVED_COLUMNS or not IDENTIFIER.match(c)]
    if clash:
        raise ConfigError(
            f"covariates {clash} must be snake_case and not one of {list(RESERVED_COLUMNS)}",
            file=str(path),
            location="study.covariates",
        )
    groups = tuple(st.get("groups") or ())
    if st.get("intervention_group") and st["intervention_group"] not in groups:
        raise ConfigError(
            f"intervention_group {st['intervention_group']!r} is not in groups {list(groups)}",
            file=str(path),
            location="study.intervention_group",
        )
    study = Study(
        waves,
        groups,
        covariates,
        st.get("intervention_group"),
        st.get("name", "Unnamed scheme"),
        st.get("randomised", False),
    )
    sources = tuple(
        SourceSpec(
            Path(s["path"]),
            s.get("sheet"),
            s.get("wave"),
            s.get("layout"),
            s.get("header_row", 1),
        )
        for s in data["ingest"]["sources"]
    )
    for i, src in enumerate(sources):
        if src.wave is not None and src.wave not in waves:
            raise ConfigError(
                f"wave {src.wave!r} is not one of the study waves {list(waves)}",
                file=str(path),
                location=f"ingest.sources[{i}].wave",
            )
    score = data.get("score") or {}
    return RunConfig(
        validate=_validate_options(data.get("validate") or {}, path),
        analyse=_analyse_options(data.get("analyse") or {}, study, path),
        path=str(path),
        study=study,
        sources=sources,
        mapping=load_mapping(data["ingest"]["mapping"], study),
        instruments_dir=Path(data.get("instruments", "instruments")),
        output_dir=Path(output if output is not None else data.get("output", "output")),
        missing_overrides=score.get("missing") or {},
        band_overrides=score.get("bands") or {},
        raw=data,
    )


def _validate_options(section: Mapping[str, Any], path: Path) -> ValidateOptions:
    actions = dict(section.get("actions") or {})
    for code, action in actions.items():
        reason = REASONS.get(code)
        if reason is None:
            raise ConfigError(
                f"unknown reason code {code!r}; known: {', '.join(REASONS)}",
                file=str(path),
                location=f"validate.actions.{code}",
            )
        if action not in reason.allowed:
            raise ConfigError(
                f"{code} allows {list(reason.allowed)}, not {action!r}",
                file=str(path),
                location=f"validate.actions.{code}",
            )
    thresholds = section.get("thresholds") or {}
    return ValidateOptions(
        actions=actions,
        straight_lining_min_items=(section.get("straight_lining") or {}).get("min_items", 7),
        min_follow_up_response=thresholds.get("follow_up_response", 0.5),
        min_paired_cases=thresholds.get("paired_cases", 30),
    )


def _analyse_options(section: Mapping[str, Any], study: Study, path: Path) -> AnalyseOptions:
    unknown = [c for c in section.get("ancova_covariates", []) if c not in study.covariates]
    if unknown:
        raise ConfigError(
            f"{unknown} are not declared in study.covariates {list(study.covariates)}",
            file=str(path),
            location="analyse.ancova_covariates",
        )
    allowed = {"site", *study.covariates}
    unknown = [c for c in section.get("subgroups") or [] if c not in allowed]
    if unknown:
        raise ConfigError(
            f"subgroups {unknown} must be 'site' or declared covariates",
            file=str(path),
            location="analyse.subgroups",
        )
    grid = section.get("delta_grid")
    subgroups = section.get("subgroups")
    return AnalyseOptions(
        primary_outcome=section.get("primary_outcome"),
        ancova_covariates=tuple(section.get("ancova_covariates") or ()),
        reliability_source=section.get("reliability_source", "published"),
        imputations=section.get("imputations", 20),
        seed=section.get("seed", 2026),
        delta_grid=tuple(grid) if grid else None,
        subgroups=tuple(subgroups) if subgroups is not None else None,
        min_subgroup_n=section.get("min_subgroup_n", 10),
        dose=section.get("dose", "sessions_attended"),
        power=section.get("power", 0.8),
        attrition_smd_threshold=(section.get("attrition") or {}).get("smd_threshold", 0.2),
    )


def configured_instruments(cfg: RunConfig) -> dict[str, Instrument]:
    """Load the instrument definitions and apply the run's scoring options.

    Parameters
    ----------
    cfg : RunConfig
        Holds the instrument folder, missing-item overrides and band overrides.

    Returns
    -------
    dict of str to Instrument
    """
    instruments = load_instruments(cfg.instruments_dir)
    for iid, opts in cfg.missing_overrides.items():
        if iid not in instruments:
            raise ConfigError(
                f"unknown instrument {iid!r}", file=cfg.path, location=f"score.missing.{iid}"
            )
        instruments[iid] = with_missing_rule(
            instruments[iid], opts["rule"], opts.get("max_missing", 0)
        )
    for score_id, schemes in cfg.band_overrides.items():
        owner = next((i for i in instruments.values() if score_id in i.score_ids), None)
        if owner is None:
            raise ConfigError(
                f"unknown score {score_id!r}", file=cfg.path, location=f"score.bands.{score_id}"
            )
        for band_id, cuts in schemes.items():
            instruments[owner.id] = with_band_thresholds(
                instruments[owner.id], score_id, band_id, cuts
            )
    return instruments
