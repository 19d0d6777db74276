"""AgentOS 2.1.10 over Agno's own DynamoDb storage, for the benchmark: one Agent on the
table the bench driver loaded. Served by uvicorn on loopback:

    BENCH_DDB_ENDPOINT=http://127.0.0.1:8310 BENCH_TABLE=bench_sessions \
    python -m uvicorn --app-dir bench agentos_app:app --host 127.0.0.1 --port 8399
"""

import os

import boto3
from agno.agent import Agent
from agno.db.dynamo import DynamoDb
from agno.os import AgentOS

os.environ.setdefault("AWS_ACCESS_KEY_ID", "local")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "local")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

client = boto3.client(
    "dynamodb",
    endpoint_url=os.environ["BENCH_DDB_ENDPOINT"],
    region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
)
db = DynamoDb(db_client=client, session_table=os.environ.get("BENCH_TABLE", "bench_sessions"))
app = AgentOS(agents=[Agent(id="bench-agent", db=db)]).get_app()
