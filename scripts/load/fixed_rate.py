#!/usr/bin/env python3
"""Fixed-rate load for POST /open311/v2/requests.json: N requests/s for D seconds, each a
different report, over keep-alive connections; prints latency percentiles and the status mix.
Usage: OPEN311_KEY=… fixed_rate.py http://127.0.0.1:3300 200 20"""
import http.client, os, random, sys, threading, time, urllib.parse

base, rate, secs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
host = urllib.parse.urlparse(base)
key = os.environ["OPEN311_KEY"]
threads = 16
lat_ms, codes, lock = [], {}, threading.Lock()
start = time.time() + 0.5

def worker(t):
    conn = http.client.HTTPConnection(host.hostname, host.port, timeout=10)
    per = rate / threads
    i = 0
    while True:
        due = start + (i / per) + t / rate
        if due > start + secs:
            break
        now = time.time()
        if due > now:
            time.sleep(due - now)
        body = urllib.parse.urlencode({
            "api_key": key, "service_code": random.choice(["water", "power", "infrastructure"]),
            "lat": f"{10.88 + random.random() * 0.3:.6f}", "long": f"{106.62 + random.random() * 0.2:.6f}",
            "description": f"Phan anh {t}-{i}-{random.random()}"})
        t0 = time.time()
        conn.request("POST", "/open311/v2/requests.json", body, {"Content-Type": "application/x-www-form-urlencoded"})
        r = conn.getresponse(); r.read()
        # Latency from the scheduled time, so a stalled server cannot hide queueing (no coordinated omission).
        ms = (time.time() - max(due, t0 - 0.0)) * 1000
        with lock:
            lat_ms.append(ms); codes[r.status] = codes.get(r.status, 0) + 1
        i += 1

ts = [threading.Thread(target=worker, args=(t,)) for t in range(threads)]
[t.start() for t in ts]; [t.join() for t in ts]
lat_ms.sort()
p = lambda q: lat_ms[min(len(lat_ms) - 1, int(q * len(lat_ms)))]
print(f"{len(lat_ms)} requests at {rate}/s for {secs}s: p50 {p(.5):.1f} ms  p90 {p(.9):.1f} ms  p99 {p(.99):.1f} ms  max {lat_ms[-1]:.1f} ms  statuses {codes}")
