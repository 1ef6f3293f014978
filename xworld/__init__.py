"""The embedded world: a synthetic multilingual world, its tasks, and a tiny encoder.

A sibling of the `harness` core, not part of it: the core never imports this package (a
test checks it). It plugs in like any third party, through the `xharness` entry point
`xworld.plugin` (its translator and its shipped model), and registry.yaml's `embedded`
sources name its builders in `xworld.builders`.

Everything here runs offline. The world renders typed meanings into six languages (XTREME
codes as synthetic stand-ins: `en`, `de`, `es`, `ru`, `el`, `sw`), so every dataset built
from it is parallel by construction and carries POS, NER and alignment annotations.

Modules (imports are cheap here; torch/datasets load only in the modules that need them):

- `lexicon`      concepts and lexical semantics (noun classes, hypernyms, antonyms, polarity,
                 selectional preferences, named entities)
- `languages`    the six languages' typology (order, articles, negation, morphology, script)
- `script`       Latin -> Cyrillic/Greek transliteration
- `vocabulary`   invented words per language and their inflection (`WORLD_SEED`)
- `meaning`      `Clause`, `NounPhrase`, `Document`, `MeaningSampler`, alignment `SLOTS`
- `grammar`      `Renderer`, `RenderedSentence` (tokens, upos, ner, slots, align, spans)
- `world`        `World`: the facade most callers need
- `nli`          `build_mnli`, `build_xnli` (MNLI / XNLI stand-ins)
- `sentiment`    `build_sentiment` (multilingual tweet-sentiment stand-in)
- `paraphrase`, `choices`, `qa`, `intent`, `bitext`, `tagging`, `ccg`   the other datasets
- `builders`     the registry's embedded builders, one module per task (family)
- `translator`   `WorldTranslator`, translate-train's exact translator
- `plugin`       the hook implementations (translator `world`, model `embedded:xlmr-tiny`)
- `tokenizer`    BPE tokenizer saved in XLM-R conventions
- `pretrain_data`, `pretrain`   the encoder's pretraining (MLM + word alignment)
- `alignment_eval`   retrieval@1 and word-translation P@1

Does the shipped encoder transfer? The harness's own pipeline measures it, e.g.
`xharness eval --strategy baseline --target xnli --seeds 5` (English fine-tune, zero-shot
test in every language), and `--strategy multilingual-only --multilingual
multilingual_sentiment` for a multilingual intermediate stage before it.

The shipped encoder and tokenizer live in `ASSETS_DIR`.
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR: Path = Path(__file__).parent / "assets" / "xlmr-tiny"
