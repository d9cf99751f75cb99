"""YAML scam rules matched with one Aho-Corasick automaton over the folded text."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import ahocorasick
import yaml

from canhgiac.text.normalize import fold

try:  # optional C helpers, built at install when a compiler is there (setup.py)
    from canhgiac.detect import _fast
except ImportError:  # pragma: no cover - depends on the build
    _fast = None  # type: ignore[assignment]

__all__ = [
    "LABELS",
    "REPORT_CATEGORIES",
    "Rule",
    "RuleError",
    "RuleHit",
    "RuleSet",
    "load_rules",
]

REPORT_CATEGORIES = frozenset(
    {"scam", "phishing", "spam", "false_info", "hacked_account", "data_leak", "malware", "other"}
)
LABELS = frozenset({"scam", "spam"})
INDICATOR_KINDS = frozenset({"url", "domain", "phone", "shortcode", "bank_account", "email"})

# Slot codes in the automaton payload: a keyword feeds the rule's "any" pool, vetoes it, or fills
# one of its all-of groups (slot >= 0).
RESOURCES = Path(__file__).resolve().parent.parent / "resources"
_ANY = -1
_UNLESS = -2


class RuleError(ValueError):
    """A rule file is malformed."""


@dataclass(frozen=True, slots=True)
class Rule:
    """One documented scam or spam pattern."""

    id: str
    category: str
    label: str
    weight: float
    title_vi: str
    title_en: str
    description: str
    any: tuple[str, ...] = ()
    all: tuple[tuple[str, ...], ...] = ()
    min_hits: int = 1
    regexes: tuple[re.Pattern[str], ...] = ()
    unless: tuple[str, ...] = ()
    requires: tuple[str, ...] = ()
    banned: bool = False
    advertising: bool = False
    positive: tuple[str, ...] = ()
    negative: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleHit:
    """A rule that fired, with the spans (into the folded text) of what matched."""

    rule: Rule
    spans: tuple[tuple[int, int], ...]
    matched: tuple[str, ...]


class _State:
    """What one rule has seen so far in one message (a plain class: made for every hit rule)."""

    __slots__ = ("any", "groups", "vetoed")

    def __init__(self) -> None:
        self.any: dict[str, tuple[int, int]] = {}
        self.groups: dict[int, tuple[int, int]] = {}
        self.vetoed = False


# The state of a rule none of whose keywords occurs (never changed: _evaluate only reads states).
_NO_KEYWORDS = _State()


class RuleSet:
    """A compiled set of rules: one automaton for every keyword of every rule."""

    def __init__(self, rules: Sequence[Rule]) -> None:
        seen: set[str] = set()
        for rule in rules:
            if rule.id in seen:
                raise RuleError(f"duplicate rule id {rule.id!r}")
            seen.add(rule.id)
        self.rules: tuple[Rule, ...] = tuple(rules)
        # Rules that may fire on their regexes alone, without any keyword: only these are
        # evaluated on every message; other rules only when one of their keywords occurs.
        self._with_regex = tuple(
            i
            for i, r in enumerate(self.rules)
            if r.regexes and not r.all and len(r.regexes) >= r.min_hits
        )
        self._automaton = self._build()
        self._has_keywords = len(self._automaton) > 0
        self._matcher = self._build_matcher() if self._has_keywords else None
        # For each of those rules, the literal that every match of each regex starts with, when
        # all have one and the rule needs at least one hit: none in the text, no hit.
        self._regex_prefixes: dict[int, tuple[str, ...] | None] = {}
        for i in self._with_regex:
            prefixes = tuple(_required_prefix(p) for p in self.rules[i].regexes)
            usable = self.rules[i].min_hits >= 1 and all(prefixes)
            self._regex_prefixes[i] = prefixes if usable else None

    def _build(self) -> Any:
        payload: dict[str, list[tuple[int, int]]] = {}
        for idx, rule in enumerate(self.rules):
            slots: list[tuple[int, Iterable[str]]] = [(_ANY, rule.any), (_UNLESS, rule.unless)]
            slots += list(enumerate(rule.all))
            for slot, words in slots:
                for word in words:
                    payload.setdefault(word, []).append((idx, slot))
        automaton = ahocorasick.Automaton()
        for word, targets in payload.items():
            # A leading/trailing "*" lets the keyword run into neighbouring letters on that side.
            key = word.strip("*")
            if not key:
                raise RuleError(f"empty keyword {word!r}")
            existing = automaton.get(key, None)
            # Whether the keyword may run into letters on its left / right ("*" at that end).
            star_left, star_right = word.startswith("*"), word.endswith("*")
            entries = [(word, idx, slot, star_left, star_right) for idx, slot in targets]
            if existing is not None:
                entries = list(existing[1]) + entries
            starred = any(left or right for _, _, _, left, right in entries)
            automaton.add_word(key, (len(key), tuple(entries), starred))
        if len(automaton):
            automaton.make_automaton()
        return automaton

    def _build_matcher(self) -> _fast.Matcher | None:
        """The keyword pass in C (`_fast.Matcher`) over the automaton's keys and payloads, or
        None (no C module, or a keyword beyond ASCII): then `_keyword_states` runs in Python."""
        keys = list(self._automaton.keys())
        if _fast is None or not all(k.isascii() for k in keys):
            return None
        word_ids: dict[str, int] = {}
        entries: list[tuple[bool, list[tuple[int, int, int, bool, bool]]]] = []
        for key in keys:
            _, found, starred = self._automaton.get(key)
            entries.append(
                (
                    starred,
                    [
                        (idx, slot, word_ids.setdefault(word, len(word_ids)), left, right)
                        for word, idx, slot, left, right in found
                    ],
                )
            )
        rules = self.rules
        watched = set(self._with_regex)
        return _fast.Matcher(
            keys,
            entries,
            tuple(word_ids),
            [len(r.all) for r in rules],
            [r.min_hits for r in rules],
            [bool(r.regexes) for r in rules],
            [i in watched for i in range(len(rules))],
        )

    @classmethod
    def default(cls) -> RuleSet:
        """The shipped rules (cached)."""
        return _default_ruleset()

    @classmethod
    def from_paths(cls, paths: Iterable[Path]) -> RuleSet:
        """Rules compiled from the given YAML files."""
        return cls(load_rules(paths))

    def __len__(self) -> int:
        return len(self.rules)

    def match(self, folded: str, indicator_kinds: frozenset[str] = frozenset()) -> list[RuleHit]:
        """Rules whose conditions hold on `folded` (the diacritic-folded text)."""
        if "domain" in indicator_kinds:
            # A bare domain is a link as far as rules go: "vao vcb-xacthuc.com" asks for a visit.
            indicator_kinds = indicator_kinds | {"url"}
        if self._matcher is not None:
            return self._match_compiled(folded, indicator_kinds)
        states: dict[int, _State] = {}
        if self._has_keywords:
            last = len(folded) - 1
            for end, (size, entries, starred) in self._automaton.iter(folded):
                start = end - size + 1
                left_ok = start == 0 or not folded[start - 1].isalnum()
                right_ok = end >= last or not folded[end + 1].isalnum()
                whole_word = left_ok and right_ok
                if not (whole_word or starred):  # inside a word, and no entry may run into it
                    continue
                span = (start, end + 1)
                for word, idx, slot, star_left, star_right in entries:
                    if not (whole_word or ((left_ok or star_left) and (right_ok or star_right))):
                        continue
                    state = states.get(idx)
                    if state is None:
                        state = states[idx] = _State()
                    if slot == _ANY:
                        state.any.setdefault(word, span)
                    elif slot == _UNLESS:
                        state.vetoed = True
                    else:
                        state.groups.setdefault(slot, span)
        hits: list[RuleHit] = []
        rules = self.rules
        for idx in self._with_regex:
            if idx not in states:  # no keyword of the rule: judged on its regexes alone
                hit = self._evaluate(rules[idx], _NO_KEYWORDS, folded, indicator_kinds)
                if hit is not None:
                    hits.append(hit)
        for idx, state in states.items():
            rule = rules[idx]
            # Most keyword hits belong to rules that do not fire: reject those without a call.
            if state.vetoed or len(state.groups) < len(rule.all):
                continue
            if not rule.regexes and len(state.any) < rule.min_hits:
                continue
            hit = self._evaluate(rule, state, folded, indicator_kinds)
            if hit is not None:
                hits.append(hit)
        hits.sort(key=lambda h: (-h.rule.weight, h.rule.id))
        return hits

    def _match_compiled(self, folded: str, indicator_kinds: frozenset[str]) -> list[RuleHit]:
        """`match` with the keyword pass and its filters in C: the same hits."""
        assert self._matcher is not None
        candidates, touched = self._matcher.match(folded)
        hits: list[RuleHit] = []
        rules = self.rules
        for idx in self._with_regex:
            if idx in touched:
                continue
            # No keyword of the rule: judged on its regexes alone. Two quick rejections first,
            # the same that _evaluate would reach: a required indicator, the regexes' prefixes.
            rule = rules[idx]
            if rule.requires and indicator_kinds.isdisjoint(rule.requires):
                continue
            prefixes = self._regex_prefixes[idx]
            if prefixes is not None:
                for prefix in prefixes:  # a loop, not any(...): usually a single prefix
                    if prefix in folded:
                        break
                else:
                    continue
            hit = self._evaluate(rule, _NO_KEYWORDS, folded, indicator_kinds)
            if hit is not None:
                hits.append(hit)
        for idx, any_items, group_items in candidates:
            state = _State()
            state.any = dict(any_items)
            state.groups = dict(group_items)
            hit = self._evaluate(rules[idx], state, folded, indicator_kinds)
            if hit is not None:
                hits.append(hit)
        if len(hits) > 1:
            hits.sort(key=lambda h: (-h.rule.weight, h.rule.id))
        return hits

    @staticmethod
    def _evaluate(
        rule: Rule, state: _State, folded: str, indicator_kinds: frozenset[str]
    ) -> RuleHit | None:
        if state.vetoed or len(state.groups) < len(rule.all):
            return None
        if rule.requires and not indicator_kinds.intersection(rule.requires):
            return None
        pool = dict(state.any)
        # Each regex adds at most one entry: skip them when even all of them cannot reach min_hits.
        if rule.regexes and len(pool) < rule.min_hits <= len(pool) + len(rule.regexes):
            for pattern in rule.regexes:
                prefix = _required_prefix(pattern)
                if prefix and prefix not in folded:
                    continue  # cannot match
                found = pattern.search(folded)
                if found:
                    pool.setdefault(f"/{pattern.pattern}/", found.span())
        if len(pool) < rule.min_hits:
            return None
        matched = [*pool, *(rule.all[g][0] for g in sorted(state.groups))]
        spans = sorted({*pool.values(), *state.groups.values()})
        return RuleHit(rule=rule, spans=tuple(spans), matched=tuple(matched))


@lru_cache(maxsize=4096)
def _required_prefix(pattern: re.Pattern[str]) -> str:
    """Literal text that every match of `pattern` starts with (after zero-width assertions such as
    \\b), or "" when there is none or the pattern has flags: a quick `in` test before a search
    that is tried at every position."""
    if pattern.flags != re.UNICODE:
        return ""
    try:
        from re import _constants, _parser  # type: ignore[attr-defined]

        parsed = _parser.parse(pattern.pattern, pattern.flags)
    except Exception:  # a private module: any surprise means no pre-check
        return ""
    if parsed.state.flags != re.UNICODE:  # inline flags: (?i), (?x) ...
        return ""
    chars: list[str] = []
    for op, arg in parsed:
        if op is _constants.LITERAL:
            chars.append(chr(arg))
        elif op is _constants.AT and not chars:
            continue  # zero width: the literal still starts the match
        else:
            break
    return "".join(chars)


def _words(raw: object, where: str) -> tuple[str, ...]:
    if raw is None:
        return ()
    if isinstance(raw, list):
        # A YAML alias (a shared list such as *awareness) may sit inside a list: flatten it.
        raw = [w for item in raw for w in (item if isinstance(item, list) else [item])]
    if not isinstance(raw, list) or not all(isinstance(w, str) for w in raw):
        raise RuleError(f"{where}: expected a list of strings")
    out: list[str] = []
    for word in raw:
        core = fold(word.strip("*")).strip()
        if not core:
            raise RuleError(f"{where}: keyword {word!r} folds to nothing")
        out.append(
            ("*" if word.startswith("*") else "") + core + ("*" if word.endswith("*") else "")
        )
    return tuple(dict.fromkeys(out))


def _rule_from_mapping(data: Mapping[str, Any], origin: str) -> Rule:
    rid = data.get("id")
    where = f"{origin}:{rid}"
    if not isinstance(rid, str) or not re.fullmatch(r"[a-z0-9_]+", rid):
        raise RuleError(f"{origin}: rule id must be snake_case, got {rid!r}")
    category = data.get("category")
    if category not in REPORT_CATEGORIES:
        raise RuleError(f"{where}: category {category!r} is not a report category")
    label = data.get("label")
    if label not in LABELS:
        raise RuleError(f"{where}: label must be scam or spam, got {label!r}")
    weight = float(data.get("weight", 0.5))
    if not 0.0 < weight < 1.0:
        raise RuleError(f"{where}: weight must be in (0, 1)")
    groups_raw = data.get("all") or []
    if not isinstance(groups_raw, list):
        raise RuleError(f"{where}: all must be a list of keyword lists")
    groups = tuple(_words(g, f"{where}.all") for g in groups_raw)
    any_words = _words(data.get("any"), f"{where}.any")
    regexes = tuple(re.compile(p) for p in data.get("regex") or [])
    if not (any_words or groups or regexes):
        raise RuleError(f"{where}: a rule needs keywords or regexes")
    min_hits = int(data.get("min_hits", 1 if (any_words or regexes) and not groups else 0))
    requires = tuple(data.get("requires") or ())
    if not set(requires) <= INDICATOR_KINDS:
        raise RuleError(f"{where}: unknown indicator kind in requires {requires!r}")
    examples = data.get("examples") or {}
    positive = tuple(examples.get("positive") or ())
    negative = tuple(examples.get("negative") or ())
    if not positive or not negative:
        raise RuleError(f"{where}: a rule needs positive and negative examples")
    for name in ("title_vi", "title_en", "description"):
        if not isinstance(data.get(name), str) or not data[name].strip():
            raise RuleError(f"{where}: missing {name}")
    return Rule(
        id=rid,
        category=category,
        label=label,
        weight=weight,
        title_vi=data["title_vi"].strip(),
        title_en=data["title_en"].strip(),
        description=" ".join(data["description"].split()),
        any=any_words,
        all=groups,
        min_hits=min_hits,
        regexes=regexes,
        unless=_words(data.get("unless"), f"{where}.unless"),
        requires=requires,
        banned=bool(data.get("banned", False)),
        advertising=bool(data.get("advertising", False)),
        positive=positive,
        negative=negative,
    )


def load_rules(paths: Iterable[Path]) -> list[Rule]:
    """Rules from YAML files, each holding a top-level `rules:` list."""
    rules: list[Rule] = []
    for path in paths:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        items = doc.get("rules")
        if not isinstance(items, list):
            raise RuleError(f"{path.name}: expected a top-level 'rules' list")
        rules.extend(_rule_from_mapping(item, path.name) for item in items)
    return rules


def _shipped_rule_files() -> list[Path]:
    return sorted((RESOURCES / "rules").glob("*.yaml"))


@lru_cache(maxsize=1)
def _default_ruleset() -> RuleSet:
    return RuleSet(load_rules(_shipped_rule_files()))
