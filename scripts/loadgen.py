#!/usr/bin/env python3
"""Bounded HTTP load on a local endpoint (loopback only), standard library only.

Sends GET requests at a fixed rate for a fixed time over keep-alive connections,
checks every status against the expected one, and samples the RSS of a process.
Prints a JSON summary; exits 1 on an error, a wrong status, or memory growth. The
achieved rate and the latencies are reported, never judged: they depend on the
machine and on whatever else runs on it (the benchmark, bench/run.sh, measures speed).

    loadgen.py --url http://127.0.0.1:9000 --seconds 60 --rate 300 --pid 1234
"""

import argparse
import asyncio
import json
import statistics
import sys
import time
from urllib.parse import urlsplit

SEED = "6f6cfbfd-9643-479a-ae47-b8f32eb4d710"

# RSS growth a request above which the run fails (see the comment where it is used).
LEAK_BYTES_PER_REQUEST = 400

# (path, query, expected status): found sessions of the three types, a missing one,
# another user's, and a validation error.
MIX = [
    (f"/sessions/{SEED}", "", 200),
    (f"/sessions/{SEED}", "user_id=123", 200),
    ("/sessions/team-demo-1", "type=team", 200),
    ("/sessions/workflow-demo-1", "type=workflow", 200),
    ("/sessions/no-such-session", "", 404),
    (f"/sessions/{SEED}", "user_id=someone-else", 404),
    (f"/sessions/{SEED}", "type=Agent", 422),
]


async def read_response(reader):
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("connection closed")
    status = int(status_line.split()[1])
    length, chunked = 0, False
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b"\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name = name.strip().lower()
        if name == "content-length":
            length = int(value.strip())
        elif name == "transfer-encoding" and "chunked" in value.lower():
            chunked = True
    if chunked:
        body = b""
        while True:
            size = int((await reader.readline()).strip(), 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            body += chunk[:-2]
    else:
        body = await reader.readexactly(length)
    return status, body


class Connection:
    def __init__(self, host, port):
        self.host, self.port = host, port
        self.reader = self.writer = None

    async def get(self, target, headers):
        for attempt in (1, 2):
            if self.writer is None:
                self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
            try:
                request = f"GET {target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n{headers}\r\n"
                self.writer.write(request.encode())
                await self.writer.drain()
                return await read_response(self.reader)
            except (ConnectionError, asyncio.IncompleteReadError):
                # A keep-alive connection the server closed: reconnect once.
                self.writer.close()
                self.writer = None
                if attempt == 2:
                    raise


def rss_kib(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--rate", type=float, default=300)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--token", default="")
    parser.add_argument("--pid", type=int)
    args = parser.parse_args()

    url = urlsplit(args.url)
    if url.hostname not in ("127.0.0.1", "localhost", "::1"):
        sys.exit("loadgen only targets loopback addresses")
    headers = "Connection: keep-alive\r\n"
    if args.token:
        headers += f"Authorization: Bearer {args.token}\r\n"

    total = int(args.seconds * args.rate)
    queue = asyncio.Queue()
    latencies, errors, statuses, rss = [], [], {}, []
    start = time.monotonic()

    async def schedule():
        for i in range(total):
            delay = start + i / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait(MIX[i % len(MIX)])
        for _ in range(args.connections):
            queue.put_nowait(None)

    async def worker():
        connection = Connection(url.hostname, url.port or 80)
        while (item := await queue.get()) is not None:
            path, query, expected = item
            target = path + ("?" + query if query else "")
            sent = time.monotonic()
            try:
                status, body = await asyncio.wait_for(connection.get(target, headers), 10)
            except Exception as e:  # noqa: BLE001 - every failure counts as an error
                errors.append(f"{target}: {type(e).__name__} {e}")
                connection = Connection(url.hostname, url.port or 80)
                continue
            latencies.append(time.monotonic() - sent)
            statuses[status] = statuses.get(status, 0) + 1
            if status != expected:
                errors.append(f"{target}: {status}, expected {expected}: {body[:200]!r}")

    async def sample():
        while True:
            if args.pid:
                value = rss_kib(args.pid)
                if value is not None:
                    rss.append((round(time.monotonic() - start, 1), value))
            await asyncio.sleep(1)

    sampler = asyncio.create_task(sample())
    await asyncio.gather(schedule(), *(worker() for _ in range(args.connections)))
    elapsed = time.monotonic() - start
    sampler.cancel()
    if args.pid and (value := rss_kib(args.pid)) is not None:
        rss.append((round(elapsed, 1), value))

    latencies.sort()
    pct = lambda p: round(1000 * latencies[min(len(latencies) - 1, int(p * len(latencies)))], 2) if latencies else None
    summary = {
        "requests": total,
        "answered": len(latencies),
        "errors": len(errors),
        "statuses": statuses,
        "seconds": round(elapsed, 1),
        "target_rate": args.rate,
        "achieved_rate": round(len(latencies) / elapsed, 1),
        "latency_ms": {"p50": pct(0.50), "p90": pct(0.90), "p99": pct(0.99), "max": pct(1.0)},
    }
    problems = list(errors[:10])
    if rss:
        values = [v for _, v in rss]
        # Growth per request: the slope of RSS over time (least squares, after the
        # first tenth, which holds start-up growth) over the request rate.
        steady = rss[len(rss) // 10 :] if len(rss) >= 10 else rss
        per_request = None
        if len(steady) >= 3 and summary["achieved_rate"] > 0:
            ts, vs = [t for t, _ in steady], [v for _, v in steady]
            mt, mv = statistics.fmean(ts), statistics.fmean(vs)
            var = sum((t - mt) ** 2 for t in ts)
            slope = sum((t - mt) * (v - mv) for t, v in steady) / var if var else 0.0
            per_request = round(slope * 1024 / summary["achieved_rate"])
        summary["rss_kib"] = {
            "first": values[0],
            "last": values[-1],
            "max": max(values),
            "samples": len(values),
            "growth_bytes_per_request": per_request,
        }
        # lambda_runtime sets _X_AMZN_TRACE_ID per invocation and glibc keeps every
        # replaced value: about 150-190 bytes a request (tests/it/runtime.rs measures it
        # apart). More than that would be a leak of the function's own.
        if per_request is not None and per_request > LEAK_BYTES_PER_REQUEST:
            problems.append(f"RSS grows {per_request} bytes a request")
    if len(latencies) + len(errors) != total:
        problems.append(f"{total - len(latencies) - len(errors)} requests never answered")
    summary["problems"] = problems
    print(json.dumps(summary, indent=2))
    if args.pid:
        print("rss samples (s, KiB): " + " ".join(f"{t}:{v}" for t, v in rss), file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    asyncio.run(main())
