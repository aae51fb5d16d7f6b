"""Train the edit corrector: the first layers of a pretrained LM, run bidirectionally, and a
tag head (``lmcor_cli/correctors/tags.py``) over the source with the pool's edits marked on it
(``lmcor_cli/correctors/pool_input.py``).

Stages, each resumable: ``prepare`` picks the kept pieces and the tag vocabulary from the
training triples and writes them to the run folder; ``fit`` encodes the triples and runs the
shared training loop (``loop.py``); ``export_tagger`` writes a CTranslate2 encoder, the tag head
and ``lmcor.json``.  Gemma 3 mixes local and global attention with two rotary bases; the
encoder here uses the local base in every layer (which is what CTranslate2's encoder runs),
and fine-tuning adapts the one global layer kept.
"""

from __future__ import annotations

import json
import random
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path

from lmcor_cli.candidates import Candidate
from lmcor_cli.correctors.pool_input import MARKERS, build_input
from lmcor_cli.correctors.tags import BASE_TAGS, IGNORE, TagVocabulary, gold_tags
from lmcor_cli.correctors.words import diff_edits, split_words
from lmcor_cli.errors import UsageError
from lmcor_cli.pruned_vocab import PrunedVocabulary
from lmcor_cli.train.loop import Pairs, Trainee, train_loop

Triple = tuple[str, str, list[Candidate]]  # source, target, pool


@dataclass
class TaggerConfig:
    init: str = "gemma3-270m"
    layers: int = 6
    kept_pieces: int = 16000
    word_tags: int = 5000  # most frequent $REPLACE_w / $APPEND_w
    min_tag_count: int = 2
    max_pieces: int = 160
    batch_size: int = 32
    lr: float = 1e-4
    warmup_steps: int = 200
    max_steps: int = 100000
    max_minutes: float = 0.0
    eval_every: int = 200
    patience: int = 8
    checkpoint_minutes: float = 5.0
    seed: int = 0
    bf16: bool | None = None
    device: str = "cpu"
    dev_share: float = 0.02
    pool_dropout: float = 0.4  # share of triples trained without their pool: the model must find edits itself


def read_triples(paths: Iterable[Path]) -> Iterator[Triple]:
    """(source, first reference, pool) from ``train synth`` / ``train candidates`` JSONL.

    A ``train candidates`` record (it names its generator) holds the generator's raw output;
    its pool becomes what the corrector reads at inference (``pool.corrector_pool``: the sane
    candidates plus Harper's fixes), so real pools train the model on exactly what it will see."""
    from lmcor_cli.pool import corrector_pool

    for path in paths:
        with path.open(encoding="utf-8") as handle:
            for line in handle:
                try:
                    record = json.loads(line)
                except ValueError:
                    continue
                if not record.get("references"):
                    continue
                pool = [Candidate(c["text"], c.get("origin", "sample")) for c in record.get("candidates", [])]
                if "generator" in record:
                    pool = corrector_pool(record["source"], pool)
                yield record["source"], record["references"][0], pool


def word_tag_counts(triples: Iterable[Triple]) -> Counter[str]:
    """How often each $REPLACE_w / $APPEND_w would be needed (before transformations claim some)."""
    from lmcor_cli.correctors.tags import word_tag

    counts: Counter[str] = Counter()
    everything = frozenset()
    for source, target, _ in triples:
        words = split_words(source)
        for i1, i2, edit in diff_edits(source, target, words):
            new = [w.text for w in split_words(edit.replacement)]
            if i1 == i2:
                if new:
                    counts[f"$APPEND_{new[0]}"] += 1
                continue
            for old, replacement in zip(words[i1:i2], new):
                if word_tag(old.text, replacement, everything) is None:
                    counts[f"$REPLACE_{replacement}"] += 1
    return counts


