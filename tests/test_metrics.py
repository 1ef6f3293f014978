"""Hand-made edge cases for each XTREME metric; expected values are worked out in comments."""

from __future__ import annotations

import pytest

from harness.metrics import (
    accuracy,
    bucc_scores,
    mixed_segmentation,
    mlqa_scores,
    normalize_mlqa_answer,
    normalize_squad_answer,
    squad_scores,
    tagging_scores,
    tatoeba_accuracy,
)

# ---------------------------------------------------------------- classification


def test_accuracy_is_percent_of_equal_positions() -> None:
    # 3 of 4 positions agree -> 75%.
    assert accuracy(["a", "b", "c", "d"], ["a", "b", "x", "d"]) == 75.0


def test_accuracy_refuses_misaligned_and_empty_input() -> None:
    with pytest.raises(ValueError, match="2 predictions for 3 labels"):
        accuracy(["a", "b", "c"], ["a", "b"])
    with pytest.raises(ValueError, match="empty"):
        accuracy([], [])


# ---------------------------------------------------------------- tagging (seqeval)


def test_span_starting_with_i_counts_as_a_span() -> None:
    # seqeval's default mode reads I-PER I-PER as one PER span (0, 1), the same span as
    # B-PER I-PER, so the prediction is perfect.
    scores = tagging_scores([["I-PER", "I-PER", "O"]], [["B-PER", "I-PER", "O"]])
    assert scores == (100.0, 100.0, 100.0)


def test_partial_span_recall() -> None:
    # gold spans: PER(0,1), LOC(3,3); predicted: PER(0,1).
    # precision 1/1, recall 1/2, F1 = 2 * 1 * 0.5 / 1.5 = 2/3.
    scores = tagging_scores([["B-PER", "I-PER", "O", "B-LOC"]], [["B-PER", "I-PER", "O", "O"]])
    assert scores.precision == pytest.approx(100.0)
    assert scores.recall == pytest.approx(50.0)
    assert scores.f1 == pytest.approx(200.0 / 3)


def test_type_change_inside_a_span_splits_it() -> None:
    # B-PER I-LOC is PER(0,0) + LOC(1,1); gold is PER(0,1): nothing matches.
    scores = tagging_scores([["B-PER", "I-PER"]], [["B-PER", "I-LOC"]])
    assert scores == (0.0, 0.0, 0.0)


def test_no_predicted_spans_scores_zero_not_error() -> None:
    # precision is 0/0, reported as 0 (seqeval's zero_division default), as officially.
    assert tagging_scores([["B-PER", "O"]], [["O", "O"]]) == (0.0, 0.0, 0.0)


def test_pos_tags_without_prefix_group_into_runs() -> None:
    # seqeval 1.2.2 reads NOUN as tag letter N with type OUN, so runs of one POS tag are
    # one span. gold: OUN(0,0) ERB(1,1) OUN(2,2); predicted: OUN(0,0) ERB(1,2).
    # 1 correct: precision 1/2, recall 1/3, F1 = 2 * (1/2)(1/3) / (5/6) = 0.4.
    scores = tagging_scores([["NOUN", "VERB", "NOUN"]], [["NOUN", "VERB", "VERB"]])
    assert scores.precision == pytest.approx(50.0)
    assert scores.recall == pytest.approx(100.0 / 3)
    assert scores.f1 == pytest.approx(40.0)


def test_spans_do_not_cross_sentences_and_tuples_are_accepted() -> None:
    # Two one-token sentences are two PER spans, not one two-token span.
    gold = [("B-PER",), ("I-PER",)]
    assert tagging_scores(gold, [("B-PER",), ("B-PER",)]) == (100.0, 100.0, 100.0)


def test_tagging_names_the_misaligned_sentence() -> None:
    with pytest.raises(ValueError, match="sentence 1 has 2 gold tags but 1 predicted"):
        tagging_scores([["O"], ["O", "O"]], [["O"], ["O"]])
    with pytest.raises(ValueError, match="1 predicted sentences for 2 gold"):
        tagging_scores([["O"], ["O"]], [["O"]])
    with pytest.raises(ValueError, match="empty corpus"):
        tagging_scores([], [])


# ---------------------------------------------------------------- SQuAD v1.1


def test_squad_normalisation() -> None:
    assert normalize_squad_answer("The  Quick, brown fox!") == "quick brown fox"
    assert normalize_squad_answer("An apple a day") == "apple day"
    # Articles go only as whole words.
    assert normalize_squad_answer("theater") == "theater"
    # Only ASCII punctuation is removed.
    assert normalize_squad_answer("«Gato»") == "«gato»"


def test_squad_exact_match_ignores_case_articles_and_punctuation() -> None:
    assert squad_scores({"q1": "the cat."}, {"q1": ["Cat"]}) == (100.0, 100.0)


def test_squad_token_f1_and_best_gold() -> None:
    # pred tokens {big, red, dog}, gold {red, dog, barks}: overlap 2,
    # precision = recall = 2/3, F1 = 2/3.
    scores = squad_scores({"q1": "big red dog"}, {"q1": ["red dog barks"]})
    assert scores.exact_match == 0.0
    assert scores.f1 == pytest.approx(200.0 / 3)
    # The best of the gold answers counts.
    assert squad_scores({"q1": "big red dog"}, {"q1": ["dog", "a big red dog"]}) == (100.0, 100.0)


