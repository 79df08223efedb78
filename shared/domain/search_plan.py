"""Advanced contact search, query planning: the index reads whose ids hold every match of a
parsed filter (shared.domain.search). Pure.

Planning
--------
``plan`` picks the index reads whose union/intersection holds every match (a superset: the
caller re-checks each contact with ``matches``). ``id``/``email``/``phone``/``status``/
``owner_id``/``delivery_status`` eq or in, ``email`` prefix, ``company`` eq/in (by its core
without legal forms) and safe ``company`` prefixes, ``starred`` eq true and included tags use an
index; everything else needs a full scan. An "and" group intersects its indexed children
(ignoring the others, which the re-check applies); an "or" group is a union only if every child
is indexed, else a full scan.

``exact_plan`` is the plan when its ids are exactly the matches (``EXACT_LOOKUPS`` only: no
prefix, no company, no tag exclude, no condition left to the re-check; an email condition is
exact: its index lists exactly the contacts it names), so a page can be cut from
ids read in keys; ``ids_of`` combines the ids its lookups found, ``covering_views`` names the view
partitions that list every match (to walk in the sort order).
"""

from __future__ import annotations

from dataclasses import dataclass

from shared import keys
from shared.domain import listing, text
from shared.domain.search import PROPERTY_PREFIX, Condition, Group, MailCondition, MailQuery, Node, TagCondition


@dataclass(frozen=True)
class Lookup:
    """Contacts filed in one index under any of `values` (each value one read, results unioned).
    A prefix lookup (email_prefix, company_prefix) and a tag lookup always hold one value."""

    index: str  # "id" | "email" | "email_prefix" | "phone" | "company_prefix" | "tag" | "status" | "owner"
    #             | "delivery_status" | "starred" | "emails" (one MailQuery.key)
    values: tuple[str, ...]


@dataclass(frozen=True)
class AllOf:
    sources: tuple[Source, ...]  # intersection


@dataclass(frozen=True)
class AnyOf:
    sources: tuple[Source, ...]  # union


@dataclass(frozen=True)
class FullScan:
    pass


Source = Lookup | AllOf | AnyOf | FullScan

_EXACT_INDEXES = {"id": "id", "email": "email", "phone": "phone", "status": "status", "owner_id": "owner",
                  "delivery_status": "delivery_status"}
_LEGAL_FORMS = tuple(dict.fromkeys(text._LEGAL_FORMS))  # the forms company_core strips, already folded


def plan(node: Node) -> Source:
    """Index reads whose result holds every contact the filter matches (a superset)."""
    if isinstance(node, Group):
        plans = [plan(child) for child in node.children]
        if node.kind == "and":
            return _combine(AllOf, [source for source in plans if not isinstance(source, FullScan)])
        if not plans or any(isinstance(source, FullScan) for source in plans):
            return FullScan()
        return _combine(AnyOf, plans)
    if isinstance(node, TagCondition):
        if not node.include:
            return FullScan()
        lookups: list[Source] = [Lookup("tag", (tag,)) for tag in node.include]
        return _combine(AllOf if node.include_mode == "all" else AnyOf, lookups)
    if isinstance(node, MailCondition):
        return mail_lookup(node.query)
    return _plan_condition(node)


def mail_lookup(query: MailQuery) -> Lookup:
    return Lookup("emails", (query.key(),))


def _plan_condition(node: Condition) -> Source:
    values = node.value if node.op == "in" else (node.value,)
    if node.field.startswith(PROPERTY_PREFIX) or node.op not in ("eq", "in", "prefix") or not values:
        return FullScan()
    if node.op == "prefix":
        if node.field == "email":
            return Lookup("email_prefix", (node.value,))
        term = _company_prefix_term(node.value) if node.field == "company" else None
        return FullScan() if term is None else Lookup("company_prefix", (term,))
    if node.field in _EXACT_INDEXES:
        return Lookup(_EXACT_INDEXES[node.field], tuple(values))
    if node.field == "company":  # one prefix per lookup, unioned
        cores = dict.fromkeys(text.company_core(value) or value for value in values)
        return _combine(AnyOf, [Lookup("company_prefix", (core,)) for core in cores])
    if node.field == "starred" and node.op == "eq" and node.value is True:
        return Lookup("starred", ("true",))
    return FullScan()


# Lookups whose ids are exactly the contacts meeting their condition (a contact is found iff it
# matches): each reads a key written from the very value the condition compares (`status`,
# `owner_id`, `delivery_status` and `starred` their view or index partitions, tags their
# memberships, `email` its email key = the lower-cased address, `phone` GSI9's digits = the
# stored number's domestic digits, never cut as a number has at most 20), `id` the ids given
# (kept when the contact exists), `emails` the mail event index (an entry is written with its
# event, deleted with its contact). Email and company prefixes are supersets: their keys are cut
# (sort_head) or stripped of legal forms, so only the contact can tell.
EXACT_LOOKUPS = frozenset({"id", "email", "phone", "status", "owner", "delivery_status", "starred", "tag", "emails"})


