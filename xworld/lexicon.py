"""The world's concepts and their lexical semantics, independent of any language.

Concepts are named by their English lemma (readable, and the English stand-in renders them
with real English words). Every other language gets its own invented word for each concept
(see `vocabulary.py`); proper names are shared by all languages (transliterated).

What later tasks need from here:
- noun classes and hypernyms (`Noun.cls`, `Lexicon.hypernym_of`, `Lexicon.hyponyms_of`):
  NLI entailment by generalisation, multiple-choice distractors;
- adjective antonym pairs, polarity and the classes they apply to: NLI contradiction,
  sentiment labels;
- verb selectional preferences (subject/object classes), verb hypernyms (troponymy) and verb
  polarity (love/hate): plausible sentences, NLI, sentiment;
- named entities with an NER type (PER/LOC/ORG), possibly several tokens long.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass, field
from functools import cached_property

#: Noun classes that content nouns belong to; names add "org" (subjects) and "city" (places).
NOUN_CLASSES: tuple[str, ...] = (
    "person", "animal", "food", "vehicle", "building", "document", "tool",
)
ALL_CLASSES: frozenset[str] = frozenset(NOUN_CLASSES)


@dataclass(frozen=True)
class Noun:
    """A count noun. `hypernym` names the class's general noun; the general noun has none."""

    lemma: str
    cls: str
    plural: str
    hypernym: str | None


@dataclass(frozen=True)
class Adjective:
    """An attributive/predicative adjective with its antonym and sentiment polarity (-1/0/1)."""

    lemma: str
    antonym: str | None
    polarity: int
    applies_to: frozenset[str]


@dataclass(frozen=True)
class Verb:
    """A verb with its English forms and selectional preferences.

    `objects` is empty for intransitive verbs. `object_optional` allows "the dog eats".
    `hypernym` is the more general verb it entails ("devour" -> "eat").
    """

    lemma: str
    third: str
    past: str
    subjects: frozenset[str]
    objects: frozenset[str]
    object_optional: bool
    hypernym: str | None = None
    polarity: int = 0

    @property
    def transitive(self) -> bool:
        return bool(self.objects)


@dataclass(frozen=True)
class Name:
    """A proper name shared by all languages. `tokens` may be several words (BIO I- tags)."""

    tokens: tuple[str, ...]
    kind: str  # PER, LOC or ORG
    cls: str  # person, city or org: what it can fill in a meaning

    @property
    def key(self) -> str:
        return " ".join(self.tokens)


def _nouns() -> tuple[Noun, ...]:
    table: dict[str, tuple[str, list[str]]] = {
        "person": ("people", ["teacher", "doctor", "farmer", "child:children", "student",
                              "driver", "singer", "baker", "nurse", "soldier"]),
        "animal": ("animals", ["dog", "cat", "horse", "bird", "cow", "goat", "wolf",
                               "mouse:mice"]),
        "food": ("foods", ["apple", "banana", "cake", "egg", "pie", "sandwich:sandwiches",
                           "cookie", "potato:potatoes"]),
        "vehicle": ("vehicles", ["car", "bus:buses", "boat", "truck", "bike", "train",
                                 "tractor"]),
        "building": ("buildings", ["house", "school", "shop", "church:churches", "hotel",
                                   "hospital", "museum", "factory:factories"]),
        "document": ("documents", ["book", "letter", "map", "newspaper", "poem", "report",
                                   "story:stories"]),
        "tool": ("tools", ["hammer", "knife:knives", "rope", "key", "shovel",
                           "brush:brushes"]),
    }
    general = {"person": "person"}
    out: list[Noun] = []
    for cls, (general_plural, words) in table.items():
        general_lemma = general.get(cls, cls)
        out.append(Noun(general_lemma, cls, general_plural, None))
        for word in words:
            lemma, _, plural = word.partition(":")
            out.append(Noun(lemma, cls, plural or lemma + "s", general_lemma))
    return tuple(out)


def _adjectives() -> tuple[Adjective, ...]:
    every = ALL_CLASSES
    animate = frozenset({"person", "animal"})
    things = frozenset({"vehicle", "building", "document", "tool"})
    pairs: list[tuple[str, str, int, frozenset[str]]] = [
        ("good", "bad", 1, every),
        ("beautiful", "ugly", 1, every),
        ("clean", "dirty", 1, frozenset({"person", "animal", "vehicle", "building", "tool"})),
        ("happy", "sad", 1, animate),
        ("kind", "cruel", 1, frozenset({"person"})),
        ("clever", "stupid", 1, animate),
        ("fresh", "rotten", 1, frozenset({"food"})),
        ("delicious", "disgusting", 1, frozenset({"food"})),
        ("safe", "dangerous", 1, frozenset({"animal", "vehicle", "building", "tool"})),
        ("interesting", "boring", 1, frozenset({"document", "person"})),
        ("big", "small", 0, every),
        ("old", "young", 0, animate),
        ("modern", "ancient", 0, things),
        ("tall", "short", 0, frozenset({"person", "building"})),
        ("fast", "slow", 0, frozenset({"animal", "vehicle"})),
        ("hot", "cold", 0, frozenset({"food"})),
        ("heavy", "light", 0, frozenset({"vehicle", "tool", "document"})),
    ]
    out: list[Adjective] = []
    for first, second, polarity, classes in pairs:
        out.append(Adjective(first, second, polarity, classes))
        out.append(Adjective(second, first, -polarity, classes))
    for color in ("red", "blue", "green", "yellow"):
        out.append(Adjective(color, None, 0, things))
    return tuple(out)


