#!/usr/bin/env python3
"""Turns the JMH JSON and the two programs' JSON into async-benchmarks/results/latest.md.

Called by async-benchmarks/run.sh [quick|full]; every ratio is ours / peer from the same run.
Standard library only.
"""
import argparse
import datetime
import json
import math
import os

PKG = "io.atom.async.bench."

# (section, ours benchmark, peer benchmark, params, target) per comparison. A target is
# (op, value): ratio op value, where the ratio is ours/peer of the row's metric.
ROUND_TRIP = [
    ("raw TPE submit+get", "RoundTripBenchmark.rawTpeSubmitGet",
     "AsyncWorker start+getResult, raw pool", "RoundTripBenchmark.oursWorkerOnRawPool", True),
    ("raw TPE submit+get", "RoundTripBenchmark.rawTpeSubmitGet",
     "manager.createWorker, raw pool", "RoundTripBenchmark.oursManagerOnRawPool", True),
    ("CompletableFuture.supplyAsync.join", "RoundTripBenchmark.completableFutureSupplyAsyncJoin",
     "manager.createWorker, raw pool", "RoundTripBenchmark.oursManagerOnRawPool", False),
    ("Spring ThreadPoolTaskExecutor submit+get", "RoundTripBenchmark.springTaskExecutorSubmitGet",
     "manager.createWorker, Spring executor", "RoundTripBenchmark.oursManagerOnSpringExecutor", False),
]

FAN_OUT = [
    ("raw TPE submit+get each", "FanOutBenchmark.rawTpeSubmitGetEach",
     "scope createWorker x1000 + waitForAll, raw pool", "FanOutBenchmark.oursScopeOnRawPool", (">=", 0.9)),
    ("CompletableFuture.allOf", "FanOutBenchmark.completableFutureAllOf",
     "scope, raw pool", "FanOutBenchmark.oursScopeOnRawPool", None),
    ("Spring TPTE submit+get each", "FanOutBenchmark.springTaskExecutorSubmitGetEach",
     "scope, Spring executor", "FanOutBenchmark.oursScopeOnSpringExecutor", (">=", 1.0)),
    ("Spring TPTE submit+get each", "FanOutBenchmark.springTaskExecutorSubmitGetEach",
     "scope, Spring executor, metrics on", "FanOutBenchmark.oursScopeOnSpringExecutorWithMetrics", (">=", 1.0)),
    ("ours, raw pool, metrics off", "FanOutBenchmark.oursScopeOnRawPool",
     "ours, raw pool, metrics on", "FanOutBenchmark.oursScopeOnRawPoolWithMetrics", (">=", 0.9)),
    ("ours, Spring executor, metrics off", "FanOutBenchmark.oursScopeOnSpringExecutor",
     "ours, Spring executor, metrics on", "FanOutBenchmark.oursScopeOnSpringExecutorWithMetrics", (">=", 0.9)),
    # Where the cost of metrics goes: the core's side alone, then the core's own counters.
    ("ours, raw pool, metrics off", "FanOutBenchmark.oursScopeOnRawPool",
     "ours, raw pool, a recorder that does nothing", "FanOutBenchmark.oursScopeOnRawPoolWithNoopRecorder", None),
    ("ours, raw pool, metrics off", "FanOutBenchmark.oursScopeOnRawPool",
     "ours, raw pool, core counters (recordStats)", "FanOutBenchmark.oursScopeOnRawPoolWithCoreStats", None),
    # What atom.async.observations.enabled=true costs (an Observation per worker, timed by Micrometer).
    ("ours, raw pool, metrics off", "FanOutBenchmark.oursScopeOnRawPool",
     "ours, raw pool, observations on", "FanOutBenchmark.oursScopeOnRawPoolWithObservations", None),
]

FAN_OUT_P95 = [
    ("FanOutBenchmark.rawTpeSubmitGetEach", "raw TPE submit+get each", False),
    ("FanOutBenchmark.completableFutureAllOf", "CompletableFuture.allOf", False),
    ("FanOutBenchmark.springTaskExecutorSubmitGetEach", "Spring TPTE submit+get each", False),
    ("FanOutBenchmark.oursScopeOnRawPool", "ours, raw pool", True),
    ("FanOutBenchmark.oursScopeOnRawPoolWithMetrics", "ours, raw pool, metrics on", True),
    ("FanOutBenchmark.oursScopeOnSpringExecutor", "ours, Spring executor", True),
    ("FanOutBenchmark.oursScopeOnSpringExecutorWithMetrics", "ours, Spring executor, metrics on", True),
]

