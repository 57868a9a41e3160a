"""Synthetic medical-record bundles as PDFs, and their scanned and faxed copies (no real data).

Real records cannot be shipped, so tests and the records benchmark build them: documents of
several kinds (PR-2 progress reports, consultations, imaging, operative reports, UR
determinations, QME reports, therapy notes, pharmacy records) by several authors, each under
its own letterhead, rendered with WeasyPrint one document at a time and joined into one bundle
PDF so that each document's page range is known. Some documents number their pages ("Page 2 of
3"), some repeat their letterhead on every page, some do neither. A bundle may hold the same
report twice and a page sent twice. :func:`scan` rasterizes a bundle (pypdfium2) at scanner or
fax resolution with noise, skew and the odd page upside down or sideways.

The clinical sentences come from ``casegen`` (the engine benchmark's generator) and from the
templates here; the names, clinics and numbers are invented.
"""

from __future__ import annotations

import html
import io
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

try:  # imported by the tests as bench.recordgen (the project root is on the path)
    from bench import casegen
except ImportError:  # run from bench/ by a benchmark script
    import casegen  # type: ignore[no-redef]

KINDS = (
    "progress_report",
    "consultation",
    "imaging",
    "operative_report",
    "ur_determination",
    "qme_report",
    "therapy_note",
    "pharmacy",
)
TITLES = {
    "progress_report": [
        "PRIMARY TREATING PHYSICIAN'S PROGRESS REPORT (PR-2)",
        "Progress Report",
        "FOLLOW-UP VISIT",
        "PR-2 REPORT",
    ],
    "consultation": [
        "ORTHOPEDIC CONSULTATION",
        "Pain Management Consultation",
        "NEUROLOGICAL CONSULTATION",
        "INITIAL EVALUATION",
    ],
    "imaging": [
        "MRI OF THE LUMBAR SPINE WITHOUT CONTRAST",
        "X-RAY OF THE RIGHT KNEE, 3 VIEWS",
        "CT OF THE CERVICAL SPINE",
        "ELECTRODIAGNOSTIC REPORT",
    ],
    "operative_report": ["OPERATIVE REPORT", "PROCEDURE NOTE"],
    "ur_determination": [
        "UTILIZATION REVIEW DETERMINATION",
        "NOTICE OF UTILIZATION REVIEW DECISION",
    ],
    "qme_report": ["PANEL QUALIFIED MEDICAL EVALUATION", "AGREED MEDICAL EVALUATION REPORT"],
    "therapy_note": [
        "PHYSICAL THERAPY DAILY NOTE",
        "CHIROPRACTIC TREATMENT NOTE",
        "ACUPUNCTURE TREATMENT NOTE",
        "PHYSICAL THERAPY RE-EVALUATION",
    ],
    "pharmacy": ["PHARMACY DISPENSING RECORD", "MEDICATION PROFILE"],
}
DATE_LABELS = {
    "progress_report": ["Date of service", "Date of Visit", "DOS"],
    "consultation": ["Date of Evaluation", "Date of service", "Date of Consultation"],
    "imaging": ["Date of Exam", "Exam Date", "Date of Study"],
    "operative_report": ["Date of Surgery", "Date of Procedure"],
    "ur_determination": ["Date of Decision", "Determination Date"],
    "qme_report": ["Date of Evaluation", "Date of Examination"],
    "therapy_note": ["Date of service", "Visit Date"],
    "pharmacy": ["Report Date", "Date"],
}
# (name, credential as written, specialty, clinic, kinds written)
AUTHORS = [
    ("Maria L. Ortega", "M.D.", "Physical Medicine and Rehabilitation", "Valley Spine and Rehab Medical Group", ("progress_report", "consultation")),  # noqa: E501
    ("Daniel Kim", "MD", "Orthopaedic Surgery", "Pacific Orthopaedic Associates", ("progress_report", "consultation", "operative_report")),  # noqa: E501
    ("Susan Patel", "M.D.", "Pain Management", "Coastal Pain Institute", ("consultation", "progress_report", "operative_report")),  # noqa: E501
    ("Robert Chen", "M.D.", "Radiology", "Bayview Diagnostic Imaging", ("imaging",)),
    ("Alicia Gomez", "MD", "Radiology", "Sierra Open MRI", ("imaging",)),
    ("Thomas Wright", "M.D.", "Occupational Medicine", "Western Utilization Review Services", ("ur_determination",)),  # noqa: E501
    ("Helen Brooks", "D.O.", "Family Medicine", "Statewide Review Partners", ("ur_determination",)),
    ("James Okafor", "M.D.", "Orthopaedic Surgery", "Medical-Legal Evaluations of California", ("qme_report",)),  # noqa: E501
    ("Karen Li", "DPT", "Physical Therapy", "Motion Physical Therapy", ("therapy_note",)),
    ("Michael Russo", "D.C.", "Chiropractic", "Russo Chiropractic", ("therapy_note",)),
    ("Grace Yamamoto", "L.Ac.", "Acupuncture", "Harmony Acupuncture Clinic", ("therapy_note",)),
    ("Priya Raman", "PharmD", "Pharmacy", "Golden State Pharmacy Services", ("pharmacy",)),
    ("Steven Novak", "M.D.", "Neurology", "Cedar Neurology Associates", ("consultation", "imaging")),  # noqa: E501
]  # fmt: skip
_PATIENTS = ["Jordan Avery", "Casey Morgan", "Riley Stone", "Taylor Reyes", "Jamie Fox"]
_THERAPY_TITLE_AUTHOR = {"PHYSICAL": "DPT", "CHIROPRACTIC": "D.C.", "ACUPUNCTURE": "L.Ac."}

