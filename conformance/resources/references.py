"""References: the fields of a body the suite writes that name another resource.

A price is created for a product (``product``), a charge for a customer (``customer``), a comment for a post
(``post_id``); an API often refuses the body without one even where the spec calls the field optional ("Missing
required param: product."). The value is the user's where they give it (``--conformance-param body:NAME=VALUE``),
else one of a resource of the collection the field's name is the singular of (``/v1/products`` for ``product``):
one the suite created there where it can (and deleted at the end), so that what the body does to it touches only
the suite's own (a refund refunds the suite's charge, never one that was there); else one listed there.
"""

from __future__ import annotations

import json
import re
import threading
from typing import Any

from ..bodies import valid_for
from ..models import INVENTED, UNKNOWN
from .creation import SETUP
from .ids import fits, path_parameters

_resolving = threading.local()  # the words being looked up by this thread (a price's product's price: no loop)


def json_value(text: str, schema: dict[str, Any]) -> Any:
    """A value the user gave for a body field, as the field takes it: JSON where the text is JSON that fits the
    field (``rrsets=[]``, ``data={"id": "x"}``, ``capture=false``), else the text itself."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if not isinstance(value, str) and valid_for(value, schema) else text


def referenced_word(name: str) -> str | None:
    """The resource a field's name refers to: ``product``, ``product_id`` and ``productId`` name a product;
    a bare ``id`` (the resource's own) and plural names (a list of them) refer to none."""
    word = re.sub(r"(?:_id|Id|_uuid|Uuid)$", "", name)
    word = re.sub(r"(?<=[a-z])([A-Z])", r"_\1", word).lower()
    if not word or word in ("id", "uuid") or word.endswith("s") and not word.endswith("ss"):
        return None
    return word


def plurals(word: str) -> tuple[str, ...]:
    out = [word + "s", word + "es"]
    if word.endswith("y"):
        out.append(word[:-1] + "ies")
    return tuple(out) + tuple(p.replace("_", "-") for p in out if "_" in p)


class References:
    """The referencing half of ``Resources`` (a mixin, as ``Creation`` is)."""

    def given_fields(self, operation: Any, properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """The body fields the user gave values for (``--conformance-param [PATH_GLOB:]body:NAME=VALUE``)."""
        out = {}
        for name, prop in properties.items():
            given = next((g for g in self.given if g.place == "body" and g.matches(operation.path, name, "body")), None)
            if given is not None:
                value = fits(given.value, prop)
                out[name] = value if value is not None else json_value(given.value, prop)
        return out

    def references(self, operation: Any, properties: dict[str, dict[str, Any]]) -> dict[str, Any]:
        """Values for the fields that name a resource of another collection, where one is known to exist."""
        out: dict[str, Any] = {}
        busy = getattr(_resolving, "words", None)
        if busy is None:
            busy = _resolving.words = set()
        for name, prop in properties.items():
            word = referenced_word(name)
            if word is None or word in busy or prop.get("type") not in ("string", "integer", None):
                continue
            item = self._item_operation(word, operation)
            if item is None:
                continue
            busy.add(word)
            try:
                value = self._own(item) or self.existing(item).get(path_parameters(item.path)[-1])
            finally:
                busy.discard(word)
            if value is not None and value.value is not None and value.source not in (INVENTED, UNKNOWN):
                found = fits(value.value, prop)
                if found is not None and valid_for(found, prop):
                    out[name] = found
        return out

    def _own(self, item: Any) -> Any:
        """A resource of the item's (top-level) collection the suite created to read, or None where it cannot
        create one there (read-only, no POST, nothing to delete it with: the reason is kept as a read's is)."""
        if self.read_only:
            return None
        name, collection = path_parameters(item.path)[-1], item.collection_path
        key = (collection, self._key(collection, {}))
        with self._resolving, self.learning():
            created = self._to_read.get((key, name))
            if created is None:
                created = self._create(collection, {}, purpose=f"a {name} to name in a body", salt=f"read|{name}",
                                       use="read", requester=SETUP)
                if created is not None:
                    self._to_read[(key, name)] = created
        return created.value_for(name) if created is not None else None

    def _item_operation(self, word: str, operation: Any) -> Any:
        """The GET of one resource of the top-level collection named by the plural of ``word`` (GET
        /v1/products/{id} for ``product``), not the operation's own collection."""
        names = plurals(word)
        own = (operation.collection_path or operation.path).rstrip("/")
        for candidate in self.spec.operations:
            collection = candidate.collection_path
            if candidate.method != "GET" or collection is None or "{" in collection or collection == own:
                continue
            if collection.rstrip("/").rsplit("/", 1)[-1].lower() in names and len(path_parameters(candidate.path)) == 1:
                return candidate
        return None


__all__ = ["References", "plurals", "referenced_word"]
