"""Reading case files from disk or bytes, with errors that name the file and the field.

Nothing here raises anything but :class:`~openimr.errors.CaseFileError`: malformed JSON or
YAML, binary content, oversized files and contract violations all become one message.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from openimr.casefile.model import CaseFile
from openimr.errors import CaseFileError

#: Largest case file read from disk, in bytes.
MAX_FILE_BYTES = 25 * 1024 * 1024

try:  # the C loader is much faster on large files; fall back where libyaml is missing
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on the PyYAML build
    _YamlLoader = yaml.SafeLoader


class _CaseYamlLoader(_YamlLoader):  # type: ignore[misc, valid-type]
    """The safe loader, refusing a key given twice in one mapping, and a key that is not a
    plain value (a list or a mapping as a key is valid YAML, but no field is named so)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        keys = set()
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise yaml.constructor.ConstructorError(
                    None, None, "a key must be a name, not a list or a mapping", key_node.start_mark
                )
            key = self.construct_object(key_node, deep=deep)
            if key in keys:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None, None, f"the key {key!r} appears twice in one mapping", mark
                )
            keys.add(key)
        return super().construct_mapping(node, deep=deep)


def format_location(loc: tuple[int | str, ...]) -> str:
    """``("disputed_items", 0, "request")`` -> ``disputed_items[0].request``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def describe_validation_error(error: ValidationError) -> tuple[str, str | None]:
    """One readable message for a pydantic error, and the first field path at fault."""
    problems: list[str] = []
    first_location: str | None = None
    for detail in error.errors(include_url=False):
        location = format_location(tuple(detail.get("loc", ())))
        message = str(detail.get("msg", "invalid value"))
        message = message.removeprefix("Value error, ")
        if detail.get("type") == "extra_forbidden":
            message = "unknown field (not part of the case-file format)"
        elif detail.get("type") == "missing":
            message = "required field is missing"
        if first_location is None and location:
            first_location = location
        problems.append(f"{location}: {message}" if location else message)
    if len(problems) == 1:
        return problems[0], first_location
    return f"{len(problems)} problems: " + "; ".join(problems), first_location


def _decode(raw: bytes, source: str) -> str:
    if b"\x00" in raw[:65536]:
        raise CaseFileError("not a text file (binary content)", source=source)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CaseFileError(
            f"not UTF-8 text (invalid byte at offset {exc.start})", source=source
        ) from None


def _refuse_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for key, value in pairs:
        if key in seen:
            raise CaseFileError(f"the key {key!r} appears twice in one object")
        seen[key] = value
    return seen


def _refuse_aliases(text: str, source: str) -> None:
    """YAML anchors and aliases let a small file stand for a huge one: case files have none."""
    for event in yaml.parse(text, Loader=_YamlLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            mark = event.start_mark
            where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
            raise CaseFileError(f"YAML anchors and aliases are not accepted{where}", source=source)


def _parse_text(text: str, source: str, fmt: str) -> Any:
    if fmt == "json":
        try:
            return json.loads(text, object_pairs_hook=_refuse_duplicate_keys)
        except CaseFileError as exc:
            raise CaseFileError(exc.detail, source=source) from None
        except json.JSONDecodeError as exc:
            raise CaseFileError(
                f"malformed JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}",
                source=source,
            ) from None
        except RecursionError:
            raise CaseFileError("malformed JSON: nested too deeply", source=source) from None
        except ValueError as exc:  # an integer with more digits than Python converts
            raise CaseFileError(f"malformed JSON: {exc}", source=source) from None
    try:
        _refuse_aliases(text, source)
        return yaml.load(text, Loader=_CaseYamlLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise CaseFileError(f"malformed YAML{where}: {exc.problem}", source=source) from None
    except (yaml.YAMLError, RecursionError) as exc:
        raise CaseFileError(f"malformed YAML: {exc}", source=source) from None


def read_json(raw: bytes, *, source: str = "<json>") -> Any:
    """Untrusted JSON bytes as data, with the case file's refusals (duplicate keys, nesting,
    oversized integers, bad encoding) as one :class:`CaseFileError`."""
    return _parse_text(_decode(raw, source), source, "json")


def _guess_format(source: str, text: str) -> str:
    suffix = Path(source).suffix.lower()
    if suffix == ".json":
        return "json"
    if suffix in {".yaml", ".yml"}:
        return "yaml"
    return "json" if text.lstrip().startswith(("{", "[")) else "yaml"


def parse_case_data(data: Any, *, source: str = "<case>", today: date | None = None) -> CaseFile:
    """Validate already-decoded data (a dict) against the case-file contract."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else type(data).__name__
        raise CaseFileError(f"expected a mapping of case-file fields, got {kind}", source=source)
    context = {"today": today} if today else None
    try:
        return CaseFile.model_validate(data, context=context)
    except ValidationError as exc:
        message, location = describe_validation_error(exc)
        error = CaseFileError(message, source=source)
        error.location = location  # kept apart so an API can point at the field
        raise error from None
    except RecursionError:
        raise CaseFileError("case file is nested too deeply", source=source) from None


def parse_case_bytes(
    raw: bytes, *, source: str = "<case>", fmt: str | None = None, today: date | None = None
) -> CaseFile:
    """Decode and validate a case file given as bytes (upload, stdin, test)."""
    if len(raw) > MAX_FILE_BYTES:
        raise CaseFileError(
            f"file is {len(raw) / 1_048_576:.1f} MB; the limit is {MAX_FILE_BYTES // 1_048_576} MB",
            source=source,
        )
    text = _decode(raw, source)
    if not text.strip():
        raise CaseFileError("file is empty", source=source)
    data = _parse_text(text, source, fmt or _guess_format(source, text))
    return parse_case_data(data, source=source, today=today)


def load_case_file(path: str | Path, *, today: date | None = None) -> CaseFile:
    """Read and validate one case file from disk."""
    path = Path(path)
    source = str(path)
    try:
        size = path.stat().st_size
        if not path.is_file():
            raise CaseFileError("not a regular file", source=source)
        if size > MAX_FILE_BYTES:
            raise CaseFileError(
                f"file is {size / 1_048_576:.1f} MB; the limit is {MAX_FILE_BYTES // 1_048_576} MB",
                source=source,
            )
        raw = path.read_bytes()
    except FileNotFoundError:
        raise CaseFileError("no such file", source=source) from None
    except IsADirectoryError:
        raise CaseFileError("is a directory, not a case file", source=source) from None
    except PermissionError:
        raise CaseFileError("permission denied", source=source) from None
    except OSError as exc:
        raise CaseFileError(f"cannot read file: {exc.strerror or exc}", source=source) from None
    return parse_case_bytes(raw, source=source, today=today)
