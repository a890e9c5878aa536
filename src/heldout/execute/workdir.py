"""The folder a submission runs in: the notebook, the candidate's data files and the job, nothing else."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

from heldout.manifest import Manifest

__all__ = ["NOTEBOOK_NAME", "prepare_workdir"]

NOTEBOOK_NAME = "submission.ipynb"
RESULT_BYTES = 256 * 1024 * 1024


def prepare_workdir(
    host_dir: Path,
    notebook_bytes: bytes,
    manifest: Manifest,
    dataset_dir: Path,
    inner_root: str,
    cell_seconds: float,
    output_bytes: int,
) -> Path:
    """Fill ``host_dir``; paths written into the job are as the runner will see them (``inner_root``)."""
    (host_dir / ".heldout").mkdir(parents=True, exist_ok=True)
    for sub in ("home", "tmp", "runtime", "jupyter", "ipython", "mpl"):
        (host_dir / ".heldout" / sub).mkdir(exist_ok=True)
    (host_dir / NOTEBOOK_NAME).write_bytes(notebook_bytes)
    spec = manifest.dataset
    files = tuple(dict.fromkeys((spec.train, spec.holdout_features, *spec.candidate_files)))
    for name in files:
        # A copy, never a hard link: without bubblewrap the submission could write through a link
        # into the project's own dataset.
        shutil.copyfile(dataset_dir / name, host_dir / name)
    job: dict[str, Any] = {
        "notebook": f"{inner_root}/{NOTEBOOK_NAME}",
        "cell_seconds": cell_seconds,
        "output_bytes": output_bytes,
        "result_bytes": RESULT_BYTES,
        "holdout_features": f"{inner_root}/{spec.holdout_features}",
        "train": f"{inner_root}/{spec.train}",
        "label": spec.label,
        "time": spec.time,
        "replay": manifest.holdout.replay,
        "dataset_files": {name: number for number, name in enumerate(files)},
        "task": manifest.task,
        "contract": {
            "model": manifest.contract.model,
            "report": manifest.contract.report,
            "prepare": manifest.contract.prepare,
            "report_keys": dict(manifest.contract.report_keys),
            "experiments": manifest.contract.experiments,
            "experiment_columns": dict(manifest.contract.experiment_columns),
            "drift": manifest.contract.drift,
            "drift_columns": dict(manifest.contract.drift_columns),
            "features": manifest.contract.features,
            "serve": manifest.contract.serve,
            "retrieve": manifest.contract.retrieve,
            "answer": manifest.contract.answer,
            "analyze": manifest.contract.analyze,
            "decisions": manifest.contract.decisions,
            "probe_columns": list(manifest.contract.probe_columns),
            "group_metrics": manifest.contract.group_metrics,
            "group_metric_columns": dict(manifest.contract.group_metric_columns),
            "model_facts": manifest.contract.model_facts,
        },
    }
    if manifest.retrieval is not None:
        job["retrieval"] = {
            "corpus": f"{inner_root}/{manifest.retrieval.corpus}",
            "query_id": manifest.retrieval.query_id,
            "query": manifest.retrieval.query,
            "k": manifest.retrieval.k,
            "depth": manifest.retrieval.depth,
        }
    if manifest.experiment is not None:
        job["experiment"] = dataclasses.asdict(manifest.experiment)
    if spec.groups is not None:
        job["fairness"] = True  # trace fairlearn's group metrics (heldout.trace.fairlearn_hooks)
    if manifest.serving is not None:
        job["entity"] = spec.entity
        job["serving"] = {
            "event_columns": list(manifest.serving.event_columns),
            "ingested": manifest.serving.ingested,
            "event_id": manifest.serving.event_id,
            "replay_events": manifest.serving.replay_events,
            "tolerance": manifest.serving.tolerance,
        }
    job_path = host_dir / ".heldout" / "job.json"
    job_path.write_text(json.dumps(job, indent=1), encoding="utf-8")
    return job_path
