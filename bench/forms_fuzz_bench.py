"""Hostile posts to every form of the workbench, in process (a measurement, not a test).

The real app (routes, middleware, form parsing, handlers, SQLite store) is called as an ASGI
app in one event loop, the way a server calls it, over a store seeded as the workbench tests
seed theirs (``tests/web/support.py``: two reviewers' queues and an application waiting for
intake on Feb. 20, 2014), with a medical director and spare users and a spare reviewer for
the forms that revoke, rotate, set passwords or deactivate. Every ``--reseed-every`` inputs
the store is replaced by a fresh copy of the seeded one, so that drafts, signed cases and
closed cases do not pile up; the count is printed.

Each input, drawn from ``random.Random(--seed)``, is one POST to one form, posted by the user
the form is for, with the session's form token and hostile values in the form's own fields
and in fields it does not have: the values that broke a form once (``tests/web/
test_form_fuzz.py``: empty, 25 nines, non-ASCII digits, impossible and padded dates, NUL,
U+FFFE, 5,000 characters, a planted identifier), text of any Unicode category (lone
surrogates sent as the bytes a careless client would send), valid values, uploads of random
bytes or of a case file with a hostile value inside, and raw bodies of random bytes (invalid
UTF-8, broken percent-encoding, broken multipart) under the form's content types. Some posts
go without the form token, with a token of another session, from another site's page, by a
user of the wrong role, or signed out, to addresses with hostile ids.

Printed per form: inputs posted, server errors (5xx), tracebacks (an exception escaping the
app, or an error the app logged on its way to a 500), inputs per second (time inside the app
alone, by the clock and per second of the process's CPU time, which other work on the machine
does not lower), and whether a log record named the planted identifier. Every log record (root,
uvicorn, openimr) is written at DEBUG to a file, which is searched for the identifier
afterwards (the test client's own records of the URLs it was given are left out). Any error,
traceback or leak exits 1 and prints the input (truncated). ``--jobs N`` shares the inputs
among N processes, each with its own store; the inputs then depend on ``--seed`` and ``N``.
``--driver testclient`` posts through Starlette's test client instead, for comparison. Run
from the repository's root:

    .venv/bin/python bench/forms_fuzz_bench.py                  # 10^6 posts
    .venv/bin/python bench/forms_fuzz_bench.py --inputs 1000000 --jobs 2
    .venv/bin/python bench/forms_fuzz_bench.py --inputs 20000 --seed 1
    .venv/bin/python bench/forms_fuzz_bench.py --inputs 2000 --driver testclient
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import logging
import random
import shutil
import sys
import tempfile
import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes, unquote

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from openimr.errors import AccessDenied  # noqa: E402
from openimr.store.db import Database  # noqa: E402
from openimr.store.migrate import upgrade  # noqa: E402
from openimr.web.forms import APPLICATION_FIELDS  # noqa: E402
from openimr.workflow import Role, Workflow  # noqa: E402


def _support() -> Any:
    """The workbench tests' seed (``tests/web/support.py``), read from its file: another
    package named ``tests`` may sit earlier on the path."""
    spec = importlib.util.spec_from_file_location(
        "web_support", ROOT / "tests" / "web" / "support.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


support = _support()

#: Planted in values, names and uploads: no log record may name it (nor its parts).
PLANTED = support.PLANTED
PLANTED_PARTS = ("Zebulon", "Quixote", "1961-04-17")

#: The values that broke a form once, or could (shared with ``tests/web/test_form_fuzz.py``).
KNOWN = support.HOSTILE_VALUES

#: Values a form takes, so that some inputs get past the first check to the deeper ones.
VALID = (
    "yes",
    "no",
    "on",
    "1",
    "2",
    "2014-02-19",
    "2014-02-20",
    "R-A",
    "R-B",
    "upheld",
    "overturned",
    "mtus_cpmtg",
    "odg",
    "none",
    "regular",
    "expedited",
    "electronic",
    "md",
    "CA",
    "intake",
    "reviewer",
    "admin",
    "progress_report",
    "a reason long enough to read",
    "correct horse battery staple",
)

_ITEM = ("decision", "family", "title", "chapter", "sections", "pages", "edition", "rationale")
_REVIEWER = (
    "name",
    "profession",
    "license_states",
    "license_restricted",
    "specialties",
    "board_certifications",
    "affiliations",
    "years_active_practice",
    "weekly_clinical_hours",
    "max_open_cases",
)
#: Spare users and a spare reviewer the account and registry forms act on, so that the
#: fuzzed users' own sessions survive (a fresh copy of the store brings them back anyway).
SPARE_USERS = ("spare-1", "spare-2", "spare-3")
SPARE_REVIEWER = "R-C"


@dataclass(frozen=True)
class Form:
    """One POST form: its address (``{...}`` filled from ``targets``), who posts it, its own
    fields and the name of its file field, if it has one."""

    path: str
    user: str | None
    fields: tuple[str, ...]
    targets: tuple[str, ...] = ()
    upload: str | None = None


CASES = ("main", "intake", "other", "overdue")
#: The intake steps' cases, the application waiting for intake first.
INTAKE_CASES = ("intake", "main", "other", "overdue")
FORMS: dict[str, Form] = {
    "login": Form("/workbench/login", None, ("token", "name", "password", "next")),
    "logout": Form("/workbench/logout", "*", ()),
    "determination": Form(
        "/workbench/cases/{}/determination",
        "dr-a",
        ("version", "summary", *(f"item-{i}-{n}" for i in range(3) for n in _ITEM)),
        CASES,
    ),
    "sign": Form(
        "/workbench/cases/{}/sign", "dr-a", ("version", "confirm", "ack", "reason"), CASES
    ),
    "intake": Form("/workbench/intake", "intake", APPLICATION_FIELDS, upload="case_file"),
    "screening": Form("/workbench/cases/{}/screening", "intake", APPLICATION_FIELDS, INTAKE_CASES),
    "assignment": Form(
        "/workbench/cases/{}/assignment", "intake", ("reviewer", "override_reason"), INTAKE_CASES
    ),
    "records-complete": Form("/workbench/cases/{}/records-complete", "intake", (), INTAKE_CASES),
    "documents": Form(
        "/workbench/cases/{}/documents",
        "intake",
        ("record_kind", "record_date", "author", "specialty"),
        INTAKE_CASES,
        upload="file",
    ),
    "withdrawal": Form("/workbench/cases/{}/withdrawal", "intake", ("reason",), INTAKE_CASES),
    "termination": Form("/workbench/cases/{}/termination", "intake", ("reason",), INTAKE_CASES),
    "quality-review": Form("/workbench/cases/{}/quality-review", "director", ("note",), CASES),
    "users": Form("/workbench/users", "admin", ("name", "role", "reviewer", "password")),
    "users-token": Form("/workbench/users/{}/token", "admin", (), SPARE_USERS),
    "users-password": Form("/workbench/users/{}/password", "admin", ("password",), SPARE_USERS),
    "users-revocation": Form("/workbench/users/{}/revocation", "admin", (), SPARE_USERS),
    "reviewers": Form("/workbench/reviewers", "admin", ("code", *_REVIEWER)),
    "reviewers-update": Form("/workbench/reviewers/{}", "admin", _REVIEWER, ("R-A", "R-B", "R-C")),
    "reviewers-active": Form("/workbench/reviewers/{}/active", "admin", ("active",), ("R-C",)),
}
#: Every name any form has, for "a field of another form".
ALL_FIELDS = sorted({name for form in FORMS.values() for name in form.fields} | {"csrf", "file"})
USERS = ("admin", "intake", "dr-a", "dr-b", "director")


# -- the store -----------------------------------------------------------------------------


def build_template(folder: Path) -> tuple[Path, Any]:
    """The seeded store, once: each fresh store of the run is a copy of this file."""
    path = folder / "template.sqlite3"
    database = Database(f"sqlite+pysqlite:///{path}")
    upgrade(database)
    clock = support.Clock()
    workflow = Workflow(database, clock=clock)
    seeded = support.seed(workflow, clock)
    clock.set("2014-01-06")
    workflow.add_reviewer(support.ADMIN, support.reviewer(SPARE_REVIEWER))
    for name, role in (
        ("director", Role.MEDICAL_DIRECTOR),
        *((n, Role.INTAKE) for n in SPARE_USERS),
    ):
        _, token = workflow.create_user(support.ADMIN, name, role)
        seeded.tokens[name] = token
    clock.now = support.Clock().now
    for case_id in seeded.cases.values():  # stored, so that no fresh store runs the engine
        workflow.get_proposal(support.ADMIN, case_id)
    workflow.close()
    database.dispose()
    return path, seeded


@dataclass
class Session:
    cookie: str
    csrf: str


@dataclass
class Stage:
    """One fresh store with its app and a session for each user."""

    app: Any
    workflow: Workflow
    database: Database
    sessions: dict[str, Session] = field(default_factory=dict)
    client: Any = None
    lifespan: Any = None


def open_session(stage: Stage, token: str) -> Session:
    """A session as the sign-in form opens it (the sign-in form itself is fuzzed apart)."""
    signer = stage.app.state.workbench_signer
    _, session_id = stage.workflow.start_session(token, None)
    return Session(
        cookie=signer.dumps("session", {"s": session_id}), csrf=signer.derive("csrf", session_id)
    )


def new_stage(template: Path, folder: Path, seeded: Any, number: int) -> Stage:
    path = folder / f"store-{number % 2}.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(template, path)
    database = Database(f"sqlite+pysqlite:///{path}")
    workflow = Workflow(database, clock=support.Clock(), seal_audit_in_background=True)
    stage = Stage(support.workbench_app(workflow), workflow, database)
    for user in USERS:
        stage.sessions[user] = open_session(stage, seeded.tokens[user])
    return stage


# -- inputs --------------------------------------------------------------------------------


def any_text(rng: random.Random, size: int = 40) -> str:
    """Text of any category: control characters, lone surrogates, private use, unassigned."""
    pools = ((0, 0x7F), (0x80, 0x7FF), (0x800, 0xFFFF), (0xD800, 0xDFFF), (0x10000, 0x10FFFF))
    out = []
    for _ in range(rng.randrange(size + 1)):
        low, high = pools[rng.randrange(len(pools))]
        out.append(chr(rng.randint(low, high)))
    return "".join(out)


def hostile(rng: random.Random) -> str:
    roll = rng.random()
    if roll < 0.45:
        return rng.choice(KNOWN)
    if roll < 0.7:
        return any_text(rng)
    if roll < 0.85:
        return rng.choice(VALID)
    junk = (
        "%",
        "%zz",
        "%C3%28",
        "+",
        "&",
        "=",
        "\r\n",
        ";",
        "9" * rng.randint(1, 400),
        "-" + "9" * rng.randint(1, 30),
        "1e308",
        "nan",
        "inf",
        "0x10",
        "<script>",
        "{{ 7*7 }}",
        "../../etc/passwd",
        " " * rng.randint(1, 50),
    )
    return "".join(rng.choice(junk) for _ in range(rng.randint(1, 4)))


def raw(text: str) -> bytes:
    """The bytes a client would send for ``text``: lone surrogates as their 3-byte forms."""
    return text.encode("utf-8", "surrogatepass")


def urlencoded(pairs: list[tuple[str, str]]) -> bytes:
    return b"&".join(
        quote_from_bytes(raw(k), safe="").encode()
        + b"="
        + quote_from_bytes(raw(v), safe="").encode()
        for k, v in pairs
    )


def multipart(
    rng: random.Random, pairs: list[tuple[str, str]], files: list[tuple[str, str, str, bytes]]
) -> tuple[bytes, str]:
    boundary = f"fuzz{rng.getrandbits(64):016x}"
    out = []
    for name, value in pairs:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="'.encode())
        out.append(raw(name).replace(b'"', b"%22") + b'"\r\n\r\n' + raw(value) + b"\r\n")
    for name, filename, media, content in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="'.encode())
        out.append(raw(name) + b'"; filename="' + raw(filename).replace(b'"', b"%22") + b'"\r\n')
        out.append(b"Content-Type: " + raw(media) + b"\r\n\r\n" + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def random_bytes(rng: random.Random, size: int) -> bytes:
    return rng.randbytes(rng.randrange(size + 1))


def case_file_upload(rng: random.Random) -> bytes:
    """A fixture's case file with a hostile value in one of its fields, or random bytes."""
    if rng.random() < 0.5:
        return random_bytes(rng, 600)
    data = json.loads((support.FIXTURES / rng.choice(_CASE_FILES)).read_text())
    data["case_id"] = f"FZ-{rng.getrandbits(24):06d}"
    key = rng.choice(("case_id", "review_type", "ur_decision_date", "parties", "records", "x"))
    data[key] = rng.choice((hostile(rng), PLANTED, None, 9**40, [], {"name": PLANTED}))
    text = json.dumps(data, ensure_ascii=rng.random() < 0.5)
    if rng.random() < 0.2:  # cut or spliced
        cut = rng.randrange(len(text) + 1)
        text = text[:cut] + any_text(rng, 8) + text[cut + rng.randrange(4) :]
    return raw(text)


