#!/usr/bin/env python3
"""Self-test of tests/stress/figures.py on a run folder made up here: the
totals add up, a splat is charged to the item whose marker precedes it, an
item without JSON still counts, the logs of every boot are read (an
earlier boot whose kernel died left only its console), a skipped half says
why, and the file is valid JSON. Exit 0 pass, 1 fail."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def make_run(root, uml_exit=0):
    uml = os.path.join(root, "uml")
    write(os.path.join(root, "run.json"), json.dumps({"started": "x", "finished": True,
                                                      "wall_s": 5, "settings": {}}))
    write(os.path.join(uml, "runner.json"), json.dumps(
        {"runner": "uml", "accel": "uml", "smp": 1, "status": "ran", "exit": uml_exit,
         "wall_s": 4, "reason": ""}))
    write(os.path.join(uml, "results.txt"), "".join("\t".join(r) + "\n" for r in [
        ("fuzz-seed-1-42", "pass", "3.0", "vlr-fuzz: seed 42: ..."),
        ("fuzz-fresh-7", "fail", "9.0", "vlr-fuzz: FAIL"),
        ("trinity", "pass", "30.0", "trinity.sh: summary: 1234 syscalls in 30s (seed 9), trinity status ok"),
        ("fault-fail-copy@preempt-fence", "pass", "2.0", "fail-copy@preempt-fence pass ..."),
        ("fault-failslab@open-coded", "skip", "0.0", "failslab@open-coded skip kernel lacks ..."),
        ("soak@preempt-fence", "pass", "20.0", "soak@preempt-fence pass ..."),
    ]))
    items = os.path.join(uml, "items")
    state = lambda *v: dict(zip(("idle", "running", "preempted", "banned", "gone"), v))
    write(os.path.join(items, "fuzz-seed-1-42.json"), json.dumps({
        "seed": 42, "result": "clean", "calls": 1000, "verify": {"lost": 0},
        "kills_by_queue_state": state(1, 2, 3, 0, 0), "closes_by_queue_state": state(0, 1, 0, 0, 4)}))
    write(os.path.join(items, "fuzz-fresh-7.json"), json.dumps({
        "seed": 7, "result": "fail", "calls": 500, "verify": {"lost": 1},
        "failure": "FILL 0x5 of [0x0, +0x1000) in a VRAM BO: 3 of 1024 words wrong, first at word 0: 0x0",
        "kills_by_queue_state": state(1, 0, 0, 0, 0), "closes_by_queue_state": state(0, 0, 0, 1, 0)}))
    write(os.path.join(items, "fault-fail-copy@preempt-fence.json"), json.dumps({
        "cases": [{"name": "fail-copy", "injected": {"fail_copy": 1}}]}))
    write(os.path.join(items, "soak@preempt-fence.json"), json.dumps({
        "cycles_target": 100, "modes": [{"mode": "preempt-fence", "status": "pass", "cycles": 101,
                                         "bytes_verified": 8, "verify_failures": 0,
                                         "bytes_lost": 0}]}))
    write(os.path.join(uml, "kernel.log"), "\n".join([
        "[ 1.0] lrbench-stress: begin fuzz-seed-1-42",
        "[ 1.5] lrbench-stress: end fuzz-seed-1-42 rc=0",
        "[ 2.0] lrbench-stress: begin fuzz-fresh-7",
        "[ 2.1] WARNING: CPU: 0 PID: 1 at drivers/gpu/drm/vlr/vlr_queue.c:1 x",
        "[ 2.2] Call Trace:",
        "[ 3.0] lrbench-stress: end fuzz-fresh-7 rc=1", ""]))
    # an earlier boot whose kernel died: only its console is left
    write(os.path.join(uml, "console.boot1.log"), "\n".join([
        "stress[uml]: begin fuzz-seed-1-42",
        "[ 9.0] Kernel panic - not syncing: System is deadlocked on memory", ""]))
    write(os.path.join(root, "vm", "runner.json"), json.dumps(
        {"runner": "vm", "accel": None, "smp": 2, "status": "skipped", "exit": None,
         "wall_s": None, "reason": "no guest kernel"}))


def main():
    failures = []

    def check(cond, what):
        if not cond:
            failures.append(what)

    with tempfile.TemporaryDirectory() as root:
        make_run(root, uml_exit=97)
        copy = os.path.join(root, "copy.json")
        subprocess.run([sys.executable, os.path.join(HERE, "figures.py"), root, "--copy", copy],
                       check=True)
        d = json.load(open(copy))
        t = d["totals"]
        check(d["schema"] == "lrbench-stress-figures", "schema name")
        check(d["status"] == "fail", "a failed item and a splat make the run fail: %s" % d["status"])
        check(t["ioctl_calls"] == 1500, "ioctl calls summed: %s" % t["ioctl_calls"])
        check(t["seeds"] == [7, 42], "seeds: %s" % t["seeds"])
        check(t["trinity_syscalls"] == 1234, "trinity syscalls: %s" % t["trinity_syscalls"])
        check(t["faults_injected"] == {"fail_copy": 1}, "faults: %s" % t["faults_injected"])
        check(t["cycles"] == {"preempt-fence": 101, "open-coded": 0}, "cycles: %s" % t["cycles"])
        check(t["kills_by_queue_state"]["idle"] == 2 and t["kills_by_queue_state"]["preempted"] == 3,
              "kills by state: %s" % t["kills_by_queue_state"])
        check(t["closes_by_queue_state"]["gone"] == 4 and t["closes_by_queue_state"]["banned"] == 1,
              "closes by state: %s" % t["closes_by_queue_state"])
        check(t["splats"] == 3, "splat lines: %s" % t["splats"])
        check(d["runs"]["uml"]["splats_by_item"] == {"fuzz-fresh-7": 2, "fuzz-seed-1-42": 1},
              "splats charged to the item: %s" % d["runs"]["uml"]["splats_by_item"])
        check(t["verify_failures"] == 1, "the fuzzer's wrong words count, its lost (banned) "
              "fills do not: %s" % t["verify_failures"])
        check(d["runs"]["uml"]["fuzz"]["jobs_lost_to_bans"] == 1, "lost fills reported apart")
        check(t["items"] == {"pass": 4, "fail": 1, "skip": 1}, "items: %s" % t["items"])
        check(d["runs"]["vm"]["status"] == "skipped" and d["runs"]["vm"]["reason"],
              "the skipped half keeps its reason")
        check(d["runners"] == ["uml"], "runners: %s" % d["runners"])
        check(open(copy).read() == open(os.path.join(root, "figures.json")).read(),
              "the copy equals the run folder's figures.json")
        check(not [f for f in os.listdir(root) if ".tmp" in f], "no temporary file left")
    for f in failures:
        print("test_figures: FAIL: %s" % f)
    print("test_figures: %s" % ("pass" if not failures else "%d failures" % len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
