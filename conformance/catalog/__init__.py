"""Rule catalogs: YAML data, validated against ``schema.json`` on load.

A catalog is a profile (built in, under ``profiles/``, or a user's file) that may
``extends:`` another and override its rules as data.
"""

from __future__ import annotations

import copy
import dataclasses
import difflib
import fnmatch
import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Mapping, Protocol

import jsonschema
import yaml

from ..errors import CatalogError

HERE = Path(__file__).parent
PROFILES_DIR = HERE / "profiles"
BUILTIN_PROFILES = ("featbit", "flextype", "basic-crud", "connectnow")
# The base catalog every built-in profile extends: what RFC 9110 asks of every HTTP API, whatever its own
# document says. It is a profile name of its own too (--conformance-profile=http).
BASE_PROFILE = "http"
PROFILE_NAMES = (*BUILTIN_PROFILES, BASE_PROFILE)
CATEGORIES = ("auth", "content-type", "errors", "cors", "pagination", "dates", "methods",
              "rate-limit", "naming", "schema", "server-errors", "headers", "conditional")
REQUIRED_RULE_FIELDS = ("category", "title", "severity", "source")
# What in its document a rule rests on. A normative sentence binds; so does the structure of an example that is the
# only definition of a format the document promises (its fields, their types, what their names state); an example's
# literal value (Access-Control-Max-Age: 300, per_page: 15) is an illustration: advisory, it never fails a run.
SENTENCE, EXAMPLE_STRUCTURE, EXAMPLE_VALUE = "sentence", "example-structure", "example-value"
BASES = (SENTENCE, EXAMPLE_STRUCTURE, EXAMPLE_VALUE)


@cache
def catalog_schema() -> dict[str, Any]:
    return json.loads((HERE / "schema.json").read_text())


@dataclass(frozen=True)
class Match:
    methods: tuple[str, ...] = ()
    paths: tuple[str, ...] = ()
    operations: tuple[str, ...] = ()

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Match:
        data = data or {}
        return cls(
            methods=tuple(m.upper() for m in data.get("methods", ())),
            paths=tuple(data.get("paths", ())),
            operations=tuple(data.get("operations", ())),
        )

    def describe(self) -> str:
        parts = []
        if self.methods:
            parts.append(", ".join(self.methods))
        if self.paths:
            parts.append("paths " + ", ".join(self.paths))
        if self.operations:
            parts.append(", ".join(self.operations))
        return "; ".join(parts) or "every operation"

    def matches(self, method: str, path: str) -> bool:
        method = method.upper()
        if self.methods and method not in self.methods:
            return False
        if self.paths and not any(fnmatch.fnmatchcase(path, p) for p in self.paths):
            return False
        if self.operations and f"{method} {path}" not in self.operations:
            return False
        return True


@dataclass(frozen=True)
class Override:
    match: Match
    enabled: bool | None = None
    severity: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    reason: str = ""


class CheckSpec(Protocol):
    """What the loader asks of a registered check (``rules.Check``): the catalog knows no check, it is given them."""

    kind: str  # "exchange" | "operation" | "static"

    def validate_params(self, rule: Rule) -> None:
        """Raises ValueError with what is wrong with the rule's params."""


@dataclass(frozen=True)
class Rule:
    id: str
    category: str
    title: str
    severity: str
    source: dict[str, str]
    check: str
    params: dict[str, Any] = field(default_factory=dict)
    applies_to: Match = Match()
    overrides: tuple[Override, ...] = ()
    # What in the document the rule rests on (BASES): "sentence" (a sentence that promises it: "always", "must",
    # "will be", a table of statuses), "example-structure" (the document's example is the only definition of a
    # format the document promises: binding) or "example-value" (a value the example shows: advisory).
    basis: str = SENTENCE
    static: bool = False  # its check judges the spec alone, sending nothing (the loader reads it off the check)

    @property
    def source_text(self) -> str:
        return f"{self.source['document']}, {self.source['section']}"

    @property
    def advisory(self) -> bool:
        """Only a value of the document's example supports the rule: its failures are reported, never fail a run."""
        return self.basis == EXAMPLE_VALUE

    @property
    def example(self) -> bool:
        """The older name of ``advisory`` (a catalog's ``example: true`` is ``basis: example-value``)."""
        return self.advisory

    def for_operation(self, method: str, path: str) -> Rule | None:
        """The rule as it stands for one operation (overrides applied), or None where it is switched off."""
        if not self.applies_to.matches(method, path):
            return None
        rule = self
        for override in self.overrides:
            if not override.match.matches(method, path):
                continue
            if override.enabled is False:
                return None
            params = _merge(rule.params, override.params) if override.params else rule.params
            rule = dataclasses.replace(rule, severity=override.severity or rule.severity, params=params, overrides=())
        return rule


