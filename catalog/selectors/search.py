"""The global search box: entities matching words in name, title, description, tags or owner.

Every query here has a LIMIT the database can stop at and nothing is cached (the first request
after a catalog change costs what the next one does):

1. names starting with the first word, in name order from an index (so an exact name, the
   shortest such name, comes first);
2. every entity matching all the words, in ref order. PostgreSQL: prefix terms (`pay:*`) against
   the stored tsvector column of migration 0007, whose statistics let the planner walk the ref
   index for a common word and the GIN index for a rare one. SQLite: substrings of search_text;
3. when those find fewer than FEW: names and titles close to the query (typos). PostgreSQL:
   pg_trgm's word_similarity on the trigram index; SQLite: difflib over the distinct name and
   title words, which also gives a "did you mean".

The kind facet counts at most FACET_CAP matches per kind ("1000+"), one query per kind, and
none when the hits are all the matches. Its cost grows with how many entities carry a very
common word (PostgreSQL reads that word's whole GIN posting list for each kind): at 55,000
entities, "service" (20,000 matches) spends most of its time there.

`visible` is what catalog.entity.read lets the person see (catalog.access.entity_read_filter,
which callers pass in: the policy module sits above the selectors and reads users from them).
"""

import difflib
import re
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import BooleanField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.functions import Lower

from catalog.lib.validation import KNOWN_KINDS
from catalog.models import Entity
from catalog.selectors.entities import LIST_COLUMNS, decorate_entities, search_words

MAX_QUERY = 200
FEW = 5
CLOSE_LIMIT = 10
FACET_CAP = 1000
VOCABULARY_LIMIT = 50_000
# The kinds the search can be narrowed to, lower case -> stored spelling (Backstage's kinds).
SEARCH_KINDS = dict(KNOWN_KINDS)

_TABLE = '"catalog_entity"'
_NAME_KEY = f'lower({_TABLE}."name") COLLATE "C"'  # as indexed by migration 0007
_NAME_TITLE = f"lower({_TABLE}.\"name\" || ' ' || {_TABLE}.\"title\")"  # as indexed by migration 0007


@dataclass
class KindCount:
    kind: str  # lower case, the URL value
    label: str
    count: int
    capped: bool  # at least `count`: counting stopped there
    active: bool


@dataclass
class SearchResults:
    hits: list[Entity] = field(default_factory=list)
    close: list[Entity] = field(default_factory=list)  # near misses, shown when hits are few
    kinds: list[KindCount] = field(default_factory=list)
    suggestion: str = ""  # "did you mean" (SQLite's fallback)


def _clean(query: str) -> str:
    return (query or "").replace("\x00", "").strip()[:MAX_QUERY]


def _terms(query: str) -> list[str]:
    """Word characters only: nothing a user types reaches to_tsquery's syntax (& | ! : * ' \\)."""
    return re.findall(r"\w+", query.lower())[:8]


def _raw(sql: str, params: list) -> RawSQL:
    return RawSQL(sql, params, output_field=BooleanField())


def _kind_q(kind: str) -> Q:
    """Refs start with the lower-case kind: one range of the unique ref index (migration 0005)."""
    return Q(ref__gte=f"{kind}:", ref__lt=f"{kind};")


def _like_prefix(word: str) -> str:
    return re.sub(r"([\\%_])", r"\\\1", word) + "%"


def _base(visible: Q | None, kind: str) -> QuerySet:
    qs = Entity.objects.only(*LIST_COLUMNS)
    qs = qs if visible is None else qs.filter(visible)
    return qs.filter(_kind_q(kind)) if kind else qs


def _matching(qs: QuerySet, query: str) -> QuerySet | None:
    """`qs` narrowed to entities matching every word of `query`; None when it has no word."""
    if connection.vendor == "postgresql":
        terms = _terms(query)
        if not terms:
            return None
        tsquery = " & ".join(f"{term}:*" for term in terms)
        return qs.filter(_raw(f"{_TABLE}.\"search_vector\" @@ to_tsquery('simple'::regconfig, %s)", [tsquery]))
    terms = _terms(query)
    if not terms:
        return None
    for term in terms:
        qs = qs.filter(search_text__contains=term)  # search_text is lower case already
    return qs


def _name_prefixed(matching: QuerySet, word: str, limit: int) -> list[Entity]:
    if connection.vendor == "postgresql":
        qs = matching.filter(_raw(f"{_NAME_KEY} LIKE %s", [_like_prefix(word)]))
        return list(qs.order_by(RawSQL(_NAME_KEY, []).asc(), "ref")[:limit])
    qs = matching.alias(lname=Lower("name")).filter(lname__startswith=word)
    return list(qs.order_by("lname", "ref")[:limit])