_SECTIONS: dict[str, list[tuple[str, list[str]]]] = {
    "progress_report": [
        ("SUBJECTIVE:", casegen._SUBJECTIVE),
        ("OBJECTIVE:", casegen._OBJECTIVE),
        ("ASSESSMENT:", casegen._ASSESSMENT),
        ("PLAN:", casegen._PLAN),
    ],
    "consultation": [
        ("REASON FOR CONSULTATION:", ["Thank you for the referral of this patient for evaluation of {region} pain.", "The patient was referred for consideration of interventional treatment of the {region}."]),  # noqa: E501
        ("HISTORY OF PRESENT ILLNESS:", casegen._SUBJECTIVE),
        ("PHYSICAL EXAMINATION:", casegen._OBJECTIVE),
        ("IMPRESSION:", casegen._ASSESSMENT),
        ("RECOMMENDATIONS:", casegen._PLAN),
    ],
    "imaging": [
        ("CLINICAL HISTORY:", ["{region} pain radiating to the {side} {limb}.", "Injury at work with persistent {region} pain."]),  # noqa: E501
        ("TECHNIQUE:", ["Multiplanar multisequence images were obtained without contrast.", "Standard views were obtained."]),  # noqa: E501
        ("COMPARISON:", ["None available.", "Prior study from {month} of last year."]),
        ("FINDINGS:", casegen._IMAGING),
        ("IMPRESSION:", casegen._IMAGING),
    ],
    "operative_report": [
        ("PREOPERATIVE DIAGNOSIS:", casegen._ASSESSMENT),
        ("POSTOPERATIVE DIAGNOSIS:", ["Same.", "Same as above."]),
        ("ANESTHESIA:", ["Monitored anesthesia care with local anesthetic.", "General endotracheal anesthesia."]),  # noqa: E501
        ("DESCRIPTION OF PROCEDURE:", ["The patient was placed prone and the skin was prepped and draped in sterile fashion.", "Under fluoroscopic guidance a needle was advanced to the {side} {level} level.", "Contrast spread was confirmed and {n} mL of injectate was delivered.", "The patient tolerated the procedure well with no complications.", "Estimated blood loss was minimal."]),  # noqa: E501
    ],
    "ur_determination": [
        ("REQUEST:", ["Physical therapy 2 times a week for 6 weeks for the lumbar spine.", "Lumbar epidural steroid injection at {side} {level}.", "Cyclobenzaprine 7.5 mg #60."]),  # noqa: E501
        ("DETERMINATION:", ["The request is non-certified.", "The request is modified to certify {n} visits.", "The requested treatment is not medically necessary per the guidelines cited."]),  # noqa: E501
        ("CLINICAL SUMMARY:", casegen._SUBJECTIVE + casegen._OBJECTIVE),
        ("RATIONALE:", ["The records do not document objective functional improvement from prior treatment.", "There is no documentation of radiculopathy corroborated by imaging.", "Guidelines do not support long-term use of muscle relaxants."]),  # noqa: E501
    ],
    "qme_report": [
        ("HISTORY OF INJURY:", casegen._SUBJECTIVE),
        ("REVIEW OF RECORDS:", ["Records of the treating physician dated {visit} were reviewed.", "An MRI report of the {region} spine was reviewed."]),  # noqa: E501
        ("PHYSICAL EXAMINATION:", casegen._OBJECTIVE),
        ("DIAGNOSES:", casegen._ASSESSMENT),
        ("DISCUSSION:", ["The patient has not reached maximum medical improvement.", "Apportionment is deferred until the patient is permanent and stationary.", "Future medical care should include access to medications and therapy."]),  # noqa: E501
    ],
    "therapy_note": [
        ("SUBJECTIVE:", ["Patient reports pain {p}/10 today.", "Patient states the exercises help for a few hours.", "Visit number {n} of the authorized course."]),  # noqa: E501
        ("TREATMENT PROVIDED:", ["Therapeutic exercise for {n} minutes.", "Manual therapy to the {region} for {n} minutes.", "Electrical stimulation and heat to the {region}."]),  # noqa: E501
        ("ASSESSMENT:", ["Tolerated treatment well.", "Range of motion improved slightly since the last visit.", "No change in function since the last visit."]),  # noqa: E501
        ("PLAN:", ["Continue the plan of care.", "Progress the home exercise program."]),
    ],
    "pharmacy": [
        ("DISPENSED:", ["Rx# {n}{n}{n} naproxen 550 mg qty 60, days supply 30, refills 2.", "Rx# {n}{n}{n} cyclobenzaprine 7.5 mg qty 30, days supply 30, refills 0.", "Rx# {n}{n}{n} gabapentin 300 mg qty 90, days supply 30, refills 1.", "Rx# {n}{n}{n} omeprazole 20 mg qty 30, days supply 30, refills 3."]),  # noqa: E501
    ],
}  # fmt: skip
_PAGES = {
    "progress_report": (1, 3),
    "consultation": (2, 4),
    "imaging": (1, 1),
    "operative_report": (1, 2),
    "ur_determination": (2, 3),
    "qme_report": (3, 6),
    "therapy_note": (1, 1),
    "pharmacy": (1, 1),
}
_CSS = """
@page { size: letter; margin: 0.8in 0.9in 0.9in 0.9in;
  @bottom-center { content: %(footer)s; font-size: 9pt; }
  @top-left { content: %(header)s; font-size: 8pt; } }
body { font-family: 'DejaVu Serif', serif; font-size: 11pt; line-height: 1.35; }
p { margin: 0 0 0.5em 0; text-align: %(align)s; hyphens: %(hyphens)s; }
h1 { font-size: 15pt; text-align: center; margin: 0.3em 0 0.6em 0; }
h2 { font-size: 11pt; margin: 0.8em 0 0.2em 0; }
.letterhead { text-align: center; font-family: 'DejaVu Sans', sans-serif; font-size: 10pt; }
.letterhead b { font-size: 13pt; }
table.who { font-size: 10pt; margin-bottom: 0.6em; }
table.who td { padding-right: 2em; }
.sig { margin-top: 1.5em; }
"""


