"""The nested featbit demo (projects -> envs -> flags, parent ids found only by listing): the server keeps
every featbit rule, its spec in specs/ is the build output, and the plugin passes every featbit rule on it
after reaching every operation (issue 11's acceptance target)."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests

from conformance.run import load_catalog
from conformance.demo import DEMOS, NESTED_FAULTY, NestedDemoAPI, build_nested_spec
from conformance.demo.nested import FLAG, FLAGS

ROOT = Path(__file__).resolve().parent.parent
TOKEN, READ_ONLY = "demo-token", "demo-readonly"
ENVELOPE_KEYS = {"success", "errors", "data"}


@pytest.fixture
def nested() -> Iterator[Any]:
    """Start nested demos: ``nested(faults={...})``; all stop after the test."""
    started: list[NestedDemoAPI] = []

    def start(**kwargs: Any) -> NestedDemoAPI:
        api = NestedDemoAPI(**kwargs).start()
        started.append(api)
        return api

    yield start
    for api in started:
        api.stop()


def call(method: str, url: str, token: str | None = TOKEN, **kwargs: Any) -> requests.Response:
    headers = kwargs.pop("headers", {})
    if token is not None:
        headers["Authorization"] = token
    return requests.request(method, url, headers=headers, timeout=5, **kwargs)


def first_env(api: NestedDemoAPI, token: str = TOKEN) -> tuple[str, str]:
    """A project id and one of its env ids, found the only way a client can: by listing."""
    projects = call("GET", f"{api.url}/api/v1/projects", token)
    assert projects.status_code == 200
    project_id = projects.json()["data"][0]["id"]
    envs = call("GET", f"{api.url}/api/v1/projects/{project_id}/envs", token)
    assert envs.status_code == 200
    return project_id, envs.json()["data"][0]["id"]


def flags_url(api: NestedDemoAPI, project_id: str, env_id: str) -> str:
    return api.url + FLAGS.format(projectId=project_id, envId=env_id)


def assert_featbit_error(response: requests.Response, status: int) -> None:
    assert response.status_code == status, response.text
    assert response.headers["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == ENVELOPE_KEYS and body["success"] is False and body["data"] is None
    assert body["errors"] and all(isinstance(e, str) for e in body["errors"])


# -- the server ----------------------------------------------------------------------------------------
def test_listing_finds_two_projects_with_two_envs_each(nested):
    api = nested()
    projects = call("GET", f"{api.url}/api/v1/projects").json()
    assert projects["success"] is True and projects["errors"] == []
    assert len(projects["data"]) == 2
    for project in projects["data"]:
        uuid.UUID(project["id"])
        envs = call("GET", f"{api.url}/api/v1/projects/{project['id']}/envs").json()["data"]
        assert len(envs) == 2
        assert all(env["projectId"] == project["id"] for env in envs)
        for env in envs:
            uuid.UUID(env["id"])
            listing = call("GET", flags_url(api, project["id"], env["id"]))
            assert listing.status_code == 200 and isinstance(listing.json()["data"], list)


def test_spec_gives_parents_no_value_and_flags_examples():
    spec = build_nested_spec()
    for operation in (op for item in spec["paths"].values() for op in item.values()):
        for parameter in operation.get("parameters", []):
            if parameter["name"] in ("projectId", "envId"):
                assert parameter["schema"] == {"type": "string", "format": "uuid"}
                assert not {"example", "examples"} & set(parameter)
    body = spec["paths"][FLAGS]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["key"]["example"] == "dark-mode"
    assert all("example" in field for field in body["properties"].values())


def test_create_read_patch_delete_a_flag_under_a_listed_env(nested):
    api = nested()
    url = flags_url(api, *first_env(api))
    created = call("POST", url, json={"key": "dark-mode", "name": "Dark mode"})
    assert created.status_code == 201, created.text
    assert created.json()["data"]["key"] == "dark-mode"
    item = api.url + created.headers["Location"]
    assert call("GET", item).json()["data"]["enabled"] is False
    assert call("PATCH", item, json={"enabled": True}).json()["data"]["enabled"] is True
    assert call("GET", item).json()["data"]["name"] == "Dark mode"
    assert "dark-mode" in {f["key"] for f in call("GET", url).json()["data"]}
    assert call("DELETE", item).status_code == 204
    assert_featbit_error(call("GET", item), 404)


def test_duplicate_key_is_a_conflict(nested):
    api = nested()
    url = flags_url(api, *first_env(api))
    assert call("POST", url, json={"key": "dark-mode", "name": "Dark mode"}).status_code == 201
    assert_featbit_error(call("POST", url, json={"key": "dark-mode", "name": "Again"}), 409)


@pytest.mark.parametrize("which", ["project", "env", "env of another project", "flag"])
def test_unknown_parent_or_flag_is_404_with_the_envelope(nested, which):
    api = nested()
    project_id, env_id = first_env(api)
    unknown = str(uuid.uuid4())
    if which == "project":
        url = f"{api.url}/api/v1/projects/{unknown}/envs"
    elif which == "env":
        url = flags_url(api, project_id, unknown)
    elif which == "env of another project":
        other = call("GET", f"{api.url}/api/v1/projects").json()["data"][1]["id"]
        url = flags_url(api, other, env_id)
    else:
        url = api.url + FLAG.format(projectId=project_id, envId=env_id, key="no-such-flag")
    assert_featbit_error(call("GET", url), 404)


def test_read_only_token_reads_and_is_forbidden_to_write(nested):
    api = nested()
    project_id, env_id = first_env(api, READ_ONLY)
    url = flags_url(api, project_id, env_id)
    assert call("GET", url, READ_ONLY).status_code == 200
    assert call("GET", url + "/welcome-banner", READ_ONLY).status_code == 200
    assert_featbit_error(call("POST", url, READ_ONLY, json={"key": "dark-mode", "name": "Dark mode"}), 403)
    assert_featbit_error(call("PATCH", url + "/welcome-banner", READ_ONLY, json={"enabled": False}), 403)
    assert_featbit_error(call("DELETE", url + "/welcome-banner", READ_ONLY), 403)
    assert call("GET", url + "/welcome-banner").json()["data"]["enabled"] is True  # nothing changed


@pytest.mark.parametrize("token, where", [(None, "nowhere"), ("wrong-token", "header"), (TOKEN, "query"),
                                          (f"Bearer {TOKEN}", "header")])
def test_only_the_raw_token_in_authorization_counts(nested, token, where):
    api = nested()
    if where == "query":
        response = call("GET", f"{api.url}/api/v1/projects", None, params={"token": token})
    else:
        response = call("GET", f"{api.url}/api/v1/projects", token)
    assert_featbit_error(response, 401)


def test_health_is_authenticated_like_every_resource(nested):
    """FeatBit: "All REST API resources are authenticated", the health check included."""
    api = nested()
    assert_featbit_error(call("GET", f"{api.url}/api/v1/health", None), 401)
    response = call("GET", f"{api.url}/api/v1/health", api.token)
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/api/v1/projects", "/api/v1/projects/nope/envs", "/nowhere"])
def test_cors_origin_is_echoed_with_vary_and_wildcard_without_origin(nested, path):
    api = nested()
    echoed = call("GET", api.url + path, headers={"Origin": "https://app.example"})
    assert echoed.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert echoed.headers["Vary"] == "Origin"
    plain = call("GET", api.url + path, None)
    assert plain.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in plain.headers


def test_preflight_needs_no_credential_and_allows_the_declared_methods(nested):
    api = nested()
    project_id, env_id = first_env(api)
    url = api.url + FLAG.format(projectId=project_id, envId=env_id, key="welcome-banner")
    response = call("OPTIONS", url, None, headers={"Origin": "https://app.example",
                                                   "Access-Control-Request-Method": "PATCH",
                                                   "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "https://app.example"
    assert response.headers["Access-Control-Allow-Methods"] == "OPTIONS, GET, PATCH, DELETE"
    assert response.headers["Access-Control-Allow-Headers"] == \
        "Accept, Content-Type, Content-Length, Accept-Encoding, Authorization"
    assert response.headers["Access-Control-Max-Age"] == "300"


def test_form_body_is_refused_with_415_and_malformed_json_with_400(nested):
    api = nested()
    url = flags_url(api, *first_env(api))
    assert_featbit_error(call("POST", url, data={"key": "dark-mode", "name": "Dark mode"}), 415)
    assert_featbit_error(call("PATCH", url + "/welcome-banner", data={"enabled": "false"}), 415)
    assert_featbit_error(call("POST", url, data=b'{"key": ', headers={"Content-Type": "application/json"}), 400)
    assert_featbit_error(call("POST", url, json={"key": "Not A Key", "name": "x"}), 400)
    assert "dark-mode" not in {f["key"] for f in call("GET", url).json()["data"]}


def test_undeclared_method_is_405_with_allow(nested):
    api = nested()
    response = call("DELETE", f"{api.url}/api/v1/projects")
    assert_featbit_error(response, 405)
    assert response.headers["Allow"] == "GET, OPTIONS"


def test_fault_form_body_is_accepted(nested):
    api = nested(faults={"content-type.json-request"})
    url = flags_url(api, *first_env(api))
    response = call("POST", url, data={"key": "dark-mode", "name": "Dark mode", "enabled": "true"})
    assert response.status_code == 201, response.text
    assert response.json()["data"]["enabled"] is True


def test_fault_read_only_token_gets_401_on_writes(nested):
    api = nested(faults={"auth.forbidden-credentials"})
    url = flags_url(api, *first_env(api, READ_ONLY))
    assert call("GET", url, READ_ONLY).status_code == 200
    assert_featbit_error(call("POST", url, READ_ONLY, json={"key": "dark-mode", "name": "Dark mode"}), 401)


def test_registry_names_every_demo_with_its_profile():
    assert {name: profile for name, (_, profile) in DEMOS.items()} == {
        "featbit": "featbit", "flextype": "flextype", "basic-crud": "basic-crud", "connectnow": "connectnow",
        "featbit-nested": "featbit", "flextype-entries": "flextype"}
    factory, _ = DEMOS["featbit-nested"]
    with factory(faults={"content-type.json-request"}) as api:
        assert isinstance(api, NestedDemoAPI) and api.faults == {"content-type.json-request"}


def test_specs_folder_holds_the_nested_spec():
    path = ROOT / "specs" / "featbit-nested.openapi.json"
    assert json.loads(path.read_text()) == build_nested_spec(), (
        "regenerate with: python -c 'import json; from conformance.demo import build_nested_spec; "
        f"print(json.dumps(build_nested_spec(), indent=2))' > {path}")


def test_served_spec_is_the_built_spec(nested):
    assert call("GET", f"{nested().url}/openapi.json", None).json() == build_nested_spec()


# -- the plugin against it (issue 11's acceptance target) -----------------------------------------------
def reached(api: NestedDemoAPI) -> set[str]:
    """The operations the server answered with a 2xx, from its own log."""
    return {f"{method} {template}" for method, template, status in api.answers if 200 <= status < 300}


def operations(api: NestedDemoAPI) -> set[str]:
    return {f"{method.upper()} {path}" for path, item in api.spec["paths"].items() for method in item}


def test_plugin_passes_every_featbit_rule_after_reaching_every_operation(nested, run_conformance):
    # Fails until issue 11 is done: the plugin invents projectId/envId and judges the 404 answers.
    api = nested()
    outcome = run_conformance(api, profile="featbit", token=TOKEN, forbidden=READ_ONLY)
    statuses = {rule["id"]: rule["status"] for rule in outcome.report.get("rules", [])}
    # every rule that applies to an operation of the nested demo (PUT replaces: it declares no PUT)
    nowhere = {r["id"] for r in outcome.report["rules"]
               if all(cell["status"] == "not-applicable" for cell in r["operations"].values())}
    expected = {rule.id for rule in load_catalog("featbit").rules} - nowhere
    not_passed = {rule_id: (statuses.get(rule_id), outcome.messages(rule_id)[:2] if rule_id in statuses else [])
                  for rule_id in sorted(expected) if statuses.get(rule_id) != "passed"}
    unreached = operations(api) - reached(api)
    assert not not_passed and not unreached and outcome.ret == 0, (
        f"rules not passed: {json.dumps(not_passed, indent=1)}\nunreached operations: {sorted(unreached)}")


def test_plugin_finds_the_faults_only_a_reached_env_shows(nested, run_conformance):
    api = nested(faults=set(NESTED_FAULTY))
    outcome = run_conformance(api, profile="featbit", token=TOKEN, forbidden=READ_ONLY)
    assert outcome.failed == set(NESTED_FAULTY), outcome.output()