def _close(base: QuerySet, query: str, limit: int) -> tuple[list[Entity], str]:
    """Entities whose name or title is close to `query`, closest first; and a suggestion."""
    if connection.vendor == "postgresql":
        if len(query) < 3:
            return [], ""  # fewer than one trigram: everything is as close as anything
        # `<%`: the query is close to some words of name + title (word_similarity >= 0.6);
        # `%`: close to the whole of it (similarity >= 0.3), e.g. a short name without a title.
        # Both are answered by the trigram index.
        q = query.lower()
        qs = base.filter(_raw(f"(%s <%% {_NAME_TITLE} OR %s %% {_NAME_TITLE})", [q, q]))
        closeness = RawSQL(f"greatest(word_similarity(%s, {_NAME_TITLE}), similarity(%s, {_NAME_TITLE}))", [q, q])
        return list(qs.order_by(closeness.desc(), "ref")[:limit]), ""
    words = _terms(query)
    vocabulary = _vocabulary()
    # Each word's closest name or title word; a word with none is dropped from the suggestion.
    corrected = [c for w in words for c in difflib.get_close_matches(w, vocabulary, n=1, cutoff=0.75)]
    if not corrected or corrected == words:
        return [], ""
    qs = base
    for word in corrected:
        qs = qs.filter(search_text__contains=word)
    return list(qs.order_by("ref")[:limit]), " ".join(corrected)


def _vocabulary() -> list[str]:
    """SQLite's typo fallback: the distinct words of names and titles (a development catalog)."""
    words: set[str] = set()
    for name, title in Entity.objects.values_list("name", "title").distinct()[:VOCABULARY_LIMIT]:
        text = f"{name} {title}".lower()
        words.update(re.findall(r"[\w-]+", text))  # whole names, "payments-api"
        words.update(re.findall(r"\w+", text))  # and their parts
    return sorted(words)


def _kind_counts(matching: QuerySet, active: str) -> list[KindCount]:
    """Per kind, matches counted up to FACET_CAP + 1: no kind reads more than that many rows.
    The kind is its ref range alone (no `kind =` as well): PostgreSQL then estimates each
    kind's share right and walks the range for a word most of it carries instead of scanning
    the word's whole GIN posting list."""
    counts = []
    for key, label in SEARCH_KINDS.items():
        n = matching.filter(_kind_q(key)).order_by()[: FACET_CAP + 1].count()
        if n or key == active:
            counts.append(KindCount(key, label, min(n, FACET_CAP), n > FACET_CAP, key == active))
    return sorted(counts, key=lambda c: (-c.count, c.kind))


def _counted(entities: list[Entity], active: str) -> list[KindCount]:
    counts: dict[str, int] = {}
    for entity in entities:
        counts[entity.kind.lower()] = counts.get(entity.kind.lower(), 0) + 1
    return [KindCount(k, SEARCH_KINDS.get(k, k), n, False, k == active)
            for k, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))]


def entity_search_results(*, query: str, kind: str = "", limit: int = 50, visible: Q | None = None) -> SearchResults:
    """The search page: hits (exact and prefix names first, then by ref), close names when
    they are few, and the kind facet. `kind` is a key of SEARCH_KINDS or ""."""
    query = _clean(query)
    if kind and kind not in SEARCH_KINDS:
        raise ValueError(f"Unknown kind {kind!r}")
    words = search_words(query)
    everywhere = _matching(_base(visible, ""), query)
    if everywhere is None:
        return SearchResults()
    matching = everywhere.filter(_kind_q(kind)) if kind else everywhere
    # Names are letters, digits and `-_.`: "widget:*" or "'widget'" still ranks the widget first.
    name_word = re.sub(r"[^\w.-]+", "", words[0]) if words else ""
    hits = _name_prefixed(matching, name_word, limit) if name_word else []
    seen = {hit.pk for hit in hits}
    if len(hits) < limit:
        hits += [e for e in matching.order_by("ref")[: limit + len(hits)] if e.pk not in seen][: limit - len(hits)]
    # Fewer hits than asked for, in every kind: they are all the matches, no count query needed.
    kinds = _counted(hits, kind) if len(hits) < limit and not kind else _kind_counts(everywhere, kind)
    results = SearchResults(hits=decorate_entities(hits), kinds=kinds)
    if len(hits) < FEW:
        seen = {hit.pk for hit in hits}
        close, results.suggestion = _close(_base(visible, kind), query, CLOSE_LIMIT)
        results.close = decorate_entities(e for e in close if e.pk not in seen)
        if not results.kinds and not kind:
            results.kinds = _counted(results.close, kind)
    return results


def entity_search(*, query: str, limit: int = 50, visible: Q | None = None, kind: str = "") -> list[Entity]:
    """Entities matching `query` in name, title, description, tags or owner; exact names first.
    With `visible`, only those it lets through."""
    return entity_search_results(query=query, kind=kind, limit=limit, visible=visible).hits
