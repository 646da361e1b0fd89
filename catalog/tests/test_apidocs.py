"""API definitions rendered completely (OpenAPI 2/3, AsyncAPI 2/3, GraphQL, gRPC) and safely
(local $refs only, cycles, size and depth caps, YAML bombs, hostile descriptions)."""

import json
import shutil
import time

import pytest
from django.template.loader import render_to_string

from catalog.apidocs import api_doc
from catalog.apidocs.common import BUDGET
from catalog.models import Entity
from catalog.tests.factories import location_load, yaml_load
from core.testing import CORPUS_DIR

OPENAPI3 = """\
openapi: 3.0.3
info:
  title: Pets
  version: 1.2.0
  description: "Hello <script>alert(1)</script> **bold** [click](javascript:alert(2)) ![px](https://track.example.com/p.gif)"
servers: [{url: https://api.example.com/v1, description: production}]
security: [{bearer: []}]
paths:
  /pets/{id}:
    parameters: [{$ref: '#/components/parameters/Id'}]
    get:
      summary: Get a pet
      operationId: getPet
      tags: [pets]
      responses:
        '200':
          description: The pet
          headers: {X-Rate-Limit: {schema: {type: integer}}}
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Pet'}
              examples: {rex: {summary: Rex the dog, value: {name: Rex, tags: [good]}}}
        '404': {$ref: '#/components/responses/NotFound'}
    put:
      summary: Replace a pet
      requestBody:
        description: The new pet
        required: true
        content:
          application/json: {schema: {$ref: '#/components/schemas/Pet'}, example: {name: Tom}}
      security: [{oauth: ['write:pets']}]
      responses: {'204': {description: Saved}}
  /health:
    get:
      security: []
      responses: {default: {description: Whatever}}
components:
  parameters:
    Id:
      name: id
      in: path
      required: true
      description: The pet's id
      schema: {type: string, format: uuid}
      examples: {nil: {summary: The nil UUID, value: 00000000-0000-0000-0000-000000000000}}
  responses:
    NotFound:
      description: No such pet
      content: {application/problem+json: {schema: {$ref: '#/components/schemas/Problem'}}}
  securitySchemes:
    bearer: {type: http, scheme: bearer, bearerFormat: JWT}
    oauth:
      type: oauth2
      flows:
        authorizationCode:
          authorizationUrl: https://auth.example.com/authorize
          tokenUrl: https://auth.example.com/token
          scopes: {'write:pets': modify pets}
  schemas:
    Problem: {type: object, properties: {title: {type: string}, status: {type: integer, format: int32}}}
    Pet:
      type: object
      required: [name]
      properties:
        name: {type: string, description: What it answers to}
        status: {type: string, enum: [available, sold]}
        tags: {type: array, items: {type: string}}
        parent: {$ref: '#/components/schemas/Pet'}
        kind: {oneOf: [{$ref: '#/components/schemas/Cat'}, {$ref: 'https://evil.example.com/x.yaml#/Dog'}]}
    Cat:
      allOf: [{$ref: '#/components/schemas/Pet'}, {properties: {meow: {type: boolean}}}]
"""

SWAGGER2 = {
    "swagger": "2.0",
    "info": {"title": "Legacy", "version": "1"},
    "host": "legacy.example.com", "basePath": "/api", "schemes": ["https"],
    "consumes": ["application/json"], "produces": ["application/json"],
    "securityDefinitions": {"key": {"type": "apiKey", "in": "header", "name": "X-Key"}},
    "paths": {"/orders": {"post": {
        "summary": "Create an order",
        "parameters": [{"in": "body", "name": "order", "required": True, "schema": {"$ref": "#/definitions/Order"}},
                       {"in": "query", "name": "dryRun", "type": "boolean"}],
        "responses": {"201": {"description": "Created", "schema": {"$ref": "#/definitions/Order"},
                              "examples": {"application/json": {"id": 7}}},
                      "400": {"description": "Bad order"}},
        "security": [{"key": []}],
    }}},
    "definitions": {"Order": {"type": "object", "properties": {"id": {"type": "integer"},
                                                               "lines": {"type": "array",
                                                                         "items": {"$ref": "#/definitions/Line"}}}},
                    "Line": {"type": "object", "properties": {"sku": {"type": "string"}}}},
}

