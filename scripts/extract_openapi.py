"""Writes the Get Session by ID operation and the schemas it references, exactly as the
installed agno's AgentOS describes them in its own OpenAPI document.

Run with a golden-suite venv (tests/compat/generate.sh, tests/compat3/generate.sh create them):
    .tools/compat-venv/bin/python scripts/extract_openapi.py openapi.json          # agno 2.1.10
    .tools/compat3-venv/bin/python scripts/extract_openapi.py openapi-3.1.json     # agno 3.1.10
No DynamoDB is contacted: AgentOS only needs a database object to build its routes.
"""

import json
import os
import sys

os.environ.setdefault("AWS_ACCESS_KEY_ID", "unused")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "unused")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ.setdefault("OPENAI_API_KEY", "unused")

import boto3  # noqa: E402
from importlib.metadata import version  # noqa: E402

from agno.agent import Agent  # noqa: E402
from agno.db.dynamo import DynamoDb  # noqa: E402
from agno.os import AgentOS  # noqa: E402

db = DynamoDb(db_client=boto3.client("dynamodb", endpoint_url="http://127.0.0.1:9"), id="default")
if version("agno").startswith("2."):
    os_app = AgentOS(agents=[Agent(id="agent", db=db)])
else:
    # agno 3.x serves sessions from a database alone (and its Agent needs a model package).
    os_app = AgentOS(db=db)
full = os_app.get_app().openapi()
operation = full["paths"]["/sessions/{session_id}"]["get"]
schemas = full["components"]["schemas"]

needed = {}


def collect(node):
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in needed:
                needed[name] = schemas[name]
                collect(schemas[name])
        for value in node.values():
            collect(value)
    elif isinstance(node, list):
        for value in node:
            collect(value)


collect(operation)
document = {
    "openapi": full["openapi"],
    "info": {
        "title": "Agno AgentOS sessions (Get Session by ID)",
        "version": version("agno"),
        "description": "GET /sessions/{session_id} as Agno AgentOS describes it, served by AWS Lambda from DynamoDB.",
    },
    "paths": {"/sessions/{session_id}": {"get": operation}},
    "components": {"schemas": dict(sorted(needed.items()))},
}
if "securitySchemes" in full.get("components", {}):
    document["components"]["securitySchemes"] = full["components"]["securitySchemes"]
with open(sys.argv[1], "w") as out:
    json.dump(document, out, indent=2)
    out.write("\n")
