"""CI reports of the edits lmcor would make: GitHub workflow annotations and SARIF 2.1.0.

One item per edit, not per sentence: the changed words' span as 1-based lines and columns in
code points (the end column is one past the last character, as SARIF §3.30.8 defines
``endColumn``), the kind of the edit, its confidence and who proposed it.  SARIF's fix
replaces the edit's whole words (§3.55–3.57), given both as a text region and as the
identical byte range of the UTF-8 file (§3.30.1), so a tool can apply it byte-exactly.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from lmcor_cli import __version__
from lmcor_cli.edit_kinds import KINDS
from lmcor_cli.edit_report import LocatedEdit, Span

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def rule_id(kind: str) -> str:
    return "lmcor/" + kind.replace("–", "-").replace(" ", "-")


def message(item: LocatedEdit) -> str:
    """"are" → "is": subject–verb agreement (confidence 0.93; 4 of 5 candidates and Harper)"."""
    details = ([f"confidence {item.edit.confidence:.2f}"] if item.edit.confidence is not None else [])
    details.append(item.support)
    original = item.original.strip() or "(nothing)"
    replacement = item.replacement.strip() or "(nothing)"
    return f"\"{original}\" → \"{replacement}\": {item.kind} ({'; '.join(details)})"


def _escape_data(text: str) -> str:
    """As GitHub's toolkit escapes a workflow command's message (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """As GitHub's toolkit escapes a workflow command's property (``escapeProperty``)."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(name: str, item: LocatedEdit) -> str:
    """``::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=lmcor: <kind>::message``."""
    start, end = item.highlight.start, item.highlight.end
    properties = {
        "file": name,
        "line": start.line + 1,
        "col": start.column() + 1,
        "endLine": end.line + 1,
        "endColumn": end.column() + 1,
        "title": f"lmcor: {item.kind}",
    }
    joined = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    return f"::warning {joined}::{_escape_data(message(item))}"


def artifact_uri(name: str) -> str:
    """A relative path stays a relative URI reference (percent-encoded); an absolute one is a file URI."""
    path = PurePath(name)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


def _region(span: Span) -> dict[str, int]:
    return {
        "startLine": span.start.line + 1,
        "startColumn": span.start.column() + 1,
        "endLine": span.end.line + 1,
        "endColumn": span.end.column() + 1,
        "byteOffset": span.byte_start,
        "byteLength": span.byte_end - span.byte_start,
    }


class SarifLog:
    """One run of lmcor as a SARIF log: a result, with its fix, per edit; a rule per kind of edit."""

    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []

    def add(self, name: str, item: LocatedEdit) -> None:
        artifact = {"uri": artifact_uri(name)}
        properties: dict[str, Any] = {"kind": item.kind, "origin": item.edit.origin, "proposedBy": item.support}
        if item.edit.confidence is not None:
            properties["confidence"] = round(item.edit.confidence, 4)
        self.results.append(
            {
                "ruleId": rule_id(item.kind),
                "ruleIndex": KINDS.index(item.kind),
                "level": "warning",
                "message": {"text": message(item)},
                "locations": [{"physicalLocation": {"artifactLocation": artifact,
                                                    "region": _region(item.highlight)}}],
                "fixes": [
                    {
                        "description": {"text": f"Apply lmcor's {item.kind} fix"},
                        "artifactChanges": [
                            {
                                "artifactLocation": artifact,
                                "replacements": [
                                    {"deletedRegion": _region(item.fix), "insertedContent": {"text": item.fix_text}}
                                ],
                            }
                        ],
                    }
                ],
                "properties": properties,
            }
        )

    def to_json(self) -> str:
        driver = {
            "name": "lmcor",
            "version": __version__,
            "rules": [
                {
                    "id": rule_id(kind),
                    "name": kind.title().replace(" ", "").replace("–", ""),
                    "shortDescription": {"text": f"An edit lmcor would make: {kind}"},
                    "defaultConfiguration": {"level": "warning"},
                }
                for kind in KINDS
            ],
        }
        log = {
            "$schema": SARIF_SCHEMA,
            "version": "2.1.0",
            "runs": [
                {
                    "tool": {"driver": driver},
                    "columnKind": "unicodeCodePoints",
                    "defaultEncoding": "utf-8",
                    "results": self.results,
                }
            ],
        }
        return json.dumps(log, ensure_ascii=False, indent=2)
