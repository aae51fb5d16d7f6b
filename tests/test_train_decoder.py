"""The decoder-only corrector: `train fit --init` on a tiny real Gemma 3 → export → `lmcor fix`.

The tiny model is random (three layers of Gemma 3 270M's attention shape, a tiny MLP, a
400-piece SentencePiece BPE vocabulary of Gemma's kind), but every component is the real one:
transformers' Gemma3ForCausalLM, the pruning, the training loop, CTranslate2's converter and its
Generator at inference.
"""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from conftest import RULES, run_lmcor
from tiny_models import build_tiny_causal_lm

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

CLEAN = """The cat sits on the mat and looks at the door.
She goes to the market every morning with her friends.
The results of the survey were published in the spring.
We have received your message and will answer it soon.
"""


@pytest.fixture(scope="module")
def tiny_lm(tmp_path_factory):
    return build_tiny_causal_lm(tmp_path_factory.mktemp("tiny-lm"))


@pytest.fixture(scope="module")
def synth(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synth")
    (folder / "clean.txt").write_text(CLEAN)
    out = folder / "synth.jsonl"
    made = run_lmcor("train", "synth", "--clean", str(folder / "clean.txt"), "--n", "40", "-o", str(out))
    assert made.returncode == 0, made.stderr
    return out


def fit_args(tiny_lm, synth, out, *extra):
    return ["train", "fit", "--init", str(tiny_lm), "--synth", str(synth), "-o", str(out), "--kept-pieces", "330",
            "--keep-layers", "0,2", "--batch-size", "4", "--eval-every", "2", "--threads", "1", *extra]


@pytest.fixture(scope="module")
def run(tiny_lm, synth, tmp_path_factory):
    """A decoder run of 3 steps, then resumed to 5 with other (ignored) shape flags."""
    out = tmp_path_factory.mktemp("run") / "fit"
    first = run_lmcor(*fit_args(tiny_lm, synth, out, "--max-steps", "3"), timeout=300)
    assert first.returncode == 0, first.stderr
    assert b"started from tiny-lm" in first.stderr and b"layers 0,2 of 3, 330 of 400 vocabulary rows" in first.stderr
    # The saved shape wins over the command line (the last of a repeated flag), so the checkpoint fits.
    resumed = run_lmcor(*fit_args(tiny_lm, synth, out, "--max-steps", "5", "--keep-layers", "1",
                                  "--kept-pieces", "300"),
                        timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert b"resumed at step 3 " in resumed.stderr, resumed.stderr
    return out, first.stderr.decode() + resumed.stderr.decode()


def test_resumed_run_keeps_its_pruned_shape(run):
    out, _ = run
    assert json.loads((out / "summary.json").read_text())["steps"] == 5
    saved = json.loads((out / "fit_config.json").read_text())
    assert saved["keep_layers"] == "0,2" and saved["kept_pieces"] == 330
    base = json.loads((out / "base" / "config.json").read_text())
    assert base["num_hidden_layers"] == 2 and base["vocab_size"] == 330
    assert base["layer_types"] == ["sliding_attention", "full_attention"]  # layers 0 and 2 of the tiny model's pattern
    kept = json.loads((out / "vocabulary.json").read_text())
    assert len(kept) == 330 and kept[:4] == ["<pad>", "<eos>", "<bos>", "<unk>"]


def test_bf16_is_chosen_by_what_the_cpu_has(run):
    from lmcor_cli.train.loop import native_bf16

    _, log = run
    expected = "on: native bf16" if native_bf16("cpu") else "off: no native bf16 on this device"
    assert f"bf16 autocast {expected}" in log


def test_export_then_fix_rewrites_through_the_generator(run, tmp_path):
    out, _ = run
    model = tmp_path / "model"
    exported = run_lmcor("train", "export", "--fit", str(out), "-o", str(model), "--name", "tiny-decoder", timeout=300)
    assert exported.returncode == 0, exported.stderr
    meta = json.loads((model / "lmcor.json").read_text())
    assert meta["architecture"] == "decoder" and meta["mode"] == "rewrite"
    assert json.loads((model / "vocabulary.json").read_text()) == json.loads((out / "vocabulary.json").read_text())
    for line in (model / "SHA256SUMS").read_text().splitlines():
        digest, name = line.split("  ")
        assert hashlib.sha256((model / name).read_bytes()).hexdigest() == digest
    assert {"model.bin", "spm.model", "vocabulary.json", "MODEL_CARD.md"} <= {p.name for p in model.iterdir()}
    fixed = run_lmcor("fix", "-c", str(model), "-g", RULES, "--format", "json", "-",
                      input=b"This are a test.\nIt rains.\n")
    assert fixed.returncode == 0, fixed.stderr
    rows = [json.loads(line) for line in fixed.stdout.decode().splitlines()]
    # The random corrector's rewrite is nonsense, which the guard turns down: the greedy candidate stands.
    assert rows and all(row["system"] in ("corrector", "greedy") for row in rows)
    assert rows[0]["output"] == "This is a test."
    (model / "vocabulary.json").unlink()
    broken = run_lmcor("fix", "-c", str(model), "-g", RULES, "-", input=b"This are a test.\n")
    assert broken.returncode == 3 and b"a decoder corrector needs its vocabulary.json" in broken.stderr


def test_rank_mode_chooses_among_the_options(run, tmp_path):
    from lmcor_cli.candidates import Candidate
    from lmcor_cli.correctors import inspect_corrector, open_corrector
    from lmcor_cli.correctors.input_format import decoder_answer

    out, _ = run
    model = tmp_path / "rank"
    exported = run_lmcor("train", "export", "--fit", str(out), "-o", str(model), "--mode", "rank", timeout=300)
    assert exported.returncode == 0, exported.stderr
    fixed = run_lmcor("fix", "-c", str(model), "-g", RULES, "--format", "json", "-", input=b"This are a test.\n")
    assert fixed.returncode == 0, fixed.stderr
    row = json.loads(fixed.stdout.decode().splitlines()[0])
    assert row["output"] in {c["text"] for c in row["candidates"]} | {row["source"]}
    corrector = open_corrector(inspect_corrector(model))
    sources = ["This are a test.", "She go to school every day."]
    pools = [[Candidate("This is a test.", "greedy")], [Candidate("She goes to school every day.", "greedy")]]
    for (options, features), source in zip(corrector.option_rows(sources, pools), sources):
        assert options[-1] == source
        for text, row in zip(options, features):
            # Scored over the answer only (its pieces and EOS), never over the prompt.
            assert (row["logprob"] < 0
                    and round(row["logprob"] / row["logprob_mean"]) == len(decoder_answer(corrector._vocab, text)))


def test_exported_generator_computes_what_the_trained_model_does(run, tmp_path):
    """Same vocabulary ids, same layers (the sliding/full pattern of the kept ones), same
    numbers: CTranslate2 in float32 scores a prompt as transformers does."""
    import ctranslate2
    from transformers import AutoModelForCausalLM

    from lmcor_cli.candidates import Candidate
    from lmcor_cli.correctors.input_format import decoder_answer, decoder_prompt, format_input
    from lmcor_cli.pruned_vocab import PrunedVocabulary
    from lmcor_cli.train.export import export_decoder

    torch.set_num_threads(1)
    out, _ = run
    folder = export_decoder(out, tmp_path / "f32", "f32", 1, "card", quantization="float32")
    vocab = PrunedVocabulary(out / "spm.model", json.loads((out / "vocabulary.json").read_text()))
    source = "She go to school, and Zoë don't like it."
    tokens = decoder_prompt(vocab, format_input(source, [Candidate("She goes to school.", "greedy")]), 256)
    tokens += decoder_answer(vocab, "She goes to school.")
    ids = [vocab.ids[t] for t in tokens]
    model = AutoModelForCausalLM.from_pretrained(out / "best").eval()
    with torch.no_grad():
        log_probs = torch.log_softmax(model(torch.tensor([ids])).logits[0], -1)
    expected = [log_probs[i, ids[i + 1]].item() for i in range(len(ids) - 1)]
    scored = ctranslate2.Generator(str(folder), intra_threads=1).score_batch([tokens])[0].log_probs
    assert len(scored) == len(expected)
    assert max(abs(a - b) for a, b in zip(scored, expected)) < 1e-3


def test_lora_run_trains_adapters_only_and_exports_merged_weights(tiny_lm, synth, tmp_path):
    out = tmp_path / "lora"
    fitted = run_lmcor(*fit_args(tiny_lm, synth, out, "--max-steps", "2", "--lora", "2"), timeout=300)
    assert fitted.returncode == 0, fitted.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert 0 < summary["trained_parameters"] < summary["parameters"] / 4
    from safetensors.torch import load_file

    weights = load_file(out / "best" / "model.safetensors")
    assert not any("lora" in key or ".base." in key for key in weights)
    exported = run_lmcor("train", "export", "--fit", str(out), "-o", str(tmp_path / "model"), timeout=300)
    assert exported.returncode == 0, exported.stderr


def test_merged_lora_weights_compute_what_the_adapted_model_does(tiny_lm):
    from transformers import AutoModelForCausalLM

    from lmcor_cli.train.lora import add_lora, merged_state_dict

    torch.set_num_threads(1)
    torch.manual_seed(0)
    adapted = AutoModelForCausalLM.from_pretrained(tiny_lm).eval()
    plain = AutoModelForCausalLM.from_pretrained(tiny_lm).eval()
    assert add_lora(adapted, 4) == 3 * 7
    for name, parameter in adapted.named_parameters():
        assert parameter.requires_grad == ("lora_" in name)
        if name.endswith("lora_b"):
            parameter.data.normal_(0, 0.1)  # as after some training
    plain.load_state_dict(merged_state_dict(adapted))
    ids = torch.tensor([[2, 40, 41, 42, 43]])
    with torch.no_grad():
        assert torch.allclose(adapted(ids).logits, plain(ids).logits, atol=1e-4)
        assert not torch.allclose(plain(ids).logits, AutoModelForCausalLM.from_pretrained(tiny_lm)(ids).logits,
                                  atol=1e-2)


def test_bad_fit_flags_are_one_line_errors(tiny_lm, synth, tmp_path):
    for extra, message in ((["--keep-layers", "7"], b"--keep-layers 7: the model has 3 layers"),
                           (["--kept-pieces", "100"], b"at least 260"),
                           (["--vocab", str(tmp_path / "x.model")], b"--init brings its own vocabulary")):
        result = run_lmcor(*fit_args(tiny_lm, synth, tmp_path / "bad", *extra), timeout=300)
        assert result.returncode == 2, result.stderr
        assert message in result.stderr and b"Traceback" not in result.stderr
        assert len(result.stderr.decode().strip().splitlines()) <= 3
    nothing = run_lmcor("train", "fit", "--init", str(tmp_path / "missing"), "--synth", str(synth),
                        "-o", str(tmp_path / "x"))
    assert nothing.returncode == 2 and re.search(rb"--init .*missing: not gemma3-270m", nothing.stderr)
    no_vocab = run_lmcor("train", "fit", "--synth", str(synth), "-o", str(tmp_path / "y"))
    assert no_vocab.returncode == 2 and b"pass --vocab" in no_vocab.stderr


def test_layer_choice_keeps_the_first_layers_and_the_last_or_a_list():
    from lmcor_cli.errors import UsageError
    from lmcor_cli.train.pretrained import layer_choice

    assert layer_choice("", 4) == [0, 1, 2, 3]
    assert layer_choice("6", 18) == [0, 1, 2, 3, 4, 17]
    assert layer_choice("18", 18) == list(range(18))
    assert layer_choice("1", 18) == [0]
    assert layer_choice("0,5,17", 18) == [0, 5, 17]
    for bad in ("2,1", "0,0", "19", "0,18", "x", "0"):
        with pytest.raises(UsageError):
            layer_choice(bad, 18)


def test_bf16_only_where_native_unless_asked():
    from lmcor_cli.train.loop import bf16_choice

    assert bf16_choice(None, None) == (False, "no native bf16 on this device: fp32 is faster")
    assert bf16_choice(None, "AMX") == (True, "native bf16 (AMX)")
    assert bf16_choice(True, None) == (True, "as requested")
    assert bf16_choice(False, "CUDA") == (False, "as requested")


@pytest.mark.model
def test_gemma_init_prunes_trains_and_exports(synth, tmp_path):
    """The real Gemma 3 270M (the generator's English GGUF): 2 of 18 layers, 2,000 pieces."""
    out = tmp_path / "fit"
    fitted = run_lmcor("train", "fit", "--init", "gemma3-270m", "--synth", str(synth), "-o", str(out),
                       "--kept-pieces", "2000", "--keep-layers", "2", "--max-steps", "2", "--batch-size", "2",
                       "--eval-every", "2", "--threads", "1", timeout=300)
    assert fitted.returncode == 0, fitted.stderr
    assert b"layers 0,17 of 18, 2000 of 51868 vocabulary rows" in fitted.stderr
    base = json.loads((out / "base" / "config.json").read_text())
    assert base["layer_types"] == ["sliding_attention", "full_attention"] and base["vocab_size"] == 2000
    model = tmp_path / "model"
    exported = run_lmcor("train", "export", "--fit", str(out), "-o", str(model), timeout=300)
    assert exported.returncode == 0, exported.stderr
    assert 11e6 < (model / "model.bin").stat().st_size < 14e6  # int8: 2 × 5.6M layer weights + 2,000 × 640 rows
    fixed = run_lmcor("fix", "-c", str(model), "-g", RULES, "--format", "json", "-", input=b"This are a test.\n")
    assert fixed.returncode == 0, fixed.stderr