_CASE_FILES = ("low-back.json", "knee-brace.json", "shoulder-mri.json", "neck-medications.json")


@dataclass
class Post:
    """One request as sent: who posts, where, and the body's bytes."""

    form: str
    kind: str
    user: str | None
    path: bytes
    body: bytes
    content_type: str
    origin: str | None = None
    csrf: str = "own"  # own, none, other, garbage
    signs_out: bool = False

    def describe(self, limit: int = 600) -> str:
        body = self.body[:limit]
        more = f" (+{len(self.body) - limit} bytes)" if len(self.body) > limit else ""
        return (
            f"form={self.form} kind={self.kind} user={self.user} csrf={self.csrf} "
            f"origin={self.origin} path={self.path[:200]!r} content-type={self.content_type!r}\n"
            f"body={body!r}{more}"
        )


def make_post(rng: random.Random, name: str, cases: dict[str, str]) -> Post:
    """One input to the form ``name`` (``cases``: the seeded cases' ids by name)."""
    form = FORMS[name]
    path = form.path
    if "{}" in path:
        roll = rng.random()
        if roll < 0.85:  # the form's own case (or user, or reviewer) most of the time
            target = form.targets[0] if roll < 0.55 else rng.choice(form.targets)
            target = cases.get(target, target)
        elif roll < 0.93:
            target = hostile(rng) or "x"
        else:
            target = rng.choice(("..", "%2F", "9" * 25, "-1", PLANTED, "%00", "a/b"))
        path = path.replace("{}", target)
    roll = rng.random()
    kind = (
        "fields"
        if roll < 0.72
        else "raw"
        if roll < 0.84
        else "no-token"
        if roll < 0.91
        else "signed-out"
        if roll < 0.96
        else "wrong-user"
        if roll < 0.98
        else "other-site"
    )
    user = form.user
    if user == "*":
        user = rng.choice(USERS)
    if kind == "signed-out" or user is None:
        user = None
    elif kind == "wrong-user":
        user = rng.choice(USERS)
    csrf = "own" if kind != "no-token" else rng.choice(("none", "other", "garbage"))
    origin = None
    if kind == "other-site":
        origin = rng.choice(("https://evil.example", "null", "http://testserver.evil", "x"))
    elif rng.random() < 0.1:
        origin = "http://testserver"
    if kind == "raw":
        body, content_type = raw_body(rng, form)
    else:
        body, content_type = field_body(rng, name, form)
    return Post(
        form=name,
        kind=kind,
        user=user,
        path=quote_from_bytes(raw(path), safe="/-").encode(),
        body=body,
        content_type=content_type,
        origin=origin,
        csrf=csrf,
        signs_out=name == "logout" and user is not None,
    )