@dataclass
class Document:
    """One generated report and what is true about it."""

    kind: str
    title: str
    date: date
    author: str
    specialty: str
    clinic: str
    paragraphs: list[tuple[str, str]]  # (heading, text)
    html: str = ""
    pages: int = 0

    @property
    def text(self) -> str:
        """The report as plain text (what a case file built by hand would hold)."""
        out = [self.title, f"Date: {self.date:%m/%d/%Y}"]
        for heading, text in self.paragraphs:
            out.append(f"{heading} {text}" if heading else text)
        out.append(f"Electronically signed by: {self.author}")
        return "\n".join(out)


@dataclass
class Bundle:
    """A bundle PDF and, for each of its records, the pages it holds."""

    pdf: bytes
    documents: list[Document]
    starts: list[int]  # first page (1-based) of each document in the bundle, in order
    duplicate_of: dict[int, int] = field(default_factory=dict)  # document index -> original
    repeated_pages: list[int] = field(default_factory=list)  # bundle pages that repeat one
    pages: int = 0


def _sentences(rng: random.Random, templates: list[str], visit: date, count: int) -> str:
    return " ".join(casegen._fill(rng, rng.choice(templates), visit) for _ in range(count))


def make_document(rng: random.Random, kind: str, when: date, injury: date) -> Document:
    """One report of ``kind`` dated ``when``, long enough for its usual number of pages."""
    authors = [a for a in AUTHORS if kind in a[4]]
    title = rng.choice(TITLES[kind])
    if kind == "therapy_note":
        credential = _THERAPY_TITLE_AUTHOR[title.split()[0]]
        authors = [a for a in authors if a[1] == credential]
    name, credential, specialty, clinic, _ = rng.choice(authors)
    low, high = _PAGES[kind]
    target = rng.randint(low, high)
    paragraphs: list[tuple[str, str]] = []
    chars = 0
    budget = target * 2600 - 1200
    while chars < budget or not paragraphs:
        for heading, templates in _SECTIONS[kind]:
            text = _sentences(rng, templates, when, rng.randint(2, 5))
            paragraphs.append((heading, text))
            chars += len(text) + len(heading)
            if chars >= budget and len(paragraphs) >= len(_SECTIONS[kind]):
                break
    return Document(kind, title, when, f"{name}, {credential}", specialty, clinic, paragraphs)


