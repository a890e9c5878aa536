"""The ``heldout`` command.

Exit codes (also in README.md):
  0  graded, and the score reaches 95 % of the points (passed; see README.md for the rule)
  1  graded, and the score is below 95 % of the points (failed)
  2  usage error: bad arguments, unknown scenario, a path that does not exist, an unknown bundle
  3  the submission could not be graded to the end (not a notebook, crashed, timed out, no model,
     tampered); a result is still written and printed
  4  heldout itself failed (the sandbox could not start, a dataset differs from its checksum)

lint exits 1 when a finding of severity error exists, 0 otherwise, 2 for a path it cannot read.
grade-batch exits 0 when every submission got a result (whatever its verdict; see summary.csv),
4 when heldout failed on at least one of them.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from heldout import __version__
from heldout.errors import DatasetError, HeldoutError, ManifestError, SandboxError

__all__ = ["main"]


class _ExitCodes:
    """heldout.result's exit codes, read when one is needed: importing heldout.result loads the checks
    (scikit-learn, SciPy), about two seconds that `heldout lint` in a pre-commit hook must not pay."""

    def __getitem__(self, name: str) -> int:
        from heldout.result import EXIT_CODES as codes

        return codes[name]


EXIT_CODES = _ExitCodes()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="heldout",
        description="Hands-on ML exercises graded on methodology: leakage, metrics, splits, and a "
        "hidden holdout.",
        epilog=__doc__.split("\n", 2)[2],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"heldout {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    commands.add_parser("list", help="list the scenarios of this project")

    grade = commands.add_parser("grade", help="grade one notebook and print a report")
    grade.add_argument("path", type=Path, help="the submitted notebook (.ipynb)")
    grade.add_argument("--scenario", help="scenario id (default: the notebook's metadata.heldout)")
    grade.add_argument(
        "--json", type=Path, metavar="OUT", help="also write the result as JSON (schema heldout.result/1)"
    )
    grade.add_argument(
        "--isolation",
        choices=["auto", "bubblewrap", "none"],
        default="auto",
        help="auto: bubblewrap when it works here, else an unisolated subprocess "
        "(announced in the report's first line)",
    )
    grade.add_argument("--no-color", action="store_true", help="plain text output")
    _export_options(grade)
    grade.add_argument(
        "--keys",
        type=Path,
        help="bundle key store (default: bundles/keys.json), "
        "needed to grade a notebook from a take-home bundle",
    )

    batch = commands.add_parser("grade-batch", help="grade every notebook below a folder, in parallel")
    batch.add_argument("folder", type=Path, help="returned notebooks or bundle folders")
    batch.add_argument(
        "--out",
        type=Path,
        required=True,
        help="folder for one JSON result per submission and summary.csv; re-running resumes where it stopped",
    )
    batch.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="submissions graded at once (default 1); with --cluster local, workers",
    )
    where = batch.add_mutually_exclusive_group()
    where.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="grade on the workers of this running dask.distributed scheduler (tcp://host:8786)",
    )
    where.add_argument(
        "--cluster",
        choices=["local"],
        help="grade on a Dask LocalCluster of --jobs worker processes on this machine",
    )
    batch.add_argument("--scenario", help="scenario id for notebooks that do not declare one")
    batch.add_argument("--isolation", choices=["auto", "bubblewrap", "none"], default="auto")
    batch.add_argument("--keys", type=Path, help="bundle key store (default: bundles/keys.json)")
    batch.add_argument(
        "--reports",
        action="store_true",
        help="also write each submission's HTML and "
        "Markdown reports (both audiences) and Gradescope results.json into --out",
    )

    report = commands.add_parser("report", help="write reports and exports from a JSON result")
    report.add_argument("result", type=Path, help="a result written by `heldout grade --json`")
    _export_options(report)

    scorecard = commands.add_parser("scorecard", help="merge a result with the interviewer's rubric")
    scorecard.add_argument("result", type=Path)
    scorecard.add_argument("--rubric", type=Path, required=True, help="the interviewer's rubric (TOML)")
    scorecard.add_argument("--out", type=Path, help="write the scorecard: .md or .json (default: print)")

    compare = commands.add_parser("compare", help="candidates side by side (same scenario and version)")
    compare.add_argument("results", type=Path, nargs="+")
    compare.add_argument("--csv", type=Path, help="also write the table as CSV")
    compare.add_argument("--html", type=Path, help="also write the table as an HTML page")

    bundle = commands.add_parser("bundle", help="write a take-home bundle for one candidate")
    bundle.add_argument("scenario")
    bundle.add_argument("--candidate", required=True, help="the candidate's name or id")
    bundle.add_argument(
        "--seed", type=int, help="dataset seed (default: a fresh secret one, kept in the key store)"
    )
    bundle.add_argument("--out", type=Path, required=True, help="a folder, or a path ending in .zip")
    bundle.add_argument(
        "--keys",
        type=Path,
        help="key store to record the bundle in (default: bundles/keys.json; keep it, never ship it)",
    )

    _export_parser(commands)

    lint = commands.add_parser("lint", help="static methodology lint of notebooks and scripts (no data)")
    lint.add_argument("paths", type=Path, nargs="+", help=".ipynb or .py files, or folders of them")
    lint.add_argument("--format", choices=["text", "json"], default="text")

    watch = commands.add_parser("watch", help="re-lint a notebook on every save, print what changed")
    watch.add_argument("path", type=Path)
    watch.add_argument("--interval", type=float, default=1.0, help="seconds between checks (default 1)")
    watch.add_argument("--once", action="store_true", help="one pass, then exit")

    hint = commands.add_parser("hint", help="show the hints for a check, one level at a time")
    hint.add_argument("scenario")
    hint.add_argument("check")
    hint.add_argument("--level", type=int, default=1, help="1 = a nudge, 2 = the concept, 3 = the fix")

    data = commands.add_parser("datasets", help="build or verify the generated datasets")
    data_commands = data.add_subparsers(dest="datasets_command", required=True, metavar="ACTION")
    build = data_commands.add_parser("build", help="regenerate datasets/<name>/ from the generator")
    build.add_argument("names", nargs="*", help="datasets to build (default: all)")
    build.add_argument("--seed", type=int, help="seed (default: the generator's own)")
    build.add_argument(
        "--label-secret",
        type=_hex_secret,
        metavar="HEX",
        help="secret the hidden labels are drawn from, to reproduce a build "
        "(default: a fresh 128-bit secret, kept nowhere)",
    )
    build.add_argument("--out", type=Path, help="folder to write into (default: datasets/<name>)")
    check = data_commands.add_parser(
        "check",
        help="verify files against SHA256SUMS, and the files the seed determines against the generator",
    )
    check.add_argument("names", nargs="*")
    return parser


def _export_parser(commands: argparse._SubParsersAction) -> None:
    export = commands.add_parser(
        "export", help="a scenario as a Gradescope autograder or a GitHub Classroom template"
    )
    targets = export.add_subparsers(dest="export_target", required=True, metavar="TARGET")
    gradescope = targets.add_parser(
        "gradescope", help="the autograder zip Gradescope builds its image from (holds the hidden labels)"
    )
    gradescope.add_argument("scenario")
    gradescope.add_argument("--out", type=Path, required=True, help="the archive to write (.zip)")
    classroom = targets.add_parser(
        "classroom", help="a GitHub Classroom template repository: starter, data, lint workflow"
    )
    classroom.add_argument("scenario")
    classroom.add_argument("--out", type=Path, required=True, help="a new (or empty) folder")
    classroom.add_argument(
        "--requirement",
        required=True,
        help="the pip requirement that installs heldout on GitHub's runner, e.g. "
        "'heldout @ git+https://github.com/ORG/heldout@v0.1.0'",
    )


def _export(args: argparse.Namespace) -> int:
    from heldout.grading import load_scenario
    from heldout.paths import project_root

    root = project_root()
    manifest = load_scenario(args.scenario, root)
    if args.export_target == "gradescope":
        from heldout.export.gradescope import write_gradescope_archive

        write_gradescope_archive(manifest, root, args.out)
        print(
            f"wrote {args.out}: upload it as the assignment's autograder (it holds the hidden labels: "
            "never give it to students)"
        )
        return 0
    from heldout.export.classroom import write_classroom

    write_classroom(manifest, root, args.out, args.requirement)
    print(f"wrote {args.out}: push it as the assignment's template repository (no hidden data in it)")
    return 0


def _export_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--html",
        type=Path,
        metavar="OUT",
        help="interviewer's HTML report at OUT and the candidate's at OUT with .candidate before the suffix",
    )
    parser.add_argument(
        "--markdown",
        type=Path,
        metavar="OUT",
        help="the same two reports in Markdown (figures as PNG files beside them)",
    )
    parser.add_argument("--gradescope", type=Path, metavar="OUT", help="Gradescope autograder results.json")


def _exports(args: argparse.Namespace, result: dict) -> None:
    from heldout.report.exports import write_exports

    for path in write_exports(result, html=args.html, markdown=args.markdown, gradescope=args.gradescope):
        print(f"wrote {path}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except (DatasetError, SandboxError) as error:
        print(f"heldout: {error}", file=sys.stderr)
        return EXIT_CODES["harness"]
    except (ManifestError, HeldoutError) as error:
        print(f"heldout: {error}", file=sys.stderr)
        return EXIT_CODES["usage"]
    except KeyboardInterrupt:
        print("heldout: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "list":
        from heldout.grading import list_scenarios

        for manifest in list_scenarios():
            print(f"{manifest.id:<14} {manifest.version:<8} {manifest.title}")
        return 0
    if args.command == "grade":
        return _grade(args)
    if args.command == "grade-batch":
        return _grade_batch(args)
    if args.command == "report":
        return _report(args)
    if args.command == "scorecard":
        return _scorecard(args)
    if args.command == "compare":
        return _compare(args)
    if args.command == "bundle":
        return _bundle(args)
    if args.command == "hint":
        return _hint(args)
    if args.command == "export":
        return _export(args)
    if args.command == "lint":
        from heldout.lint.cli import run

        return run(args.paths, args.format, sys.stdout)
    if args.command == "watch":
        from heldout.live_watch import watch_command

        return watch_command(args.path, args.once, args.interval, sys.stdout)
    if args.command == "datasets":
        return _datasets(args)
    raise AssertionError(args.command)


def _grade(args: argparse.Namespace) -> int:
    from heldout.grading import grade
    from heldout.report.terminal import render_terminal

    if not args.path.exists():
        print(f"heldout: {args.path} does not exist", file=sys.stderr)
        return EXIT_CODES["usage"]
    print(
        f"grading {args.path} (running the notebook; this takes as long as its own cells)...",
        file=sys.stderr,
        flush=True,
    )
    isolation = None if args.isolation == "auto" else args.isolation
    result = grade(args.path, scenario=args.scenario, isolation=isolation, keys=args.keys)
    render_terminal(result, colour=False if args.no_color else None)
    if args.json:
        result.write_json(args.json)
        print(f"result written to {args.json}", file=sys.stderr)
    _exports(args, result.to_json())
    return result.exit_code


def _load_result(path: Path) -> dict:
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as error:
        raise HeldoutError(f"{path}: not a readable heldout result ({error})") from None
    if not str(data.get("schema", "")).startswith("heldout.result/"):
        raise HeldoutError(f"{path}: not a heldout result (no heldout.result schema)")
    return data


def _report(args: argparse.Namespace) -> int:
    if not (args.html or args.markdown or args.gradescope):
        print("heldout: say what to write: --html, --markdown and/or --gradescope", file=sys.stderr)
        return EXIT_CODES["usage"]
    _exports(args, _load_result(args.result))
    return 0


def _scorecard(args: argparse.Namespace) -> int:
    import json

    from heldout.grading import load_scenario
    from heldout.scorecard import build_scorecard, load_rubric

    result = _load_result(args.result)
    manifest = load_scenario((result.get("scenario") or {}).get("id") or "")
    card = build_scorecard(result, load_rubric(args.rubric), manifest)
    if args.out is None:
        print(card.to_markdown(), end="")
    elif args.out.suffix == ".json":
        args.out.write_text(json.dumps(card.to_json(), indent=2) + "\n", encoding="utf-8")
    else:
        args.out.write_text(card.to_markdown(), encoding="utf-8")
    if args.out is not None:
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


def _compare(args: argparse.Namespace) -> int:
    from heldout.compare import comparison_table, load_results, write_csv, write_html, write_terminal

    results = load_results(args.results)
    header, rows = comparison_table(results)
    write_terminal(header, rows, sys.stdout)
    if args.csv:
        write_csv(header, rows, args.csv)
    if args.html:
        scenario = results[0][1]["scenario"]
        write_html(header, rows, args.html, f"{scenario['title']} ({scenario['version']}): panel view")
    return 0


def _grade_batch(args: argparse.Namespace) -> int:
    from heldout.batch import find_submissions, grade_batch, render_summary
    from heldout.grading import grade

    if not args.folder.is_dir():
        print(f"heldout: {args.folder} is not a folder", file=sys.stderr)
        return EXIT_CODES["usage"]
    if args.jobs < 1:
        print("heldout: --jobs must be 1 or more", file=sys.stderr)
        return EXIT_CODES["usage"]
    count = len(find_submissions(args.folder))
    if args.scheduler:
        where = f"on the Dask scheduler at {args.scheduler}"
    elif args.cluster:
        where = f"on a local Dask cluster of {args.jobs} worker(s)"
    else:
        where = f"with {args.jobs} job(s)"
    print(
        f"grading {count} notebooks below {args.folder} {where} into {args.out}",
        file=sys.stderr,
        flush=True,
    )
    isolation = None if args.isolation == "auto" else args.isolation
    # Each job's kernel gets its share of the cores: oversubscribed OpenMP spin-waits and slows down
    # many times over (HistGradientBoosting in every candidate notebook).
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // args.jobs)))

    def grade_one(path: Path):
        return grade(path, scenario=args.scenario, isolation=isolation, keys=args.keys)

    def grade_and_report(path: Path):
        result = grade_one(path)
        if args.reports:
            from heldout.batch import result_name
            from heldout.report.exports import write_exports

            stem = args.out / result_name(args.folder, path)
            write_exports(
                result.to_json(),
                html=stem.with_suffix(".html"),
                markdown=stem.with_suffix(".md"),
                gradescope=stem.with_name(f"{stem.name}.gradescope.json"),
            )
        return result

    if args.scheduler or args.cluster:
        entries = _grade_batch_dask(args)
    else:
        entries = grade_batch(args.folder, args.out, args.jobs, grade_and_report)
    render_summary(entries, sys.stdout)
    print(f"results in {args.out} (summary.csv)", file=sys.stderr)
    harness_failures = [e for e in entries if e.error and e.error.startswith("sandbox_error")]
    return EXIT_CODES["harness"] if harness_failures else 0


def _grade_batch_dask(args: argparse.Namespace) -> list:
    from heldout.batch import result_name
    from heldout.batch_dask import GradeOptions, dask_client, grade_batch_dask

    def write_reports(path: Path, name: str, data: dict) -> None:
        from heldout.report.exports import write_exports

        stem = args.out / result_name(args.folder, path)
        write_exports(
            data,
            html=stem.with_suffix(".html"),
            markdown=stem.with_suffix(".md"),
            gradescope=stem.with_name(f"{stem.name}.gradescope.json"),
        )

    options = GradeOptions(
        scenario=args.scenario,
        isolation=None if args.isolation == "auto" else args.isolation,
        keys=None if args.keys is None else str(args.keys.resolve()),
    )
    with dask_client(args.scheduler, args.jobs if args.cluster else None) as client:
        print(f"Dask dashboard: {client.dashboard_link}", file=sys.stderr, flush=True)
        return grade_batch_dask(
            args.folder,
            args.out,
            client,
            options,
            on_result=write_reports if args.reports else None,
            bar=sys.stdout.isatty(),
        )


def _bundle(args: argparse.Namespace) -> int:
    from heldout.bundle import KeyStore, write_bundle
    from heldout.grading import DEFAULT_KEYS, load_scenario
    from heldout.paths import project_root

    root = project_root()
    manifest = load_scenario(args.scenario, root)
    keys = KeyStore(args.keys or root / DEFAULT_KEYS)
    key = write_bundle(manifest, root, args.candidate, args.out, keys, seed=args.seed)
    print(
        f"bundle for {key.candidate} written to {args.out} (dataset seed {key.seed}); "
        f"its key is in {keys.path}: keep that file to grade the returned notebook"
    )
    return 0


def _hint(args: argparse.Namespace) -> int:
    from heldout.grading import load_scenario

    manifest = load_scenario(args.scenario)
    try:
        spec = manifest.check(args.check)
    except KeyError:
        known = ", ".join(c.id for c in manifest.checks)
        print(
            f"heldout: scenario {manifest.id} has no check '{args.check}' (known: {known})", file=sys.stderr
        )
        return EXIT_CODES["usage"]
    level = max(1, min(args.level, len(spec.hints)))
    print(f"hint {level}/{len(spec.hints)} for {spec.id}: {spec.hints[level - 1]}")
    if level < len(spec.hints):
        print(f"(more: heldout hint {manifest.id} {spec.id} --level {level + 1})")
    return 0


def _hex_secret(text: str) -> int:
    try:
        return int(text, 16)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be hexadecimal digits (got {text!r})") from None


def _datasets(args: argparse.Namespace) -> int:
    import secrets

    from heldout import datasets
    from heldout.paths import project_root

    root = project_root()
    names = args.names or sorted(datasets.GENERATORS)
    for name in names:
        folder = root / "datasets" / name
        if args.datasets_command == "build":
            out = args.out or folder
            # A fresh secret per dataset, never written down: the hidden labels are graded from the
            # committed files and their checksums, and nobody can draw them again.
            secret = secrets.randbits(128) if args.label_secret is None else args.label_secret
            written = datasets.build(name, out, seed=args.seed, label_secret=secret)
            origin = "a fresh label secret, kept nowhere" if args.label_secret is None else "--label-secret"
            print(f"{name}: wrote {len(written)} files to {out} (hidden labels from {origin})")
            continue
        secret_files = datasets.check(name, folder)
        shipped = datasets.generator(name).generate(datasets.generator(name).DEFAULT_SEED, 0).shipped_files
        said = [
            *(
                [f"{', '.join(secret_files)} come from a label secret that is not in the repository"]
                if secret_files
                else []
            ),
            *(
                [f"{', '.join(shipped)} is shipped (built once from text that differs between machines)"]
                if shipped
                else []
            ),
        ]
        print(
            f"{name}: ok (files match SHA256SUMS; the files the seed determines match the generator; "
            f"{'; '.join(said)}, so only their checksums are checked: nothing can regenerate them)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
