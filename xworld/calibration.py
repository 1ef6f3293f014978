"""The bands the world's starting point is calibrated to, and the check that measures them.

The embedded world stands in for XLM-R's published *baseline* shape (English fine-tuning,
zero-shot elsewhere), never for its intermediate-task effects: whatever a grid then shows
is the world's own answer. With the `baseline` strategy, per seed:

- each fine-tuned target's English score between 60 and 97 (learned, not saturated);
- every non-English language at or above half of English, and the non-English average
  below English (a transfer gap, not a collapse);
- the other-script and low-resource languages (`ru`, `el`, `sw`) below the Latin-script
  ones (`de`, `es`) on average, where a target has both;
- retrieval (BUCC F1, Tatoeba accuracy) from the pretrained encoder's pooled layer between
  40 and 80, with room to move both ways;
- non-English XNLI at least chance + 20 on average.

    python -m xworld.calibration --seeds 3 [--runs-dir runs]   # runs baseline, then checks

The check reads finished `baseline` records of the embedded profile made with the encoder
this checkout ships (running them first unless `--no-run`; records of another encoder are
left out, and counted on stderr); it exits non-zero when a band is missed, printing every
verdict.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from harness.errors import XHarnessError
from xworld.languages import LANGUAGES

#: the profile whose starting point the bands describe
PROFILE = "embedded"
ENGLISH_BAND = (60.0, 97.0)
RETRIEVAL_BAND = (40.0, 80.0)
RETRIEVAL_TARGETS = ("bucc2018", "tatoeba")
XNLI_MARGIN = 20.0
#: `sw` gets half the other languages' parallel data in pretraining
LOW_RESOURCE = frozenset({"sw"})
DISTANT = frozenset(code for code, spec in LANGUAGES.items()
                    if spec.script != "Latin") | LOW_RESOURCE


@dataclass(frozen=True)
class Verdict:
    """One band on one target at one seed."""

    target: str
    seed: int
    #: the band's stable id (retrieval, english, lowest, gap, distant, chance); `band` is
    #: its wording, with the thresholds and values, for people
    name: str
    band: str
    value: float
    ok: bool

    def line(self) -> str:
        return f"{'ok  ' if self.ok else 'MISS'} {self.target:<9} seed {self.seed}  " \
               f"{self.band}: {self.value:.1f}"


@dataclass(frozen=True)
class Scores:
    """A baseline record's primary score per language."""

    target: str
    seed: int
    by_lang: dict[str, float]
    labels: int = 0  # classification: the number of labels (chance = 100 / labels)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values)


def verdicts(scores: Scores) -> list[Verdict]:
    """Every band that applies to one target's baseline scores."""
    t, seed, s = scores.target, scores.seed, scores.by_lang
    if t in RETRIEVAL_TARGETS:
        avg = _mean(s.values())
        low, high = RETRIEVAL_BAND
        return [Verdict(t, seed, "retrieval", f"average in [{low:.0f}, {high:.0f}]", avg,
                        low <= avg <= high)]
    en = s["en"]
    others = {lang: v for lang, v in s.items() if lang != "en"}
    low, high = ENGLISH_BAND
    out = [Verdict(t, seed, "english", f"English in [{low:.0f}, {high:.0f}]", en,
                   low <= en <= high)]
    if not others:
        return out
    worst = min(others, key=others.__getitem__)
    out.append(Verdict(t, seed, "lowest",
                       f"lowest non-English ({worst}) >= English / 2 = {en / 2:.1f}",
                       others[worst], others[worst] >= en / 2))
    avg = _mean(others.values())
    out.append(Verdict(t, seed, "gap", f"non-English average < English ({en:.1f})", avg,
                       avg < en))
    distant = [v for lang, v in others.items() if lang in DISTANT]
    near = [v for lang, v in others.items() if lang not in DISTANT]
    if distant and near:
        out.append(Verdict(t, seed, "distant", f"other-script/low-resource average < "
                                               f"Latin-script ({_mean(near):.1f})",
                           _mean(distant), _mean(distant) < _mean(near)))
    if t == "xnli" and scores.labels:
        floor = 100.0 / scores.labels + XNLI_MARGIN
        out.append(Verdict(t, seed, "chance", f"non-English average >= chance + "
                                              f"{XNLI_MARGIN:.0f} = {floor:.1f}",
                           avg, avg >= floor))
    return out


