"""Intent classification: a stand-in for MASSIVE (`mteb/amazon_massive_intent`).

The "intent" of a sentence is the scenario of its verb (eating, commerce, motion, ...), or
`description` for a copular sentence; sentences are statements or questions in any of the
six languages, so the task teaches which foreign verbs belong together. Shaped like the
hub's json files: `id`, `label` and `label_text` (strings), `text`, `lang`.
"""

from __future__ import annotations

from dataclasses import replace

from datasets import Dataset, Features, Value

from xworld.meaning import Clause
from xworld.world import World

SCENARIOS: dict[str, str] = {
    "eat": "eating", "devour": "eating", "read": "documents", "write": "documents",
    "drive": "transport", "buy": "commerce", "sell": "commerce", "build": "construction",
    "repair": "construction", "wash": "cleaning", "see": "perception",
    "watch": "perception", "like": "feelings", "love": "feelings", "hate": "feelings",
    "fear": "feelings", "carry": "carrying", "visit": "visiting", "sleep": "rest",
    "run": "motion", "sprint": "motion", "walk": "motion", "work": "work", "sing": "speech",
    "speak": "speech", "whisper": "speech",
}
INTENTS: tuple[str, ...] = (*sorted(set(SCENARIOS.values())), "description")
MASSIVE_FEATURES = Features({
    "id": Value("string"), "label": Value("string"), "label_text": Value("string"),
    "text": Value("string"), "lang": Value("string"),
})


def intent_of(clause: Clause) -> str:
    return SCENARIOS[clause.verb] if clause.verb else "description"


def build_intent(lang: str, n: int, purpose: str, seed: int = 0,
                 world: World | None = None) -> Dataset:
    world = world or World()
    rng = world.rng(f"intent-{purpose}", seed)
    sampler = world.sampler(rng)
    rows: dict[str, list[str]] = {k: [] for k in MASSIVE_FEATURES}
    for i in range(n):
        clause = sampler.clause()
        if rng.random() < 0.4:  # utterances to an assistant are often questions
            roles = [r for r in ("subj", "obj") if clause.noun_phrase(r) is not None]
            clause = replace(clause, wh=rng.choice(roles))
        intent = intent_of(clause)
        rows["id"].append(f"{purpose}-{i}")
        rows["label"].append(intent)
        rows["label_text"].append(intent)
        rows["text"].append(world.render(clause, lang).text)
        rows["lang"].append(lang)
    return Dataset.from_dict(rows, features=MASSIVE_FEATURES)