def _verbs() -> tuple[Verb, ...]:
    animate = frozenset({"person", "animal"})
    person = frozenset({"person"})
    agent = frozenset({"person", "org"})
    goods = frozenset({"food", "vehicle", "document", "tool", "building"})
    seen = frozenset(NOUN_CLASSES) | {"person"}
    none: frozenset[str] = frozenset()
    # lemma, 3sg, past, subjects, objects, object optional, hypernym, polarity
    rows: list[tuple[str, str, str, frozenset[str], frozenset[str], bool, str | None, int]] = [
        ("eat", "eats", "ate", animate, frozenset({"food"}), True, None, 0),
        ("devour", "devours", "devoured", animate, frozenset({"food"}), False, "eat", 0),
        ("read", "reads", "read", person, frozenset({"document"}), True, None, 0),
        ("write", "writes", "wrote", person, frozenset({"document"}), True, None, 0),
        ("drive", "drives", "drove", person, frozenset({"vehicle"}), True, None, 0),
        ("buy", "buys", "bought", agent, goods, False, None, 0),
        ("sell", "sells", "sold", agent, goods, False, None, 0),
        ("build", "builds", "built", agent, frozenset({"building", "vehicle", "tool"}), False,
         None, 0),
        ("repair", "repairs", "repaired", agent, frozenset({"building", "vehicle", "tool"}),
         False, None, 0),
        ("wash", "washes", "washed", person, frozenset({"vehicle", "animal", "tool"}), True,
         None, 0),
        ("see", "sees", "saw", animate, seen, False, None, 0),
        ("watch", "watches", "watched", animate, frozenset({"person", "animal", "vehicle"}),
         False, "see", 0),
        ("like", "likes", "liked", animate, seen, False, None, 1),
        ("love", "loves", "loved", person, seen, False, "like", 1),
        ("hate", "hates", "hated", animate, seen, False, None, -1),
        ("fear", "fears", "feared", animate, animate, False, None, -1),
        ("carry", "carries", "carried", animate, frozenset({"food", "tool", "document"}), False,
         None, 0),
        ("visit", "visits", "visited", agent, frozenset({"person", "building"}), False, None, 0),
        ("sleep", "sleeps", "slept", animate, none, False, None, 0),
        ("run", "runs", "ran", animate, none, False, None, 0),
        ("sprint", "sprints", "sprinted", animate, none, False, "run", 0),
        ("walk", "walks", "walked", animate, none, False, None, 0),
        ("work", "works", "worked", agent, none, False, None, 0),
        ("sing", "sings", "sang", frozenset({"person", "animal"}), none, False, None, 0),
        ("speak", "speaks", "spoke", person, none, False, None, 0),
        ("whisper", "whispers", "whispered", person, none, False, "speak", 0),
    ]
    return tuple(Verb(*row) for row in rows)


#: the hand-written names: the frequent head of each class's name distribution
_PEOPLE = ("Anna", "Maria", "Peter", "Ivan", "Sofia", "Omar", "Lena", "Hugo", "Nina",
           "Tomas", "Elena", "David", "Anna Berg", "Peter Costa", "Maria Novak",
           "Omar Silva", "Lena Meyer", "Ivan Petrov", "Nina Kaya", "Hugo Moreau")
_PLACES = ("Paris", "Berlin", "Cairo", "Lima", "Oslo", "Madrid", "Nairobi", "Athens",
           "Kyoto", "Quito", "Port Avel", "San Remo", "New Tarsa")
_ORGS = ("Acme", "Globex", "Nordbank", "Helix", "Vista Air", "Orion Motors",
         "Delta Foods", "Blue River Bank")
#: how many generated names follow the hand-written ones, per class: a long tail, so most
#: names of an evaluation set are rare or never seen in fine-tuning, as in WikiANN, and a
#: tagger must tell a PER from an ORG by its context and shape, not by memory
N_GENERATED = {"person": 600, "city": 300, "org": 300}
_ONSETS = ("b", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "z",
           "br", "dr", "gr", "kr", "st", "tr", "pl", "sh", "ch")
_VOWELS = ("a", "e", "i", "o", "u", "a", "e", "o")
_CODAS = ("", "", "", "n", "r", "l", "s", "m", "k", "t")
#: what generated places and organisations are built with (English words inside names,
#: transliterated, never translated, like "Bank" in "Blue River Bank")
_PLACE_FRAMES = ("{}", "{}", "{}", "Port {}", "San {}", "New {}", "{} Bay")
_ORG_FRAMES = ("{}", "{} Bank", "{} Motors", "{} Foods", "{} Air", "{} Group", "{} Labs")