def render_html(document: Document, rng: random.Random, patient: str, injury: date) -> str:
    numbered = rng.random() < 0.6
    running = rng.random() < 0.4
    footer = '"Page " counter(page) " of " counter(pages)' if numbered else '""'
    header = f'"{document.clinic} - {patient}"' if running else '""'
    css = _CSS % {
        "footer": footer,
        "header": header,
        "align": rng.choice(["justify", "left"]),
        "hyphens": rng.choice(["auto", "manual"]),
    }
    label = rng.choice(DATE_LABELS[document.kind])
    esc = html.escape
    parts = [
        f"<html lang=en><head><meta charset=utf-8><style>{css}</style></head><body>",
        f"<div class=letterhead><b>{esc(document.clinic)}</b><br>"
        f"{rng.randint(100, 9999)} {rng.choice(['Main', 'Oak', 'Harbor', 'Mission'])} Street, "
        f"Suite {rng.randint(100, 500)}<br>Phone (555) 555-{rng.randint(1000, 9999)} &nbsp; "
        f"Fax (555) 555-{rng.randint(1000, 9999)}</div>",
        f"<h1>{esc(document.title)}</h1>",
        "<table class=who><tr>"
        f"<td>Patient: {esc(patient)}</td><td>DOB: 04/12/{rng.randint(1960, 1990)}</td></tr>"
        f"<tr><td>Date of Injury: {injury:%m/%d/%Y}</td>"
        f"<td>Claim #: {rng.randint(10**7, 10**8 - 1)}</td></tr>"
        f"<tr><td>{esc(label)}: {document.date:%m/%d/%Y}</td><td></td></tr></table>",
    ]
    for heading, text in document.paragraphs:
        parts.append(f"<h2>{esc(heading)}</h2><p>{esc(text)}</p>")
    if rng.random() < 0.5:
        parts.append(f"<div class=sig>Electronically signed by: {esc(document.author)}<br>")
    else:
        parts.append(f"<div class=sig>Sincerely,<br><br>{esc(document.author)}<br>")
    parts.append(f"{esc(document.specialty)}</div></body></html>")
    return "".join(parts)