CSRF_MARK = "CSRFTOKENMARK"


def field_body(rng: random.Random, name: str, form: Form) -> tuple[bytes, str]:
    pairs = [(f, hostile(rng)) for f in form.fields if rng.random() < 0.85]
    if rng.random() < 0.2 and form.fields:  # one known value in one field, the rest ticked
        pairs = [(f, "on") for f in form.fields]
        index = rng.randrange(len(pairs))
        pairs[index] = (pairs[index][0], rng.choice(KNOWN))
    for _ in range(rng.choice((0, 0, 1, 2, 3))):
        other = rng.choice(ALL_FIELDS) if rng.random() < 0.5 else any_text(rng, 12) or "x"
        pairs.append((other, hostile(rng)))
    if rng.random() < 0.1 and pairs:  # a field twice
        pairs.append((pairs[0][0], hostile(rng)))
    pairs.insert(rng.randrange(len(pairs) + 1), ("csrf", CSRF_MARK))
    files: list[tuple[str, str, str, bytes]] = []
    if form.upload and rng.random() < 0.9:
        content = case_file_upload(rng) if form.upload == "case_file" else random_bytes(rng, 2000)
        filename = rng.choice(("x.txt", "case.json", "case.yaml", "a.pdf", "", PLANTED + ".pdf"))
        if rng.random() < 0.3:
            filename = hostile(rng)
        media = rng.choice(("text/plain", "application/pdf", "application/json", "", "x/y"))
        files.append((form.upload, filename, media, content))
    if files or rng.random() < 0.25:
        return multipart(rng, pairs, files)
    return urlencoded(pairs), "application/x-www-form-urlencoded"