def _generated_names(taken: set[str]) -> dict[str, list[str]]:
    """Seeded syllable names (same in every process): first names and surnames for people,
    places and organisations in their frames."""
    rng = random.Random(20261202)

    def word(low: int, high: int) -> str:
        while True:
            n = rng.randint(low, high)
            w = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + (
                rng.choice(_CODAS) if i == n - 1 else "") for i in range(n))
            if len(w) >= 3 and w.capitalize() not in taken:
                taken.add(w.capitalize())
                return w.capitalize()

    firsts = [word(2, 2) for _ in range(N_GENERATED["person"] // 2)]
    surnames = [word(2, 3) for _ in range(N_GENERATED["person"] // 4)]
    people = firsts + [f"{rng.choice(firsts)} {rng.choice(surnames)}"
                       for _ in range(N_GENERATED["person"] - len(firsts))]
    cities = [rng.choice(_PLACE_FRAMES).format(word(2, 3)) for _ in range(N_GENERATED["city"])]
    orgs = [rng.choice(_ORG_FRAMES).format(word(1, 3)) for _ in range(N_GENERATED["org"])]
    # a generated full name may repeat: keep the first
    return {cls: list(dict.fromkeys(names))
            for cls, names in (("person", people), ("city", cities), ("org", orgs))}


def _names() -> tuple[Name, ...]:
    taken = {t for p in _PEOPLE + _PLACES + _ORGS for t in p.split()}
    generated = _generated_names(taken)
    kinds = {"person": ("PER", _PEOPLE), "city": ("LOC", _PLACES), "org": ("ORG", _ORGS)}
    out: list[Name] = []
    for cls, (kind, hand) in kinds.items():
        out += [Name(tuple(p.split()), kind, cls) for p in (*hand, *generated[cls])]
    return tuple(out)


#: Function concepts every language realises (some with no word, e.g. articles in ru/sw).
FUNCTION_CONCEPTS: tuple[str, ...] = (
    "the", "a", "not", "in", "near", "who", "what", "where",
)


@dataclass(frozen=True)
class Lexicon:
    """The inventory plus the look-ups meanings, NLI and sentiment are built from."""

    nouns: tuple[Noun, ...] = field(default_factory=_nouns)
    adjectives: tuple[Adjective, ...] = field(default_factory=_adjectives)
    verbs: tuple[Verb, ...] = field(default_factory=_verbs)
    names: tuple[Name, ...] = field(default_factory=_names)

    @cached_property
    def noun(self) -> dict[str, Noun]:
        return {n.lemma: n for n in self.nouns}

    @cached_property
    def adjective(self) -> dict[str, Adjective]:
        return {a.lemma: a for a in self.adjectives}

    @cached_property
    def verb(self) -> dict[str, Verb]:
        return {v.lemma: v for v in self.verbs}

    @cached_property
    def name(self) -> dict[str, Name]:
        return {n.key: n for n in self.names}

    def hypernym_of(self, lemma: str) -> str | None:
        """The more general noun or verb (`dog` -> `animal`, `devour` -> `eat`), if any."""
        if lemma in self.noun:
            return self.noun[lemma].hypernym
        if lemma in self.verb:
            return self.verb[lemma].hypernym
        return None

    def hyponyms_of(self, lemma: str) -> tuple[str, ...]:
        """The more specific nouns or verbs that entail `lemma`."""
        pool: tuple[Noun, ...] | tuple[Verb, ...] = (
            self.nouns if lemma in self.noun else self.verbs
        )
        return tuple(x.lemma for x in pool if x.hypernym == lemma)

    def specific_nouns(self, cls: str) -> tuple[str, ...]:
        """Nouns of a class that are not the class's general noun."""
        return tuple(n.lemma for n in self.nouns if n.cls == cls and n.hypernym is not None)

    def noun_general(self, cls: str) -> str:
        """The general noun of a class (`animal` for dogs and cats)."""
        return next(n.lemma for n in self.nouns if n.cls == cls and n.hypernym is None)

    def adjectives_for(self, cls: str) -> tuple[str, ...]:
        return tuple(a.lemma for a in self.adjectives if cls in a.applies_to)

    def names_of(self, cls: str) -> tuple[str, ...]:
        return tuple(n.key for n in self.names if n.cls == cls)

    @cached_property
    def name_draws(self) -> dict[str, tuple[tuple[str, ...], tuple[float, ...]]]:
        """Per class, its names and their cumulative Zipf weights (1 / rank): the
        hand-written names frequent, the generated tail rare, as names are in running
        text (`random.choices(names, cum_weights=...)`)."""
        out = {}
        for cls in {n.cls for n in self.names}:
            names = self.names_of(cls)
            out[cls] = (names, tuple(itertools.accumulate(
                1.0 / (rank + 1) for rank in range(len(names)))))
        return out

    def content_concepts(self) -> tuple[str, ...]:
        """Every concept that gets an invented word in the derived languages."""
        return (
            tuple(n.lemma for n in self.nouns)
            + tuple(a.lemma for a in self.adjectives)
            + tuple(v.lemma for v in self.verbs)
        )