INLINE_COST = [
    ("InlineCostBenchmark.futureTask", "`FutureTask` created, run and read (peer)"),
    ("InlineCostBenchmark.createWorker", "`manager.createWorker` + `getResult`, no metrics"),
    ("InlineCostBenchmark.scope", "a scope's `createWorker` + `waitForAll` + `getResult`, no metrics"),
    ("InlineCostBenchmark.createWorkerRecording", "`manager.createWorker` + `getResult`, `recordStats()`"),
    ("InlineCostBenchmark.scopeRecording", "a scope, `recordStats()`"),
    ("InlineCostBenchmark.createWorkerWithMetrics", "`manager.createWorker` + `getResult`, the starter's Micrometer timers"),
]

RECORDING_COST = [
    ("RecordingCostBenchmark.nanoTime", "`System.nanoTime()` (the core reads it 3 times per recorded task, never for a task no one records or times)"),
    ("RecordingCostBenchmark.currentTimeMillis", "`System.currentTimeMillis()` (a Micrometer timer's max reads it per record)"),
    ("RecordingCostBenchmark.timerRecord", "`Timer.record`, no pause detector (the starter's timers)"),
    ("RecordingCostBenchmark.timerRecordWithPauseDetector", "`Timer.record`, the registry's default pause detector"),
    ("RecordingCostBenchmark.twoStripedAdds", "two `LongAdder` adds (the core's own counters, per phase)"),
]

SUBMITTERS = [
    ("raw TPE submit+get each, 8 submitters", "SubmittersBenchmark.rawTpeSubmitGetEach",
     "root manager shared by 8 submitters, no scopes", "SubmittersBenchmark.oursSharedRoot", (">=", 0.9)),
    ("raw TPE submit+get each, 8 submitters", "SubmittersBenchmark.rawTpeSubmitGetEach",
     "a scope per submitter, 8 submitters", "SubmittersBenchmark.oursScopePerSubmitter", (">=", 0.95)),
]

RETRY = [
    ("hand-rolled reschedule on a ScheduledExecutorService", "RetryBenchmark.handRolledRetryFailTwice",
     "manager.retry, FIXED", "RetryBenchmark.oursRetryFailTwice", ("<=", 1.05)),
    ("resilience4j Retry.executeCompletionStage", "RetryBenchmark.resilience4jRetryFailTwice",
     "manager.retry, FIXED", "RetryBenchmark.oursRetryFailTwice", None),
]

# Issue 16: no target, for information. Both sides on the same three embedded members and executor service.
CLUSTER = [
    ("Hazelcast IExecutorService submit+get", "ClusterBenchmark.hazelcastRoundTrip",
     "cluster.createWorker+getResult", "ClusterBenchmark.oursRoundTrip", None),
    ("Hazelcast IExecutorService submit x1000 + get each", "ClusterBenchmark.hazelcastFanOut",
     "cluster.createWorker x1000 + waitForAll", "ClusterBenchmark.oursFanOut", None),
]


def fmt(x, digits=None):
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return "—"
    if digits is None:
        a = abs(x)
        digits = 0 if a >= 1000 else 1 if a >= 100 else 2 if a >= 1 else 3
    return f"{x:,.{digits}f}"


def pm(score, err, digits=None):
    s = fmt(score, digits)
    if err is None or (isinstance(err, float) and math.isnan(err)):
        return s
    return f"{s} ± {fmt(err, digits)}"


class Jmh:
    def __init__(self, path):
        self.results = []
        if path and os.path.exists(path) and os.path.getsize(path) > 0:
            with open(path) as f:
                self.results = json.load(f)

    def find(self, bench, mode, params=None):
        for r in self.results:
            if r["benchmark"] != PKG + bench or r["mode"] != mode:
                continue
            if params and any(r.get("params", {}).get(k) != v for k, v in params.items()):
                continue
            return r
        return None

    def meta(self):
        return self.results[0] if self.results else {}


def to_per_second(score, unit):
    """Throughput in ops/s."""
    per = unit.split("/")[1]
    return score * {"s": 1, "ms": 1e3, "us": 1e6, "ns": 1e9, "min": 1 / 60}[per]


