"""Precision, recall and F0.5 by the MaxMatch (M2) method (Dahlmeier and Ng, 2012).

The system's edits are not taken from one fixed alignment.  All minimal token
alignments of source and hypothesis form a lattice; consecutive edits are merged into
longer ones when they span at most two unchanged words; then the path through the
lattice that agrees with the most gold edits is chosen (gold edges weigh −|E|, other
edits 1 + ε, kept words 1).  With several annotators, each sentence is scored against
the annotator that maximises the running corpus F.  An independent implementation,
checked against the official scorer's figures in the tests.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

GoldEdit = tuple[int, int, str, tuple[str, ...]]  # start, end, original, accepted corrections
Vertex = tuple[int, int]
EPSILON = 0.001
MAX_UNCHANGED = 2


@dataclass(frozen=True)
class LatticeEdit:
    kind: str  # "noop", "sub", "del", "ins"
    start: int
    end: int
    original: str
    correction: str
    unchanged: int


@dataclass(frozen=True)
class Counts:
    correct: int = 0
    proposed: int = 0
    gold: int = 0

    def add(self, other: Counts) -> Counts:
        return Counts(self.correct + other.correct, self.proposed + other.proposed, self.gold + other.gold)


def scores(counts: Counts, beta: float = 0.5) -> tuple[float, float, float]:
    """P, R, F_beta; no proposed edits counts as precision 1, no gold edits as recall 1."""
    p = counts.correct / counts.proposed if counts.proposed else 1.0
    r = counts.correct / counts.gold if counts.gold else 1.0
    f = (1 + beta**2) * p * r / (beta**2 * p + r) if (beta**2 * p + r) else 0.0
    return p, r, f


def _alignment_edges(src: list[str], hyp: list[str], sub_cost: int) -> dict[tuple[Vertex, Vertex], LatticeEdit]:
    """Edges of every minimal-cost alignment (insert/delete cost 1, substitute ``sub_cost``)."""
    rows, cols = len(src) + 1, len(hyp) + 1
    cost = [[0] * cols for _ in range(rows)]
    back: dict[Vertex, list[tuple[Vertex, LatticeEdit]]] = {}
    for i in range(1, rows):
        cost[i][0] = i
        back[(i, 0)] = [((i - 1, 0), LatticeEdit("del", i - 1, i, src[i - 1], "", 0))]
    for j in range(1, cols):
        cost[0][j] = j
        back[(0, j)] = [((0, j - 1), LatticeEdit("ins", 0, 0, "", hyp[j - 1], 0))]
    for i in range(1, rows):
        for j in range(1, cols):
            same = src[i - 1] == hyp[j - 1]
            options = [
                (cost[i - 1][j - 1] + (0 if same else sub_cost), (i - 1, j - 1),
                 LatticeEdit("noop" if same else "sub", i - 1, i, src[i - 1], hyp[j - 1], 1 if same else 0)),
                (cost[i - 1][j] + 1, (i - 1, j), LatticeEdit("del", i - 1, i, src[i - 1], "", 0)),
                (cost[i][j - 1] + 1, (i, j - 1), LatticeEdit("ins", i, i, "", hyp[j - 1], 0)),
            ]
            best = min(option[0] for option in options)
            cost[i][j] = best
            back[(i, j)] = [(prev, edit) for c, prev, edit in options if c == best]
    edges: dict[tuple[Vertex, Vertex], LatticeEdit] = {}
    seen = set()
    queue = [(rows - 1, cols - 1)]
    while queue:
        vertex = queue.pop()
        if vertex in seen:
            continue
        seen.add(vertex)
        for prev, edit in back.get(vertex, []):
            edges[(prev, vertex)] = edit
            queue.append(prev)
    return edges


def _merge(a: LatticeEdit, b: LatticeEdit) -> LatticeEdit:
    original = " ".join(x for x in (a.original, b.original) if x)
    correction = " ".join(x for x in (a.correction, b.correction) if x)
    if a.kind == b.kind == "noop":
        kind = "noop"
    elif a.kind == b.kind and a.kind in ("ins", "del"):
        kind = a.kind
    else:
        kind = "sub"
    return LatticeEdit(kind, a.start, b.end, original, correction, a.unchanged + b.unchanged)


def edit_lattice(src: list[str],
                 hyp: list[str]) -> tuple[dict[tuple[Vertex, Vertex], LatticeEdit], dict[tuple[Vertex, Vertex], int]]:
    """The alignment lattice with merged (transitive) edits and their lengths in steps."""
    edges = _alignment_edges(src, hyp, 1)
    for key, edit in _alignment_edges(src, hyp, 2).items():
        edges.setdefault(key, edit)
    steps = {key: 1 for key in edges}
    vertices = sorted({v for key in edges for v in key})
    for k in vertices:
        incoming = [(u, v) for (u, v) in list(edges) if v == k]
        outgoing = [(u, v) for (u, v) in list(edges) if u == k]
        for i_edge in incoming:
            for j_edge in outgoing:
                key = (i_edge[0], j_edge[1])
                length = steps[i_edge] + steps[j_edge]
                if length < steps.get(key, float("inf")):
                    merged = _merge(edges[i_edge], edges[j_edge])
                    if merged.unchanged <= MAX_UNCHANGED:
                        edges[key] = merged
                        steps[key] = length
    for key in [k for k, e in edges.items() if e.kind == "noop" and steps[k] > 1]:
        del edges[key], steps[key]
    return edges, steps


def _matches(edit: LatticeEdit, gold: GoldEdit) -> bool:
    return edit.start == gold[0] and edit.end == gold[1] and edit.original == gold[2] and edit.correction in gold[3]


def best_edits(src: list[str], hyp: list[str], gold: Sequence[GoldEdit]) -> list[LatticeEdit]:
    """The system edits along the lattice path that agrees most with ``gold``."""
    edges, steps = edit_lattice(src, hyp)
    weight = {}
    for key, edit in edges.items():
        if edit.kind == "noop":
            weight[key] = steps[key]
        elif any(_matches(edit, g) for g in gold):
            weight[key] = -len(edges)
        else:
            weight[key] = steps[key] + EPSILON
    by_target: dict[Vertex, list[tuple[Vertex, Vertex]]] = {}
    for key in sorted(edges):
        by_target.setdefault(key[1], []).append(key)
    distance: dict[Vertex, float] = {(0, 0): 0.0}
    previous: dict[Vertex, tuple[Vertex, Vertex]] = {}
    for vertex in sorted({v for key in edges for v in key}):
        for key in by_target.get(vertex, []):
            if key[0] in distance and distance[key[0]] + weight[key] < distance.get(vertex, float("inf")):
                distance[vertex] = distance[key[0]] + weight[key]
                previous[vertex] = key
    path = []
    vertex = (len(src), len(hyp))
    while vertex in previous:
        key = previous[vertex]
        path.append(edges[key])
        vertex = key[0]
    return [edit for edit in reversed(path) if edit.kind != "noop"]


def sentence_counts(source: str, hypothesis: str, gold: Sequence[GoldEdit]) -> Counts:
    src, hyp = source.split(), hypothesis.split()
    if src == hyp:  # nothing proposed: most sentences, and the lattice is the slow part
        return Counts(0, 0, len(gold))
    return _changed_counts(source, hypothesis, tuple(gold))


@lru_cache(maxsize=65536)
def _changed_counts(source: str, hypothesis: str, gold: tuple[GoldEdit, ...]) -> Counts:
    """Memoised: tuning scores the same outputs under many settings."""
    proposed = best_edits(source.split(), hypothesis.split(), gold)
    correct = 0
    next_gold = 0
    for edit in proposed:
        for index in range(next_gold, len(gold)):
            if _matches(edit, gold[index]):
                correct += 1
                next_gold = index + 1
                break
    return Counts(correct, len(proposed), len(gold))


def corpus_m2(
    sources: Sequence[str], hypotheses: Sequence[str], gold: Sequence[Sequence[Sequence[GoldEdit]]], beta: float = 0.5
) -> tuple[float, float, float]:
    """Corpus P, R, F_beta; ``gold[i]`` holds one edit list per annotator of sentence i."""
    total = Counts()
    for source, hypothesis, annotators in zip(sources, hypotheses, gold):
        best: tuple[tuple[float, int, float], Counts] | None = None
        for edits in annotators or [[]]:
            local = total.add(sentence_counts(source, hypothesis, edits))
            key = (scores(local, beta)[2], local.correct, -(local.proposed + beta**2 * local.gold))
            if best is None or key > best[0]:
                best = (key, local)
        assert best is not None
        total = best[1]
    return scores(total, beta)


def edits_from_reference(source: str, reference: str) -> list[GoldEdit]:
    """Gold edits for a plain reference: a minimal token alignment, adjacent changes merged."""
    src, ref = source.split(), reference.split()
    edits = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, src, ref, autojunk=False).get_opcodes():
        if tag != "equal":
            edits.append((i1, i2, " ".join(src[i1:i2]), (" ".join(ref[j1:j2]),)))
    return edits
