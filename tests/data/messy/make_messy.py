"""Write the messy export fixture and the hand-written list of the problems planted in it.

This script is independent of the pipeline: it does not import ``pipeline`` and reads
none of its code. Standard library only. Run from anywhere:

    python tests/data/messy/make_messy.py

It writes two files next to itself:

``messy_export.csv``
    A long-layout survey-tool export (UTF-8 with BOM, CRLF line endings): one row per
    return, headers as the tool writes them (``Participant ID``, ``Timepoint``,
    ``WEMWBS Q1`` ...). Mapped by ``mapping.yaml``; run with ``pipeline.yaml``.
``expected.csv``
    One row per planted problem: ``source_row`` (spreadsheet row: the header is row 1),
    ``respondent_id``, ``wave`` (canonical, or the raw text of an unknown wave),
    ``code``, ``column`` (canonical column or item id; the instrument id for
    instrument-level problems; empty for record-level problems, which include
    ``missing_id`` and ``unknown_wave``) and ``outcome``
    (``quarantined`` or ``used``: what happens to the whole record). Every row of the
    export that is not listed is clean and expected to be used with no flag.

Answers of clean returns come from a seeded random generator; every planted problem is
an explicit row built by a small helper below, with its expected problems attached.

Rules the expected list follows (the data-quality gate's design):

* ``unknown_label`` / ``out_of_range``: the cell becomes missing and the record is used;
  with complete returns only (the default), the instrument is then incomplete, so
  ``too_many_missing`` is expected for it as well (column = instrument id).
* Declared missing codes (``99``, ``-9``, ``N/A``) are not problems by themselves; the
  incomplete instrument gives ``too_many_missing``.
* ``exact_duplicate``: the first copy is used, each later copy quarantined.
* ``conflicting_duplicate``: every copy quarantined.
* ``orphan_follow_up``: post return with no baseline; quarantined.
* ``follow_up_before_baseline``: post return dated before the baseline; the post is
  quarantined, the baseline used.
* ``straight_lining``: every item of an instrument answered identically; flag only.
* ``missing_id`` / ``unknown_wave``: quarantined. ``unknown_group`` /
  ``unparseable_date``: used (the value becomes missing). ``empty_return``: quarantined.

Planted WEMWBS problems sit in items 4, 5, 8, 10, 12, 13 or 14, which are not part of
SWEMWBS (items 1, 2, 3, 6, 7, 9, 11), so the derived SWEMWBS stays complete.
Record-level problems are put on respondents of their own, so that no quarantine
orphans another return.
"""

import csv
import random
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
SEED = 20261122

# --------------------------------------------------------------------------- layout

WEMWBS = [f"WEMWBS Q{i}" for i in range(1, 15)]
GHQ = [f"GHQ {s}{i}" for s in "ABCD" for i in range(1, 8)]
QOL = "QoL"
HEADERS = [
    "Participant ID",
    "Timepoint",
    "Arm",
    "Venue",
    "Date completed",
    "Age band",
    *WEMWBS,
    *GHQ,
    QOL,
]
# Canonical names, typed here (not read from mapping.yaml), for expected.csv.
CANONICAL = {f"WEMWBS Q{i}": f"wemwbs_{i}" for i in range(1, 15)}
CANONICAL.update({h: "ghq28_" + h.split()[1].lower() for h in GHQ})
CANONICAL.update({QOL: "gqol_1", "Arm": "group", "Date completed": "date"})

WEMWBS_LABELS = {
    1: "None of the time",
    2: "Rarely",
    3: "Some of the time",
    4: "Often",
    5: "All of the time",
}
SWEMWBS_POSITIONS = [0, 1, 2, 5, 6, 8, 10]  # WEMWBS items 1, 2, 3, 6, 7, 9, 11

ARMS = {"intervention": "Arts on prescription", "comparison": "Waiting list"}
VENUES = ["Central Library", "Riverside Community Centre", "Old Mill Gallery"]
AGE_BANDS = ["18-24", "25-34", "35-44", "45-54", "55-64", "65+"]

