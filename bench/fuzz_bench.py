"""Coverage-guided fuzzing of the parsers with atheris (a measurement, not a test).

Each target runs in a process of its own under libFuzzer (atheris), starting from a corpus of
valid inputs that carry a planted identifier, with the project's code instrumented for
coverage:

- ``casefile``: bytes as a JSON or YAML case file (``parse_case_bytes``);
- ``letter``: bytes as the text of a Final Determination Letter (``parse_letter_text``);
- ``document``: bytes as a PDF, TIFF, PNG, JPEG or text document (``read_documents`` and a
  page picture), far slower per input than the other two.

An input may only end in the error the parser is documented to raise (a ``CaseFileError``,
``LetterError``, ``DocumentError``, or ``NotFound``/``InputError`` for a page); anything else
is a traceback and stops that target. Every log record of the run is written to a file, which
is then searched for the planted identifier. Printed per target: inputs run, tracebacks,
inputs per second, and whether the log named the identifier.

    .venv/bin/python bench/fuzz_bench.py                       # 10^6 inputs per fast target
    .venv/bin/python bench/fuzz_bench.py --runs 20000 --document-runs 2000
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).parent))
PLANTED = "Zebulon Quixote"
PLANTED_DOB = "1961-04-17"


def _seed_case() -> bytes:
    case = {
        "case_id": "CM26-0001",
        "claimant": {"age": 44, "sex": "female", "date_of_injury": "2025-03-04"},
        "ur_decision_date": "2025-11-10",
        "disputed_items": [
            {"request": "Physical therapy 2x6 lumbar spine", "ur_decision": "denied"}
        ],
        "records": [
            {
                "kind": "progress_report",
                "date": "2025-10-01",
                "author": "Dana Lee, MD",
                "text": f"{PLANTED}, born {PLANTED_DOB}: low back pain radiating to the leg.",
            }
        ],
        "parties": {"claimant": {"name": PLANTED, "date_of_birth": PLANTED_DOB}},
    }
    return json.dumps(case).encode()


def _seeds(target: str, folder: Path) -> None:
    """Valid inputs to start from, each naming the planted identifier."""
    if target == "casefile":
        (folder / "case.json").write_bytes(_seed_case())
        yaml_case = _seed_case().decode().replace('{"', '{ "')  # JSON is YAML too
        (folder / "case.yaml").write_text(yaml_case)
    elif target == "letter":
        for path in sorted((ROOT / "tests" / "fixtures" / "letters").glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            (folder / path.name).write_text(text.replace("Employee", f"Employee {PLANTED}", 1))
    else:
        from recordgen import text_pdf

        (folder / "report.pdf").write_bytes(text_pdf(f"Patient {PLANTED}, born {PLANTED_DOB}."))
        (folder / "note.txt").write_text(f"Progress note. {PLANTED}, born {PLANTED_DOB}.\n")


def worker(target: str, runs: int, corpus: Path, log_file: Path) -> None:
    """One target under libFuzzer; never returns (libFuzzer exits)."""
    import atheris

    logging.basicConfig(filename=log_file, level=logging.DEBUG, force=True)
    with atheris.instrument_imports(include=["openimr"]):
        from openimr.casefile import parse_case_bytes
        from openimr.errors import CaseFileError, InputError, LetterError, NotFound
        from openimr.letters import parse_letter_text
        from openimr.records import DocumentError, read_documents
        from openimr.records.read import page_picture

    scratch = Path(tempfile.mkdtemp(prefix="fuzz-doc-"))
    suffixes = (".pdf", ".txt", ".tif", ".png", ".jpg")

    def casefile(data: bytes) -> None:
        fmt = "yaml" if data[:1] == b"#" else None
        with contextlib.suppress(CaseFileError):
            parse_case_bytes(data, source="fuzz.json", fmt=fmt)

    def letter(data: bytes) -> None:
        with contextlib.suppress(LetterError):
            parse_letter_text(data.decode("utf-8", "replace"), source="fuzz.txt")

    def document(data: bytes) -> None:
        suffix = suffixes[data[0] % len(suffixes)] if data else ".pdf"
        path = scratch / f"fuzz{suffix}"
        path.write_bytes(data[1:])
        read_documents([path], errors=[])
        with contextlib.suppress(NotFound, InputError, DocumentError):
            page_picture(data[1:], 1, source=path.name)

    test = {"casefile": casefile, "letter": letter, "document": document}[target]
    options = [f"-runs={runs}", "-seed=1", "-max_len=4096", "-print_final_stats=1"]
    options.append(f"-artifact_prefix={corpus.parent}/crash-")
    atheris.Setup([sys.argv[0], *options, str(corpus)], test)
    atheris.Fuzz()


def run_target(target: str, runs: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix=f"fuzz-{target}-") as tmp:
        artifacts = Path(tmp) / "crash-"
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        _seeds(target, corpus)
        log_file = Path(tmp) / "run.log"
        began = time.perf_counter()
        done = subprocess.run(
            [
                sys.executable,
                __file__,
                *("--worker", target, "--runs", str(runs)),
                *("--corpus", str(corpus), "--log-file", str(log_file)),
            ],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT / "src")},
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - began
        output = done.stderr
        executed = [int(n) for n in re.findall(r"stat::number_of_executed_units: (\d+)", output)]
        # An uncaught exception stops the target (atheris prints it, libFuzzer saves the input).
        tracebacks = max(
            output.count("Uncaught Python exception"), 1 if "libFuzzer: " in output else 0
        )
        logged = log_file.read_text(errors="replace") if log_file.exists() else ""
        return {
            "target": target,
            "inputs": executed[-1] if executed else 0,
            "tracebacks": tracebacks,
            "exit": done.returncode,
            "seconds": seconds,
            "planted_in_log": PLANTED in logged or PLANTED_DOB in logged,
            "log_lines": len(logged.splitlines()),
            "tail": output[-3000:] if done.returncode else "",
            "crash": [p.read_bytes()[:2000] for p in Path(tmp).glob(artifacts.name + "*")],
        }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1_000_000, help="inputs per fast target")
    parser.add_argument("--document-runs", type=int, default=20_000, help="inputs to the reader")
    parser.add_argument("--targets", default="casefile,letter,document")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--log-file", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.worker, args.runs, args.corpus, args.log_file)
        return 0
    failed = False
    print(f"{'target':<10} {'inputs':>10} {'tracebacks':>10} {'inputs/s':>9} {'log names':>9}")
    for target in args.targets.split(","):
        runs = args.document_runs if target == "document" else args.runs
        result = run_target(target, runs)
        rate = int(result["inputs"]) / float(result["seconds"])  # type: ignore[arg-type]
        named = "yes" if result["planted_in_log"] else "no"
        print(
            f"{target:<10} {result['inputs']:>10} {result['tracebacks']:>10} {rate:>9.0f} "
            f"{named:>9}",
            flush=True,
        )
        if result["exit"] or result["planted_in_log"]:
            failed = True
            print(result["tail"])
            print("input that failed:", result["crash"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