def prepare(triples: list[Triple], spm_model: Path, config: TaggerConfig, out: Path,
            log: Callable[[str], None] = print) -> tuple[list[str], TagVocabulary]:
    """The kept pieces (with the pool markers) and the tag vocabulary, written to ``out``."""
    from lmcor_cli.train.pretrained import kept_pieces

    kept_file, tags_file = out / "vocabulary.json", out / "tags.json"
    if kept_file.exists() and tags_file.exists():
        return json.loads(kept_file.read_text()), TagVocabulary(json.loads(tags_file.read_text()))
    out.mkdir(parents=True, exist_ok=True)
    texts = (text for source, target, pool in triples for text in (source, target, *(c.text for c in pool[:2])))
    kept = kept_pieces(spm_model, texts, config.kept_pieces - len(MARKERS)) + list(MARKERS)
    counts = word_tag_counts(triples)
    word_tags = [tag for tag, n in counts.most_common(config.word_tags) if n >= config.min_tag_count]
    tags = TagVocabulary([*BASE_TAGS, *word_tags])
    kept_file.write_text(json.dumps(kept, ensure_ascii=False))
    tags_file.write_text(json.dumps(tags.tags, ensure_ascii=False, indent=0))
    log(f"kept {len(kept)} pieces; {len(tags)} tags ({len(word_tags)} word tags, "
        f"covering {sum(counts[t] for t in word_tags) / max(sum(counts.values()), 1):.1%} of word edits)")
    return kept, tags


def encode_triple(triple: Triple, vocab: PrunedVocabulary, tags: TagVocabulary,
                  max_pieces: int) -> tuple[list[int], list[int]]:
    """(input ids, slot positions then tag ids): what the loop's pairs hold for a tagger."""
    source, target, pool = triple
    model_input = build_input(source, pool, vocab.encode, vocab.bos, max_pieces)
    gold = gold_tags(source, target, model_input.words, model_input.proposals, tags.names)
    labels = [tags.ids[t] if t is not None else IGNORE for t in gold][: len(model_input.slot_positions)]
    return [vocab.ids[p] for p in model_input.pieces], model_input.slot_positions + labels


def build_model(init: Path, kept: list[str], spm_model: Path, layers: int, n_tags: int):  # type: ignore[no-untyped-def]
    """Gemma's first ``layers`` layers and pruned embedding, bidirectional, plus a tag head."""
    import sentencepiece
    import torch

    from lmcor_cli.train.pretrained import load_causal_lm, shrink

    processor = sentencepiece.SentencePieceProcessor(model_file=str(spm_model))
    real = [p for p in kept if p not in MARKERS]
    lm = load_causal_lm(init)
    small = shrink(lm, [processor.piece_to_id(p) for p in real], list(range(layers)))
    trunk = small.model
    config = trunk.config
    embedding = trunk.embed_tokens.weight.data
    extra = embedding.mean(0, keepdim=True) + 0.02 * embedding.std() * torch.randn(len(kept) - len(real),
                                                                                   embedding.shape[1])
    trunk.embed_tokens.weight = torch.nn.Parameter(torch.cat([embedding, extra]))
    trunk.embed_tokens.num_embeddings = len(kept)
    config.vocab_size = len(kept)
    make_bidirectional(config)
    return TaggerModel(trunk, n_tags)


def make_bidirectional(config) -> None:  # type: ignore[no-untyped-def]
    """Every layer attends both ways over the whole sentence, with the local rotary base."""
    config.use_bidirectional_attention = True
    config.layer_types = ["sliding_attention"] * config.num_hidden_layers
    config.sliding_window = 4096


def _tagger_module():  # type: ignore[no-untyped-def]
    import torch

    class Tagger(torch.nn.Module):
        def __init__(self, trunk, n_tags: int):  # type: ignore[no-untyped-def]
            super().__init__()
            self.trunk = trunk
            self.dropout = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(trunk.config.hidden_size, n_tags)

        def forward(self, ids, mask, positions):  # type: ignore[no-untyped-def]
            hidden = self.trunk(input_ids=ids, attention_mask=mask).last_hidden_state
            picked = hidden.gather(1, positions.unsqueeze(-1).expand(-1, -1, hidden.shape[-1]))
            return self.head(self.dropout(picked)).float()

    return Tagger


def TaggerModel(trunk, n_tags: int):  # type: ignore[no-untyped-def]  # noqa: N802 - a class built lazily (torch is optional)
    return _tagger_module()(trunk, n_tags)


