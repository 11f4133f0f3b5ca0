#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Unit tests of igt-tests/lib/igt_results.py on synthetic run folders and
kernel logs in the shape UML's dmesg gives ("[    1.234567] text")."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
WRITER = os.path.join(HERE, "..", "lib", "igt_results.py")
sys.path.insert(0, os.path.join(HERE, "..", "lib"))
import igt_results  # noqa: E402


def line(sub, word):
    return "Starting subtest: %s\nSubtest %s: %s (0.010s)\n" % (sub, sub, word)


class RunFolder:
    """Builds a run folder the way run-uml.sh --exec writes it."""

    def __init__(self, root):
        self.root = root
        self.n = 0
        self.jobs = []
        os.makedirs(os.path.join(root, "tests"))

    def plan(self, binary, sub):
        self.jobs.append((binary, sub))

    def ran(self, binary, sub, out="", err="", rc=0, start=100.0, end=100.5):
        self.n += 1
        d = os.path.join(self.root, "tests", "%04d" % self.n)
        os.makedirs(d)
        files = {"name": "igt@%s@%s\n" % (binary, sub), "out": out, "err": err,
                 "start": "%f\n" % start, "end": "%f\n" % end}
        if rc is not None:
            files["rc"] = "%d\n" % rc
        for k, v in files.items():
            with open(os.path.join(d, k), "w") as f:
                f.write(v)

    def finish(self, kernel_log):
        with open(os.path.join(self.root, "jobs.tsv"), "w") as f:
            for b, s in self.jobs:
                f.write("/abs/path/%s\t%s\n" % (b, s))
        with open(os.path.join(self.root, "kernel.log"), "w") as f:
            f.write(kernel_log)


def k(ts, text):
    return "[%12.6f] %s\n" % (ts, text)


class ResultsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp()
        self.run = RunFolder(os.path.join(self.tmp, "run"))

    def tearDown(self):
        shutil.rmtree(self.tmp)

    def write(self, timeout=5):
        p = subprocess.run([sys.executable, WRITER, "--run", self.run.root, "--timeout",
                            str(timeout), "--start", "1", "--end", "2"],
                           capture_output=True, text=True)
        with open(os.path.join(self.run.root, "results.json")) as f:
            return p.returncode, json.load(f), p.stdout

    def test_splats_change_pass_and_fail_only_inside_their_slice(self):
        r = self.run
        for s in ("warned", "failed-warned", "clean", "skipped-warned"):
            r.plan("vlr_x", s)
        r.ran("vlr_x", "warned", out=line("warned", "SUCCESS"))
        r.ran("vlr_x", "failed-warned", err=line("failed-warned", "FAIL"), rc=98)
        r.ran("vlr_x", "clean", out=line("clean", "SUCCESS"))
        r.ran("vlr_x", "skipped-warned", out=line("skipped-warned", "SKIP"), rc=77)
        r.finish(
            k(0.1, "WARNING: CPU: 0 PID: 1 at boot.c:1 before any subtest") +
            k(1.0, "lrbench-igt: begin igt@vlr_x@warned") +
            k(1.1, "WARNING: CPU: 0 PID: 9 at drivers/gpu/drm/vlr/vlr_sched.c:42 x+0x1/0x2") +
            k(1.2, "lrbench-igt: end igt@vlr_x@warned rc=0") +
            k(2.0, "lrbench-igt: begin igt@vlr_x@failed-warned") +
            k(2.1, "======================================================") +
            k(2.2, "WARNING: possible circular locking dependency detected") +
            k(2.3, "lrbench-igt: end igt@vlr_x@failed-warned rc=98") +
            k(2.5, "BUG: KASAN: use-after-free between subtests") +
            k(3.0, "lrbench-igt: begin igt@vlr_x@clean") +
            k(3.1, "vlr: queue 1 preempted in 12 us") +
            k(3.2, "lrbench-igt: end igt@vlr_x@clean rc=0") +
            k(4.0, "lrbench-igt: begin igt@vlr_x@skipped-warned") +
            k(4.1, "BUG: sleeping function called from invalid context") +
            k(4.2, "lrbench-igt: end igt@vlr_x@skipped-warned rc=77"))
        rc, doc, _ = self.write()
        t = doc["tests"]
        self.assertEqual(t["igt@vlr_x@warned"]["result"], "dmesg-warn")
        self.assertIn("vlr_sched.c:42", t["igt@vlr_x@warned"]["dmesg-warnings"])
        self.assertEqual(t["igt@vlr_x@failed-warned"]["result"], "dmesg-fail")
        self.assertEqual(t["igt@vlr_x@clean"]["result"], "pass")
        self.assertIn("preempted in 12 us", t["igt@vlr_x@clean"]["dmesg"])
        self.assertNotIn("KASAN", t["igt@vlr_x@clean"]["dmesg"])
        self.assertNotIn("dmesg-warnings", t["igt@vlr_x@clean"])
        # igt_runner leaves a skip a skip; the boot as a whole still fails.
        self.assertEqual(t["igt@vlr_x@skipped-warned"]["result"], "skip")
        self.assertIn("sleeping function", t["igt@vlr_x@skipped-warned"]["dmesg-warnings"])
        self.assertEqual(rc, 1)

    def test_incomplete_notrun_timeout_crash(self):
        r = self.run
        for s in ("ok", "hung", "segv", "died", "never"):
            r.plan("vlr_y", s)
        r.ran("vlr_y", "ok", out=line("ok", "SUCCESS"), start=10, end=10.25)
        r.ran("vlr_y", "hung", out="Starting subtest: hung\n", rc=124, start=11, end=16.01)
        r.ran("vlr_y", "segv", out="Starting subtest: segv\n", rc=139)
        r.ran("vlr_y", "died", out="Starting subtest: died\n", rc=None)
        r.finish(k(1, "lrbench-igt: begin igt@vlr_y@died") +
                 k(2, "BUG: unable to handle page fault for address: 0000"))
        rc, doc, _ = self.write(timeout=5)
        t = doc["tests"]
        self.assertEqual(t["igt@vlr_y@ok"]["result"], "pass")
        self.assertEqual(t["igt@vlr_y@hung"]["result"], "timeout")
        self.assertEqual(t["igt@vlr_y@segv"]["result"], "crash")
        # No exit status: the run died in it; its slice runs to the end of the log.
        self.assertEqual(t["igt@vlr_y@died"]["result"], "incomplete")
        self.assertIn("page fault", t["igt@vlr_y@died"]["dmesg"])
        self.assertEqual(t["igt@vlr_y@never"]["result"], "notrun")
        tot = doc["totals"]
        self.assertEqual(tot[""], tot["root"])
        self.assertEqual(tot["igt@vlr_y"]["pass"], 1)
        self.assertEqual(tot[""]["notrun"], 1)
        self.assertEqual(sum(tot[""].values()), 5)
        self.assertAlmostEqual(doc["runtimes"]["igt@vlr_y"]["time"]["end"], 0.25 + 5.01 + 0.5 + 0.5,
                               places=3)
        self.assertEqual(rc, 1)

    def test_result_line_names_the_subtest_exactly(self):
        # "Subtest basic-long: FAIL" must not decide "basic".
        self.assertEqual(igt_results.subtest_result(
            "basic", "Subtest basic-long: FAIL (0.1s)\nSubtest basic: SUCCESS (0.1s)\n", "", 0,
            0.1, 5), "pass")
        self.assertEqual(igt_results.subtest_result(
            "basic", "Subtest basic-long: FAIL (0.1s)\n", "", 0, 0.1, 5), "incomplete")
        self.assertEqual(igt_results.subtest_result("a", "", "", 77, 0.1, 5), "skip")
        # A SUCCESS line, then killed at the limit: hung in teardown, a timeout.
        self.assertEqual(igt_results.subtest_result(
            "a", "Subtest a: SUCCESS (0.1s)\n", "", 124, 5.2, 5), "timeout")
        # Exit 124 well inside the limit is the test's own status, not a timeout.
        self.assertEqual(igt_results.subtest_result("a", "", "", 124, 0.1, 5), "incomplete")

    def test_all_good_exits_zero_and_keeps_version(self):
        r = self.run
        r.plan("b", "one")
        r.ran("b", "one", out="IGT-Version: 1.27.1-NO-GIT (x86_64)\n" + line("one", "SUCCESS"))
        r.finish("")
        rc, doc, stdout = self.write()
        self.assertEqual(rc, 0)
        self.assertEqual(doc["results_version"], 10)
        self.assertEqual(doc["__type__"], "TestrunResult")
        self.assertEqual(doc["tests"]["igt@b@one"]["igt-version"],
                         "IGT-Version: 1.27.1-NO-GIT (x86_64)")
        self.assertIn("1 pass", stdout)

    def test_bad_journal_is_an_error_naming_the_file(self):
        r = self.run
        r.plan("b", "one")
        r.ran("b", "one", rc=0)
        with open(os.path.join(r.root, "tests", "0001", "rc"), "w") as f:
            f.write("zero\n")
        r.finish("")
        p = subprocess.run([sys.executable, WRITER, "--run", r.root], capture_output=True,
                           text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("0001/rc", p.stderr)

    def test_stray_stderr_turns_pass_into_warn_as_igt_runner(self):
        r = self.run
        subs = ("sentinels-only", "stray", "stray-dynamic", "after-result", "no-sentinels",
                "failed-stray", "stray-and-splat")
        for s in subs:
            r.plan("b", s)
        r.ran("b", "sentinels-only", out=line("sentinels-only", "SUCCESS"),
              err=line("sentinels-only", "SUCCESS"))
        r.ran("b", "stray", out=line("stray", "SUCCESS"),
              err="Starting subtest: stray\n(b:12) WARNING: something odd\n"
                  "Subtest stray: SUCCESS (0.010s)\n")
        r.ran("b", "stray-dynamic", out=line("stray-dynamic", "SUCCESS"),
              err="Starting subtest: stray-dynamic\nStarting dynamic subtest: d0\n"
                  "Dynamic subtest d0: SUCCESS (0.001s)\nstray line\n"
                  "Subtest stray-dynamic: SUCCESS (0.010s)\n")
        # After the subtest's own result sentinel: the exit path, not the subtest.
        r.ran("b", "after-result", out=line("after-result", "SUCCESS"),
              err=line("after-result", "SUCCESS") + "printed at exit\n")
        # A library without sentinel support: every stderr line counts.
        r.ran("b", "no-sentinels", out=line("no-sentinels", "SUCCESS"), err="oops\n")
        r.ran("b", "failed-stray", err="Starting subtest: failed-stray\nwhy it failed\n"
              "Subtest failed-stray: FAIL (0.010s)\n", rc=98)
        r.ran("b", "stray-and-splat", out=line("stray-and-splat", "SUCCESS"),
              err="Starting subtest: stray-and-splat\nstray\n"
                  "Subtest stray-and-splat: SUCCESS (0.010s)\n")
        r.finish(k(1.0, "lrbench-igt: begin igt@b@stray-and-splat") +
                 k(1.1, "WARNING: CPU: 0 PID: 9 at x.c:1 y+0x1/0x2") +
                 k(1.2, "lrbench-igt: end igt@b@stray-and-splat rc=0"))
        rc, doc, _ = self.write()
        got = {s: doc["tests"]["igt@b@" + s]["result"] for s in subs}
        self.assertEqual(got, {"sentinels-only": "pass", "stray": "warn",
                               "stray-dynamic": "warn", "after-result": "pass",
                               "no-sentinels": "warn", "failed-stray": "fail",
                               "stray-and-splat": "dmesg-warn"})
        self.assertEqual(doc["totals"][""]["warn"], 3)
        self.assertEqual(rc, 1)

    def test_uname_is_the_executors_and_cmdline_the_runners(self):
        r = self.run
        r.plan("b", "one")
        r.ran("b", "one", out=line("one", "SUCCESS"))
        r.finish("")
        guest = "Linux (none) 6.12.57-lrbench #1 Tue Nov 25 12:00:00 UTC 2026 um"
        with open(os.path.join(r.root, "uname.txt"), "w") as f:
            f.write(guest + "\n")
        with open(os.path.join(r.root, "cmdline.txt"), "w") as f:
            f.write("igt-tests/run-uml.sh\n--out\n/tmp/x y\nbuild/igt/vlr_lr_basic\n")
        _, doc, _ = self.write()
        self.assertEqual(doc["uname"], guest)
        self.assertEqual(doc["cmdline"],
                         ["igt-tests/run-uml.sh", "--out", "/tmp/x y", "build/igt/vlr_lr_basic"])

    def test_no_uname_file_no_uname_key(self):
        r = self.run
        r.plan("b", "one")
        r.ran("b", "one", out=line("one", "SUCCESS"))
        r.finish("")
        _, doc, _ = self.write()
        self.assertNotIn("uname", doc)
        self.assertEqual(doc["cmdline"], [])


if __name__ == "__main__":
    unittest.main(verbosity=1)