def raw_body(rng: random.Random, form: Form) -> tuple[bytes, str]:
    """Random bytes under a form's content type, the form token first or not at all."""
    prefix = rng.random() < 0.7
    roll = rng.random()
    if roll < 0.4:
        parts = [random_bytes(rng, 300)]
        for _ in range(rng.randint(0, 6)):
            parts.append(
                rng.choice((b"%", b"%G", b"%C3%28", b"%ED%A0%80", b"&", b"=", b"+", b"%00"))
            )
            parts.append(raw(rng.choice(form.fields or ("x",))) + b"=" + random_bytes(rng, 20))
        body = b"&".join(parts)
        if prefix:
            body = f"csrf={CSRF_MARK}&".encode() + body
        return body, "application/x-www-form-urlencoded"
    boundary = rng.choice(("b", "fuzz", "", "a" * 200, "x;y", "\u00e9"))
    content_type = rng.choice(
        (
            f"multipart/form-data; boundary={boundary}",
            "multipart/form-data",
            f'multipart/form-data; boundary="{boundary}"',
            "multipart/form-data; boundary=b; charset=utf-16",
        )
    )
    pieces = [random_bytes(rng, 200)]
    if prefix:
        pieces.insert(
            0, f'--b\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{CSRF_MARK}\r\n'.encode()
        )
    for _ in range(rng.randint(0, 4)):
        pieces.append(
            rng.choice(
                (
                    b"--b\r\n",
                    b"--b--\r\n",
                    b"Content-Disposition: form-data\r\n\r\n",
                    b'Content-Disposition: form-data; name="file"; filename="\xff"\r\n\r\n',
                    b'Content-Disposition: form-data; name="' + random_bytes(rng, 10) + b'"\r\n',
                    b"Content-Type: text/plain\r\n",
                    b"\r\n\r\n",
                    random_bytes(rng, 50),
                    raw(PLANTED),
                )
            )
        )
    return b"".join(pieces), content_type


