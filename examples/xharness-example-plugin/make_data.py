"""Regenerate the example's TSV files (`xharness_example/data/tense/`) from the embedded
world: `python make_data.py`. They are committed, so the plugin needs no generation step;
this script only shows where they came from. A real task would ship (or download) its own
files in the same layout."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from xworld.world import World

OUT = Path(__file__).resolve().parent / "xharness_example" / "data" / "tense"
FILES = {("train", "en"): 600, ("dev", "en"): 100, ("test", "en"): 200,
         ("test", "de"): 200, ("test", "es"): 200}


def main() -> None:
    world = World()
    OUT.mkdir(parents=True, exist_ok=True)
    for (split, lang), n in FILES.items():
        # every test language renders the same meanings: parallel test sets
        rng = world.rng(f"example-tense-{split}", 0)
        sampler = world.sampler(rng)
        lines = ["text\tlabel"]  # the sources declare `header: true`
        for i in range(n):
            past = i % 2 == 1
            clause = replace(sampler.clause(), past=past, wh=None)
            text = world.render(clause, lang).text.replace("\t", " ")
            lines.append(f"{text}\t{'past' if past else 'present'}")
        (OUT / f"{split}-{lang}.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
