"""CI reports of the sentences lmcor would rewrite: GitHub workflow annotations and SARIF 2.1.0.

Both name the sentence's span as 1-based lines and columns in code points (the end column
is one past the last character, as SARIF §3.30.8 defines ``endColumn``).  SARIF's fix
carries the rewrite as a replacement of that region (§3.55–3.57), given both as a text
region and as the identical byte range of the UTF-8 file (§3.30.1), so a tool can apply it
byte-exactly.
"""

from __future__ import annotations

import json
from pathlib import PurePath
from typing import Any
from urllib.parse import quote

from lmcor_cli import __version__
from lmcor_cli.positions import Located

RULE_ID = "lmcor/rewrite"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def message(found: Located) -> str:
    return f"lmcor would rewrite this sentence as: {found.rewrite.outcome.output}"


def _escape_data(text: str) -> str:
    """As GitHub's toolkit escapes a workflow command's message (``escapeData``)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    """As GitHub's toolkit escapes a workflow command's property (``escapeProperty``)."""
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotation(name: str, found: Located) -> str:
    """``::warning file=…,line=…,col=…,endLine=…,endColumn=…,title=lmcor::message``."""
    start, end = found.start, found.end
    properties = {
        "file": name,
        "line": start.line + 1,
        "col": start.column() + 1,
        "endLine": end.line + 1,
        "endColumn": end.column() + 1,
        "title": "lmcor",
    }
    joined = ",".join(f"{key}={_escape_property(str(value))}" for key, value in properties.items())
    return f"::warning {joined}::{_escape_data(message(found))}"


def artifact_uri(name: str) -> str:
    """A relative path stays a relative URI reference (percent-encoded); an absolute one is a file URI."""
    path = PurePath(name)
    if path.is_absolute():
        return path.as_uri()
    return quote(path.as_posix())


class SarifLog:
    """One run of lmcor as a SARIF log: a result, with its fix, per sentence to rewrite."""

    def __init__(self) -> None:
        self.results: list[dict[str, Any]] = []

    def add(self, name: str, found: Located) -> None:
        rewrite = found.rewrite
        region = {
            "startLine": found.start.line + 1,
            "startColumn": found.start.column() + 1,
            "endLine": found.end.line + 1,
            "endColumn": found.end.column() + 1,
            "byteOffset": rewrite.byte_start,
            "byteLength": rewrite.byte_end - rewrite.byte_start,
        }
        location = {"artifactLocation": {"uri": artifact_uri(name)}, "region": region}
        self.results.append(
            {
                "ruleId": RULE_ID,
                "ruleIndex": 0,
                "level": "warning",
                "message": {"text": message(found)},
                "locations": [{"physicalLocation": location}],
                "fixes": [
                    {
                        "description": {"text": "Apply lmcor's rewrite of this sentence"},
                        "artifactChanges": [
                            {
                                "artifactLocation": location["artifactLocation"],
                                "replacements": [
                                    {"deletedRegion": region, "insertedContent": {"text": rewrite.replacement}}
                                ],
                            }
                        ],
                    }
                ],
            }
        )

    def to_json(self) -> str:
        driver = {
            "name": "lmcor",
            "version": __version__,
            "rules": [
                {
                    "id": RULE_ID,
                    "name": "GrammarRewrite",
                    "shortDescription": {"text": "A sentence whose grammar or wording lmcor would fix"},
                    "defaultConfiguration": {"level": "warning"},
                }
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
