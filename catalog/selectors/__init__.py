"""The catalog's public read surface, for its own pages and for the apps above it.

Import from here (`from catalog.selectors import entity_get`, `from catalog import selectors`);
the modules behind it are split by what they read:

- entities: one entity by name, home page counts, orphans
- listing: the catalog list page: filtered and sorted pages, facet counts, the CSV export
- overview: one entity's relations, owner, system, domain and errors (the entity page)
- locations: registered locations, what they provide, processing errors
- users: a person's catalog Users and groups; which User a sign-in identity is
- search: the global search box
- ownership: components' owners and groups' members, in bulk (insights' cost attribution)
"""

from catalog.selectors.entities import (
    catalog_summary,
    entity_get,
    entity_refs_by_annotation,
    entity_refs_owned_by,
    entity_url,
    orphan_get,
    orphan_list,
)
from catalog.selectors.listing import (
    SORTS,
    EntityFilters,
    EntityListResult,
    FacetValue,
    entity_export_rows,
    entity_list,
    entity_tag_facet,
    sort_valid,
)
from catalog.selectors.locations import (
    error_list,
    existing_refs,
    location_entities,
    location_errors,
    location_get,
    location_list,
)
from catalog.selectors.overview import EntityOverview, Neighbour, entity_errors, entity_neighbours, entity_overview
from catalog.selectors.ownership import component_owners, group_members, people_count
from catalog.selectors.search import SEARCH_KINDS, KindCount, SearchResults, entity_search, entity_search_results
from catalog.selectors.sources_links import SourceLinks, entity_source_links
from catalog.selectors.users import (
    IdentityAmbiguous,
    accounts_for_refs,
    user_entity_email,
    user_entity_for_identity,
    user_entity_refs,
    user_groups,
    user_owner_refs,
)

__all__ = [
    "accounts_for_refs",
    "SORTS",
    "SourceLinks",
    "EntityFilters",
    "EntityListResult",
    "EntityOverview",
    "FacetValue",
    "IdentityAmbiguous",
    "KindCount",
    "Neighbour",
    "SEARCH_KINDS",
    "SearchResults",
    "catalog_summary",
    "component_owners",
    "entity_errors",
    "entity_export_rows",
    "entity_get",
    "entity_refs_by_annotation",
    "entity_refs_owned_by",
    "entity_list",
    "entity_neighbours",
    "entity_overview",
    "entity_search",
    "entity_search_results",
    "entity_source_links",
    "entity_tag_facet",
    "entity_url",
    "error_list",
    "existing_refs",
    "group_members",
    "location_entities",
    "location_errors",
    "location_get",
    "location_list",
    "orphan_get",
    "orphan_list",
    "people_count",
    "sort_valid",
    "user_entity_email",
    "user_entity_for_identity",
    "user_entity_refs",
    "user_groups",
    "user_owner_refs",
]
