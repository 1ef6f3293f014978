"""ANLI (rounds 1-3): adversarial NLI (English intermediate task).

The embedded builder of anli: the world's NLI pairs with longer premises, the relevant
clause hidden among others, as ANLI's premises are multi-sentence passages. The task's hub
and local sources are data in registry.yaml and need no code.
"""

from __future__ import annotations

from functools import cache

from datasets import ClassLabel, Dataset, Features, Value

from harness.data.embedded import pick_split
from xworld.nli import NLI_LABELS, sample_nli
from xworld.world import World

ANLI_FEATURES = Features({
    "uid": Value("string"), "premise": Value("string"), "hypothesis": Value("string"),
    "label": ClassLabel(names=list(NLI_LABELS)), "reason": Value("string"),
})


@cache
def _built(split: str, n: int, seed: int) -> Dataset:
    world = World()
    rng = world.rng(f"anli-context-{split}", seed)
    sampler = world.sampler(rng)
    rows: dict[str, list] = {k: [] for k in ANLI_FEATURES}
    for i, ex in enumerate(sample_nli(world, n, f"anli-{split}", seed)):
        sentences = [world.render(ex.premise, "en").text,
                     world.render(sampler.clause(), "en").text]
        rng.shuffle(sentences)
        rows["uid"].append(f"anli-{split}-{i}")
        rows["premise"].append(" ".join(sentences))
        rows["hypothesis"].append(world.render(ex.hypothesis, "en").text)
        rows["label"].append(ex.label)
        rows["reason"].append(ex.rule)
    return Dataset.from_dict(rows, features=ANLI_FEATURES)


def embedded(split: str, lang: str, n_train: int = 3000, n_dev: int = 300,
             seed: int = 0) -> Dataset:
    sizes = {"train": n_train, "dev": n_dev}
    if split not in sizes:
        from datasets import DatasetDict

        return pick_split(DatasetDict(), split, {"train": "", "dev": ""}, "anli")
    return _built(split, sizes[split], seed)
