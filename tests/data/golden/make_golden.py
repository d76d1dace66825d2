"""Write the golden scoring fixtures: item answers plus hand-calculated expected scores.

This script is an independent hand calculation. It does not import the pipeline and
does not read its code: every rule and table below is typed from the shared reference
(instruments.md, sections 1-5) and the scoring contract of ``pipeline.score.score_items``.
The YAML files are used only for column names (typed here as plain lists).

Standard library only. Run from anywhere:

    python tests/data/golden/make_golden.py

For each fixture it writes ``<name>_items.csv`` (respondent_id, wave, item codes; an
empty cell is a missing answer) and ``<name>_expected.csv`` (respondent_id, wave, case
description, then every expected output column of the instrument; an empty cell is NaN).

Contract rules applied (for every instrument):

* a code is valid when it is a whole number within the scale's min..max;
* any answered item with an invalid code: status ``out_of_range``, every score empty;
* no answered item: status ``not_administered``, every score empty;
* complete_case: a score is computed only when every one of its items is answered;
* prorate(max_missing=k): a score is computed when at most k of its items are missing,
  value = mean of the answered item points x number of items in the score;
  ``<inst>_prorated`` is True when a computed score had missing items;
* status ``scored`` (every score computed), ``partial`` (some), ``too_many_missing`` (none);
* ``<inst>_n_answered`` counts items answered with a valid code;
* band label: start at labels[0]; each threshold the value is >= moves it one label up.
"""

import csv
import random
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20240611

# --------------------------------------------------------------------------- tables
# Typed from instruments.md; deliberately not read from the YAML files.

# fmt: off
# Section 1: WEMWBS, 14 items coded 1-5, total = plain sum (14-70).
WEMWBS_ITEMS = [
    "wemwbs_1", "wemwbs_2", "wemwbs_3", "wemwbs_4", "wemwbs_5", "wemwbs_6", "wemwbs_7",
    "wemwbs_8", "wemwbs_9", "wemwbs_10", "wemwbs_11", "wemwbs_12", "wemwbs_13", "wemwbs_14",
]
WEMWBS_BAND_THRESHOLDS = [41, 45, 60]
WEMWBS_BAND_LABELS = ["probable depression", "possible depression", "average", "high"]

# Section 2: SWEMWBS = WEMWBS items 1, 2, 3, 6, 7, 9, 11.
SWEMWBS_ITEMS = [
    "swemwbs_1", "swemwbs_2", "swemwbs_3", "swemwbs_4", "swemwbs_5", "swemwbs_6", "swemwbs_7",
]
SWEMWBS_ALIAS = {
    "swemwbs_1": "wemwbs_1",
    "swemwbs_2": "wemwbs_2",
    "swemwbs_3": "wemwbs_3",
    "swemwbs_4": "wemwbs_6",
    "swemwbs_5": "wemwbs_7",
    "swemwbs_6": "wemwbs_9",
    "swemwbs_7": "wemwbs_11",
}
# Raw -> metric (Rasch) conversion table, instruments.md section 2, typed by hand.
SWEMWBS_METRIC = {
    7: 7.00, 8: 9.51, 9: 11.25, 10: 12.40, 11: 13.33, 12: 14.08, 13: 14.75,
    14: 15.32, 15: 15.84, 16: 16.36, 17: 16.88, 18: 17.43, 19: 17.98, 20: 18.59,
    21: 19.25, 22: 19.98, 23: 20.73, 24: 21.54, 25: 22.35, 26: 23.21, 27: 24.11,
    28: 25.03, 29: 26.02, 30: 27.03, 31: 28.13, 32: 29.31, 33: 30.70, 34: 32.55,
    35: 35.00,
}

