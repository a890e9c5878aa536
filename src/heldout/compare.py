"""The panel view: candidates side by side, per check and per competency, on one scenario version."""

from __future__ import annotations

import csv
import json
from html import escape
from pathlib import Path
from typing import Any, TextIO

from heldout.errors import HeldoutError

__all__ = ["comparison_table", "load_results", "write_csv", "write_html", "write_terminal"]


def load_results(paths: list[Path]) -> list[tuple[str, dict[str, Any]]]:
    """Read result JSON files; refuse a mix of scenarios or versions (comparisons must be fair)."""
    loaded = []
    for path in paths:
        try:
            data = json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError) as error:
            raise HeldoutError(f"{path}: not a heldout result ({error})") from None
        if not str(data.get("schema", "")).startswith("heldout.result/"):
            raise HeldoutError(f"{path}: not a heldout result (no heldout.result schema)")
        loaded.append((Path(path).stem, data))
    versions = {(d.get("scenario") or {}).get("id"): set() for _, d in loaded}
    for _, data in loaded:
        scenario = data.get("scenario") or {}
        versions[scenario.get("id")].add(scenario.get("version"))
    if len(versions) != 1 or any(len(v) != 1 for v in versions.values()):
        seen = ", ".join(
            f"{name}: {(d.get('scenario') or {}).get('id')} {(d.get('scenario') or {}).get('version')}"
            for name, d in loaded
        )
        raise HeldoutError(
            f"results are for different scenarios or versions, which cannot be compared fairly ({seen})"
        )
    return loaded


def comparison_table(results: list[tuple[str, dict[str, Any]]]) -> tuple[list[str], list[list[str]]]:
    """(header, rows): one row per check, per competency, then points and holdout; a column each."""
    header = ["", *(name for name, _ in results)]
    check_ids: list[str] = []
    competencies: list[str] = []
    for _, data in results:
        for check in data.get("checks", []):
            if check["id"] not in check_ids:
                check_ids.append(check["id"])
            if check["competency"] not in competencies:
                competencies.append(check["competency"])
    rows = []
    for check_id in check_ids:
        row = [check_id]
        for _, data in results:
            match = [c for c in data.get("checks", []) if c["id"] == check_id]
            row.append(match[0]["verdict"] if match else (data.get("error") or {}).get("kind", "-"))
        rows.append(row)
    for competency in competencies:
        row = [f"competency: {competency}"]
        for _, data in results:
            checks = [c for c in data.get("checks", []) if c["competency"] == competency]
            maximum = sum(c["max_points"] for c in checks)
            row.append(f"{sum(c['points'] for c in checks):g}/{maximum}" if maximum else "-")
        rows.append(row)
    rows.append(["points", *(f"{d['score']['points']:g}/{d['score']['max_points']}" for _, d in results)])
    rows.append(["status", *(d["status"] for _, d in results)])
    rows.append(["holdout score", *(_fmt((d.get("holdout") or {}).get("score")) for _, d in results)])
    rows.append(
        ["optimism gap", *(_fmt((d.get("holdout") or {}).get("optimism_gap"), "+.3f") for _, d in results)]
    )
    return header, rows


def _fmt(value: float | None, spec: str = ".3f") -> str:
    return "-" if value is None else format(value, spec)


def write_terminal(header: list[str], rows: list[list[str]], stream: TextIO) -> None:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        stream.write(
            "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() + "\n"
        )


def write_csv(header: list[str], rows: list[list[str]], out: Path) -> None:
    with Path(out).open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["row", *header[1:]])
        writer.writerows(rows)


def write_html(header: list[str], rows: list[list[str]], out: Path, title: str) -> None:
    colour = {"pass": "#e8f5e9", "warn": "#fff8e1", "fail": "#ffebee"}
    body = "".join(
        "<tr>"
        + "".join(
            f'<td style="background:{colour.get(cell, "transparent")}">{escape(str(cell))}</td>'
            for cell in row
        )
        + "</tr>"
        for row in rows
    )
    head = "".join(f"<th>{escape(h)}</th>" for h in header)
    Path(out).write_text(
        f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        "<style>body{font:14px system-ui,sans-serif;margin:2rem}table{border-collapse:collapse}"
        "td,th{padding:.3rem .7rem;border:1px solid #ddd;text-align:left}</style></head><body>"
        f"<h1>{escape(title)}</h1><table><tr>{head}</tr>{body}</table></body></html>\n",
        encoding="utf-8",
    )
