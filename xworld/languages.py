"""The six languages of the embedded world: synthetic stand-ins under XTREME codes.

None of these is the real language. `en` uses real English words and morphology (for
readability); `de`, `es`, `ru`, `el` and `sw` have invented content words, function words loosely
modelled on the real language, and a few typological traits of it, so that transfer has to
bridge real kinds of differences:

======  ========  ===================  ==========  ==========================================
code    script    clause order         adjective   negation / number / other
======  ========  ===================  ==========  ==========================================
en      Latin     S NEG V O LOC        before N    do-support ("does not"), irregular plurals
de      Latin     S NEG V LOC O        before N    particle, -en plural, the place before
                                                   the object (verb-second)
es      Latin     S NEG V O LOC        after N     particle, -s plural, adjectives agree
ru      Cyrillic  S NEG V O LOC        before N    no articles, accusative object, no copula
el      Greek     S NEG V O LOC        before N    articles also before person names,
                                                   accusative object (-o)
sw      Latin     S V O LOC            after N     no articles, negation and tense are verb
                                                   prefixes, plural is a noun-class prefix
======  ========  ===================  ==========  ==========================================

Romanised spellings (ru, el) are written in their script by `script.transliterate`.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Phonotactics:
    """Syllable inventory used to invent content words (see `vocabulary.py`)."""

    onsets: tuple[str, ...]
    vowels: tuple[str, ...]
    codas: tuple[str, ...]
    syllables: tuple[int, int] = (2, 2)
    #: stems end in a consonant when vowel-initial suffixes follow (es -a, ru -et, el -os)
    consonant_final: bool = False


@dataclass(frozen=True)
class Morphology:
    """Affixes, as data. English morphology is irregular and lives in `lexicon.py` instead."""

    noun_sg_suffix: str = ""
    noun_pl_suffix: str = ""
    #: plural by a noun-class prefix (sw): class -> prefix
    noun_pl_prefix: dict[str, str] = field(default_factory=dict)
    noun_acc_sg_suffix: str = ""  # ru and el mark the object noun
    adj_sg_suffix: str = ""
    adj_pl_suffix: str = ""
    verb_present: tuple[str, str] = ("", "")  # (prefix, suffix)
    verb_past: tuple[str, str] = ("", "")
    verb_neg_prefix: str = ""  # sw negates by a verb prefix instead of a particle


@dataclass(frozen=True)
class LanguageSpec:
    """Everything the renderer needs to know about one language."""

    code: str
    name: str
    script: str
    #: order of the constituents S, V, O, LOC in a statement (NEG goes before V unless the
    #: language negates by a verb prefix)
    order: tuple[str, ...]
    adjective_after_noun: bool
    numeral_after_noun: bool
    #: function words (romanised). Missing keys mean "no word": ru and sw have no articles.
    #: keys: the.sg the.pl a.sg a.pl name_article not in near who what where
    #:       be.present.sg be.present.pl be.past.sg be.past.pl be.neg.present be.neg.past
    words: dict[str, str]
    #: wh-word at the front of questions (False: in situ, as in sw)
    wh_fronting: bool
    morphology: Morphology
    phonotactics: Phonotactics | None  # None for en (real English words)


ENGLISH = LanguageSpec(
    code="en", name="English-like base", script="Latin",
    order=("S", "V", "O", "LOC"), adjective_after_noun=False, numeral_after_noun=False,
    words={"the.sg": "the", "the.pl": "the", "a.sg": "a", "not": "not", "in": "in",
           "near": "near", "who": "who", "what": "what", "where": "where",
           "be.present.sg": "is", "be.present.pl": "are", "be.past.sg": "was",
           "be.past.pl": "were"},
    wh_fronting=True, morphology=Morphology(), phonotactics=None,
)

GERMAN = LanguageSpec(
    code="de", name="German-like, verb-second", script="Latin",
    order=("S", "V", "LOC", "O"), adjective_after_noun=False, numeral_after_noun=False,
    words={"the.sg": "der", "the.pl": "die", "a.sg": "ein", "not": "nicht", "in": "in",
           "near": "bei", "who": "wer", "what": "was", "where": "wo",
           "be.present.sg": "ist", "be.present.pl": "sind", "be.past.sg": "war",
           "be.past.pl": "waren"},
    wh_fronting=True,
    morphology=Morphology(noun_pl_suffix="en", verb_present=("", "t"), verb_past=("", "te")),
    phonotactics=Phonotactics(
        onsets=("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "w", "z",
                "st", "sch", "br", "gr", "kl", "pf", "tr", "fr", "kn"),
        vowels=("a", "e", "i", "o", "u", "ei", "au", "ä", "ü", "ö"),
        codas=("", "n", "r", "l", "t", "ch", "s", "ng", "nd", "k", "m"),
        consonant_final=True,
    ),
)

SPANISH = LanguageSpec(
    code="es", name="Spanish-like, adjectives after the noun", script="Latin",
    order=("S", "V", "O", "LOC"), adjective_after_noun=True, numeral_after_noun=False,
    words={"the.sg": "el", "the.pl": "los", "a.sg": "un", "a.pl": "unos", "not": "no",
           "in": "en", "near": "cerca", "who": "quien", "what": "que", "where": "donde",
           "be.present.sg": "es", "be.present.pl": "son", "be.past.sg": "era",
           "be.past.pl": "eran"},
    wh_fronting=True,
    morphology=Morphology(noun_sg_suffix="o", noun_pl_suffix="os", adj_sg_suffix="a",
                          adj_pl_suffix="as", verb_present=("", "a"), verb_past=("", "aba")),
    phonotactics=Phonotactics(
        onsets=("b", "c", "d", "f", "g", "l", "m", "n", "p", "r", "s", "t", "v", "ll", "ch",
                "br", "pl", "tr", "gu"),
        vowels=("a", "e", "i", "o", "u", "ue", "ie"),
        codas=("", "", "n", "r", "l", "s"),
        consonant_final=True,
    ),
)

RUSSIAN = LanguageSpec(
    code="ru", name="Russian-like, no articles, Cyrillic", script="Cyrillic",
    order=("S", "V", "O", "LOC"), adjective_after_noun=False, numeral_after_noun=False,
    words={"not": "ne", "in": "v", "near": "okolo", "who": "kto", "what": "chto",
           "where": "gde", "be.past.sg": "byl", "be.past.pl": "byli"},
    wh_fronting=True,
    morphology=Morphology(noun_pl_suffix="y", noun_acc_sg_suffix="u", adj_sg_suffix="yj",
                          adj_pl_suffix="ye", verb_present=("", "et"), verb_past=("", "al")),
    phonotactics=Phonotactics(
        onsets=("b", "v", "g", "d", "z", "k", "l", "m", "n", "p", "r", "s", "t", "zh", "sh",
                "ch", "ts", "pr", "kr", "st", "sl", "dr", "sm"),
        vowels=("a", "o", "u", "e", "i", "a", "o", "ya"),
        codas=("", "k", "n", "t", "l", "v", "sh", "st", "r"),
        consonant_final=True,
    ),
)

GREEK = LanguageSpec(
    code="el", name="Greek-like, articles with names, Greek letters", script="Greek",
    order=("S", "V", "O", "LOC"), adjective_after_noun=False, numeral_after_noun=False,
    words={"the.sg": "to", "the.pl": "ta", "a.sg": "ena", "name_article": "o", "not": "den",
           "in": "se", "near": "konta", "who": "poios", "what": "ti", "where": "pou",
           "be.present.sg": "einai", "be.present.pl": "einai", "be.past.sg": "itan",
           "be.past.pl": "itan"},
    wh_fronting=True,
    morphology=Morphology(noun_sg_suffix="os", noun_pl_suffix="oi", noun_acc_sg_suffix="o",
                          adj_sg_suffix="os",
                          adj_pl_suffix="oi", verb_present=("", "ei"), verb_past=("e", "e")),
    phonotactics=Phonotactics(
        onsets=("p", "t", "k", "m", "n", "l", "r", "s", "th", "ph", "ch", "g", "d", "v", "x",
                "ps", "kr", "tr", "pl", "st"),
        vowels=("a", "e", "i", "o", "ou"),
        codas=("", "", "", "n", "s", "r"),
        consonant_final=True,
    ),
)

SWAHILI = LanguageSpec(
    code="sw", name="Swahili-like, verb prefixes, noun-class plurals", script="Latin",
    order=("S", "V", "O", "LOC"), adjective_after_noun=True, numeral_after_noun=True,
    words={"in": "katika", "near": "karibu", "who": "nani", "what": "nini", "where": "wapi",
           "be.present.sg": "ni", "be.present.pl": "ni", "be.past.sg": "alikuwa",
           "be.past.pl": "walikuwa", "be.neg.present": "si", "be.neg.past": "hakuwa"},
    wh_fronting=False,
    morphology=Morphology(
        noun_pl_prefix={"person": "wa", "animal": "wa", "food": "ma", "vehicle": "ma",
                        "building": "ma", "document": "vi", "tool": "vi"},
        verb_present=("na", ""), verb_past=("li", ""), verb_neg_prefix="ha",
    ),
    phonotactics=Phonotactics(
        onsets=("b", "ch", "d", "f", "g", "h", "j", "k", "l", "m", "n", "p", "s", "t", "w",
                "y", "z", "mb", "nd", "ng", "ny", "sh"),
        vowels=("a", "e", "i", "o", "u"),
        codas=("",),
        syllables=(2, 3),
    ),
)

LANGUAGES: dict[str, LanguageSpec] = {
    spec.code: spec for spec in (ENGLISH, GERMAN, SPANISH, RUSSIAN, GREEK, SWAHILI)
}
#: XTREME codes of the derived (non-English) languages, in a fixed order.
TARGET_LANGUAGES: tuple[str, ...] = ("de", "es", "ru", "el", "sw")
ALL_LANGUAGES: tuple[str, ...] = ("en", *TARGET_LANGUAGES)