ASYNCAPI2 = """\
asyncapi: 2.6.0
info: {title: Notifications, version: 2.0.0}
servers: {prod: {url: kafka.example.com:9092, protocol: kafka}}
channels:
  user/{userId}/signedup:
    description: A user signed up
    parameters: {userId: {description: The user, schema: {type: string}}}
    subscribe:
      operationId: onSignup
      summary: Receive sign-ups
      message:
        oneOf:
          - $ref: '#/components/messages/SignedUp'
          - {name: Legacy, payload: {type: string}}
    publish:
      message: {$ref: '#/components/messages/SignedUp'}
components:
  messages:
    SignedUp:
      name: SignedUp
      title: User signed up
      contentType: application/json
      headers: {type: object, properties: {trace: {type: string}}}
      payload: {$ref: '#/components/schemas/User'}
      examples: [{name: jane, payload: {email: jane@example.com}}]
  schemas:
    User:
      type: object
      properties: {email: {type: string, format: email}, friend: {$ref: '#/components/schemas/User'}}
"""

ASYNCAPI3 = """\
asyncapi: 3.0.0
info: {title: Lights, version: 1.0.0}
servers: {mosquitto: {host: test.mosquitto.org, protocol: mqtt}}
channels:
  lightingMeasured:
    address: smartylighting/streetlights/{streetlightId}/lighting/measured
    messages:
      lightMeasured: {$ref: '#/components/messages/LightMeasured'}
operations:
  receiveLight:
    action: receive
    summary: Inform about environmental lighting conditions
    channel: {$ref: '#/channels/lightingMeasured'}
    messages: [{$ref: '#/channels/lightingMeasured/messages/lightMeasured'}]
components:
  messages:
    LightMeasured:
      name: LightMeasured
      payload:
        schemaFormat: application/vnd.aai.asyncapi+json;version=3.0.0
        schema: {type: object, properties: {lumens: {type: integer, minimum: 0}}}
"""


def _page(doc) -> str:
    return render_to_string("catalog/partials/api_definition.html",
                            {"api": doc, "entity": Entity(name="x", kind="API")})


def test_openapi3_operations_bodies_responses_schemas_security_and_examples():
    doc = api_doc(api_type="openapi", definition=OPENAPI3)
    assert not doc.error
    html = _page(doc)
    get, put, health = doc.operations
    assert (get.method, get.path, get.operation_id, get.tags) == ("GET", "/pets/{id}", "getPet", ["pets"])
    assert [(p.name, p.location, p.required, p.type) for p in get.parameters] == [("id", "path", True, "string (uuid)")]
    assert get.parameters[0].examples[0][0] == "The nil UUID"
    assert [r.status for r in get.responses] == ["200", "404"]
    assert get.responses[0].headers[0].name == "X-Rate-Limit"
    assert get.security == ["bearer"] and put.security == ["oauth (write:pets)"]
    assert health.security == ["none (public)"]
    assert put.request_body.required and put.request_body.contents[0].type == "application/json"
    assert health.responses[0].status == "default"
    # Schemas through $refs, with the cycle (Pet.parent, Cat -> Pet) named instead of followed.
    assert "What it answers to" in html and "one of &quot;available&quot;, &quot;sold&quot;" in html
    assert "circular: shown above" in html and "array of string" in html
    assert "external reference, not fetched: https://evil.example.com/x.yaml#/Dog" in html
    assert "application/problem+json" in html and "No such pet" in html  # the $ref'd response
    assert "Rex the dog" in html and '"Tom"' in html  # named and inline examples
    assert "auth.example.com/token" in html and "modify pets" in html and "bearer format: JWT" in html
    assert "https://api.example.com/v1 — production" in html
    # The description is Markdown, sanitised: no script, no javascript: link, no remote image.
    assert "<strong>bold</strong>" in html and "<script" not in html
    reference = html.split("Definition source")[0]  # the highlighted source below shows the text, escaped
    assert "javascript:" not in reference and 'src="https://track' not in reference and "alert(1)" not in reference