def to_micros(score, unit):
    """Time in µs."""
    u = unit.split("/")[0]
    return score * {"s": 1e6, "ms": 1e3, "us": 1, "ns": 1e-3, "min": 6e7}[u]


def thrpt(r):
    m = r["primaryMetric"]
    f = to_per_second(1.0, m["scoreUnit"])
    err = m.get("scoreError")
    return m["score"] * f, (err * f if isinstance(err, (int, float)) and not math.isnan(err) else None)


def avgt(r):
    m = r["primaryMetric"]
    f = to_micros(1.0, m["scoreUnit"])
    err = m.get("scoreError")
    return m["score"] * f, (err * f if isinstance(err, (int, float)) and not math.isnan(err) else None)


def pct(r, p):
    m = r["primaryMetric"]
    v = m.get("scorePercentiles", {}).get(p)
    return None if v is None else to_micros(v, m["scoreUnit"])


def ratio(ours, ours_err, peer, peer_err):
    if ours is None or peer is None or peer == 0:
        return None, None
    q = ours / peer
    if ours_err is None or peer_err is None or ours == 0:
        return q, None
    return q, q * math.sqrt((ours_err / ours) ** 2 + (peer_err / peer) ** 2)


def verdict(q, err, target):
    if target is None or q is None:
        return ""
    op, v = target
    ok = q >= v if op == ">=" else q <= v
    if ok:
        return "met"
    if err is not None and ((op == ">=" and q + err >= v) or (op == "<=" and q - err <= v)):
        return "missed (within error)"
    return "**missed**"


def target_text(target):
    if target is None:
        return "—"
    op, v = target
    return ("≥ " if op == ">=" else "≤ ") + f"{v:g}×"


def compare_table(out, jmh, rows, mode, value, unit_label, digits=None, params=None, target_of=None):
    out.append(f"| peer | peer ({unit_label}) | ours | ours ({unit_label}) | ours/peer | target | |")
    out.append("|---|---:|---|---:|---:|---|---|")
    for row in rows:
        peer_name, peer_b, ours_name, ours_b, target = row
        target = target_of(row) if target_of else target
        rp, ro = jmh.find(peer_b, mode, params), jmh.find(ours_b, mode, params)
        if rp is None or ro is None:
            out.append(f"| {peer_name} | not run | {ours_name} | not run | — | {target_text(target)} | |")
            continue
        (p, pe), (o, oe) = value(rp), value(ro)
        q, qe = ratio(o, oe, p, pe)
        out.append(f"| {peer_name} | {pm(p, pe, digits)} | {ours_name} | {pm(o, oe, digits)} | "
                   f"{pm(q, qe, 3)} | {target_text(target)} | {verdict(q, qe, target)} |")


