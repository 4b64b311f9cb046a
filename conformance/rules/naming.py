"""naming: static checks of the spec's paths, before any request."""

from __future__ import annotations

import re

import inflection

from .registry import check

VERSION = re.compile(r"^v\d+(\.\d+)*$")


def is_plural(word: str) -> bool:
    # Compound segments (feature-flags, line_items) are plural when their last word is.
    last = re.split(r"[-_.]", word)[-1].lower()
    if not last.isalpha():
        return True  # not a word (ids, versions): nothing to judge
    return inflection.pluralize(last) == last  # "users", "data", "series"; not "user", "status"


def resource_segments(path: str, ignore: set[str]) -> list[str]:
    segments = [s for s in path.split("/") if s]
    return [s for s in segments
            if not s.startswith("{") and s.lower() not in ignore and not VERSION.match(s)]


@check("naming.plural-resources", kind="static",
       params={"type": "object", "properties": {"ignore_segments": {"type": "array", "items": {"type": "string"}}}})
def plural_resources(ctx):
    ignore = {s.lower() for s in ctx.params.get("ignore_segments", [])}
    for segment in resource_segments(ctx.operation.path, ignore):
        if not is_plural(segment):
            plural = inflection.pluralize(segment)
            yield (f"The path segment '{segment}' in {ctx.operation.path} is not plural; the document says all "
                   f"resources are plural (e.g. '{plural}'). If it is not a resource, add it to ignore_segments.")


def _is_item(ctx) -> str | None:
    return None if ctx.operation.path.rstrip("/").endswith("}") else "the path does not end with an item parameter"


@check("naming.item-under-collection", kind="static", applies=_is_item)
def item_under_collection(ctx):
    parent = ctx.operation.path.rstrip("/").rsplit("/", 1)[0] or "/"
    if parent not in ctx.operation.spec_paths:
        yield (f"{ctx.operation.path} is an item but its collection {parent} is not in the spec; "
               f"expected e.g. GET {parent} beside GET {ctx.operation.path}.")