N_CLEAN = 29  # clean respondents P001..P029 with a baseline return
N_CLEAN_POST = 21  # P001..P021 also have a post return
FIRST_BASELINE = date(2026, 1, 12)

# Wave spellings used by clean returns: the mapping knows all of them.
ODD_BASELINE = {5: "T1", 9: "PRE", 14: "pre", 20: "Pre"}
ODD_POST = {3: "Follow up", 6: " post ", 11: "T2", 17: "Post", 19: "follow-up"}


def fmt(day: date) -> str:
    """Format a date as the tool does: DD/MM/YYYY."""
    return day.strftime("%d/%m/%Y")


# --------------------------------------------------------------------------- answers


def varied(rng: random.Random, n: int, low: int, high: int, centre: float) -> list[int]:
    """Return ``n`` codes around ``centre`` that are never all equal (at least 3 values)."""
    while True:
        codes = [min(high, max(low, round(rng.gauss(centre, 0.8)))) for _ in range(n)]
        if len(set(codes)) >= 3:
            return codes


def clean_answers(rng: random.Random, wellbeing: float, labels: bool) -> dict[str, str]:
    """Return complete WEMWBS, GHQ-28 and QoL answers for one return.

    ``wellbeing`` (about 2-4.5) drives all three instruments; ``labels`` writes the
    WEMWBS answers as response labels instead of codes.
    """
    while True:
        wem = varied(rng, 14, 1, 5, wellbeing)
        if len({wem[p] for p in SWEMWBS_POSITIONS}) >= 2:
            break
    ghq = varied(rng, 28, 1, 4, 5.0 - wellbeing)
    qol = min(100, max(0, round(rng.gauss(wellbeing * 18, 8))))
    cells = {h: (WEMWBS_LABELS[c] if labels else str(c)) for h, c in zip(WEMWBS, wem, strict=True)}
    cells.update({h: str(c) for h, c in zip(GHQ, ghq, strict=True)})
    cells[QOL] = str(qol)
    return cells


class Fixture:
    """Collect export rows, each with the problems expected for it."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.rows: list[dict] = []

    def add(
        self,
        rid: str,
        wave_text: str,
        wave: str,
        arm: str,
        when: date,
        *,
        wellbeing: float = 3.3,
        labels: bool = False,
        venue: str | None = None,
        age_band: str | None = None,
        date_text: str | None = None,
        problems: tuple[tuple[str, str], ...] = (),
        outcome: str = "used",
    ) -> dict:
        """Append one return with clean answers; return it for editing.

        ``wave`` is the canonical wave written to expected.csv; ``problems`` are
        ``(code, column)`` pairs expected for this row; ``when`` orders the export.
        """
        row = {
            "Participant ID": rid,
            "Timepoint": wave_text,
            "Arm": arm,
            "Venue": venue or self.rng.choice(VENUES),
            "Date completed": fmt(when) if date_text is None else date_text,
            "Age band": age_band or self.rng.choice(AGE_BANDS),
            **clean_answers(self.rng, wellbeing, labels),
            "_when": when,
            "_wave": wave,
            "_problems": list(problems),
            "_outcome": outcome,
        }
        self.rows.append(row)
        return row

    def respondent(self, rid: str, arm: str, when: date, **kw) -> dict:
        """Return a profile (arm, venue, age band, baseline date) kept across waves."""
        return {
            "rid": rid,
            "arm": ARMS[arm],
            "group": arm,
            "when": when,
            "venue": self.rng.choice(VENUES),
            "age_band": self.rng.choice(AGE_BANDS),
            "wellbeing": round(self.rng.uniform(2.2, 3.8), 2),
            **kw,
        }

    def baseline(self, p: dict, wave_text: str = "Baseline", **kw) -> dict:
        """Add a baseline return for profile ``p``."""
        opts = {"venue": p["venue"], "age_band": p["age_band"], "wellbeing": p["wellbeing"]}
        opts.update(kw)
        return self.add(p["rid"], wave_text, "baseline", p["arm"], p["when"], **opts)

    def post(self, p: dict, weeks: int, wave_text: str = "Follow-up", **kw) -> dict:
        """Add a post return ``weeks`` after the baseline (negative: before it)."""
        gain = 0.5 if p["group"] == "intervention" else 0.1
        opts = {
            "venue": p["venue"],
            "age_band": p["age_band"],
            "wellbeing": min(4.5, p["wellbeing"] + gain),
        }
        opts.update(kw)
        when = p["when"] + timedelta(weeks=weeks, days=self.rng.randint(0, 3))
        return self.add(p["rid"], wave_text, "post", p["arm"], when, **opts)


# --------------------------------------------------------------------------- problems
# Each helper edits one row in place and records the problems expected for it.


def set_cell(row: dict, header: str, value: str) -> None:
    """Overwrite one answer cell."""
    row[header] = value


def unknown_label(row: dict, header: str, text: str) -> None:
    """A WEMWBS cell with text that is no response label: cell missing, record used."""
    set_cell(row, header, text)
    row["_problems"] += [("unknown_label", CANONICAL[header]), ("too_many_missing", "wemwbs")]


def out_of_range(row: dict, header: str, code: str, instrument: str) -> None:
    """A code outside the item's scale: cell missing, instrument incomplete, record used."""
    set_cell(row, header, code)
    row["_problems"] += [("out_of_range", CANONICAL[header]), ("too_many_missing", instrument)]


