"""Machine translation for translate-train: translator backends, a disk cache, span
projection through markers, and round-trip quality (chrF, BLEU)."""