def test_squad_unanswered_questions_score_zero_but_count() -> None:
    # q1 correct, q2 and q3 unanswered, q9 is not a gold question (ignored): 1/3 for both.
    gold = {"q1": ["a cat"], "q2": ["dog"], "q3": ["bird"]}
    scores = squad_scores({"q1": "cat", "q9": "bird"}, gold)
    assert scores.exact_match == pytest.approx(100.0 / 3)
    assert scores.f1 == pytest.approx(100.0 / 3)


def test_squad_empty_prediction() -> None:
    assert squad_scores({"q1": ""}, {"q1": ["cat"]}) == (0.0, 0.0)
    # Official quirk kept: a gold answer that normalises to "" matches an empty
    # prediction exactly (EM 1) but has no tokens in common (F1 0).
    assert squad_scores({"q1": ""}, {"q1": ["The"]}) == (100.0, 0.0)


def test_squad_refuses_questions_without_answers() -> None:
    with pytest.raises(ValueError, match="no answers"):
        squad_scores({"q1": "x"}, {"q1": []})
    with pytest.raises(ValueError, match="without gold questions"):
        squad_scores({"q1": "x"}, {})


# ---------------------------------------------------------------- MLQA


def test_mlqa_removes_unicode_punctuation_and_spanish_articles() -> None:
    assert normalize_mlqa_answer("¿El gato?", "es") == "gato"
    assert mlqa_scores({"q": "¿El gato?"}, {"q": ["gato"]}, "es") == (100.0, 100.0)
    # SQuAD keeps "¿" and the Spanish article: tokens {¿el, gato} vs {gato}:
    # precision 1/2, recall 1, F1 = 2/3.
    squad = squad_scores({"q": "¿El gato?"}, {"q": ["gato"]})
    assert squad.exact_match == 0.0
    assert squad.f1 == pytest.approx(200.0 / 3)


def test_mlqa_articles_per_language() -> None:
    assert normalize_mlqa_answer("Der Hund", "de") == "hund"
    assert normalize_mlqa_answer("the dog", "en") == "dog"
    assert normalize_mlqa_answer("của tôi", "vi") == "tôi"
    # Arabic drops the definite article "ال", also inside a word.
    assert normalize_mlqa_answer("الكتاب", "ar") == "كتاب"
    # Hindi has no article list: an English "a" stays.
    assert normalize_mlqa_answer("a b", "hi") == "a b"
    # "the" is an article only in English.
    assert normalize_mlqa_answer("the Hund", "de") == "the hund"


def test_mixed_segmentation_splits_chinese_characters() -> None:
    assert mixed_segmentation("iphone 11手机") == ["iphone", "11", "手", "机"]
    # Full-width punctuation is removed before segmentation.
    assert normalize_mlqa_answer("电化电池。", "zh") == "电 化 电 池"
    assert normalize_mlqa_answer("《三体》，刘慈欣", "zh") == "三 体 刘 慈 欣"


def test_mlqa_chinese_partial_credit() -> None:
    # pred tokens [电, 池], gold [电, 化, 电, 池]: overlap 2 (one 电, one 池),
    # precision 2/2, recall 2/4, F1 = 2 * 1 * 0.5 / 1.5 = 2/3.
    scores = mlqa_scores({"q": "电池"}, {"q": ["电化电池"]}, "zh")
    assert scores.exact_match == 0.0
    assert scores.f1 == pytest.approx(200.0 / 3)
    # SQuAD sees two different single tokens: no credit.
    assert squad_scores({"q": "电池"}, {"q": ["电化电池"]}) == (0.0, 0.0)


def test_mlqa_unanswered_and_unknown_language() -> None:
    # q1 right, q2 unanswered: 50% for both metrics.
    assert mlqa_scores({"q1": "Hund"}, {"q1": ["der Hund"], "q2": ["Katze"]}, "de") == (
        50.0,
        50.0,
    )
    with pytest.raises(ValueError, match="no normalisation for language 'fr'"):
        mlqa_scores({"q": "x"}, {"q": ["x"]}, "fr")


# ---------------------------------------------------------------- retrieval


def test_bucc_pair_set_scores() -> None:
    gold = [("de-1", "en-1"), ("de-2", "en-2"), ("de-3", "en-3"), ("de-4", "en-4")]
    # The duplicate collapses: 3 distinct predicted pairs, 2 correct.
    # precision 2/3, recall 2/4, F1 = 2 * (2/3)(1/2) / (7/6) = 4/7.
    predicted = [("de-1", "en-1"), ("de-1", "en-1"), ("de-2", "en-2"), ("de-3", "en-9")]
    scores = bucc_scores(gold, predicted)
    assert scores.precision == pytest.approx(200.0 / 3)
    assert scores.recall == pytest.approx(50.0)
    assert scores.f1 == pytest.approx(400.0 / 7)


def test_bucc_without_predictions_or_matches_is_zero() -> None:
    gold = [("de-1", "en-1")]
    assert bucc_scores(gold, []) == (0.0, 0.0, 0.0)
    # Pairs are ordered: (target, source) is not the gold pair.
    assert bucc_scores(gold, [("en-1", "de-1")]) == (0.0, 0.0, 0.0)
    assert bucc_scores([], [("de-1", "en-1")]) == (0.0, 0.0, 0.0)


def test_tatoeba_accuracy() -> None:
    # 1 of 2 retrieved indices is right.
    assert tatoeba_accuracy(["308", "441"], ["308", "1"]) == 50.0