@cache
def shipped_model() -> str:
    """The encoder the embedded profile names in this checkout's registry (the catalog is
    built once per process)."""
    from harness.catalog import build_catalog

    return build_catalog().profile(PROFILE).model


def shipped_fingerprint() -> str:
    """The content hash of the encoder this checkout ships: records of another encoder
    (an older world, an experiment) describe another starting point."""
    from harness.hashing import model_fingerprint

    return model_fingerprint(shipped_model())


def baseline_scores(runs_dir: Path, fingerprint: str | None = None
                    ) -> tuple[list[Scores], int]:
    """The primary score per language of every finished embedded `baseline` record of the
    encoder `fingerprint` (default: the shipped one), and how many baseline records of other
    encoders were left out. Two records of one target and seed (the same encoder under two
    recipes) are an error: which one the bands describe would be a guess."""
    from harness.leaderboard import load_records

    fingerprint = fingerprint or shipped_fingerprint()
    out: dict[tuple[str, int], Scores] = {}
    systems: dict[tuple[str, int], str] = {}
    other = 0
    for rec in load_records(runs_dir, profile=PROFILE):
        if rec.strategy != "baseline" or rec.intermediate:
            continue
        if rec.config.get("base", {}).get("model") != fingerprint:
            other += 1
            continue
        if (rec.target, rec.seed) in systems:
            raise XHarnessError(
                f"{runs_dir}/targets holds two embedded baseline records of {rec.target} at "
                f"seed {rec.seed} from the shipped encoder under different settings (systems "
                f"{systems[rec.target, rec.seed]} and {rec.system}): the bands would describe "
                f"one of them at random. "
                f"Point --runs-dir at a folder that holds one baseline system, or run the "
                f"check without --no-run into an empty folder.")
        systems[rec.target, rec.seed] = rec.system
        labels = len(rec.config.get("target_spec", {}).get("labels") or [])
        out[rec.target, rec.seed] = Scores(
            rec.target, rec.seed,
            {lang: m[rec.primary_metric] for lang, m in rec.metrics.items()}, labels)
    return sorted(out.values(), key=lambda s: (s.target, s.seed)), other


def run_baseline(runs_dir: Path, seeds: int, threads: int | None) -> None:
    """`xharness eval --strategy baseline --target all --seeds N` into `runs_dir`."""
    from harness.cli import main as cli

    args = ["eval", "--strategy", "baseline", "--target", "all", "--seeds", str(seeds),
            "--runs-dir", str(runs_dir)]
    if threads:
        args += ["--threads", str(threads)]
    cli.main(args, standalone_mode=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs-dir", type=Path, default=Path("runs"))
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--no-run", action="store_true",
                        help="check the records already in --runs-dir")
    opts = parser.parse_args(argv)
    if not opts.no_run:
        run_baseline(opts.runs_dir, opts.seeds, opts.threads)
    try:
        found_scores, other = baseline_scores(opts.runs_dir)
    except XHarnessError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if other:
        print(f"left out {other} baseline record(s) under {opts.runs_dir}/targets made with "
              f"another encoder than the shipped {shipped_model()} (its files changed since): they "
              f"describe another world", file=sys.stderr)
    scores = [s for s in found_scores if s.seed < opts.seeds]
    if not scores:
        print(f"no finished embedded baseline records under {opts.runs_dir}/targets; run "
              f"without --no-run", file=sys.stderr)
        return 2
    found = [v for s in scores for v in verdicts(s)]
    for v in found:
        print(v.line())
    missed = [v for v in found if not v.ok]
    print(f"{len(found) - len(missed)} of {len(found)} bands met"
          + (f"; {len(missed)} missed" if missed else ""))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
