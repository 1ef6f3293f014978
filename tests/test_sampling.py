"""Size limits keep a seeded random sample, stratified by sub-split, never the first rows."""

from __future__ import annotations

from harness.data.sampling import sample_indices, sample_seed


def test_a_limit_samples_each_stratum_in_proportion() -> None:
    picked = sample_indices([100, 100, 200], 40, seed=7)
    assert len(picked) == len(set(picked)) == 40 and picked == sorted(picked)
    counts = [sum(lo <= i < hi for i in picked) for lo, hi in ((0, 100), (100, 200),
                                                               (200, 400))]
    assert counts == [10, 10, 20]
    assert picked != list(range(40))  # not the first rows


def test_remainders_go_to_the_largest_fractions_and_all_rows_when_they_fit() -> None:
    counts = [sum(lo <= i < hi for i in sample_indices([5, 5, 5], 7, seed=1))
              for lo, hi in ((0, 5), (5, 10), (10, 15))]
    assert sorted(counts) == [2, 2, 3] and sum(counts) == 7
    assert sample_indices([3, 4], 10, seed=1) == list(range(7))


def test_the_seed_depends_on_what_is_sampled_not_on_the_run() -> None:
    assert sample_seed("anli", "dev", "en") == sample_seed("anli", "dev", "en")
    assert sample_seed("anli", "dev", "en") != sample_seed("anli", "dev", "de")
    a = sample_indices([1000], 50, sample_seed("xnli", "dev", "en"))
    assert a == sample_indices([1000], 50, sample_seed("xnli", "dev", "en"))
    assert a != sample_indices([1000], 50, sample_seed("mnli", "dev", "en"))
