"""A BPE tokenizer for the embedded world, saved so that `AutoTokenizer` loads it like XLM-R's.

XLM-R conventions: special tokens `<s> <pad> </s> <unk> <mask>` (ids 0-4, so `<pad>` is 1 as
the position embeddings expect), Metaspace word-initial marking (`▁`), single sequences
`<s> A </s>` and pairs `<s> A </s></s> B </s>`. BPE rather than XLM-R's Unigram: on so small
a lexicon the Unigram trainer split even frequent short words. transformers 5's
`XLMRobertaTokenizer` rebuilds a Unigram model from the vocabulary, so the saved config names
the generic fast class (`TokenizersBackend`, what `PreTrainedTokenizerFast` is now); loading
gives a fast tokenizer with offsets and `word_ids()`.
"""

from __future__ import annotations

from pathlib import Path

from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer, PreTrainedTokenizerBase, PreTrainedTokenizerFast

from xworld.world import World

SPECIAL_TOKENS: tuple[str, ...] = ("<s>", "<pad>", "</s>", "<unk>", "<mask>")
DEFAULT_VOCAB_SIZE = 1500


def tokenizer_corpus(world: World, n_per_language: int = 20_000, seed: int = 0) -> list[str]:
    """Equal amounts of every language, so no language's words are split more for rarity."""
    return [s.text for lang in world.languages for s in world.corpus(lang, n_per_language, seed)]


def train_tokenizer(texts: list[str], vocab_size: int = DEFAULT_VOCAB_SIZE) -> Tokenizer:
    """Train BPE with XLM-R's pre-tokenisation, specials and post-processing."""
    tok = Tokenizer(models.BPE(unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.WhitespaceSplit(),
        pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always"),
    ])
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    alphabet = sorted({ch for text in texts for ch in text if not ch.isspace()})
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, min_frequency=2, special_tokens=list(SPECIAL_TOKENS),
        initial_alphabet=["▁", *alphabet], show_progress=False,
    )
    tok.train_from_iterator(texts, trainer=trainer)
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>",
        pair="<s> $A </s> </s> $B </s>",
        special_tokens=[("<s>", bos), ("</s>", eos)],
    )
    return tok


def wrap(tok: Tokenizer, model_max_length: int = 128) -> PreTrainedTokenizerFast:
    """The transformers view: XLM-R's special-token roles on top of the trained backend."""
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>",
        cls_token="<s>", unk_token="<unk>", pad_token="<pad>", mask_token="<mask>",
        model_max_length=model_max_length,
    )


def save_tokenizer(tok: Tokenizer, out_dir: str | Path,
                   model_max_length: int = 128) -> PreTrainedTokenizerFast:
    fast = wrap(tok, model_max_length)
    fast.save_pretrained(str(out_dir))
    return fast


def load_tokenizer(path: str | Path) -> PreTrainedTokenizerBase:
    return AutoTokenizer.from_pretrained(str(path))