def percentile_table(out, jmh, rows, p_label, p_key, target_of):
    out.append(f"| peer | peer {p_label} (µs) | ours | ours {p_label} (µs) | ours/peer | target | |")
    out.append("|---|---:|---|---:|---:|---|---|")
    for row in rows:
        peer_name, peer_b, ours_name, ours_b, _ = row
        target = target_of(row)
        rp, ro = jmh.find(peer_b, "sample"), jmh.find(ours_b, "sample")
        if rp is None or ro is None:
            out.append(f"| {peer_name} | not run | {ours_name} | not run | — | {target_text(target)} | |")
            continue
        p, o = pct(rp, p_key), pct(ro, p_key)
        q, _ = ratio(o, None, p, None)
        out.append(f"| {peer_name} | {fmt(p)} | {ours_name} | {fmt(o)} | {fmt(q, 3)} | {target_text(target)} | "
                   f"{verdict(q, None, target)} |")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", required=True)
    ap.add_argument("--jmh-opts", default="")
    ap.add_argument("--extra-args", default="")
    ap.add_argument("--nproc", default=str(os.cpu_count()))
    ap.add_argument("--load-start", default="?")
    ap.add_argument("--load-end", default="?")
    ap.add_argument("--seconds", default="?")
    ap.add_argument("--commit", default="unknown")
    ap.add_argument("--jmh", required=True)
    ap.add_argument("--memory", required=True)
    ap.add_argument("--proof", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    jmh = Jmh(a.jmh)
    memory = json.load(open(a.memory)) if os.path.exists(a.memory) else None
    proof = json.load(open(a.proof)) if os.path.exists(a.proof) else None
    meta = jmh.meta()
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    jdk = f"{meta.get('vmName', '?')} {meta.get('vmVersion', meta.get('jdkVersion', '?'))}" if meta else (
        memory or {}).get("jdk", "?")

    out = []
    title = "full run" if a.mode == "full" else "quick run (for checking only, not for publishing)"
    out.append(f"# Atom Async benchmarks: {title}")
    out.append("")
    out.append(f"- **Date:** {now}")
    out.append(f"- **JDK:** {jdk}")
    out.append(f"- **CPUs (`nproc`):** {a.nproc}; load average (1, 5, 15 min) at start: {a.load_start}, "
               f"at end: {a.load_end}")
    out.append(f"- **JMH:** {meta.get('jmhVersion', '?')}, `{a.jmh_opts.strip()}`, 1 benchmark thread; "
               f"pools of 2 threads, trivial tasks")
    out.append(f"- **Commit:** {a.commit}; whole run took {a.seconds} s")
    out.append("- **Reproduce:** `" + " ".join(["async-benchmarks/run.sh", a.mode, a.extra_args]).strip()
               + "` from the repository root")
    out.append("")
    out.append("Every ratio is ours / peer from this same run. For throughput a ratio above 1 means ours is "
               "faster; for times and bytes a ratio below 1 means ours is cheaper. Errors are JMH's 99.9 % "
               "confidence half-widths (none for percentiles); a ratio's error combines both sides'. A small, "
               "noisy VM moves single results by 5-20 % between runs: read \"missed (within error)\" as "
               "\"not shown either way\".")
    out.append("")

    out.append("## Round trip: submit one task, block for its result")
    out.append("")
    out.append("Throughput (higher is better):")
    out.append("")
    compare_table(out, jmh, ROUND_TRIP, "thrpt", thrpt, "ops/s", 0,
                  target_of=lambda r: (">=", 0.95) if r[4] else None)
    out.append("")
    out.append("SampleTime p50 (lower is better; target: p50 no worse than the raw pool):")
    out.append("")
    percentile_table(out, jmh, ROUND_TRIP, "p50", "50.0", lambda r: ("<=", 1.0) if r[4] else None)
    out.append("")
    out.append("SampleTime p95:")
    out.append("")
    percentile_table(out, jmh, ROUND_TRIP, "p95", "95.0", lambda r: None)
    out.append("")

    out.append("## Fan-out/fan-in: 1,000 tasks, then every result")
    out.append("")
    out.append("Throughput in batches of 1,000 per second (higher is better); the metrics rows compare ours "
               "with `recordStats()` and the starter's meters bound to a `SimpleMeterRegistry` (plus the pool's "
               "`executor.*` meters) against ours without:")
    out.append("")
    compare_table(out, jmh, FAN_OUT, "thrpt", thrpt, "batches/s", 0)
    out.append("")
    out.append("SampleTime per batch of 1,000 (target: p95 ≤ 0.35 ms = 350 µs for ours):")
    out.append("")
    out.append("| variant | p50 (µs) | p95 (µs) | p99 (µs) | target | |")
    out.append("|---|---:|---:|---:|---|---|")
    for bench, name, ours in FAN_OUT_P95:
        r = jmh.find(bench, "sample")
        if r is None:
            out.append(f"| {name} | not run | | | | |")
            continue
        p95 = pct(r, "95.0")
        t, v = ("p95 ≤ 350 µs", ("met" if p95 <= 350 else "**missed**")) if ours else ("—", "")
        out.append(f"| {name} | {fmt(pct(r, '50.0'))} | {fmt(p95)} | {fmt(pct(r, '99.0'))} | {t} | {v} |")
    out.append("")

    out.append("### Where the cost of metrics goes")
    out.append("")
    out.append("Average time per call on 2 threads sharing each meter (lower is better). A task with metrics on "
               "pays 3 clock reads of its own (its start, the start of its run, its end: one read ends the queue "
               "wait and starts the run) and 2 `Timer.record`s (each with a wall-clock read for its max):")
    out.append("")
    out.append("| call | ns per call |")
    out.append("|---|---:|")
    for bench, name in RECORDING_COST:
        r = jmh.find(bench, "avgt")
        if r is None:
            out.append(f"| {name} | not run |")
            continue
        m = r["primaryMetric"]
        out.append(f"| {name} | {pm(m['score'], m.get('scoreError'), 1)} |")
    out.append("")

    out.append("### What a task costs on one thread")
    out.append("")
    out.append("Every task run on the calling thread (an executor that runs what it is given at once), so that "
               "no queue, lock or wake-up decides the figure: the instructions, allocations and atomic writes of "
               "the task's own path, which the pooled benchmarks above cannot tell apart from run to run. "
               "Average time per task over batches of 1,000, each result read (lower is better):")
    out.append("")
    out.append("| variant | ns per task | vs FutureTask |")
    out.append("|---|---:|---:|")
    base = jmh.find("InlineCostBenchmark.futureTask", "avgt")
    for bench, name in INLINE_COST:
        r = jmh.find(bench, "avgt")
        if r is None:
            out.append(f"| {name} | not run | |")
            continue
        m = r["primaryMetric"]
        err = m.get("scoreError")
        q = fmt(m["score"] / base["primaryMetric"]["score"], 2) if base else "—"
        out.append(f"| {name} | {pm(m['score'] / 1000, err / 1000 if isinstance(err, (int, float)) else None, 1)} "
                   f"| {q} |")
    out.append("")

    out.append("## Many submitters: 8 threads fanning out 1,000 tasks each on one pool")
    out.append("")
    out.append("Throughput in batches of 1,000 per second, summed over the 8 submitting threads (higher is "
               "better); pool of `poolSize` threads (0 = one per CPU, `-p poolSize=16` for 16):")
    out.append("")
    compare_table(out, jmh, SUBMITTERS, "thrpt", thrpt, "batches/s", 0)
    out.append("")

    out.append("## Retry")
    out.append("")
    out.append("Fails twice, then succeeds: 3 attempts, FIXED delay; average time per operation (lower is "
               "better). Attempts on the pool, delays on one timer thread, for every variant; with no delay "
               "ours submits the next attempt from the thread that saw the failure instead of hopping "
               "through the timer thread (the peers hop):")
    out.append("")
    for delay in ("0", "1"):
        out.append(f"Delay {delay} ms:")
        out.append("")
        compare_table(out, jmh, RETRY, "avgt", avgt, "µs", params={"delayMillis": delay})
        out.append("")
    out.append("Succeeds on the first attempt (average time per operation, lower is better):")
    out.append("")
    compare_table(out, jmh, [("bare worker (manager.createWorker)", "RetryBenchmark.bareWorkerFirstSuccess",
                              "manager.retry", "RetryBenchmark.oursRetryFirstSuccess", None)], "avgt", avgt, "µs")
    out.append("")

    out.append("## Cluster: three local Hazelcast members")
    out.append("")
    out.append("Round trip and 1,000-task fan-out on three embedded members in one JVM (TCP/IP on 127.0.0.1), "
               "every task submitted through the first member and sent to a random member (ours) or a random "
               "partition's owner (Hazelcast's submit); both sides use the same executor service (2 threads per member) and the same "
               "serializable task. Average time per operation (lower is better); no target (issue 16), for "
               "information:")
    out.append("")
    compare_table(out, jmh, CLUSTER, "avgt", avgt, "µs")
    out.append("")

    out.append("## Memory: bytes retained per queued task")
    out.append("")
    if memory:
        by = {v["name"]: v for v in memory["variants"]}
        out.append(f"{memory['items']:,} tasks queued behind a pool of 2 blocked threads, every handle kept; "
                   f"heap after a full GC ({memory['gc']}), minus the same before, per task; median of "
                   f"{memory['rounds']} round(s). Counts the handle, what the pool queues (its queue node "
                   f"included) and, for ours, the manager's tracking and the armed timer.")
        out.append("")
        out.append("| peer | peer (B) | ours | ours (B) | ours/peer | target for ours | |")
        out.append("|---|---:|---|---:|---:|---|---|")
        mem_rows = [
            ("FutureTask (pool.submit)", "manager.createWorker", 200),
            ("FutureTask (pool.submit)", "AsyncWorker.startAsync (no manager)", 200),
            ("CompletableFuture.supplyAsync", "manager.createWorker", 200),
            ("CompletableFuture.supplyAsync + orTimeout", "manager.newWorker + setTimeout", 400),
            ("CompletableFuture.supplyAsync + orTimeout", "AsyncWorker + setTimeout (no manager)", 400),
        ]
        for peer, ours, limit in mem_rows:
            p, o = by.get(peer), by.get(ours)
            if p is None or o is None:
                continue
            pb, ob = p["bytesPerItem"], o["bytesPerItem"]
            out.append(f"| {peer} | {fmt(pb, 1)} | {ours} | {fmt(ob, 1)} | {fmt(ob / pb, 2)} | ≤ {limit} B | "
                       f"{'met' if ob <= limit else '**missed**'} |")
    else:
        out.append("not run")
    out.append("")

    out.append("## 10,000 concurrent retries")
    out.append("")
    if proof:
        ours, hand, dsum = proof["oursMillis"], proof["handRolledMillis"], proof["delaySumMillis"]
        out.append(f"{proof['ops']:,} operations started at once, each failing twice then succeeding "
                   f"({proof['attempts']} attempts, FIXED {proof['delayMillis']} ms), on {proof['threads']} threads; "
                   f"from the first start until all have ended, median of {len(proof['oursRounds'])} round(s) "
                   f"after {proof['warmups']} warm-up round(s). Sleeping on the pool instead would take "
                   f"{proof['sleepingMillis'] / 1000:,.0f} s.")
        out.append("")
        out.append("| variant | elapsed (ms) | rounds (ms) | delay sum (ms) | elapsed / delay sum | target | |")
        out.append("|---|---:|---|---:|---:|---|---|")
        q = ours / dsum
        out.append(f"| ours (manager.retry) | {fmt(ours, 0)} | {', '.join(fmt(x, 0) for x in proof['oursRounds'])} | "
                   f"{dsum} | {fmt(q, 2)} | ≤ 2× | {'met' if q <= 2 else '**missed**'} |")
        out.append(f"| hand-rolled (peer) | {fmt(hand, 0)} | "
                   f"{', '.join(fmt(x, 0) for x in proof['handRolledRounds'])} | {dsum} | {fmt(hand / dsum, 2)} | — | |")
        out.append("")
        out.append(f"Ours / hand-rolled: {fmt(ours / hand, 2)}.")
    else:
        out.append("not run")
    out.append("")

    out.append("## Fork by fork")
    out.append("")
    out.append("The mean of each JMH fork (a fresh JVM) of every throughput and average-time result, in the "
               "order they ran. On a 2-core VM, where the pool's threads and the submitters outnumber the cores, "
               "forks of the same code can run at different speeds for their whole run (up to 2x apart for the "
               "8-submitter shape): the peers show it as much as ours, so a ratio means something only over "
               "several forks.")
    out.append("")
    out.append("| benchmark | params | mode | fork means | unit |")
    out.append("|---|---|---|---|---|")
    for r in jmh.results:
        if r["mode"] not in ("thrpt", "avgt"):
            continue
        m = r["primaryMetric"]
        forks = [sum(f) / len(f) for f in m.get("rawData", []) if f]
        if len(forks) < 2:
            continue
        params = ", ".join(f"{k}={v}" for k, v in r.get("params", {}).items())
        out.append(f"| {r['benchmark'].replace(PKG, '')} | {params} | {r['mode']} | "
                   f"{', '.join(fmt(x) for x in forks)} | {m['scoreUnit']} |")
    out.append("")

    out.append("## Every JMH result")
    out.append("")
    out.append("| benchmark | params | mode | score ± error | unit | p50 | p95 | p99 |")
    out.append("|---|---|---|---:|---|---:|---:|---:|")
    for r in jmh.results:
        m = r["primaryMetric"]
        params = ", ".join(f"{k}={v}" for k, v in r.get("params", {}).items())
        ps = m.get("scorePercentiles", {}) if r["mode"] == "sample" else {}
        err = m.get("scoreError")
        err = err if isinstance(err, (int, float)) else None
        out.append(f"| {r['benchmark'].replace(PKG, '')} | {params} | {r['mode']} | {pm(m['score'], err)} | "
                   f"{m['scoreUnit']} | {fmt(ps.get('50.0'))} | {fmt(ps.get('95.0'))} | {fmt(ps.get('99.0'))} |")
    out.append("")

    with open(a.out, "w") as f:
        f.write("\n".join(out))
    print("\n".join(out))


if __name__ == "__main__":
    main()