def make_bundle(
    seed: int,
    documents: int = 12,
    *,
    duplicate: bool = True,
    repeated_page: bool = True,
    kinds: tuple[str, ...] = KINDS,
) -> Bundle:
    """A bundle of ``documents`` reports in date order (plus a copy and a repeated page)."""
    from weasyprint import HTML

    rng = random.Random(seed)
    injury = date(2022, 1, 3) + timedelta(days=rng.randint(0, 500))
    patient = rng.choice(_PATIENTS)
    when = injury + timedelta(days=10)
    docs: list[Document] = []
    for index in range(documents):
        kind = kinds[index % len(kinds)] if index < len(kinds) else rng.choice(kinds)
        docs.append(make_document(rng, kind, when, injury))
        when += timedelta(days=rng.randint(3, 40))
    rng.shuffle(docs)
    docs.sort(key=lambda d: d.date)
    rendered = []
    for doc in docs:
        doc.html = render_html(doc, rng, patient, injury)
        rendered.append(HTML(string=doc.html).render())
        doc.pages = len(rendered[-1].pages)
    order = list(range(len(docs)))
    duplicate_of: dict[int, int] = {}
    if duplicate and len(docs) > 2:
        original = rng.randrange(len(docs))
        position = rng.randrange(original + 1, len(docs) + 1)
        order.insert(position, original)
    pages: list[Any] = []
    starts: list[int] = []
    repeated: list[int] = []
    truth: list[Document] = []
    seen: dict[int, int] = {}
    multi = [i for i, d in enumerate(docs) if d.pages > 1]
    repeat_doc = rng.choice(multi) if repeated_page and multi else None
    for slot, index in enumerate(order):
        starts.append(len(pages) + 1)
        if index in seen:
            duplicate_of[slot] = seen[index]
        seen.setdefault(index, slot)
        truth.append(docs[index])
        doc_pages = list(rendered[index].pages)
        if index == repeat_doc and slot == seen[index]:
            where = rng.randrange(1, len(doc_pages))
            doc_pages.insert(where, doc_pages[where - 1])
            repeated.append(len(pages) + where + 1)
        pages.extend(doc_pages)
    pdf = rendered[0].copy(pages).write_pdf()
    return Bundle(pdf, truth, starts, duplicate_of, repeated, len(pages))


def scan(
    pdf: bytes,
    *,
    mode: str = "scan",
    seed: int = 0,
    rotate_every: int = 0,
    max_skew: float = 1.5,
    pages: list[int] | None = None,
) -> bytes:
    """A scanned (300 dpi, grey, image-only PDF) or faxed (204x98 dpi G4 TIFF) copy of ``pdf``.

    Noise and a random skew up to ``max_skew`` degrees on every page; with ``rotate_every``
    = n, every n-th page is upside down or turned a quarter (as pages are fed into scanners).
    ``pages`` (1-based) limits the copy to those pages.
    """
    import numpy as np
    import pypdfium2
    from PIL import Image, ImageDraw, ImageFilter, ImageFont

    rng = random.Random(seed)
    noise = np.random.default_rng(seed)
    document = pypdfium2.PdfDocument(pdf)
    wanted = pages or list(range(1, len(document) + 1))
    images: list[Image.Image] = []
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 22)
    try:
        for count, number in enumerate(wanted, start=1):
            page = document[number - 1]
            dpi = 300 if mode == "scan" else 204
            bitmap = page.render(scale=dpi / 72, grayscale=True)
            image = bitmap.to_pil().convert("L")
            bitmap.close()
            page.close()
            if mode == "fax":
                stamp = ImageDraw.Draw(image)
                stamp.text(
                    (60, 18),
                    f"03/11/2024 14:{count % 60:02d} FROM: (555) 555-0142 TO: IMR UNIT "
                    f"P. {count:03d}/{len(wanted):03d}",
                    font=font,
                    fill=0,
                )
            angle = rng.uniform(-max_skew, max_skew)
            image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
            if rotate_every and count % rotate_every == 0:
                image = image.rotate(rng.choice([180, 90, 270]), expand=True, fillcolor=255)
            pixels = np.asarray(image, dtype=np.float32)
            pixels += noise.normal(0, 14 if mode == "scan" else 8, pixels.shape)
            specks = noise.random(pixels.shape) < (0.0004 if mode == "scan" else 0.0008)
            pixels[specks] = 0
            image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "L")
            if mode == "scan":
                image = image.filter(ImageFilter.GaussianBlur(0.6))
            else:
                image = image.resize((image.width, round(image.height * 98 / 204)))
                image = image.point(lambda v: 255 if v > 150 else 0).convert("1")
            images.append(image)
    finally:
        document.close()
    out = io.BytesIO()
    if mode == "scan":
        images[0].save(
            out, "PDF", save_all=True, append_images=images[1:], resolution=300, quality=70
        )
    else:
        images[0].save(
            out,
            "TIFF",
            save_all=True,
            append_images=images[1:],
            compression="group4",
            dpi=(204, 98),
        )
    return out.getvalue()


def text_pdf(text: str) -> bytes:
    """A one-page PDF drawing ``text`` with a standard font (offsets computed, so it is valid)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += (
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    )
    return bytes(out)