def exact_plan(node: Node) -> Source | None:
    """The index reads whose ids are exactly the filter's matches (`plan`, when every condition
    is answered by an exact lookup: their intersections and unions), else None."""
    return plan(node) if _exact(node) else None


def _exact(node: Node) -> bool:
    if isinstance(node, Group):
        return all(_exact(child) for child in node.children)
    if isinstance(node, TagCondition):
        return bool(node.include) and not node.exclude
    if isinstance(node, MailCondition):
        return True
    source = _plan_condition(node)
    return isinstance(source, Lookup) and source.index in EXACT_LOOKUPS


def lookups_of(source: Source) -> list[Lookup]:
    """Every lookup a source reads, each once."""
    if isinstance(source, Lookup):
        return [source]
    if isinstance(source, (AllOf, AnyOf)):
        return list(dict.fromkeys(lookup for part in source.sources for lookup in lookups_of(part)))
    return []


def ids_of(source: Source, found: dict[Lookup, set[str]]) -> set[str]:
    """The ids a source stands for, given the ids each of its lookups found."""
    if isinstance(source, Lookup):
        return found[source]
    if isinstance(source, (AllOf, AnyOf)):
        parts = [ids_of(part, found) for part in source.sources]
        return set.intersection(*parts) if isinstance(source, AllOf) else set.union(*parts)
    raise ValueError("a full scan has no ids from keys")


def lookup_views(tenant: str, lookup: Lookup) -> list[listing.View]:
    """The view partitions (shared.domain.contacts.view_entries) a lookup reads, one per value;
    none for a lookup served by another index."""
    if lookup.index not in listing.VIEW_CONDITIONS:
        return []
    views = [listing.view_of(tenant, lookup.index, value) for value in lookup.values]
    return [view for view in views if view is not None]


def covering_views(tenant: str, source: Source) -> list[tuple[Lookup, listing.View]]:
    """Views that list every contact of `source`: those of its one-valued view lookups that it
    (or an intersection it is part of) requires."""
    parts = source.sources if isinstance(source, AllOf) else (source,)
    found: list[tuple[Lookup, listing.View]] = []
    for part in parts:
        if isinstance(part, AllOf):
            found += covering_views(tenant, part)
        elif isinstance(part, Lookup) and len(part.values) == 1:
            found += [(part, view) for view in lookup_views(tenant, part)]
    return found


def _company_prefix_term(prefix: str) -> str | None:
    """A term every company starting with `prefix` has its core (company_core, the index term)
    start with, or None when legal forms make that uncertain. Leading legal forms of the prefix
    are dropped as company_core would; the rest must not run into a legal form a company could
    start with ("株" of 株式会社) or end with ("サンプル株" of サンプル株式会社)."""
    rest = prefix
    while True:
        if any(len(form) >= len(rest) and form.startswith(rest) for form in _LEGAL_FORMS):
            return None
        form = next((form for form in _LEGAL_FORMS if rest.startswith(form)), None)
        if form is None:
            break
        rest = rest[len(form):].lstrip(",.")
        if not rest:
            return None
    if rest.endswith((",", ".")):
        return None
    for start in range(len(rest)):
        if any(form.startswith(rest[start:]) for form in _LEGAL_FORMS):
            return None
    return rest


def _combine(kind: type[AllOf] | type[AnyOf], sources: list[Source]) -> Source:
    """`kind` of the sources, nested ones of the same kind flattened, duplicates dropped."""
    flat: list[Source] = []
    for source in sources:
        for part in (source.sources if isinstance(source, kind) else (source,)):
            if part not in flat:
                flat.append(part)
    if not flat:
        return FullScan()
    return flat[0] if len(flat) == 1 else kind(tuple(flat))


def describe(source: Source) -> str:
    """A short human-readable plan for logs and docs."""
    if isinstance(source, Lookup):
        if len(source.values) == 1:
            return f"index {source.index}={source.values[0]}"
        return f"index {source.index} in ({', '.join(source.values)})"
    if isinstance(source, (AllOf, AnyOf)):
        joiner = " ∩ " if isinstance(source, AllOf) else " ∪ "
        return joiner.join(f"({describe(part)})" if isinstance(part, (AllOf, AnyOf)) else describe(part)
                           for part in source.sources)
    return f"all contacts of the tenant ({keys.SHARD_COUNT} parallel segments)"
