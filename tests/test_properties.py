"""The tool's own parsers, property-based: whatever they are fed, they answer or raise the one error
the plugin turns into a sentence, never anything else."""

from __future__ import annotations

import datetime as dt
import math
import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, example, given, settings, strategies as st

from conformance.catalog import Catalog
from conformance.run import load_catalog
from conformance.errors import CatalogError
from conformance.redaction import MASK, Redactor
from conformance.rules.dates import UNIX_MAX, UNIX_MIN, iso8601_utc_problem, unix_seconds_problem
from conformance.transport.policy import retry_after_seconds

FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None)

# -- the catalog loader -------------------------------------------------------------------------------

WORDS = ["profile", "title", "extends", "rules", "id", "category", "check", "severity", "source", "document",
         "section", "quote", "params", "applies_to", "overrides", "match", "enabled", "reason", "methods", "paths",
         "operations", "auth", "scheme", "channels", "in", "name", "format", "request_headers", "documents",
         "unobservable", "status", "field_patterns", "must", "should", "header", "query", "body", "featbit",
         "auth.missing-credentials", "dates.unix-seconds", "GET", "/x/*", "token", "basic"]
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=False),
                    st.sampled_from(WORDS), st.text(max_size=12))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(keys, inner, max_size=5)), max_leaves=25)

RULE = {"id": "mine.rule", "category": "auth", "title": "t", "severity": "must",
        "source": {"document": "d", "section": "s"}, "check": "auth.missing-credentials"}


def mutated(base: dict, changes: dict) -> dict:
    out = dict(base)
    out.update(changes)
    return out


RULE_FIELDS = ["title", "severity", "check", "params", "applies_to", "overrides", "enabled", "category", "source"]
matches = st.fixed_dictionaries({}, optional={"methods": st.lists(st.sampled_from(["GET", "post", "X"]), max_size=2),
                                              "paths": st.lists(st.sampled_from(["/x/*", "/", "["]), max_size=2),
                                              "operations": st.lists(st.text(max_size=10), max_size=2)})
rule_changes = st.dictionaries(st.sampled_from(RULE_FIELDS), st.one_of(
    values, st.sampled_from(["must", "should", "auth.missing-credentials", "dates.unix-seconds", "naming.plural"]),
    st.lists(st.fixed_dictionaries({"match": matches}, optional={"enabled": st.booleans(), "params": values,
                                                                 "severity": st.sampled_from(["must", "may"])}),
             max_size=2),
    st.dictionaries(st.sampled_from(["status", "field_patterns", "expected"]), values, max_size=2)), max_size=3)
existing = st.sampled_from(["auth.missing-credentials", "errors.envelope", "cors.max-age", "no.such-rule"])

catalogs = st.one_of(
    st.builds(lambda rule_id, changes: {"profile": "mine", "title": "Mine", "extends": "featbit",
                                        "rules": [{"id": rule_id, **changes}]}, existing, rule_changes),
    st.builds(lambda changes: {"profile": "mine", "title": "Mine", "rules": [{**RULE, **changes}]}, rule_changes),
    st.dictionaries(keys, values, max_size=6),
    st.builds(mutated, st.just({"profile": "mine", "title": "Mine", "extends": "featbit"}),
              st.dictionaries(keys, values, max_size=3)),
    st.builds(lambda rule, extra: {"profile": "mine", "title": "Mine", "extends": "featbit", "rules": [rule], **extra},
              st.builds(mutated, st.just(RULE), st.dictionaries(keys, values, max_size=3)),
              st.dictionaries(st.sampled_from(["auth", "documents", "request_headers", "unobservable"]), values,
                              max_size=2)),
    st.builds(lambda rule: {"profile": "mine", "title": "Mine", "rules": [rule]},
              st.builds(mutated, st.just(RULE), st.dictionaries(keys, values, max_size=3))),
)


@FAST
@given(data=catalogs)
def test_catalog_loader_answers_a_catalog_or_a_catalog_error(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mine.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True))
        try:
            catalog = load_catalog(str(path))
        except CatalogError as exc:
            message = str(exc)
            assert message and "\n" not in message.strip()
        else:
            assert isinstance(catalog, Catalog)


@FAST
@given(text=st.text(max_size=200))
@example(text="profile: [unclosed")
@example(text="\x00\x01")
@example(text="- just\n- a list")
def test_catalog_loader_on_arbitrary_text(text):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "mine.yaml"
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
        try:
            assert isinstance(load_catalog(str(path)), Catalog)
        except CatalogError:
            pass


# -- the date checks --------------------------------------------------------------------------------------

@given(st.text(max_size=40))
def test_iso_check_never_raises(text):
    problem = iso8601_utc_problem(text)
    assert problem is None or isinstance(problem, str)


@given(st.one_of(st.integers(), st.floats(), st.text(max_size=10), st.none(), st.booleans(),
                 st.lists(st.integers(), max_size=2), st.decimals(allow_nan=True)))
