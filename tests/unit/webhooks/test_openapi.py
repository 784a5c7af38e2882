"""The webhook additions are in the served OpenAPI document, which stays a valid one."""

import jsonschema_rs  # comes with schemathesis (the test extra)

from faxgw.api.openapi import spec


def test_the_new_operations_and_the_outgoing_webhook_are_documented():
    document = spec()
    assert {"/fax/events", "/fax/{faxId}/events",
            "/fax/webhook/endpoints/{endpointId}/rotate-secret"} <= set(document["paths"])
    assert document["paths"]["/fax/events"]["get"]["operationId"] == "listEvents"
    hook = document["webhooks"]["faxEvent"]["post"]
    assert "Faxgw-Signature" in {p["name"] for p in hook["parameters"]}
    assert "HMAC-SHA256" in hook["description"]


def test_every_reference_resolves():
    document = spec()
    refs = []

    def walk(node):
        if isinstance(node, dict):
            if "$ref" in node:
                refs.append(node["$ref"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document)
    names = set(document["components"]["schemas"])
    assert refs and all(r.startswith("#/components/schemas/") for r in refs)
    assert {r.rsplit("/", 1)[1] for r in refs} <= names


def test_the_webhook_schemas_validate_what_they_describe_and_refuse_the_rest():
    document = spec()

    def validator(name):
        return jsonschema_rs.Draft202012Validator(
            {"$ref": f"#/components/schemas/{name}", "components": document["components"]})

    events = validator("EventList")
    assert events.is_valid({"events": [], "nextAfter": None, "hasMore": False})
    assert not events.is_valid({"events": [{"id": "1"}], "nextAfter": None, "hasMore": False})
    assert not validator("CloudEvent").is_valid({"specversion": "0.3"})
