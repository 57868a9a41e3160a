"""Letters benchmark: parsing speed of text letters, and PDF parsing against bare extraction.

    .venv/bin/python bench/letters_bench.py [--letters DIR] [--rounds 5] [--json]

Uses the published letters in ../shared/eval-dev/letters when present, else the project's own
fixtures. Targets (issue #3): at least 1,000 text letters per second per core; parsing a PDF
adds at most 50 % to the time of extracting its text. This measures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED_LETTERS = ROOT.parent / "shared" / "eval-dev" / "letters"
FIXTURES = ROOT / "tests" / "fixtures" / "letters"


def _letters(directory: Path | None) -> tuple[str, list[Path]]:
    if directory is not None:
        return str(directory), sorted(directory.glob("*.pdf"))
    if SHARED_LETTERS.is_dir() and any(SHARED_LETTERS.glob("*.pdf")):
        return "shared/eval-dev/letters", sorted(SHARED_LETTERS.glob("*.pdf"))
    return "tests/fixtures/letters", sorted(FIXTURES.glob("*.pdf"))


def _best(rounds: int, work) -> float:  # type: ignore[no-untyped-def]
    """The fastest of ``rounds`` runs (the least disturbed by other work on the machine)."""
    timings = []
    for _ in range(rounds):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings)


def run(directory: Path | None, rounds: int) -> dict[str, object]:
    from openimr.letters.extract import extract_pdf_pages, letter_text
    from openimr.letters.parse import parse_text

    source, pdfs = _letters(directory)
    blobs = [p.read_bytes() for p in pdfs]
    texts = [letter_text(b, source=str(p)).text for b, p in zip(blobs, pdfs, strict=True)]
    if source == "tests/fixtures/letters":  # few PDFs here: add our own text letters
        texts += [p.read_text(encoding="utf-8") for p in sorted(FIXTURES.glob("*.txt"))]
    for text in texts:  # warm: compile patterns, load the sources catalog
        parse_text(text)

    repeat = max(1, 2000 // len(texts))

    def parse_texts() -> None:
        for _ in range(repeat):
            for text in texts:
                parse_text(text)

    text_seconds = _best(rounds, parse_texts)
    text_letters = repeat * len(texts)

    def extract_only() -> None:
        for blob in blobs:
            extract_pdf_pages(blob)

    def extract_and_parse() -> None:
        for blob in blobs:
            parse_text(letter_text(blob).text, kind="pdf")

    extract_seconds = _best(rounds, extract_only)
    parse_seconds = _best(rounds, extract_and_parse)
    chars = statistics.mean(len(t) for t in texts)
    return {
        "letters": source,
        "pdf_files": len(blobs),
        "mean_letter_chars": round(chars),
        "text_letters_parsed": text_letters,
        "text_letters_per_second_one_core": round(text_letters / text_seconds),
        "text_ms_per_letter": round(1000 * text_seconds / text_letters, 3),
        "pdf_extract_only_ms_per_letter": round(1000 * extract_seconds / len(blobs), 2),
        "pdf_extract_and_parse_ms_per_letter": round(1000 * parse_seconds / len(blobs), 2),
        "pdf_parsing_overhead_percent": round(100 * (parse_seconds / extract_seconds - 1), 1),
        "pdf_letters_per_second_one_core": round(len(blobs) / parse_seconds),
        "rounds": rounds,
        "python": platform.python_version(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=Path, default=None, help="a folder of letter PDFs")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    figures = run(args.letters, args.rounds)
    if args.json:
        json.dump(figures, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return
    width = max(len(k) for k in figures)
    for key, value in figures.items():
        print(f"{key.ljust(width)}  {value}")


if __name__ == "__main__":
    main()