# -- sending -------------------------------------------------------------------------------


def request_parts(post: Post, stage: Stage) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The headers and body of ``post`` for this store's sessions (tokens are per store)."""
    session = stage.sessions.get(post.user) if post.user else None
    own = session.csrf if session else "no-session"
    token = {
        "own": own,
        "none": "",
        "other": stage.sessions["dr-b" if post.user != "dr-b" else "admin"].csrf,
        "garbage": "x" * 43,
    }[post.csrf]
    body = post.body.replace(raw(CSRF_MARK), token.encode())
    headers = [
        (b"host", b"testserver"),
        (b"content-type", raw(post.content_type)),
        (b"content-length", str(len(body)).encode()),
    ]
    cookies = []
    if session is not None:
        cookies.append(f"openimr_session={session.cookie}")
    if post.form == "login":
        signer = stage.app.state.workbench_signer
        guard = signer.dumps("signin", {"n": own, "t": int(time.time())})
        cookies.append(f"openimr_signin={guard}")
    if cookies:
        headers.append((b"cookie", "; ".join(cookies).encode()))
    if post.origin is not None:
        headers.append((b"origin", post.origin.encode()))
    return headers, body


async def send_asgi(app: Any, post: Post, headers: list[tuple[bytes, bytes]], body: bytes) -> int:
    """One request through the app's whole stack, as a server passes it."""
    path, _, query = post.path.partition(b"?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": unquote(path.decode("ascii")),
        "raw_path": path,
        "query_string": query,
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80),
    }
    chunks = [body] if len(body) < 1024 else [body[:700], body[700:]]
    status = 0

    async def receive() -> dict[str, Any]:
        if chunks:
            chunk = chunks.pop(0)
            return {"type": "http.request", "body": chunk, "more_body": bool(chunks)}
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])

    await app(scope, receive, send)
    return status


