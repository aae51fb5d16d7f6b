"""The fluency scorer's batch layout: a prefix shared by several texts is one set of entries."""

from __future__ import annotations

from lmcor_cli.generate.llamacpp import MAX_SEQUENCES, SCORE_BATCH_TOKENS, PrefixTrie, score_batches


def test_shared_prefix_is_one_entry_per_token_with_every_texts_sequence():
    trie = PrefixTrie()
    for tokens in ([2, 10, 11, 12], [2, 10, 11, 13], [2, 10, 14], [2, 10, 11, 12]):
        trie.add(tokens)
    assert len(trie.entries) == 6  # 2, 10, 11, 12, 13, 14
    assert [entry[2] for entry in trie.entries[:2]] == [(1, 2, 3, 4), (1, 2, 3, 4)]
    assert [(entry[0], entry[1]) for entry in trie.entries] == [(2, 0), (10, 1), (11, 2), (12, 3), (13, 3), (14, 2)]
    assert trie.paths[0] == trie.paths[3] == [0, 1, 2, 3]
    # Logits are read where a text goes on, never at a text's last token alone.
    assert [entry[3] for entry in trie.entries] == [True, True, True, False, False, False]


def test_new_nodes_counts_what_a_text_would_add():
    trie = PrefixTrie()
    trie.add([2, 10, 11])
    assert trie.new_nodes([2, 10, 11]) == 0
    assert trie.new_nodes([2, 10, 15, 16]) == 2
    assert trie.new_nodes([3]) == 1


def test_batches_respect_the_row_and_sequence_limits():
    texts = [[2, 100 + i, 7, 8] for i in range(200)]
    batches = list(score_batches(texts))
    assert sum(len(b.paths) for b in batches) == 200
    assert all(len(b.entries) <= SCORE_BATCH_TOKENS and len(b.paths) <= MAX_SEQUENCES - 1 for b in batches)
    same = list(score_batches([[2, 5, 6]] * 100))  # identical texts add no entries, only sequences
    assert [len(b.paths) for b in same] == [MAX_SEQUENCES - 1, 100 - (MAX_SEQUENCES - 1)]