def test_swagger2_body_parameters_become_the_request_body():
    doc = api_doc(api_type="openapi", definition=json.dumps(SWAGGER2))
    assert not doc.error and doc.spec_version == "Swagger 2.0"
    (op,) = doc.operations
    assert [p.name for p in op.parameters] == ["dryRun"] and op.parameters[0].type == "boolean"
    assert op.request_body.required and op.request_body.contents[0].type == "application/json"
    assert "array of Line" in op.request_body.contents[0].schema and "sku" in op.request_body.contents[0].schema
    created = op.responses[0]
    assert created.status == "201" and "Order" in created.contents[0].schema and created.contents[0].examples
    assert doc.servers == ["https://legacy.example.com/api"]
    assert doc.security_schemes[0].details == ["in: header", "name: X-Key"]
    assert [name for name, _ in doc.schemas] == ["Order", "Line"]


def test_asyncapi2_channels_operations_and_messages():
    doc = api_doc(api_type="asyncapi", definition=ASYNCAPI2)
    assert not doc.error
    (channel,) = doc.channels
    assert channel.name == "user/{userId}/signedup" and channel.parameters == [("userId", "The user")]
    subscribe, publish = sorted(channel.operations, key=lambda op: op.action != "subscribe")
    assert subscribe.action == "subscribe" and subscribe.operation_id == "onSignup"
    assert [m.name for m in subscribe.messages] == ["SignedUp", "Legacy"]
    message = publish.messages[0]
    assert message.title == "User signed up" and message.content_type == "application/json"
    assert "email" in message.payload and "circular" in message.payload and "trace" in message.headers
    assert "jane@example.com" in message.examples[0][1]
    html = _page(doc)
    assert "User signed up" in html and "kafka.example.com:9092 (kafka)" in html


def test_asyncapi3_channels_carry_messages_and_operations():
    doc = api_doc(api_type="asyncapi", definition=ASYNCAPI3)
    assert not doc.error and doc.spec_version == "AsyncAPI 3.0.0"
    (channel,) = doc.channels
    assert channel.address == "smartylighting/streetlights/{streetlightId}/lighting/measured"
    assert [m.name for m in channel.messages] == ["LightMeasured"] and "lumens" in channel.messages[0].payload
    (op,) = channel.operations
    assert op.action == "receive" and op.messages[0].name == "LightMeasured"
    assert "test.mosquitto.org (mqtt)" in doc.servers[0]


def test_graphql_and_grpc_are_highlighted_with_an_outline():
    graphql = api_doc(api_type="graphql", definition="type Query { me: User }\n# </pre><script>x</script>\n"
                                                     "type User { name: String }\nenum Role { ADMIN }")
    assert 'class="highlight"' in graphql.source and "<script>" not in graphql.source
    assert graphql.outline == [("type", "Query"), ("type", "User"), ("enum", "Role")]
    proto = api_doc(api_type="grpc", definition='syntax = "proto3";\nservice Orders {\n'
                                                "  rpc Watch (stream OrderId) returns (stream Order);\n}\n"
                                                "message Order { string id = 1; }\n")
    assert 'class="highlight"' in proto.source and '<span class="kd">service</span>' in proto.source
    assert ("service", "Orders") in proto.outline and ("rpc", "Watch(stream OrderId) → stream Order") in proto.outline
    assert "Watch(stream OrderId)" in _page(proto)


# --- Hostile input ------------------------------------------------------------------------------------