# -- logging -------------------------------------------------------------------------------


class Watch(logging.Handler):
    """Counts, per form, records that name the planted identifier and errors on the way to
    a 500 (the app logs those by kind and route), as they are emitted."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.form = "-"
        self.leaks: dict[str, int] = {}
        self.errors = 0
        self.last_error = ""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:  # a record whose arguments do not format is still a record
            message = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            message += "\n" + "".join(traceback.format_exception(*record.exc_info))
        if any(part in message for part in PLANTED_PARTS):
            self.leaks[self.form] = self.leaks.get(self.form, 0) + 1
        if record.levelno >= logging.ERROR:
            self.errors += 1
            self.last_error = f"{record.name}: {message[:2000]}"


def route_logs(log_file: Path) -> Watch:
    handler = logging.FileHandler(log_file, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    watch = Watch()
    logging.basicConfig(level=logging.DEBUG, handlers=[handler, watch], force=True)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access", "openimr"):
        logger = logging.getLogger(name)
        logger.setLevel(logging.DEBUG)
        logger.propagate = True
    for name in ("httpx", "httpcore"):  # the test client's own records: the URL it was given
        logging.getLogger(name).setLevel(logging.WARNING)
    return watch


# -- the run -------------------------------------------------------------------------------


@dataclass
class Tally:
    inputs: int = 0
    server_errors: int = 0
    tracebacks: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0
    leaks: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    first_failure: str = ""


def schedule(rng: random.Random, count: int, cases: dict[str, str]) -> Iterator[Post]:
    names = sorted(FORMS)
    for _ in range(count):
        yield make_post(rng, rng.choice(names), cases)


class Runner:
    """Posts every input to the app in turn, a fresh store every ``reseed_every`` inputs."""

    def __init__(self, args: argparse.Namespace, folder: Path, watch: Watch, seed: object) -> None:
        self.args = args
        self.seed = seed
        self.folder = folder
        self.watch = watch
        self.template, self.seeded = build_template(folder)
        self.tallies = {name: Tally() for name in sorted(FORMS)}
        self.stages = 0
        self.renewals = 0
        self.lost_tokens = 0
        self.seconds_seeding = 0.0

    def stage(self) -> Stage:
        began = time.perf_counter()
        stage = new_stage(self.template, self.folder, self.seeded, self.stages)
        self.stages += 1
        self.seconds_seeding += time.perf_counter() - began
        return stage

    def renew(self, stage: Stage, user: str) -> None:
        stage.sessions[user] = open_session(stage, self.seeded.tokens[user])

    def check_session(self, stage: Stage, user: str) -> bool:
        """Whether the user's session had ended (it is opened again)."""
        payload = stage.app.state.workbench_signer.loads("session", stage.sessions[user].cookie)
        if stage.workflow.session_actor(str((payload or {}).get("s", ""))) is not None:
            return False
        self.renew(stage, user)
        return True

    async def sessions_or_fresh(self, stage: Stage, user: str | None = None) -> Stage:
        """The stage with its sessions open again; a fresh store when a fuzzed post revoked or
        rotated a token the benchmark signs in with (counted)."""
        try:
            if user is None:
                self.check_sessions(stage)
            else:
                self.check_session(stage, user)
        except AccessDenied:
            self.lost_tokens += 1
            await self.close(stage)
            return await self.open()
        return stage

    def check_sessions(self, stage: Stage) -> None:
        """A session that a post other than a sign-out ended is opened again (and counted)."""
        for user in USERS:
            self.renewals += self.check_session(stage, user)

    async def run(self, progress: Callable[[int], None], count: int) -> None:
        rng = random.Random(str(self.seed))
        stage: Stage | None = None
        for done, post in enumerate(schedule(rng, count, self.seeded.cases)):
            if done % self.args.reseed_every == 0:
                if stage is not None:
                    await self.close(stage)
                stage = await self.open()
            elif done % 500 == 0:
                stage = await self.sessions_or_fresh(stage)  # type: ignore[arg-type]
            assert stage is not None
            status = await self.one(stage, post)
            if post.signs_out and post.user and status == 303:  # signed out: sign in again
                stage = await self.sessions_or_fresh(stage, post.user)
            progress(done + 1)
        if stage is not None:
            await self.close(stage)

    async def open(self) -> Stage:
        stage = self.stage()
        if self.args.driver == "testclient":
            from fastapi.testclient import TestClient

            stage.client = TestClient(stage.app, base_url="http://testserver")
            stage.client.__enter__()
        else:
            stage.lifespan = stage.app.router.lifespan_context(stage.app)
            await stage.lifespan.__aenter__()
        return stage

    async def close(self, stage: Stage) -> None:
        if stage.lifespan is not None:
            await stage.lifespan.__aexit__(None, None, None)
        if stage.client is not None:
            stage.client.__exit__(None, None, None)
        stage.workflow.close()
        stage.database.dispose()

    async def one(self, stage: Stage, post: Post) -> int:
        client = stage.client
        tally = self.tallies[post.form]
        self.watch.form = post.form
        errors_before = self.watch.errors
        leaks_before = self.watch.leaks.get(post.form, 0)
        headers, body = request_parts(post, stage)
        began = time.perf_counter()
        cpu_began = time.process_time()
        escaped = ""
        status = 0
        try:
            if client is not None:
                client.cookies.clear()
                response = client.request(
                    "POST",
                    post.path.decode("ascii"),
                    content=body,
                    headers=headers,
                    follow_redirects=False,
                )
                status = response.status_code
            else:
                status = await send_asgi(stage.app, post, headers, body)
        except Exception:
            escaped = traceback.format_exc()
        tally.seconds += time.perf_counter() - began
        tally.cpu_seconds += time.process_time() - cpu_began
        self.watch.form = "-"
        tally.inputs += 1
        tally.statuses[status] = tally.statuses.get(status, 0) + 1
        failure = ""
        if status >= 500:
            tally.server_errors += 1
            failure = f"status {status}"
        if escaped or self.watch.errors > errors_before:
            tally.tracebacks += 1
            failure += f"\n{escaped or self.watch.last_error}"
        if self.watch.leaks.get(post.form, 0) > leaks_before:
            tally.leaks += 1
            failure += "\na log record named the planted identifier"
        if failure and not tally.first_failure:
            tally.first_failure = f"{failure.strip()}\n{post.describe()}"
        return status