def declared_missing(row: dict, headers: list[str], code: str, instrument: str) -> None:
    """Declared missing-value codes: no problem code of their own, instrument incomplete."""
    for header in headers:
        set_cell(row, header, code)
    row["_problems"] += [("too_many_missing", instrument)]


def straight_line(row: dict, headers: list[str], code: str, instrument: str) -> None:
    """Every item of one instrument answered identically: flagged, record used."""
    for header in headers:
        set_cell(row, header, code)
    row["_problems"] += [("straight_lining", instrument)]


def empty_items(row: dict) -> None:
    """Blank every answer (WEMWBS, GHQ-28 and QoL): an empty return, quarantined."""
    for header in [*WEMWBS, *GHQ, QOL]:
        set_cell(row, header, "")
    row["_problems"] += [("empty_return", "")]
    row["_outcome"] = "quarantined"


def quarantine(row: dict, code: str, column: str = "") -> None:
    """Record a problem that quarantines the whole record."""
    row["_problems"] += [(code, column)]
    row["_outcome"] = "quarantined"


def flag(row: dict, code: str, column: str) -> None:
    """Record a problem that leaves the record used."""
    row["_problems"] += [(code, column)]


# --------------------------------------------------------------------------- build


def build() -> list[dict]:
    """Return the export rows in file order, each with its expected problems."""
    fx = Fixture(SEED)
    people = {}
    for n in range(1, N_CLEAN + 1):
        arm = "intervention" if n % 2 else "comparison"
        when = FIRST_BASELINE + timedelta(days=2 * n + fx.rng.randint(0, 1))
        people[n] = fx.respondent(f"P{n:03d}", arm, when)

    base, post = {}, {}
    for n, p in people.items():
        labels = n % 4 == 0  # every fourth respondent's WEMWBS answers are labels ("Often")
        base[n] = fx.baseline(p, ODD_BASELINE.get(n, "Baseline"), labels=labels)
        if n <= N_CLEAN_POST:
            weeks = 8 + n % 6  # 8-13 weeks (plus up to 3 days) after baseline
            post[n] = fx.post(p, weeks, ODD_POST.get(n, "Follow-up"), labels=labels)

    # Not problems: a group alias, and QoL 99 and 100 (valid answers on the 0-100 scale;
    # 99 is a missing code for the other instruments only).
    base[7]["Arm"] = post[7]["Arm"] = "Arts"
    base[10][QOL] = "99"
    post[13][QOL] = "100"

    # Cell-level problems in otherwise clean returns (records used).
    unknown_label(base[3], "WEMWBS Q5", "Sometimes")
    out_of_range(post[4], "WEMWBS Q8", "7", "wemwbs")
    out_of_range(base[5], "GHQ B4", "5", "ghq28")
    declared_missing(post[6], ["GHQ A2", "GHQ B5", "GHQ C1", "GHQ D7"], "99", "ghq28")
    declared_missing(base[11], ["WEMWBS Q10", "WEMWBS Q13"], "N/A", "wemwbs")
    unknown_label(base[24], "WEMWBS Q14", "Quite often")  # P024 label-style return
    declared_missing(post[18], ["GHQ C4"], "-9", "ghq28")
    straight_line(base[8], WEMWBS, "3", "wemwbs")
    straight_line(post[9], GHQ, "2", "ghq28")
    post[15]["Date completed"] = "soon"
    flag(post[15], "unparseable_date", "date")
    base[22]["Date completed"] = "31/02/2026"  # P022 has no post return
    flag(base[22], "unparseable_date", "date")
    base[23]["Arm"] = "Choir"  # P023 has no post return
    flag(base[23], "unknown_group", "group")

    # Exact duplicate: P012's baseline exported twice; the later copy is quarantined and
    # P012's post return still has its (first) baseline.
    copy = {k: (list(v) if k == "_problems" else v) for k, v in base[12].items()}
    copy["_when"] = base[12]["_when"] + timedelta(days=9)  # exported again later
    quarantine(copy, "exact_duplicate")
    fx.rows.append(copy)

    # Conflicting duplicate at post: P016 has two different post returns (both
    # quarantined); its baseline is used.
    again = fx.post(people[16], 11)
    quarantine(post[16], "conflicting_duplicate")
    quarantine(again, "conflicting_duplicate")

    # Record-level problems, each on a respondent of its own.
    start = FIRST_BASELINE + timedelta(days=20)
    p30 = fx.respondent("P030", "comparison", start)  # conflicting duplicate at baseline
    quarantine(fx.baseline(p30), "conflicting_duplicate")
    second = fx.baseline(p30, wellbeing=2.4)  # same id and wave, different answers
    second["_when"] += timedelta(days=3)
    second["Date completed"] = fmt(second["_when"])
    quarantine(second, "conflicting_duplicate")

    p31 = fx.respondent("P031", "intervention", start)  # post only
    quarantine(fx.post(p31, 10), "orphan_follow_up")

    p32 = fx.respondent("P032", "intervention", start + timedelta(days=14))
    fx.baseline(p32)
    quarantine(fx.post(p32, -3), "follow_up_before_baseline")

    p33 = fx.respondent("P033", "comparison", start + timedelta(days=4))
    fx.baseline(p33)
    quarantine(fx.post(p33, 6, "Week 6"), "unknown_wave")

    p34 = fx.respondent("P034", "intervention", start + timedelta(days=8))
    empty_items(fx.baseline(p34))  # no post return

    nobody = fx.respondent("", "comparison", start + timedelta(days=11))
    quarantine(fx.baseline(nobody), "missing_id")

    # File order: completion date (stable, so the duplicate copy stays after the original).
    return sorted(fx.rows, key=lambda r: r["_when"])


def write(rows: list[dict]) -> None:
    """Write messy_export.csv and expected.csv."""
    with open(HERE / "messy_export.csv", "w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh, lineterminator="\r\n")
        out.writerow(HEADERS)
        for row in rows:
            out.writerow([row[h] for h in HEADERS])
    with open(HERE / "expected.csv", "w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["source_row", "respondent_id", "wave", "code", "column", "outcome"])
        for source_row, row in enumerate(rows, start=2):
            wave = row["_wave"]
            if any(code == "unknown_wave" for code, _ in row["_problems"]):
                wave = row["Timepoint"].strip()
            for code, column in row["_problems"]:
                out.writerow(
                    [source_row, row["Participant ID"], wave, code, column, row["_outcome"]]
                )


if __name__ == "__main__":
    write(build())