# Section 3: GHQ-28, coded 1-4 by column position.
GHQ_SUBSCALES = {
    "somatic": ["ghq28_a1", "ghq28_a2", "ghq28_a3", "ghq28_a4", "ghq28_a5", "ghq28_a6",
                "ghq28_a7"],
    "anxiety_insomnia": ["ghq28_b1", "ghq28_b2", "ghq28_b3", "ghq28_b4", "ghq28_b5",
                         "ghq28_b6", "ghq28_b7"],
    "social_dysfunction": ["ghq28_c1", "ghq28_c2", "ghq28_c3", "ghq28_c4", "ghq28_c5",
                           "ghq28_c6", "ghq28_c7"],
    "severe_depression": ["ghq28_d1", "ghq28_d2", "ghq28_d3", "ghq28_d4", "ghq28_d5",
                          "ghq28_d6", "ghq28_d7"],
}
GHQ_ITEMS = (
    GHQ_SUBSCALES["somatic"]
    + GHQ_SUBSCALES["anxiety_insomnia"]
    + GHQ_SUBSCALES["social_dysfunction"]
    + GHQ_SUBSCALES["severe_depression"]
)
GHQ_METHODS = ["ghq", "likert", "cghq"]
# GHQ (bimodal) 0-0-1-1; Likert 0-1-2-3.
GHQ_POINTS = {1: 0, 2: 0, 3: 1, 4: 1}
LIKERT_POINTS = {1: 0, 2: 1, 3: 2, 4: 3}
# C-GHQ: the 7 positive items (A1, C1, C3, C4, C5, C6, C7) 0-0-1-1, the other 21 0-1-1-1.
CGHQ_POSITIVE_ITEMS = [
    "ghq28_a1", "ghq28_c1", "ghq28_c3", "ghq28_c4", "ghq28_c5", "ghq28_c6", "ghq28_c7",
]
CGHQ_POSITIVE_POINTS = {1: 0, 2: 0, 3: 1, 4: 1}
CGHQ_NEGATIVE_POINTS = {1: 0, 2: 1, 3: 1, 4: 1}
GHQ_CASE_LABELS = ["below threshold", "above threshold (possible case)"]
GHQ_CASE_THRESHOLD_GHQ = 5  # 4/5: a GHQ-method total >= 5 is a possible case
GHQ_CASE_THRESHOLD_LIKERT = 24  # 23/24: a Likert total >= 24 is a possible case

# Section 4: GQOL, one item 0-100.
GQOL_ITEMS = ["gqol_1"]

# Section 5: ONS4, four single items 0-10, each its own score.
ONS4_ITEMS = ["ons4_satisfaction", "ons4_worthwhile", "ons4_happiness", "ons4_anxiety"]
ONS4_POSITIVE_THRESHOLDS = [5, 7, 9]  # 0-4 low, 5-6 medium, 7-8 high, 9-10 very high
ONS4_POSITIVE_LABELS = ["low", "medium", "high", "very high"]
ONS4_ANXIETY_THRESHOLDS = [2, 4, 6]  # 0-1 very low, 2-3 low, 4-5 medium, 6-10 high
ONS4_ANXIETY_LABELS = ["very low", "low", "medium", "high"]

# Section 5: UCLA-3, three items coded 1-3, total 3-9; 3-5 not lonely, 6-9 lonely.
UCLA3_ITEMS = ["ucla3_companionship", "ucla3_left_out", "ucla3_isolated"]
UCLA3_THRESHOLD = 6
UCLA3_LABELS = ["not lonely", "lonely"]


# fmt: on


# --------------------------------------------------------------------------- helpers


def is_valid(code, lowest, highest):
    """Return True when ``code`` is a whole number within lowest..highest."""
    return code == int(code) and lowest <= code <= highest


def check_answers(codes, lowest, highest):
    """Return (status or None, number of valid answers) for one instrument's answers.

    The status is ``out_of_range`` or ``not_administered`` when either applies, else None.
    """
    n_answered = 0
    n_invalid = 0
    for code in codes:
        if code is None:
            continue
        if is_valid(code, lowest, highest):
            n_answered += 1
        else:
            n_invalid += 1
    if n_invalid > 0:
        return "out_of_range", n_answered
    if n_answered == 0:
        return "not_administered", n_answered
    return None, n_answered


def sum_score(points, max_missing):
    """Score one set of item points (None = missing): return (value or None, prorated).

    complete_case is ``max_missing == 0``. Prorating: mean of answered points times the
    number of items in the score.
    """
    answered = []
    for p in points:
        if p is not None:
            answered.append(p)
    n_missing = len(points) - len(answered)
    if n_missing == 0:
        total = 0
        for p in answered:
            total += p
        return total, False
    if n_missing <= max_missing:
        total = 0
        for p in answered:
            total += p
        return total / len(answered) * len(points), True
    return None, False


