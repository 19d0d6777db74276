#!/bin/sh
# AgentOS-on-Lambda's bootstrap, as a Python function's runtime starts it: the runtime
# interface client, handler agentos_lambda.handler. BENCH_PYTHON and PYTHONPATH come
# from the bench driver.
exec "$BENCH_PYTHON" -m awslambdaric agentos_lambda.handler