def test_cyclic_and_self_referencing_refs_terminate():
    definition = {
        "openapi": "3.0.0",
        "paths": {"/a": {"$ref": "#/paths/~1a"}, "/b": {"get": {
            "parameters": [{"$ref": "#/components/parameters/P"}],
            "requestBody": {"$ref": "#/components/requestBodies/R"},
            "responses": {"200": {"$ref": "#/components/responses/Loop"}, "201": {"description": "x", "content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/A"}}}}}}}},
        "components": {
            "parameters": {"P": {"$ref": "#/components/parameters/Q"}, "Q": {"$ref": "#/components/parameters/P"}},
            "requestBodies": {"R": {"$ref": "#/components/requestBodies/R"}},
            "responses": {"Loop": {"$ref": "#/components/responses/Loop"}},
            "schemas": {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}},
                        "B": {"type": "array", "items": {"$ref": "#/components/schemas/A"}},
                        "C": {"$ref": "#/components/schemas/C"}},
        },
    }
    doc = api_doc(api_type="openapi", definition=definition)
    (op,) = doc.operations
    assert op.parameters[0].description == "circular reference"
    assert "circular reference" in op.request_body.description and "circular reference" in op.responses[0].description
    assert "circular" in op.responses[1].contents[0].schema
    assert "circular reference" in dict(doc.schemas)["C"]
    _page(doc)


def test_a_dag_of_refs_that_would_explode_is_cut_at_the_budget():
    # Each level refers to the next ten times: 10**8 fields if expanded naively.
    schemas = {f"L{i}": {"type": "object", "properties": {f"p{j}": {"$ref": f"#/components/schemas/L{i + 1}"}
                                                          for j in range(10)}} for i in range(8)}
    schemas["L8"] = {"type": "string"}
    content = {"application/json": {"schema": {"$ref": "#/components/schemas/L0"}}}
    definition = {"openapi": "3.0.0", "components": {"schemas": schemas},
                  "paths": {"/x": {"get": {"responses": {"200": {"description": "ok", "content": content}}}}}}
    started = time.perf_counter()
    doc = api_doc(api_type="openapi", definition=definition)
    html = _page(doc)
    assert time.perf_counter() - started < 5
    assert "more fields not shown" in html or "nested deeper than shown here" in html
    assert html.count('class="field') <= BUDGET + 50


def test_deep_nesting_is_capped():
    schema = {"type": "string"}
    for _ in range(300):
        schema = {"type": "object", "properties": {"x": schema}}
    definition = json.dumps({"openapi": "3.0.0", "paths": {"/x": {"post": {"requestBody": {"content": {
        "application/json": {"schema": schema}}}, "responses": {}}}}})
    doc = api_doc(api_type="openapi", definition=definition)
    assert not doc.error and "nested deeper than shown here" in doc.operations[0].request_body.contents[0].schema
    very_deep = "{" + '"a":{' * 100_000 + "}" * 100_001
    assert "nested too deeply" in api_doc(api_type="openapi", definition=very_deep).error


def test_huge_documents_are_bounded():
    paths = {f"/r{i}": {"get": {"summary": f"op {i}", "description": "*x*",
                                "responses": {"200": {"description": "ok"}}}} for i in range(1500)}
    schemas = {f"S{i}": {"type": "object", "properties": {"a": {"type": "string"}}} for i in range(1000)}
    started = time.perf_counter()
    doc = api_doc(api_type="openapi", definition=json.dumps({"openapi": "3.1.0", "paths": paths,
                                                             "components": {"schemas": schemas}}))
    html = _page(doc)
    assert time.perf_counter() - started < 8
    assert len(doc.operations) == 500 and doc.operations_left_out == 1000 and "+1000 more operations" in html
    assert doc.schemas_left_out == 850
    assert "definition is larger than" in api_doc(api_type="openapi", definition="a: " + "x" * 5_000_001).error


def test_yaml_alias_bombs_are_refused_with_a_message():
    bomb = "openapi: 3.0.0\na: &a [x, x, x, x, x, x, x, x, x, x]\n"
    for level in "bcdefghij":
        previous = chr(ord(level) - 1)
        bomb += f"{level}: &{level} [" + ", ".join([f"*{previous}"] * 10) + "]\n"
    bomb += "paths: {}\n"
    started = time.perf_counter()
    doc = api_doc(api_type="openapi", definition=bomb)
    assert time.perf_counter() - started < 3
    assert "not valid YAML" in doc.error