def test_unix_seconds_problem_never_raises(value):
    problem = unix_seconds_problem(value)
    assert problem is None or isinstance(problem, str)


@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
       st.sampled_from(["Z", "+00:00", ".000Z", ".000+00:00", "+00"]))
def test_every_utc_datetime_passes(moment, suffix):
    assert iso8601_utc_problem(moment.strftime("%Y-%m-%dT%H:%M:%S") + suffix) is None


@given(st.datetimes(min_value=dt.datetime(1000, 1, 1), max_value=dt.datetime(9999, 12, 31, 23, 59, 59)),
       st.sampled_from(["+02:00", "-05:00", "-00:00", "", " UTC"]))
def test_a_datetime_not_marked_utc_fails(moment, suffix):
    assert iso8601_utc_problem(moment.strftime("%Y-%m-%dT%H:%M:%S") + suffix) is not None


@given(st.integers(UNIX_MIN, UNIX_MAX))
def test_integer_seconds_in_range_pass(seconds):
    assert unix_seconds_problem(seconds) is None
    assert unix_seconds_problem(float(seconds)) is None


# Milliseconds are told from seconds by size; from 1982-12-28 on (UNIX_MAX * 100 / 1000) they always are.
@given(st.integers(UNIX_MAX * 100 // 1000 + 1, UNIX_MAX))
def test_the_same_in_milliseconds_is_reported_as_milliseconds(seconds):
    assert "milliseconds" in unix_seconds_problem(seconds * 1000)


@given(st.integers(UNIX_MIN, UNIX_MAX * 100 // 1000))
def test_early_milliseconds_are_reported_as_milliseconds(seconds):
    assert "milliseconds" in unix_seconds_problem(seconds * 1000)


# -- redaction -----------------------------------------------------------------------------------------------

# Secrets share no character with the mask, so a mask next to text can never spell one out by accident.
SECRET_ALPHABET = st.characters(blacklist_characters=set(MASK), blacklist_categories=("Cs",))
secrets = st.text(SECRET_ALPHABET, min_size=4, max_size=24)
filler = st.text(max_size=30)


@st.composite
def texts_with(draw, secret_list):
    parts = [draw(filler)]
    for _ in range(draw(st.integers(1, 4))):
        parts += [draw(st.sampled_from(secret_list)), draw(filler)]
    return "".join(parts)


@FAST
@given(data=st.data(), secret_list=st.lists(secrets, min_size=1, max_size=3))
def test_redactor_never_shows_a_secret(data, secret_list):
    redactor = Redactor(secret_list, {"token", "Authorization"})
    text = data.draw(texts_with(secret_list))
    value = data.draw(texts_with(secret_list))
    outputs = [
        redactor.text(text),
        redactor.url("http://127.0.0.1:8000/items/" + text.replace("?", "") + "?q=" + value + "&token=" + value),
        redactor.body(text),
        redactor.body(text.encode("utf-8", "surrogatepass")),
        redactor.body(__import__("json").dumps({"note": text, "nested": [{"token": value}, value]})),
        redactor.body(f"token={value}&other={text}"),
        str(redactor.headers({"X-Note": text, "Authorization": f"Bearer {value}", "Set-Cookie": [value, text]})),
    ]
    for output in outputs:
        for secret in secret_list:
            assert secret not in output, (secret, output)


@FAST
@given(secret_list=st.lists(st.text(min_size=4, max_size=20), max_size=3), text=st.text(max_size=80))
def test_redactor_never_raises(secret_list, text):
    redactor = Redactor(secret_list, {"token"})
    redactor.text(text)
    redactor.body(text)
    redactor.body(text.encode("utf-8", "surrogatepass"))
    redactor.headers({"X": text, "token": [text]})
    redactor.url("http://127.0.0.1/" + text)


# -- Retry-After --------------------------------------------------------------------------------------------

@given(st.one_of(st.text(max_size=40), st.integers(0, 10**30).map(str),
                 st.datetimes().map(lambda d: d.strftime("%a, %d %b %Y %H:%M:%S GMT"))))
@example("\u00b2")  # a digit to str.isdigit, not to int()
@example("Wed, 21 Oct 2015 07:28:00 GMT")
@example("Mon, 01 Jan 0001 00:00:00 -0000")
@example("Fri, 31 Dec 9999 23:59:59 +1400")
@example("99999999999999999999999999999")
def test_retry_after_never_raises(value):
    seconds = retry_after_seconds(value)
    assert seconds is None or (seconds >= 0 and math.isfinite(seconds))


def test_retry_after_reads_seconds_and_dates():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds(" 0 ") == 0.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past: no wait
    future = (dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=90)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 80 < retry_after_seconds(future) <= 90
    assert retry_after_seconds("soon") is None and retry_after_seconds("") is None and retry_after_seconds(None) is None