@dataclass
class Outcome:
    """What one process of the run found (its tallies, its log searched)."""

    tallies: dict[str, Tally]
    named_in_log: bool
    log_lines: int
    stores: int
    seconds_seeding: float
    seconds_setup: float
    renewals: int
    lost_tokens: int


def job(args: argparse.Namespace, index: int) -> Outcome:
    """One process's share of the inputs, on stores of its own, its inputs drawn from
    ``(seed, index)``; progress lines on standard error."""
    share = args.inputs // args.jobs + (index < args.inputs % args.jobs)
    memory = Path("/dev/shm")
    scratch = memory if memory.is_dir() else None  # the store in memory: the app, not the disk
    with tempfile.TemporaryDirectory(prefix="forms-fuzz-", dir=scratch) as tmp:
        folder = Path(tmp)
        log_file = args.log_file or folder / "run.log"
        if args.jobs > 1:
            log_file = log_file.with_name(f"{log_file.stem}-{index}{log_file.suffix}")
        watch = route_logs(log_file)
        began = time.perf_counter()
        runner = Runner(
            args, folder, watch, seed=args.seed if args.jobs == 1 else (args.seed, index)
        )
        setup = time.perf_counter() - began
        step = max(1, share // 50)
        began = time.perf_counter()

        def progress(done: int) -> None:
            if done % step == 0 or done == share:
                rate = done / (time.perf_counter() - began)
                print(f"  [{index}] {done:>9,} / {share:,} posts, {rate:,.0f}/s", file=sys.stderr)

        asyncio.run(runner.run(progress, share))
        logging.shutdown()
        logged = log_file.read_text(encoding="utf-8", errors="replace")
        return Outcome(
            tallies=runner.tallies,
            named_in_log=any(part in logged for part in PLANTED_PARTS),
            log_lines=logged.count("\n"),
            stores=runner.stages,
            seconds_seeding=runner.seconds_seeding,
            seconds_setup=setup,
            renewals=runner.renewals,
            lost_tokens=runner.lost_tokens,
        )


def report(args: argparse.Namespace, outcomes: list[Outcome], wall: float) -> bool:
    """Print the table; whether anything failed."""
    tallies = {name: Tally() for name in sorted(FORMS)}
    for outcome in outcomes:
        for name, part in outcome.tallies.items():
            whole = tallies[name]
            whole.inputs += part.inputs
            whole.server_errors += part.server_errors
            whole.tracebacks += part.tracebacks
            whole.seconds += part.seconds
            whole.cpu_seconds += part.cpu_seconds
            whole.leaks += part.leaks
            for status, count in part.statuses.items():
                whole.statuses[status] = whole.statuses.get(status, 0) + count
            whole.first_failure = whole.first_failure or part.first_failure
    named_in_log = any(o.named_in_log for o in outcomes)
    print(
        f"{'form':<18} {'inputs':>8} {'5xx':>5} {'tracebacks':>10} {'inputs/s':>9} {'log names':>9}"
    )
    failed = named_in_log
    for name, tally in tallies.items():
        rate = tally.inputs / tally.seconds if tally.seconds else 0.0
        cpu_rate = tally.inputs / tally.cpu_seconds if tally.cpu_seconds else 0.0
        print(
            f"{name:<18} {tally.inputs:>8} {tally.server_errors:>5} {tally.tracebacks:>10} "
            f"{rate:>9.0f} {cpu_rate:>9.0f} {'yes' if tally.leaks else 'no':>9}"
        )
        failed = failed or bool(tally.server_errors or tally.tracebacks or tally.leaks)
    total = sum(t.inputs for t in tallies.values())
    posting = sum(t.seconds for t in tallies.values())
    cpu = sum(t.cpu_seconds for t in tallies.values())
    statuses: dict[int, int] = {}
    for tally in tallies.values():
        for status, count in tally.statuses.items():
            statuses[status] = statuses.get(status, 0) + count
    print(
        f"{'all':<18} {total:>8} {sum(t.server_errors for t in tallies.values()):>5} "
        f"{sum(t.tracebacks for t in tallies.values()):>10} {total / posting:>9.0f} "
        f"{total / cpu:>9.0f} {'yes' if named_in_log else 'no':>9}"
    )
    print(
        f"driver {args.driver}, seed {args.seed}, {args.jobs} process(es); wall {wall:.1f} s, "
        f"{total / wall:.0f} posts/s in all; setup {max(o.seconds_setup for o in outcomes):.1f} s; "
        f"{sum(o.stores for o in outcomes)} fresh stores "
        f"({sum(o.seconds_seeding for o in outcomes):.1f} s); "
        f"sessions renewed {sum(o.renewals for o in outcomes)} times; "
        f"fresh stores after a fuzzed post ended a signing-in token "
        f"{sum(o.lost_tokens for o in outcomes)}; "
        f"log {sum(o.log_lines for o in outcomes)} lines"
    )
    print(f"statuses {dict(sorted(statuses.items()))}")
    if args.statuses:
        for name, tally in tallies.items():
            print(f"  {name:<18} {dict(sorted(tally.statuses.items()))}")
    for name, tally in tallies.items():
        if tally.first_failure:
            print(f"\n{name}: first failing input\n{tally.first_failure[:4000]}")
    return failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--inputs", type=int, default=1_000_000, help="posts in all")
    parser.add_argument("--seed", type=int, default=0, help="seed of the inputs")
    parser.add_argument(
        "--reseed-every", type=int, default=5000, help="posts before a fresh copy of the store"
    )
    parser.add_argument("--driver", choices=("asgi", "testclient"), default="asgi")
    parser.add_argument(
        "--jobs", type=int, default=1, help="processes, each with its share and its own store"
    )
    parser.add_argument("--log-file", type=Path, help="keep the run's log here")
    parser.add_argument("--statuses", action="store_true", help="the answers' statuses per form")
    args = parser.parse_args()
    began = time.perf_counter()
    if args.jobs == 1:
        outcomes = [job(args, 0)]
    else:
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(args.jobs) as pool:
            outcomes = list(pool.map(job, [args] * args.jobs, range(args.jobs)))
    return 1 if report(args, outcomes, time.perf_counter() - began) else 0


if __name__ == "__main__":
    sys.exit(main())