@pytest.mark.parametrize("definition", [
    "", "   ", "[1, 2]", "openapi: 3.0.0\npaths: [1]", "- a\n- b", '{"openapi": 3, "paths": "x"}', 42,
    "openapi: 3\n---\nopenapi: 3", "openapi: 3\npaths: {/x: {get: 5, post: [1]}}",
    {"$openapi": "https://evil.example.com/spec.yaml"}, "openapi: !!python/object:os.system x",
])
def test_invalid_openapi_gives_a_message(definition):
    doc = api_doc(api_type="openapi", definition=definition)
    assert doc.error
    _page(doc)


def test_odd_shapes_inside_an_operation_are_skipped():
    doc = api_doc(api_type="openapi", definition="openapi: 3\npaths: {/x: {get: {responses: [1], parameters: {a: 1},"
                                                 " requestBody: 5, security: x, tags: {a: 1}}}}")
    (op,) = doc.operations
    assert op.parameters == [] and op.responses == [] and op.request_body is None and op.tags == []
    _page(doc)


@pytest.mark.parametrize("definition", ["asyncapi: 2.0.0\nchannels: [1]", "x: 1", "channels: {a: 1}",
                                        "asyncapi: 3.0.0\nchannels: {a: {messages: {m: {$ref: '#/nowhere'}}}}\n"
                                        "operations: {o: {channel: 5}, p: {channel: {$ref: 7}}}"])
def test_invalid_asyncapi_gives_a_message_or_a_partial_reference(definition):
    doc = api_doc(api_type="asyncapi", definition=definition)
    html = _page(doc)
    assert doc.error or "reference to nothing in this document" in html


# --- Through the page, and the published corpus ------------------------------------------------------


@pytest.mark.django_db
def test_the_api_tab_shows_operations_and_responses(client_owner, tmp_path):
    import yaml

    body = {"apiVersion": "backstage.io/v1alpha1", "kind": "API", "metadata": {"name": "pets"},
            "spec": {"type": "openapi", "lifecycle": "production", "owner": "team-a", "definition": OPENAPI3}}
    yaml_load(tmp_path, yaml.safe_dump(body))
    response = client_owner.get("/catalog/default/api/pets/", {"tab": "api"})
    html = response.content.decode()
    assert response.status_code == 200
    assert '<code class="op-path">/pets/{id}</code>' in html and 'class="status status-4">404' in html
    assert "Request body" in html and "Rex the dog" in html and "<script>alert" not in html
    assert "css/entity.css" in html


CORPUS_APIS = {
    "janus-idp__backstage-showcase__catalog-entities__apis__petstore.yaml": (None, ""),
    "janus-idp__backstage-showcase__catalog-entities__apis__nexus-repo-manager-3.yaml": (None, ""),
    "NicklasFranzen__backstage-adr-test__catalog-info.yml": ("example-grpc-api2", "Exampler"),
}


@pytest.mark.django_db
@pytest.mark.skipif(not CORPUS_DIR.is_dir(), reason="shared corpus not found")
@pytest.mark.parametrize("name", sorted(CORPUS_APIS))
def test_corpus_api_entities_render(client_owner, tmp_path, name):
    source = CORPUS_DIR / "entities" / name
    if not source.is_file():
        pytest.skip(f"corpus file {name} missing")
    shutil.copy(source, tmp_path / name)
    location_load(tmp_path / name)
    apis = Entity.objects.filter(kind__iexact="api")
    entity_name, expected = CORPUS_APIS[name]
    assert apis.exists() or entity_name is None  # `$openapi: <url>` placeholders are refused at ingestion
    for api in apis:
        response = client_owner.get(f"/catalog/{api.namespace}/api/{api.name}/", {"tab": "api"})
        assert response.status_code == 200
        if api.name == entity_name:
            assert expected in response.content.decode()
