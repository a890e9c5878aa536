"""Scorecards: the automated result and the interviewer's rubric, per competency, judged at a level.

The interviewer's rubric is a small TOML file per candidate::

    candidate = "Ada Lovelace"
    level = "mid"                       # one of the manifest's levels
    [scores.communication]              # each dimension on the 1-4 scale below
    score = 3
    notes = "Explained the threshold trade-off clearly."
    [scores.trade_offs]
    score = 2
    [scores.production_sense]
    score = 3

Scale: 1 no evidence, 2 partial, 3 solid, 4 strong. Automated checks are mapped onto the same scale per
competency (share of that competency's points: 90 % and more is 4, 70 % is 3, 40 % is 2, below is 1).
A candidate meets the bar for a level when the automated share reaches the level's pass mark, the
rubric's mean reaches the level's bar (junior 2, mid 2.5, senior 3), no data-hygiene check failed
(leakage is a red flag at every level), and the grade has no error.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from heldout.errors import HeldoutError
from heldout.levels import hygiene_failures
from heldout.manifest import Manifest

__all__ = ["RUBRIC_DIMENSIONS", "Rubric", "Scorecard", "build_scorecard", "load_rubric"]

SCALE = {1: "no evidence", 2: "partial", 3: "solid", 4: "strong"}
RUBRIC_DIMENSIONS = {
    "communication": "communication",
    "trade_offs": "modelling_depth",
    "production_sense": "product_sense",
}
MANUAL_BAR = {"junior": 2.0, "mid": 2.5, "senior": 3.0}


@dataclass(frozen=True)
class Rubric:
    candidate: str
    level: str
    scores: dict[str, int]
    notes: dict[str, str]
    interviewer: str | None = None


def load_rubric(path: Path) -> Rubric:
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise HeldoutError(f"{path}: cannot read the rubric ({error})") from None
    for key in ("candidate", "level"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise HeldoutError(f"{path}: field '{key}' is missing or empty")
    scores: dict[str, int] = {}
    notes: dict[str, str] = {}
    for dimension, entry in (raw.get("scores") or {}).items():
        if dimension not in RUBRIC_DIMENSIONS:
            known = ", ".join(RUBRIC_DIMENSIONS)
            raise HeldoutError(f"{path}: field 'scores.{dimension}' is not a rubric dimension ({known})")
        score = entry.get("score") if isinstance(entry, dict) else None
        if not isinstance(score, int) or isinstance(score, bool) or score not in SCALE:
            raise HeldoutError(
                f"{path}: field 'scores.{dimension}.score' must be 1, 2, 3 or 4 (got {score!r})"
            )
        scores[dimension] = score
        notes[dimension] = str(entry.get("notes", ""))
    return Rubric(raw["candidate"], raw["level"], scores, notes, raw.get("interviewer"))


@dataclass
class Scorecard:
    candidate: str
    level: str
    scenario: str
    competencies: dict[str, dict[str, Any]] = field(default_factory=dict)
    automated_share: float = 0.0
    manual_mean: float | None = None
    meets_bar: bool = False
    reasons: list[str] = field(default_factory=list)
    notes: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "heldout.scorecard/1",
            "candidate": self.candidate,
            "level": self.level,
            "scenario": self.scenario,
            "competencies": self.competencies,
            "automated_share": round(self.automated_share, 4),
            "manual_mean": None if self.manual_mean is None else round(self.manual_mean, 3),
            "meets_bar": self.meets_bar,
            "reasons": self.reasons,
            "notes": self.notes,
        }

    def to_markdown(self) -> str:
        verdict = "meets" if self.meets_bar else "does not meet"
        lines = [
            f"# Scorecard: {self.candidate} ({self.level}, {self.scenario})",
            "",
            f"**{verdict} the bar for {self.level}**",
            "",
        ]
        lines += [f"- {reason}" for reason in self.reasons] + [""]
        lines += ["| competency | automated | interviewer | rating |", "|---|---|---|---|"]
        for name, row in self.competencies.items():
            auto = "" if row["automated"] is None else f"{row['automated_points']:g}/{row['automated_max']}"
            manual = "" if row["manual"] is None else f"{row['manual']} ({SCALE[row['manual']]})"
            lines.append(f"| {name.replace('_', ' ')} | {auto} | {manual} | {row['rating']} |")
        notes = [(d, n) for d, n in self.notes.items() if n]
        if notes:
            lines += ["", "## Interviewer notes", ""] + [
                f"- **{d.replace('_', ' ')}**: {n}" for d, n in notes
            ]
        return "\n".join(lines) + "\n"


def _scale(share: float) -> int:
    return 4 if share >= 0.9 else 3 if share >= 0.7 else 2 if share >= 0.4 else 1


def build_scorecard(result: dict[str, Any], rubric: Rubric, manifest: Manifest) -> Scorecard:
    scenario = (result.get("scenario") or {}).get("id")
    if scenario != manifest.id:
        raise HeldoutError(f"the result is for scenario '{scenario}', not '{manifest.id}'")
    level = manifest.level(rubric.level)
    card = Scorecard(rubric.candidate, level.name, manifest.id, notes=dict(rubric.notes))
    manual_by_competency = {RUBRIC_DIMENSIONS[d]: s for d, s in rubric.scores.items()}
    for competency in manifest.competencies:
        checks = [c for c in result.get("checks", []) if c["competency"] == competency]
        points = sum(c["points"] for c in checks)
        maximum = sum(c["max_points"] for c in checks)
        automated = _scale(points / maximum) if maximum else None
        manual = manual_by_competency.get(competency)
        ratings = [r for r in (automated, manual) if r is not None]
        card.competencies[competency] = {
            "automated": automated,
            "automated_points": points,
            "automated_max": maximum,
            "manual": manual,
            "rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        }
    score = result.get("score") or {}
    card.automated_share = score.get("points", 0) / score["max_points"] if score.get("max_points") else 0.0
    card.manual_mean = (sum(rubric.scores.values()) / len(rubric.scores)) if rubric.scores else None
    bar = MANUAL_BAR.get(level.name, 2.5)
    if result.get("error"):
        card.reasons.append(f"the submission could not be graded to the end ({result['error']['kind']})")
    # Leakage makes every estimate the candidate gave untrustworthy: a red flag at any level.
    for title in hygiene_failures(result.get("checks", [])):
        card.reasons.append(f"data hygiene: {title.lower()} failed")
    if card.automated_share < level.pass_mark:
        card.reasons.append(
            f"automated checks {card.automated_share:.0%} < the {level.pass_mark:.0%} "
            f"expected at {level.name}"
        )
    if card.manual_mean is None:
        card.reasons.append("no interviewer scores were given")
    elif card.manual_mean < bar:
        card.reasons.append(f"interviewer mean {card.manual_mean:.2f} < the {bar:g} expected at {level.name}")
    card.meets_bar = not card.reasons
    if card.meets_bar:
        card.reasons.append(
            f"automated checks {card.automated_share:.0%} and interviewer mean "
            f"{card.manual_mean:.2f} meet the {level.name} bar"
        )
    return card
