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


def resource_segments(path: str, ignore: set[str], spec_paths: set[str] | None = None,
                      methods: dict[str, set[str]] | None = None) -> list[str]:
    """The segments that name a resource: a collection followed by an item parameter somewhere in the spec
    (/users in /users/{id}), or the last segment of a path that can be read (GET). Namespaces (/v1/treasury/...),
    actions after an item (POST /charges/{id}/capture) and file names (spec.yaml) name no resource."""
    segments = [s for s in path.rstrip("/").split("/") if s]
    prefixes = ["/" + "/".join(segments[:i + 1]) for i in range(len(segments))]
    known = {p.rstrip("/") for p in (spec_paths or {path})}
    out = []
    for index, segment in enumerate(segments):
        if segment.startswith("{") or segment.lower() in ignore or VERSION.match(segment) or "." in segment:
            continue
        prefix = prefixes[index]
        followed_by_item = any(p.startswith(prefix + "/{") for p in known)
        last_and_read = index == len(segments) - 1 and (methods is None or "GET" in methods.get(prefix, {"GET"}))
        if followed_by_item or last_and_read:
            out.append(segment)
    return out


def serves_the_spec(ctx) -> bool:
    """The operation that serves the OpenAPI description itself (DRF's GET /api/schema/) names no resource."""
    return ctx.operation.serves_the_description(getattr(ctx.settings, "spec", None) or "", ctx.settings.url)


@check("naming.plural-resources", kind="static",
       params={"type": "object", "properties": {"ignore_segments": {"type": "array", "items": {"type": "string"}}}})
def plural_resources(ctx):
    if serves_the_spec(ctx):
        return
    ignore = {s.lower() for s in ctx.params.get("ignore_segments", [])}
    methods = {path.rstrip("/"): set(ms) for path, ms in ctx.operation.methods_by_path.items()}
    for segment in resource_segments(ctx.operation.path, ignore, ctx.operation.spec_paths, methods):
        if not is_plural(segment):
            plural = inflection.pluralize(segment)
            yield (f"The path segment '{segment}' in {ctx.operation.path} is not plural; the document says all "
                   f"resources are plural (e.g. '{plural}'). If it is not a resource, add it to ignore_segments.")


def _is_item(ctx) -> str | None:
    return None if ctx.operation.path.rstrip("/").endswith("}") else "the path does not end with an item parameter"


@check("naming.item-under-collection", kind="static", applies=_is_item)
def item_under_collection(ctx):
    parent = ctx.operation.path.rstrip("/").rsplit("/", 1)[0] or "/"
    if parent not in {p.rstrip("/") or "/" for p in ctx.operation.spec_paths}:
        yield (f"{ctx.operation.path} is an item but its collection {parent} is not in the spec; "
               f"expected e.g. GET {parent} beside GET {ctx.operation.path}.")
