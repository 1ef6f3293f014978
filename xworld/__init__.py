"""The `embedded` profile: a synthetic multilingual world, its tasks, and a tiny encoder.

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
- `tokenizer`    BPE tokenizer saved in XLM-R conventions
- `pretrain_data`, `pretrain`   the encoder's pretraining (MLM + sentence and word alignment)
- `alignment_eval`   retrieval@1 and word-translation P@1
- `finetune`     the harness's classification recipe; `transfer_check` measures transfer

The shipped encoder and tokenizer live in `ASSETS_DIR`.
"""

from __future__ import annotations

from pathlib import Path

ASSETS_DIR: Path = Path(__file__).parent / "assets" / "xlmr-tiny"
