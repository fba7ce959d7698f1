#!/usr/bin/env python3
"""Event streams and /metrics, measured on a release build on loopback (provisioning off).

Prints: RSS with N open SSE streams; the latency from a transition's commit (its `at` time) to
its arrival on an open stream, p50/p99 over E events; GET /metrics time with S stored setups.
Traffic goes to 127.0.0.1 only.

Usage: scripts/bench-events.py [--streams 1000] [--events 1000] [--setups 10000]
Build first: swift build -c release --static-swift-stdlib --scratch-path .build-static
"""
import argparse, datetime, json, os, re, resource, socket, statistics, subprocess, sys, tempfile, threading, time, urllib.request

BODY = json.dumps({"site": "us1", "region": "us-east-1", "vpc_id": "vpc-0123456789abcdef0",
                   "subnet_ids": ["subnet-01234567"], "security_group_ids": ["sg-01234567"]}).encode()

def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1))

def post(port, n):
    for _ in range(n):
        request = urllib.request.Request(f"http://127.0.0.1:{port}/v1/setups", data=BODY, headers={"Content-Type": "application/json"})
        urllib.request.urlopen(request, timeout=30).read()

def open_stream(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=30)
    s.sendall(b"GET /v1/events/stream HTTP/1.1\r\nHost: localhost\r\n\r\n")
    head = b""
    while b"\r\n\r\n" not in head:
        head += s.recv(4096)
    assert b" 200 " in head.split(b"\r\n")[0], head
    return s

def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--streams", type=int, default=1000)
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--setups", type=int, default=10000)
    args = parser.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    binary = next(p for p in [f"{root}/.build-static/release/privatelinkd", f"{root}/.build/release/privatelinkd"] if os.path.exists(p))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.streams * 2 + 256)), hard))
    work = tempfile.mkdtemp()
    server = subprocess.Popen([binary, "--port", "0", "--db", f"{work}/bench.sqlite", "--workers", "0", "--log-level", "warning",
                               "--max-streams", str(args.streams + 10), "--max-connections", str(args.streams + 200)],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        port = int(re.search(r"127\.0\.0\.1:(\d+)", server.stdout.readline()).group(1))
        time.sleep(1)  # let start-up settle before reading memory (a figure, not synchronisation)
        idle = rss_kb(server.pid)
        streams = [open_stream(port) for _ in range(args.streams)]
        time.sleep(1)
        print(f"RSS idle {idle / 1024:.1f} MB; with {len(streams)} open streams {rss_kb(server.pid) / 1024:.1f} MB")
        for s in streams[1:]:
            s.close()
        # Latency: commit time (the row's `at`) to arrival on the stream.
        reader, latencies, buffer = streams[0], [], b""
        done = threading.Event()
        def read():
            nonlocal buffer
            reader.settimeout(30)
            while len(latencies) < args.events:
                chunk = reader.recv(65536)
                if not chunk:
                    break
                now = time.time()
                buffer += chunk
                while b"\n\n" in buffer:
                    frame, buffer = buffer.split(b"\n\n", 1)
                    for line in frame.split(b"\n"):
                        if line.startswith(b"data: "):
                            at = json.loads(line[6:])["at"]
                            committed = datetime.datetime.strptime(at, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc).timestamp()
                            latencies.append((now - committed) * 1000)
            done.set()
        thread = threading.Thread(target=read, daemon=True)
        thread.start()
        while not done.is_set() and len(latencies) < args.events:
            post(port, 1)
            time.sleep(0.01)  # pacing the writer, not synchronising
        done.wait(30)
        latencies.sort()
        print(f"event latency over {len(latencies)} events: p50 {statistics.median(latencies):.1f} ms, "
              f"p99 {latencies[int(len(latencies) * 0.99) - 1]:.1f} ms, max {latencies[-1]:.1f} ms")
        reader.close()
        # /metrics with many stored setups.
        threads = [threading.Thread(target=post, args=(port, (args.setups - 300) // 4)) for _ in range(4)]
        for t in threads: t.start()
        for t in threads: t.join()
        times = []
        for _ in range(20):
            started = time.perf_counter()
            body = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30).read()
            times.append((time.perf_counter() - started) * 1000)
        count = sum(float(m.group(1)) for m in re.finditer(rb'privatelinkd_setups\{status="[a-z]+"\} (\d+)', body))
        print(f"GET /metrics with {int(count)} setups: median {statistics.median(times):.2f} ms, max {max(times):.2f} ms, {len(body)} bytes")
    finally:
        server.terminate()
        server.wait(timeout=20)

if __name__ == "__main__":
    main()