def overall_status(values):
    """Return scored / partial / too_many_missing from the computed score values."""
    n_computed = 0
    for v in values:
        if v is not None:
            n_computed += 1
    if n_computed == len(values):
        return "scored"
    if n_computed == 0:
        return "too_many_missing"
    return "partial"


def band(value, thresholds, labels):
    """Return the band label of a value (empty for a missing value)."""
    if value is None:
        return None
    label = labels[0]
    for i in range(len(thresholds)):
        if value >= thresholds[i]:
            label = labels[i + 1]
    return label


def rule_text(max_missing):
    """Return the missing-rule text recorded beside every score."""
    if max_missing == 0:
        return "complete_case"
    return f"prorate(max_missing={max_missing})"


def fmt(value):
    """Format one cell: empty for missing; ints as ints, floats in full (repr) precision."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, str):
        return value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def totals_to_codes(total, n, lowest, highest, rng):
    """Return n whole codes in lowest..highest adding up to ``total`` (random spread)."""
    codes = [lowest] * n
    extra = total - lowest * n
    if extra < 0 or extra > (highest - lowest) * n:
        raise ValueError(f"total {total} impossible for {n} items {lowest}-{highest}")
    while extra > 0:
        i = rng.randrange(n)
        if codes[i] < highest:
            codes[i] += 1
            extra -= 1
    return codes


def write_fixture(name, item_columns, rows, expected_columns, expected_rows):
    """Write ``<name>_items.csv`` and ``<name>_expected.csv``."""
    with open(HERE / f"{name}_items.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["respondent_id", "wave"] + item_columns)
        for row in rows:
            w.writerow([row["respondent_id"], row["wave"]] + [fmt(row[c]) for c in item_columns])
    with open(HERE / f"{name}_expected.csv", "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["respondent_id", "wave", "case"] + expected_columns)
        for row, exp in zip(rows, expected_rows, strict=True):
            w.writerow(
                [row["respondent_id"], row["wave"], row["case"]]
                + [fmt(exp[c]) for c in expected_columns]
            )
    print(f"{name}: {len(rows)} rows")


def make_row(prefix, number, case, item_columns, codes):
    """Return one input row: ids, a case description and the item codes (None = missing)."""
    row = {
        "respondent_id": f"{prefix}{number:03d}",
        "wave": 1 + number % 2,
        "case": case,
    }
    for col, code in zip(item_columns, codes, strict=True):
        row[col] = code
    return row


# --------------------------------------------------------------------------- WEMWBS


def wemwbs_columns():
    return [
        "wemwbs_total",
        "wemwbs_total_band_depression_risk",
        "wemwbs_n_answered",
        "wemwbs_prorated",
        "wemwbs_status",
        "wemwbs_missing_rule",
    ]


def score_wemwbs(row, max_missing=0):
    codes = [row[c] for c in WEMWBS_ITEMS]
    status, n_answered = check_answers(codes, 1, 5)
    total = None
    prorated = False
    if status is None:
        # Item points are the codes themselves (no reverse scoring).
        total, prorated = sum_score(codes, max_missing)
        status = overall_status([total])
    return {
        "wemwbs_total": total,
        "wemwbs_total_band_depression_risk": band(
            total, WEMWBS_BAND_THRESHOLDS, WEMWBS_BAND_LABELS
        ),
        "wemwbs_n_answered": n_answered,
        "wemwbs_prorated": prorated,
        "wemwbs_status": status,
        "wemwbs_missing_rule": rule_text(max_missing),
    }


def wemwbs_rows(rng):
    n = 14
    cases = []
    cases.append(("all minimum (1)", [1] * n))
    cases.append(("all maximum (5)", [5] * n))
    for total in [40, 41, 44, 45, 59, 60]:
        cases.append((f"band edge, total {total}", totals_to_codes(total, n, 1, 5, rng)))
    for k in range(6):
        cases.append((f"random complete {k + 1}", [rng.randint(1, 5) for _ in range(n)]))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[4] = None
    cases.append(("one missing (item 5)", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[0] = None
    codes[13] = None
    cases.append(("two missing (items 1, 14)", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    for i in [1, 6, 10]:
        codes[i] = None
    cases.append(("three missing (items 2, 7, 11)", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    for i in [0, 2, 4, 6, 8, 10, 12]:
        codes[i] = None
    cases.append(("seven missing (odd items)", codes))
    codes = [None] * n
    codes[7] = 3
    cases.append(("only item 8 answered", codes))
    cases.append(("all missing", [None] * n))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[2] = 6
    cases.append(("out of range code 6 (item 3)", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[9] = 0
    cases.append(("out of range code 0 (item 10)", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[5] = 3.5
    cases.append(("non-integer code 3.5 (item 6)", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[0] = None
    codes[12] = 9
    cases.append(("out of range code 9 plus one missing", codes))
    return [
        make_row("WEM", i + 1, case, WEMWBS_ITEMS, codes) for i, (case, codes) in enumerate(cases)
    ]


def wemwbs_prorate_rows(rng):
    n = 14
    cases = []
    cases.append(("complete, all minimum", [1] * n))
    cases.append(("complete, all maximum", [5] * n))
    for k in range(3):
        cases.append((f"complete random {k + 1}", [rng.randint(1, 5) for _ in range(n)]))
    for k, gone in enumerate([[0], [6], [13]]):
        codes = [rng.randint(1, 5) for _ in range(n)]
        for i in gone:
            codes[i] = None
        cases.append((f"one missing, random {k + 1}", codes))
    codes = [1] * n
    codes[3] = None
    cases.append(("one missing, rest all 1 (prorated 14)", codes))
    codes = [5] * n
    codes[8] = None
    codes[9] = None
    cases.append(("two missing, rest all 5 (prorated 70)", codes))
    for k, gone in enumerate([[1, 2], [4, 11], [0, 13]]):
        codes = [rng.randint(1, 5) for _ in range(n)]
        for i in gone:
            codes[i] = None
        cases.append((f"two missing, random {k + 1}", codes))
    # 12 answered summing to 35: prorated 35 / 12 * 14 = 40.83 (probable depression)
    codes = totals_to_codes(35, 12, 1, 5, rng) + [None, None]
    cases.append(("two missing, prorated 40.83 just below band edge 41", codes))
    # 13 answered summing to 38: prorated 38 / 13 * 14 = 40.92; 39 -> 42.0
    codes = totals_to_codes(39, 13, 1, 5, rng) + [None]
    cases.append(("one missing, prorated exactly 42", codes))
    codes = totals_to_codes(38, 13, 1, 5, rng) + [None]
    cases.append(("one missing, prorated 40.92", codes))
    for k, gone in enumerate([[0, 1, 2], [3, 8, 12]]):
        codes = [rng.randint(1, 5) for _ in range(n)]
        for i in gone:
            codes[i] = None
        cases.append((f"three missing, random {k + 1}", codes))
    codes = [None] * n
    codes[0] = 4
    cases.append(("only one answered", codes))
    cases.append(("all missing", [None] * n))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[5] = None
    codes[6] = 2.5
    cases.append(("one missing plus non-integer code 2.5", codes))
    return [
        make_row("WPR", i + 1, case, WEMWBS_ITEMS, codes) for i, (case, codes) in enumerate(cases)
    ]


# --------------------------------------------------------------------------- SWEMWBS


def swemwbs_columns():
    return [
        "swemwbs_raw",
        "swemwbs_metric",
        "swemwbs_n_answered",
        "swemwbs_prorated",
        "swemwbs_status",
        "swemwbs_missing_rule",
    ]


def score_swemwbs(codes):
    """Score SWEMWBS from its seven codes (in swemwbs_1..swemwbs_7 order)."""
    status, n_answered = check_answers(codes, 1, 5)
    raw = None
    metric = None
    if status is None:
        raw, _ = sum_score(codes, 0)
        if raw is not None:
            metric = SWEMWBS_METRIC[raw]
        status = overall_status([raw, metric])
    return {
        "swemwbs_raw": raw,
        "swemwbs_metric": metric,
        "swemwbs_n_answered": n_answered,
        "swemwbs_prorated": False,
        "swemwbs_status": status,
        "swemwbs_missing_rule": "complete_case",
    }


def swemwbs_rows(rng):
    n = 7
    cases = []
    for raw in range(7, 36):
        cases.append((f"raw total {raw}", totals_to_codes(raw, n, 1, 5, rng)))
    cases[0] = ("raw total 7, all minimum (1)", cases[0][1])
    cases[-1] = ("raw total 35, all maximum (5)", cases[-1][1])
    for k in range(3):
        cases.append((f"random complete {k + 1}", [rng.randint(1, 5) for _ in range(n)]))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[3] = None
    cases.append(("one missing (item 4)", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    for i in [0, 2, 5]:
        codes[i] = None
    cases.append(("three missing", codes))
    codes = [None] * n
    codes[6] = 5
    cases.append(("only item 7 answered", codes))
    cases.append(("all missing", [None] * n))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[1] = 6
    cases.append(("out of range code 6", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[4] = 0
    cases.append(("out of range code 0", codes))
    codes = [rng.randint(1, 5) for _ in range(n)]
    codes[2] = 4.5
    cases.append(("non-integer code 4.5", codes))
    return [
        make_row("SWE", i + 1, case, SWEMWBS_ITEMS, codes) for i, (case, codes) in enumerate(cases)
    ]


def swemwbs_alias_rows(rng):
    """Rows holding only the 14 WEMWBS columns; SWEMWBS is read through its aliases."""
    alias_positions = []  # index in WEMWBS_ITEMS of swemwbs_1..swemwbs_7
    for item in SWEMWBS_ITEMS:
        alias_positions.append(WEMWBS_ITEMS.index(SWEMWBS_ALIAS[item]))
    other_positions = [i for i in range(14) if i not in alias_positions]

    def full_row(short_codes, other_codes=None):
        codes = [None] * 14
        for pos, code in zip(alias_positions, short_codes, strict=True):
            codes[pos] = code
        for k, pos in enumerate(other_positions):
            codes[pos] = rng.randint(1, 5) if other_codes is None else other_codes[k]
        return codes

    cases = []
    for raw in range(7, 36):
        cases.append(
            (f"raw total {raw} from WEMWBS columns", full_row(totals_to_codes(raw, 7, 1, 5, rng)))
        )
    short = [rng.randint(1, 5) for _ in range(7)]
    codes = full_row(short)
    codes[3] = None  # wemwbs_4 is not a SWEMWBS item
    cases.append(("wemwbs_4 missing (not a SWEMWBS item): still scored", codes))
    codes = full_row([rng.randint(1, 5) for _ in range(7)])
    codes[4] = 9  # wemwbs_5 is not a SWEMWBS item
    cases.append(("wemwbs_5 = 9 (not a SWEMWBS item): SWEMWBS still scored", codes))
    codes = full_row([rng.randint(1, 5) for _ in range(7)])
    codes[5] = None  # wemwbs_6 = swemwbs_4
    cases.append(("wemwbs_6 missing (= swemwbs_4)", codes))
    codes = full_row([rng.randint(1, 5) for _ in range(7)])
    codes[8] = 7  # wemwbs_9 = swemwbs_6
    cases.append(("wemwbs_9 = 7 (= swemwbs_6): out of range", codes))
    codes = full_row([rng.randint(1, 5) for _ in range(7)])
    codes[10] = 1.5  # wemwbs_11 = swemwbs_7
    cases.append(("wemwbs_11 = 1.5 (= swemwbs_7): non-integer", codes))
    codes = full_row([None] * 7)
    cases.append(("only non-SWEMWBS WEMWBS items answered", codes))
    cases.append(("all missing", [None] * 14))
    return [
        make_row("SWA", i + 1, case, WEMWBS_ITEMS, codes) for i, (case, codes) in enumerate(cases)
    ]


def score_swemwbs_from_wemwbs(row):
    codes = []
    for item in SWEMWBS_ITEMS:
        codes.append(row[SWEMWBS_ALIAS[item]])
    return score_swemwbs(codes)


# --------------------------------------------------------------------------- GHQ-28


def ghq_columns():
    cols = []
    for sub in list(GHQ_SUBSCALES) + ["total"]:
        for method in GHQ_METHODS:
            cols.append(f"ghq28_{sub}_{method}")
    cols += [
        "ghq28_total_ghq_band_caseness_ghq",
        "ghq28_total_likert_band_caseness_likert",
        "ghq28_n_answered",
        "ghq28_prorated",
        "ghq28_status",
        "ghq28_missing_rule",
    ]
    return cols


def ghq_points(item, code, method):
    if code is None:
        return None
    if method == "ghq":
        return GHQ_POINTS[code]
    if method == "likert":
        return LIKERT_POINTS[code]
    if item in CGHQ_POSITIVE_ITEMS:
        return CGHQ_POSITIVE_POINTS[code]
    return CGHQ_NEGATIVE_POINTS[code]


def score_ghq28(row):
    codes = [row[c] for c in GHQ_ITEMS]
    status, n_answered = check_answers(codes, 1, 4)
    out = {}
    for sub in list(GHQ_SUBSCALES) + ["total"]:
        for method in GHQ_METHODS:
            out[f"ghq28_{sub}_{method}"] = None
    if status is None:
        for sub in list(GHQ_SUBSCALES) + ["total"]:
            items = GHQ_ITEMS if sub == "total" else GHQ_SUBSCALES[sub]
            for method in GHQ_METHODS:
                points = []
                for item in items:
                    code = row[item]
                    points.append(None if code is None else ghq_points(item, int(code), method))
                out[f"ghq28_{sub}_{method}"], _ = sum_score(points, 0)
        status = overall_status(list(out.values()))
    out["ghq28_total_ghq_band_caseness_ghq"] = band(
        out["ghq28_total_ghq"], [GHQ_CASE_THRESHOLD_GHQ], GHQ_CASE_LABELS
    )
    out["ghq28_total_likert_band_caseness_likert"] = band(
        out["ghq28_total_likert"], [GHQ_CASE_THRESHOLD_LIKERT], GHQ_CASE_LABELS
    )
    out["ghq28_n_answered"] = n_answered
    out["ghq28_prorated"] = False
    out["ghq28_status"] = status
    out["ghq28_missing_rule"] = "complete_case"
    return out


def ghq28_rows(rng):
    n = 28
    pos = [GHQ_ITEMS.index(item) for item in CGHQ_POSITIVE_ITEMS]
    cases = []
    cases.append(("all minimum (1): 0/0/0", [1] * n))
    cases.append(("all maximum (4): 28/84/28", [4] * n))
    cases.append(("every item code 2: GHQ 0, Likert 28, C-GHQ 21", [2] * n))
    cases.append(("every item code 3: GHQ 28, Likert 56, C-GHQ 28", [3] * n))
    cases.append(("codes cycle 1,2,3,4", [1 + i % 4 for i in range(n)]))
    cases.append(("codes cycle 4,3,2,1", [4 - i % 4 for i in range(n)]))
    codes = [1] * n
    for i in pos:
        codes[i] = 2
    cases.append(("positive items 2, others 1: C-GHQ 0, Likert 7", codes))
    codes = [2] * n
    for i in pos:
        codes[i] = 1
    cases.append(("positive items 1, others 2: C-GHQ 21, Likert 21", codes))
    codes = [1] * n
    for i in pos:
        codes[i] = 3
    cases.append(("positive items 3, others 1: GHQ 7, C-GHQ 7, Likert 14", codes))
    codes = [1] * n
    for i in [0, 8, 16, 24]:
        codes[i] = 3
    cases.append(("GHQ total 4, just below caseness", codes))
    codes = [1] * n
    for i in [0, 8, 16, 24, 27]:
        codes[i] = 4
    cases.append(("GHQ total 5, at caseness threshold", codes))
    codes = [1] * n
    for i in range(7):
        codes[1 + i * 4] = 4
    codes[2] = 3
    cases.append(("Likert total 23, just below caseness", codes))
    codes = list(codes)
    codes[3] = 2
    cases.append(("Likert total 24, at caseness threshold", codes))
    for k in range(6):
        cases.append((f"random complete {k + 1}", [rng.randint(1, 4) for _ in range(n)]))
    codes = [rng.randint(1, 4) for _ in range(n)]
    codes[GHQ_ITEMS.index("ghq28_d4")] = None
    cases.append(("one D item missing: A, B, C scored, partial", codes))
    codes = [rng.randint(1, 4) for _ in range(n)]
    codes[GHQ_ITEMS.index("ghq28_a1")] = None
    codes[GHQ_ITEMS.index("ghq28_c7")] = None
    cases.append(("A1 and C7 missing: B, D scored, partial", codes))
    codes = [None] * n
    for i in range(7):
        codes[i] = rng.randint(1, 4)
    cases.append(("only subscale A answered: partial", codes))
    codes = [rng.randint(1, 4) for _ in range(n)]
    for item in ["ghq28_a2", "ghq28_b5", "ghq28_c1", "ghq28_d7"]:
        codes[GHQ_ITEMS.index(item)] = None
    cases.append(("one missing in every subscale: too many missing", codes))
    codes = [None] * n
    codes[GHQ_ITEMS.index("ghq28_b2")] = 3
    codes[GHQ_ITEMS.index("ghq28_c4")] = 2
    cases.append(("two items answered: too many missing", codes))
    cases.append(("all missing", [None] * n))
    codes = [rng.randint(1, 4) for _ in range(n)]
    codes[GHQ_ITEMS.index("ghq28_b3")] = 5
    cases.append(("out of range code 5 (B3)", codes))
    codes = [rng.randint(1, 4) for _ in range(n)]
    codes[GHQ_ITEMS.index("ghq28_a1")] = 0
    cases.append(("out of range code 0 (A1)", codes))
    codes = [rng.randint(1, 4) for _ in range(n)]
    codes[GHQ_ITEMS.index("ghq28_c2")] = 2.5
    cases.append(("non-integer code 2.5 (C2)", codes))
    codes = [rng.randint(1, 4) for _ in range(n)]
    codes[GHQ_ITEMS.index("ghq28_d1")] = None
    codes[GHQ_ITEMS.index("ghq28_d2")] = 7
    cases.append(("D1 missing plus code 7 in D2", codes))
    return [make_row("GHQ", i + 1, case, GHQ_ITEMS, codes) for i, (case, codes) in enumerate(cases)]


# --------------------------------------------------------------------------- GQOL


def gqol_columns():
    return ["gqol_score", "gqol_n_answered", "gqol_prorated", "gqol_status", "gqol_missing_rule"]


def score_gqol(row):
    codes = [row["gqol_1"]]
    status, n_answered = check_answers(codes, 0, 100)
    score = None
    if status is None:
        score, _ = sum_score(codes, 0)
        status = overall_status([score])
    return {
        "gqol_score": score,
        "gqol_n_answered": n_answered,
        "gqol_prorated": False,
        "gqol_status": status,
        "gqol_missing_rule": "complete_case",
    }


def gqol_rows(rng):
    cases = [("minimum 0", [0]), ("maximum 100", [100]), ("mid 50", [50]), ("1", [1]), ("99", [99])]
    for k in range(5):
        cases.append((f"random {k + 1}", [rng.randint(0, 100)]))
    cases.append(("missing", [None]))
    cases.append(("out of range 101", [101]))
    cases.append(("out of range -1", [-1]))
    cases.append(("out of range 150", [150]))
    cases.append(("non-integer 50.5", [50.5]))
    return [
        make_row("GQL", i + 1, case, GQOL_ITEMS, codes) for i, (case, codes) in enumerate(cases)
    ]


# --------------------------------------------------------------------------- ONS4


def ons4_columns():
    cols = []
    for item in ONS4_ITEMS:
        cols.append(f"{item}_score")
    for item in ONS4_ITEMS:
        cols.append(f"{item}_score_band_ons_thresholds")
    cols += ["ons4_n_answered", "ons4_prorated", "ons4_status", "ons4_missing_rule"]
    return cols


def score_ons4(row):
    codes = [row[c] for c in ONS4_ITEMS]
    status, n_answered = check_answers(codes, 0, 10)
    out = {}
    for item in ONS4_ITEMS:
        out[f"{item}_score"] = None
    if status is None:
        for item in ONS4_ITEMS:
            out[f"{item}_score"], _ = sum_score([row[item]], 0)
        status = overall_status(list(out.values()))
    for item in ONS4_ITEMS:
        if item == "ons4_anxiety":
            thresholds, labels = ONS4_ANXIETY_THRESHOLDS, ONS4_ANXIETY_LABELS
        else:
            thresholds, labels = ONS4_POSITIVE_THRESHOLDS, ONS4_POSITIVE_LABELS
        out[f"{item}_score_band_ons_thresholds"] = band(out[f"{item}_score"], thresholds, labels)
    out["ons4_n_answered"] = n_answered
    out["ons4_prorated"] = False
    out["ons4_status"] = status
    out["ons4_missing_rule"] = "complete_case"
    return out


def ons4_rows(rng):
    cases = [("all minimum (0)", [0, 0, 0, 0]), ("all maximum (10)", [10, 10, 10, 10])]
    # Every value 0..10 on every item, so every band edge is crossed.
    for v in range(11):
        cases.append((f"value sweep {v}", [v, (v + 3) % 11, (v + 7) % 11, 10 - v]))
    for k in range(3):
        cases.append((f"random complete {k + 1}", [rng.randint(0, 10) for _ in range(4)]))
    cases.append(("anxiety missing: partial", [8, 7, 6, None]))
    cases.append(("two missing: partial", [None, 9, None, 2]))
    cases.append(("only worthwhile answered: partial", [None, 5, None, None]))
    cases.append(("all missing", [None, None, None, None]))
    cases.append(("out of range 11", [7, 11, 5, 3]))
    cases.append(("out of range -1", [7, 6, 5, -1]))
    cases.append(("non-integer 6.5", [6.5, 6, 5, 3]))
    cases.append(("out of range 12 plus missing", [None, 6, 12, None]))
    return [
        make_row("ONS", i + 1, case, ONS4_ITEMS, codes) for i, (case, codes) in enumerate(cases)
    ]


# --------------------------------------------------------------------------- UCLA-3


def ucla3_columns():
    return [
        "ucla3_total",
        "ucla3_total_band_lonely",
        "ucla3_n_answered",
        "ucla3_prorated",
        "ucla3_status",
        "ucla3_missing_rule",
    ]


def score_ucla3(row):
    codes = [row[c] for c in UCLA3_ITEMS]
    status, n_answered = check_answers(codes, 1, 3)
    total = None
    if status is None:
        total, _ = sum_score(codes, 0)
        status = overall_status([total])
    return {
        "ucla3_total": total,
        "ucla3_total_band_lonely": band(total, [UCLA3_THRESHOLD], UCLA3_LABELS),
        "ucla3_n_answered": n_answered,
        "ucla3_prorated": False,
        "ucla3_status": status,
        "ucla3_missing_rule": "complete_case",
    }


def ucla3_rows(rng):
    cases = []
    # All 27 complete answer patterns (includes all minimum, all maximum, edge 5/6).
    for a in [1, 2, 3]:
        for b in [1, 2, 3]:
            for c in [1, 2, 3]:
                cases.append((f"complete {a}{b}{c}", [a, b, c]))
    cases.append(("one missing", [3, None, 3]))
    cases.append(("two missing", [None, None, 2]))
    cases.append(("all missing", [None, None, None]))
    cases.append(("out of range 4", [1, 4, 2]))
    cases.append(("out of range 0", [0, 2, 2]))
    cases.append(("non-integer 2.5", [2, 2, 2.5]))
    return [
        make_row("UCL", i + 1, case, UCLA3_ITEMS, codes) for i, (case, codes) in enumerate(cases)
    ]


# --------------------------------------------------------------------------- main


def main():
    rng = random.Random(SEED)

    rows = wemwbs_rows(rng)
    write_fixture("wemwbs", WEMWBS_ITEMS, rows, wemwbs_columns(), [score_wemwbs(r) for r in rows])

    rows = wemwbs_prorate_rows(rng)
    write_fixture(
        "wemwbs_prorate2",
        WEMWBS_ITEMS,
        rows,
        wemwbs_columns(),
        [score_wemwbs(r, max_missing=2) for r in rows],
    )

    rows = swemwbs_rows(rng)
    write_fixture(
        "swemwbs",
        SWEMWBS_ITEMS,
        rows,
        swemwbs_columns(),
        [score_swemwbs([r[c] for c in SWEMWBS_ITEMS]) for r in rows],
    )

    rows = swemwbs_alias_rows(rng)
    write_fixture(
        "swemwbs_from_wemwbs",
        WEMWBS_ITEMS,
        rows,
        swemwbs_columns(),
        [score_swemwbs_from_wemwbs(r) for r in rows],
    )

    rows = ghq28_rows(rng)
    write_fixture("ghq28", GHQ_ITEMS, rows, ghq_columns(), [score_ghq28(r) for r in rows])

    rows = gqol_rows(rng)
    write_fixture("gqol", GQOL_ITEMS, rows, gqol_columns(), [score_gqol(r) for r in rows])

    rows = ons4_rows(rng)
    write_fixture("ons4", ONS4_ITEMS, rows, ons4_columns(), [score_ons4(r) for r in rows])

    rows = ucla3_rows(rng)
    write_fixture("ucla3", UCLA3_ITEMS, rows, ucla3_columns(), [score_ucla3(r) for r in rows])


if __name__ == "__main__":
    main()
