"""Checks that the bodies an app's API answers are what the OpenAPI schema
says. Each app's test walks the served schema's GET operations of its own
views (a new one is checked without editing the test), builds the rows they
list, and validates each list and detail body with jsonschema; an operation
it cannot exercise fails unless it is excluded with the reason."""

import re
from dataclasses import dataclass, field

from django.urls import Resolver404, resolve
from jsonschema import Draft4Validator, Draft202012Validator
from jsonschema.exceptions import best_match

# Checks "date" and, with rfc3339-validator installed, "date-time".
# Formats as RFC 3339 defines them, as schemathesis checks them (the draft-3
# checker FormatChecker() gives would take "11:00:00" for a `time`).
FORMATS = Draft202012Validator.FORMAT_CHECKER


@dataclass
class Conformance:
    app: str
    # GET operations left out, by operationId, with the reason.
    excluded: dict[str, str] = field(default_factory=dict)
    # Where the rows of a detail path are listed, when not at the path above it.
    listed_at: dict[str, str] = field(default_factory=dict)
    # Values of required query parameters, by path.
    queries: dict[str, dict] = field(default_factory=dict)
    # Refusals some listed rows rightly get, by path: the error codes accepted
    # (at least one row must still answer 200).
    refusals: dict[str, set[str]] = field(default_factory=dict)
    # The key of a listed row that fills a path parameter, when not its name
    # ({conversation_pk} of a nested route is the conversation row's "id").
    row_keys: dict[str, str] = field(default_factory=dict)

    def operations(self, schema: dict) -> list[tuple[str, dict]]:
        """The GET operations of the app's own views."""
        return [(path, operation) for path, operation in get_operations(schema) if view_app(path) == self.app]

    def check(self, client, subtests) -> None:
        schema = client.get("/api/schema/", {"format": "json"}).json()
        components = strict(schema["components"])
        assert FORMATS.conforms("2026-01-01", "date-time") is False, (
            "date-time is not checked: install rfc3339-validator"
        )
        operations = self.operations(schema)
        assert operations, f"no GET operation of {self.app} in the schema"
        for path, operation in operations:
            if operation["operationId"] in self.excluded:
                continue
            with subtests.test(f"GET {path}"):
                urls = self.urls_of(client, path)
                answers = {url: client.get(url, self.queries.get(path, {})) for url in urls}

                assert urls, f"nothing listed to call GET {path} with: add rows, or exclude it with the reason"
                problems = []
                refused = {
                    url
                    for url, response in answers.items()
                    if 400 <= response.status_code < 500 and response.json().get("code") in self.refusals.get(path, ())
                }
                if refused == set(answers):
                    problems.append("every row was refused; add one that answers")
                for url, response in answers.items():
                    if url in refused:
                        continue
                    if response.status_code != 200:
                        problems.append(f"{url}: {response.status_code} {response.content[:300]!r}")
                        continue
                    if not rows_of(response.json()):
                        problems.append(f"{url}: listed nothing; add rows")
                    problems += [f"{url} {error}" for error in body_errors(response.json(), operation, components)]
                assert not problems, f"GET {path} answers what its schema does not say:\n" + "\n".join(problems)

    def exclusions_exist(self, client) -> bool:
        schema = client.get("/api/schema/", {"format": "json"}).json()
        return set(self.excluded) <= {operation["operationId"] for _path, operation in self.operations(schema)}

    def urls_of(self, client, template: str) -> list[str]:
        """`template` with its path parameters filled from the rows listed above
        each one: /api/ventas/{id}/ gives one URL per sale of /api/ventas/."""
        collection, brace, rest = template.partition("{")
        if not brace:
            return [template]
        parameter, _, tail = rest.partition("}")
        urls = []
        for listing in self.urls_of(client, self.listed_at.get(collection, collection)):
            response = client.get(listing, self.queries.get(listing, {}))
            assert response.status_code == 200, (listing, response.content[:300])
            for row in rows_of(response.json()):
                urls += self.urls_of(client, f"{collection}{row[self.row_keys.get(parameter, parameter)]}{tail}")
        return urls


def view_app(path: str) -> str | None:
    """The app whose view answers `path` (its parameters filled with 1)."""
    try:
        match = resolve(re.sub(r"\{[^}]+\}", "1", path))
    except Resolver404:
        return None
    view = getattr(match.func, "cls", None) or getattr(match.func, "view_class", None) or match.func
    return view.__module__.split(".")[0]


def get_operations(schema: dict) -> list[tuple[str, dict]]:
    return [(path, item["get"]) for path, item in schema["paths"].items() if "get" in item]


def strict(node):
    """An OpenAPI 3.0 schema as JSON Schema: `nullable` becomes a null
    alternative (as OpenAPI tools read it, also beside `allOf`) and an object
    refuses keys it does not declare."""
    if isinstance(node, list):
        return [strict(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: strict(value) for key, value in node.items() if key not in ("nullable", "properties")}
    if "properties" in node:
        converted["properties"] = {name: strict(value) for name, value in node["properties"].items()}
        converted.setdefault("additionalProperties", False)
    if node.get("nullable"):
        return {"anyOf": [converted, {"type": "null"}]}
    return converted


def body_errors(body, operation: dict, components: dict) -> list[str]:
    content = operation["responses"]["200"].get("content", {})
    assert "application/json" in content, "its 200 answer is not JSON: exclude it, with the reason"
    validator = Draft4Validator(
        {"allOf": [strict(content["application/json"]["schema"])], "components": components},
        format_checker=FORMATS,
    )
    errors = []
    for error in validator.iter_errors(body):
        deepest = best_match(error.context) if error.context else error
        errors.append(f"{error.json_path}: {deepest.message[:300]}")
    return errors


def rows_of(body) -> list:
    """The rows of a list answer (the body, its page or its `rows`), or the detail itself."""
    if isinstance(body, list):
        return body
    return body.get("results", body.get("rows", [body]))
