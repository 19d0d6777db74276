"""AgentOS 2.1.10 as a user would put it on Lambda instead of this service: the bench
app (`agentos_app.py`, same table, same storage) behind Mangum, run by the AWS Lambda
runtime interface client (`bench/agentos-lambda.sh` starts it):

    AWS_LAMBDA_RUNTIME_API=127.0.0.1:9001 PYTHONPATH=bench \
    python -m awslambdaric agentos_lambda.handler
"""

from mangum import Mangum

from agentos_app import app

# API Gateway HTTP API (v2) events in, their responses out; no lifespan events.
handler = Mangum(app, lifespan="off")