def tagger_loss(model, pairs: Pairs, indices: list[int], device):  # type: ignore[no-untyped-def]
    import torch

    rows = [pairs[i] for i in indices]
    width = max(len(ids) for ids, _ in rows)
    slots = max(len(second) // 2 for _, second in rows)
    ids = torch.zeros(len(rows), width, dtype=torch.long)
    mask = torch.zeros(len(rows), width, dtype=torch.long)
    positions = torch.zeros(len(rows), slots, dtype=torch.long)
    labels = torch.full((len(rows), slots), IGNORE, dtype=torch.long)
    for r, (tokens, second) in enumerate(rows):
        n = len(second) // 2
        ids[r, : len(tokens)] = torch.tensor(tokens)
        mask[r, : len(tokens)] = 1
        positions[r, :n] = torch.tensor(second[:n])
        labels[r, :n] = torch.tensor(second[n:])
    logits = model(ids.to(device), mask.to(device), positions.to(device))
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.to(device).reshape(-1),
                                             ignore_index=IGNORE)


def fit_tagger(triples: list[Triple], dev_triples: list[Triple], out: Path, config: TaggerConfig,
               log: Callable[[str], None] = print) -> dict[str, float]:
    """Prepare (once), encode, and train; re-running resumes from ``out``'s checkpoint."""
    import torch

    from lmcor_cli.train.pretrained import resolve_init, write_spm_model

    out.mkdir(parents=True, exist_ok=True)
    saved = out / "tagger_config.json"
    if saved.exists():  # a resumed run keeps the shape it started with
        previous = json.loads(saved.read_text())
        for key in ("init", "layers", "kept_pieces", "word_tags", "max_pieces", "lr", "seed"):
            setattr(config, key, previous[key])
    saved.write_text(json.dumps(asdict(config), indent=2))
    init = resolve_init(config.init)
    spm_model = out / "spm.model"
    if not spm_model.exists():
        write_spm_model(init, spm_model)
    kept, tags = prepare(triples, spm_model, config, out, log)
    vocab = PrunedVocabulary(spm_model, kept)
    rng = random.Random(config.seed + 1)
    train, dev = ([encode_triple(t, vocab, tags, config.max_pieces)
                   for t in without_some_pools(part, config.pool_dropout, rng)] for part in (triples, dev_triples))
    log(f"encoded {len(train)} training and {len(dev)} dev triples")
    torch.manual_seed(config.seed)
    model = build_model(init, kept, spm_model, config.layers, len(tags))

    def loss(pairs: Pairs, indices: list[int], device):  # type: ignore[no-untyped-def]
        return tagger_loss(model, pairs, indices, device)

    def save_weights(folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        torch.save(model.state_dict(), folder / "tagger.pt")
        model.trunk.config.save_pretrained(folder)

    return train_loop(Trainee(model, loss, save_weights, dev_batch=64), train, dev, out, config, log)


def _in_dev(source: str, share: float, seed: int) -> bool:
    return zlib.crc32(f"{seed}:{source}".encode()) / 2**32 < share


def without_some_pools(triples: list[Triple], share: float, rng: random.Random) -> list[Triple]:
    """The triples with ``share`` of their pools emptied: with a pool that often holds the fix,
    a tagger learns to copy it and rarely to make an edit of its own (at 600 steps, trained
    with every pool, it changed 1 of 100 JFLEG dev sentences by itself)."""
    return [(source, target, [] if rng.random() < share else pool) for source, target, pool in triples]


def split_dev(triples: list[Triple], share: float, seed: int) -> tuple[list[Triple], list[Triple]]:
    """A fixed share of the triples as the dev set, chosen by source sentence (seeded), so a
    file passed twice to weigh it more never puts the same sentence on both sides."""
    flags = [_in_dev(source, share, seed) for source, _, _ in triples]
    if not any(flags):
        raise UsageError("too few triples for a dev set")
    return [t for t, f in zip(triples, flags) if not f], [t for t, f in zip(triples, flags) if f]