@dataclass(frozen=True)
class Catalog:
    profile: str
    title: str
    origin: str  # where it was loaded from
    documents: tuple[dict[str, str], ...]
    auth: dict[str, Any]
    request_headers: dict[str, str]
    rules: tuple[Rule, ...]
    unobservable: tuple[dict[str, Any], ...]
    parameters: tuple[str, ...] = ()  # path parameter values: [PATH_GLOB:]NAME=VALUE
    # the documents' normative sentences and the rules that check each (a catalog `conformance derive` wrote)
    normative: tuple[dict[str, Any], ...] = ()

    def rule(self, rule_id: str) -> Rule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(rule_id)

    @property
    def categories(self) -> set[str]:
        return {rule.category for rule in self.rules}


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _documents(own: list[dict[str, str]], inherited: tuple[dict[str, str], ...]) -> tuple[dict[str, str], ...]:
    """The catalog's own documents, then the base's: the rules it inherits still cite them."""
    files = {d["file"] for d in own}
    return tuple(own) + tuple(d for d in inherited if d["file"] not in files)


def resolve_path(name: str, relative_to: Path | None = None) -> Path:
    if name in PROFILE_NAMES:
        return PROFILES_DIR / f"{name}.yaml"
    path = Path(name)
    if not path.is_absolute() and relative_to is not None and (relative_to / path).exists():
        path = relative_to / path
    if not path.exists():
        if "/" not in name and not name.endswith((".yaml", ".yml")):
            hint = difflib.get_close_matches(name, PROFILE_NAMES, n=1)
            extra = f" Did you mean '{hint[0]}'?" if hint else ""
            raise CatalogError(
                f"Unknown profile '{name}': use one of {', '.join(PROFILE_NAMES)}, or the path of a catalog file.{extra}"
            )
        raise CatalogError(f"Catalog file '{name}' does not exist: check the path given to --conformance-profile.")
    return path


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise CatalogError(f"Catalog '{path}' is not valid YAML{where}: fix the syntax there.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise CatalogError(f"Catalog '{path}' cannot be read ({exc}).") from None
    if not isinstance(data, dict):
        raise CatalogError(f"Catalog '{path}' must be a YAML mapping with 'profile', 'title' and 'rules'.")
    _validate(path, data)
    return data


def _validate(path: Path, data: dict[str, Any]) -> None:
    validator = jsonschema.Draft202012Validator(catalog_schema())
    error = jsonschema.exceptions.best_match(validator.iter_errors(data))
    if error is None:
        return
    location = list(error.absolute_path)
    where = "the catalog"
    if len(location) >= 2 and location[0] == "rules" and isinstance(location[1], int):
        rule = data["rules"][location[1]]
        rule_id = rule.get("id", "?") if isinstance(rule, dict) else "?"
        field_path = ".".join(str(p) for p in location[2:]) or "(the rule itself)"
        where = f"rule '{rule_id}', field '{field_path}'"
    elif location:
        where = f"field '{'.'.join(str(p) for p in location)}'"
    message = error.message
    if error.validator == "additionalProperties":
        message += f"; allowed fields are: {', '.join(sorted(error.schema.get('properties', {})))}"
    raise CatalogError(f"Catalog '{path}': {where}: {message}.")


def _basis(path: Path, entry: dict[str, Any], inherited: str | None) -> str:
    """The rule's basis as the entry states it: ``basis``, or ``example`` (the older field: ``example: true`` is
    ``basis: example-value``, ``example: false`` a basis that binds); otherwise the inherited one, except that an
    entry with a source of its own rests on that source, a sentence unless it says otherwise."""
    basis, example = entry.get("basis"), entry.get("example")
    if basis is not None and example is not None and (basis == EXAMPLE_VALUE) != example:
        raise CatalogError(f"Catalog '{path}': rule '{entry['id']}': 'example: {str(example).lower()}' contradicts "
                           f"'basis: {basis}'; write only 'basis: {basis}' ('example' is its older spelling: "
                           f"'example: true' is 'basis: {EXAMPLE_VALUE}').")
    if basis is not None:
        return basis
    if example is True:
        return EXAMPLE_VALUE
    if example is False:  # "not advisory": the structure it inherits still binds, else a sentence
        return inherited if inherited == EXAMPLE_STRUCTURE and "source" not in entry else SENTENCE
    if inherited is None or "source" in entry:
        return SENTENCE
    return inherited


def load_catalog(name: str, *, checks: Mapping[str, CheckSpec], relative_to: Path | None = None,
                 _seen: tuple[Path, ...] = ()) -> Catalog:
    """Load a built-in profile by name or a catalog file by path; raises CatalogError with one plain sentence.
    ``checks`` is the registry of checks (``rules.CHECKS``): each rule's check must be one of them, its params
    valid for it."""

    path = resolve_path(name, relative_to).resolve()
    if path in _seen:
        raise CatalogError(f"Catalog '{path}' extends itself (through {' -> '.join(str(p) for p in _seen)}).")
    data = _read(path)
    if "extends" in data:
        base = load_catalog(data["extends"], checks=checks, relative_to=path.parent, _seen=(*_seen, path))
        raw_rules = {rule.id: rule for rule in base.rules}
        order = [rule.id for rule in base.rules]
    else:
        base = None
        raw_rules, order = {}, []

    rules: dict[str, Rule] = dict(raw_rules)
    for entry in data.get("rules", []):
        rule_id = entry["id"]
        if entry.get("enabled") is False:
            if rule_id not in rules:
                raise CatalogError(f"Catalog '{path}': rule '{rule_id}' is switched off but no such rule exists in "
                                   f"'{data.get('extends', path)}'.")
            rules.pop(rule_id)
            order.remove(rule_id)
            continue
        previous = rules.get(rule_id)
        if previous is not None:
            merged = {
                "category": entry.get("category", previous.category),
                "title": entry.get("title", previous.title),
                "severity": entry.get("severity", previous.severity),
                "source": entry.get("source", previous.source),
                "check": entry.get("check", previous.check),
                "params": _merge(previous.params, entry.get("params", {})),
                # a new source is a new basis: a sentence unless the entry says what else it rests on
                "basis": _basis(path, entry, previous.basis),
            }
            applies_to = Match.from_dict(entry["applies_to"]) if "applies_to" in entry else previous.applies_to
            overrides = previous.overrides
        else:
            missing = [f for f in REQUIRED_RULE_FIELDS if f not in entry]
            if missing:
                raise CatalogError(f"Catalog '{path}': rule '{rule_id}' is new here, so it needs the field(s) "
                                   f"{', '.join(missing)}.")
            merged = {**entry, "check": entry.get("check", rule_id), "params": entry.get("params", {}),
                      "basis": _basis(path, entry, None)}
            applies_to = Match.from_dict(entry.get("applies_to"))
            overrides = ()
            order.append(rule_id)
        if merged["check"] not in checks:
            hint = difflib.get_close_matches(merged["check"], list(checks), n=1)
            extra = f" Did you mean '{hint[0]}'?" if hint else f" Known checks: {', '.join(sorted(checks))}."
            raise CatalogError(f"Catalog '{path}': rule '{rule_id}', field 'check': unknown check "
                               f"'{merged['check']}'.{extra}")
        overrides = overrides + tuple(
            Override(Match.from_dict(o["match"]), o.get("enabled"), o.get("severity"), o.get("params", {}),
                     o.get("reason", ""))
            for o in entry.get("overrides", [])
        )
        rules[rule_id] = Rule(rule_id, merged["category"], merged["title"], merged["severity"], merged["source"],
                              merged["check"], merged["params"], applies_to, overrides, merged["basis"],
                              static=checks[merged["check"]].kind == "static")
        try:
            checks[merged["check"]].validate_params(rules[rule_id])
        except ValueError as exc:
            raise CatalogError(f"Catalog '{path}': rule '{rule_id}', field 'params': {exc}.") from None

    auth = data.get("auth", base.auth if base else {})
    return Catalog(
        profile=data["profile"],
        title=data["title"],
        origin=str(path),
        documents=_documents(data.get("documents", ()), base.documents if base else ()),
        auth=auth,
        request_headers=data.get("request_headers", base.request_headers if base else {}),
        rules=tuple(rules[i] for i in order),
        unobservable=tuple(data.get("unobservable", base.unobservable if base else ())),
        parameters=(base.parameters if base else ()) + tuple(data.get("parameters", ())),
        normative=tuple(data.get("normative", base.normative if base else ())),
    )
