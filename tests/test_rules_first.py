"""A model generator reads each sentence after Harper's fixes (rules first), unless told not to."""

from __future__ import annotations

import re
import threading

import pytest
from conftest import ECHO, run_lmcor
from fake_server import FaultServer
from generators import Echo

from lmcor_cli.config import Settings
from lmcor_cli.engine_factory import generator_spec
from lmcor_cli.generate.base import generator_id, open_generator
from lmcor_cli.generate.rules_first import RulesFirst
from lmcor_cli.rules.harper import harper_fix

MISSPELT = "I recieved the leter yesterday and I will answer it tomorow."


@pytest.fixture
def server():
    srv = FaultServer()
    yield srv
    srv.stop()


def _sentences_sent(server: FaultServer) -> set[str]:
    return {re.findall(r"Sentence: (.*)\nCorrected:$", body["prompt"])[-1] for body in server.bodies}


def test_the_wrapped_generator_reads_harpers_fix():
    fixed = harper_fix(MISSPELT, frequent_spelling=True)
    assert fixed != MISSPELT  # Harper must find something here, or the test proves nothing
    echo = RulesFirst(Echo())
    assert echo.candidates([MISSPELT], 1)[0][0].text == fixed
    assert echo.id == "test-echo"  # everything else is the wrapped generator's own


def test_candidates_each_reads_harpers_fix_too():
    class EchoEach(Echo):
        def candidates_each(self, sentences, counts):  # type: ignore[no-untyped-def]
            return [self.candidates([s], n)[0] for s, n in zip(sentences, counts)]

    fixed = harper_fix(MISSPELT, frequent_spelling=True)
    pools = RulesFirst(EchoEach()).candidates_each([MISSPELT, "All is well."], [2, 1])
    assert [[c.text for c in pool] for pool in pools] == [[fixed], ["All is well."]]
    with pytest.raises(AttributeError):
        RulesFirst(Echo()).candidates_each  # noqa: B018  (a generator without it: none here either)


class _Loading(Echo):
    """Echo with a model to load: records when it loads, and whether Harper's linter for the
    current rules was being built meanwhile (on another thread)."""

    def __init__(self) -> None:
        super().__init__()
        self.events: list[str] = []

    def load(self) -> None:
        builders = [t for t in threading.enumerate() if t.name == "lmcor-harper-linter"]
        self.events.append(f"load, linter building: {bool(builders)}")

    def candidates(self, sentences, k):  # type: ignore[no-untyped-def]
        self.events.append("candidates")
        return super().candidates(sentences, k)

    def samples(self, sentences, n):  # type: ignore[no-untyped-def]
        self.events.append("samples")
        return super().candidates(sentences, n)


def test_the_model_loads_once_while_harpers_linter_builds():
    from lmcor_cli import project_rules
    from lmcor_cli.project_rules import ProjectRules
    from lmcor_cli.rules import harper

    rules = ProjectRules(dialect="en-GB", words=("lmcorunseenword",))  # a linter not built yet
    inner = _Loading()
    wrapped = RulesFirst(inner)
    built_before = harper.linter_for.cache_info().misses
    with project_rules.applied(rules):
        wrapped.candidates([MISSPELT], 1)
        wrapped.samples([MISSPELT], 2)
    assert inner.events == ["load, linter building: True", "candidates", "samples"]
    assert harper.linter_for.cache_info().misses == built_before + 1  # the one built meanwhile served the fixes


def test_a_plugin_reads_what_the_user_wrote():
    echo = open_generator(generator_spec(Settings(generator=ECHO)))
    assert echo.candidates([MISSPELT], 1)[0][0].text == MISSPELT


def test_the_cache_key_says_whether_rules_came_first():
    url = "http://127.0.0.1:9/v1"
    with_rules = generator_id(generator_spec(Settings(generator=url)))
    without = generator_id(generator_spec(Settings(generator=url, rules_first=False)))
    assert with_rules == without.replace("|adaptive", "|rules-first|adaptive")
    assert (generator_id(generator_spec(Settings(generator=url, sample_all=True)))
            == with_rules.removesuffix("|adaptive"))


def test_fix_sends_the_server_harpers_fix(server):
    result = run_lmcor("fix", "-", "-g", server.url("ok"), "--no-cache", "-k", "1", input=MISSPELT.encode())
    assert result.returncode == 0, result.stderr
    assert _sentences_sent(server) == {harper_fix(MISSPELT, frequent_spelling=True)}
    assert result.stdout.decode().strip() == harper_fix(MISSPELT, frequent_spelling=True)


def test_no_rules_first_sends_the_sentence_as_written(server):
    result = run_lmcor("fix", "-", "-g", server.url("ok"), "--no-cache", "-k", "1", "--no-rules-first",
                       input=MISSPELT.encode())
    assert result.returncode == 0, result.stderr
    assert _sentences_sent(server) == {MISSPELT}


def test_rules_first_in_config(server, tmp_path):
    (tmp_path / ".lmcor.toml").write_text("rules_first = false\n")
    result = run_lmcor("fix", "-", "-g", server.url("ok"), "--no-cache", "-k", "1", input=MISSPELT.encode(),
                       cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert _sentences_sent(server) == {MISSPELT}
    (tmp_path / ".lmcor.toml").write_text("rules_first = 'no'\n")
    bad = run_lmcor("fix", "-", "-g", server.url("ok"), input=MISSPELT.encode(), cwd=tmp_path)
    assert bad.returncode == 2 and b"'rules_first' must be true or false" in bad.stderr
