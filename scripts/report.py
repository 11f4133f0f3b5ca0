#!/usr/bin/python3
"""Static HTML report of an lrbench run: scripts/report.py RUN_DIR [--previous PREV|auto]

RUN_DIR is either one lrbench result directory (RUN_DIR/result.json) or a
`make run` folder holding one result directory per scenario
(RUN_DIR/<scenario>/result.json; RUN_DIR/scenarios.plan lists what was
planned, RUN_DIR/scenarios.done what finished). Writes RUN_DIR/report.html
(atomically): the run's metadata, the targets (issues 5, 12) with the measured
value next to each (taken from whichever scenario measures it), and per
scenario the summary table and every plot in <scenario>/plots/ (SVG inlined
as data: URIs, so the page has no external assets). It also prints the
targets on stdout.

All statistics come from `lrbench compare --json` (the same code as the
terminal comparison): per configuration a self-comparison gives median,
min, max, stddev and a 95 % interval of the median; between configurations,
preempt-fence<S> is compared with open-coded<S> (S = "" or a suffix such as
"-q8"), any other configuration with open-coded (when present, else the
first): ratio of medians, its confidence interval (at the level compare's
Holm procedure tested it) and the verdict. The targets are a family fixed
before any data: every target a run measures (one cell per target and
scenario, m in all) is judged on an interval at the same level 1 - 0.1/m
(`lrbench compare --ci-level`): a verdict can only be wrong on one side of
its goal, one tail of an equal-tailed interval, 0.05/m, so the chance that
any target verdict of the run is wrong stays under 5 % (Bonferroni over
one-sided errors), and a cell's level does not move with the other
metrics' p-values from one run to the next. A target
is "met" only when that interval lies entirely on the met side of the goal,
"missed" when entirely on the other side, otherwise "inconclusive" (also
where the ratio is undefined: a median of 0, e.g. no stall at all in most
repetitions). Each cell with an interval also gives the chance that a rerun
of the same plan repeats its verdict (rerun_agreement), and a stability
line the product over the cells, naming those under 90 % with the factor
of repetitions that would settle each (reps_to_settle).

Every target cell is also written as data to RUN_DIR/targets.json (schema
lrbench-targets, results/README.md). With --previous PREV (a run folder or
result directory), the targets of PREV are judged again from its
result.json files by this same code, and each cell says whether its verdict
held (met, missed or inconclusive in both runs) or changed, with a line
"N of M verdicts as in the previous run": a claim worth making holds in two
consecutive runs. --previous auto takes the newest earlier folder beside
RUN_DIR (names sort as make run's UTC stamps) with the same scenarios.plan
and, per scenario, the same parameters, planned repetitions, kernel
release, backend, device and host; none found: no comparison, said so. An
explicit PREV that differs is used, with a warning naming the differences.

Environment: LRBENCH (default build/bin/lrbench of this tree).
Exit 0 on success, 1 when lrbench fails, 2 on usage or input errors.
"""
import base64
import glob
import html
import json
import math
import os
import re
import subprocess
import sys
from statistics import NormalDist

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BASELINE = "open-coded"
CANDIDATE = "preempt-fence"
NOT_MEASURED = "not measured in this run (needs the vlr backend)"

# The targets of issues 5 and 12. Each: text, metric, configurations (A =
# baseline, B = candidate; None = the metric's value itself in config B),
# the goal as (op, bound) on the ratio median(B) / median(A), or on the
# median itself. Issue 12 replaced the restore-worker occupancy target (it
# only restated that the open-coded worker waits on the CPU by design) by
# the cost open-coded waits impose on others: the evicting side's wait
# (evict_latency_p99: per repetition the 99th percentile of the eviction
# trigger's writes) and open-loop normal-job latency. The restore target is
# stated against the critical-path bound of each restore (issue 12 item 4,
# bench/breakdown.h); restore_bound_ratio (own bytes at the peak window's
# bandwidth) stays a diagnostic.
TARGETS = [
    ("pipelined restore within 1.5x of its critical-path bound (the copy time of the bytes on "
     "its own dependency chain, the VM's in-flight eviction and the resuming pass's copies, at "
     "the engine bandwidth measured in the same repetition; kernel trace)",
     "restore_chain_bound_ratio", (None, CANDIDATE), ("<=", 1.5)),
    ("preempt-fence no worse than open-coded on throughput retained (ratio >= 1/1.05)",
     "throughput_retained", (BASELINE, CANDIDATE), (">=", 1 / 1.05)),
    ("preempt-fence no worse than open-coded on stall (ratio <= 1.05, lower is better)",
     "stall_latency", (BASELINE, CANDIDATE), ("<=", 1.05)),
    ("at least 2x better than open-coded on the evicting side's wait, p99 (eviction trigger)",
     "evict_latency_p99", (BASELINE, CANDIDATE), ("<=", 0.5)),
    ("at least 2x better than open-coded on normal-job latency behind throttled LR jobs "
     "(open loop, from the intended submit time)",
     "normal_job_latency_user", (BASELINE, CANDIDATE), ("<=", 0.5)),
    ("at least 2x better than open-coded on restore latency with 8 competing queues",
     "restore_latency", (BASELINE + "-q8", CANDIDATE + "-q8"), ("<=", 0.5)),
]


class ReportError(Exception):
    """A report that cannot be made: the message, and the exit status (2 for
    usage or input errors, 1 when lrbench fails). main() prints it; the
    nightly runner, which imports this module, records it and goes on."""

    def __init__(self, msg, code=2):
        super().__init__(msg)
        self.code = code


def die(msg, code=2):
    raise ReportError(msg, code)


def esc(x):
    return html.escape(str(x), quote=True)


def fmt(x):
    if x is None:
        return "–"
    if isinstance(x, str):
        return esc(x)
    return f"{x:.4g}"


def lrbench():
    exe = os.environ.get("LRBENCH") or os.path.join(ROOT, "build", "bin", "lrbench")
    if not os.access(exe, os.X_OK):
        die(f"{exe} is not built (make all)")
    return exe


class Run:
    """One result directory: its document and cached `lrbench compare --json`."""

    def __init__(self, exe, run_dir, name=None):
        self.exe, self.dir = exe, run_dir
        path = os.path.join(run_dir, "result.json")
        try:
            with open(path) as f:
                self.doc = json.load(f)
        except (OSError, ValueError) as e:
            die(f"{path}: cannot read: {e}")
        if (not isinstance(self.doc, dict) or self.doc.get("schema") != "lrbench-result"
                or self.doc.get("format_version") not in (1, 2)):
            die(f"{path}: not an lrbench-result v1 or v2 document")
        if not isinstance(self.doc.get("metrics", []), list):
            die(f"{path}: metrics: not an array")
        self.path = path
        self.name = name or (self.doc.get("scenario") or {}).get("name") or os.path.basename(
            os.path.abspath(run_dir))
        self.cfgs = []
        for m in self.doc.get("metrics") or []:
            c = m.get("config") if isinstance(m, dict) else None
            if c and c not in self.cfgs:
                self.cfgs.append(c)
        self._cmp = {}
        self.ci_level = None  # set_target_level(): the targets' fixed level

    def compare(self, a_cfg, b_cfg):
        """lrbench compare --json of two configurations of the run; None without data."""
        key = (a_cfg, b_cfg)
        if key in self._cmp:
            return self._cmp[key]
        cmd = [self.exe, "compare", "--json", self.dir, self.dir]
        if self.ci_level:
            cmd += ["--ci-level", f"{self.ci_level:.6g}"]
        if a_cfg:
            cmd += ["--a-config", a_cfg]
        if b_cfg:
            cmd += ["--b-config", b_cfg]
        try:
            p = subprocess.run(cmd, capture_output=True, text=True)
        except OSError as e:
            die(f"{cmd[0]}: cannot run: {e}", 1)
        res = None
        msg = p.stderr.strip().splitlines()
        if p.returncode in (0, 1) and p.stdout.strip():
            # exit 1: a primary regressed or the run did not pass (the page says
            # the status): the document is still complete
            try:
                res = json.loads(p.stdout)
            except ValueError as e:
                die(f"{' '.join(cmd)}: unreadable output: {e}", 1)
        elif not any("no metric has data" in m for m in msg):
            die(f"{' '.join(cmd)}: exit {p.returncode}: {' '.join(msg)}", 1)
        self._cmp[key] = res
        return res

    def row(self, a_cfg, b_cfg, metric):
        cmp = self.compare(a_cfg, b_cfg)
        return next((r for r in (cmp or {}).get("rows", []) if r["name"] == metric), None)

    def has_metric(self, metric, cfg):
        """Whether the result has METRIC for configuration CFG (samples or not)."""
        return any(isinstance(m, dict) and m.get("name") == metric and m.get("config") == cfg
                   for m in self.doc.get("metrics") or [])

    def per_rep_stat(self, metric):
        for m in self.doc.get("metrics") or []:
            if m.get("name") == metric and m.get("per_rep_stat"):
                return m["per_rep_stat"]
        return None

    def pairs(self):
        """[(baseline, candidate)] compared in the summary table."""
        if len(self.cfgs) < 2:
            return []
        base = BASELINE if BASELINE in self.cfgs else self.cfgs[0]
        out = []
        for c in self.cfgs:
            if c.startswith(CANDIDATE) and BASELINE + c[len(CANDIDATE):] in self.cfgs:
                out.append((BASELINE + c[len(CANDIDATE):], c))
            elif c != base and not c.startswith(BASELINE):
                out.append((base, c))
        # configurations that are nobody's candidate nor baseline: against the base
        used = {x for p in out for x in p}
        out += [(base, c) for c in self.cfgs if c not in used and c != base]
        return out


def meta_rows(doc, cfgs, extra=()):
    k, b = doc.get("kernel") or {}, doc.get("backend") or {}
    d, h, s = doc.get("device") or {}, doc.get("host") or {}, doc.get("scenario") or {}
    reps = doc.get("repetitions") or {}
    gib = 1024 ** 3
    series = k.get("series")
    if not series:
        g = re.search(r"-g([0-9a-f]{7,40})", str(k.get("release") or ""))
        series = ("– (not recorded by this backend" +
                  (f"; the release's suffix g{g.group(1)} is the kernel tree's commit)" if g else ")"))
    rows = [
        ("status", f"{doc.get('status')}" + (f": {doc.get('reason')}" if doc.get("reason") else "")
         + (" (cancelled)" if doc.get("cancelled") else "")),
        ("suite version", doc.get("suite_version")),
        ("started", f"{doc.get('start_time')}, {doc.get('duration_s') or 0:.1f} s"),
        ("scenario", f"{s.get('name')} ({s.get('file')}): {s.get('description')}"),
        ("repetitions", f"{reps.get('done')} of {reps.get('planned')}"),
        ("configurations", ", ".join(cfgs) if cfgs else "one (no config field)"),
        ("kernel", f"{k.get('release')} {k.get('version', '')}"),
        ("kernel series", series),
        ("mode", k.get("mode") or "– (not recorded by this backend)"),
        ("backend", f"{b.get('name')}, device selector {b.get('device_selector') or 'default'}"),
        ("device", (f"{d.get('name')} ({d.get('vendor')}, {d.get('version')}), "
                    f"{d.get('compute_units')} compute units, "
                    f"{(d.get('global_mem_bytes') or 0) / gib:.3g} GiB global memory")
         if d else "not opened"),
        ("host", f"{h.get('sysname')} {h.get('machine')}, {h.get('cpu_model')}, "
                 f"{h.get('ncpus')} CPUs, {(h.get('memory_bytes') or 0) / gib:.3g} GiB"),
    ] + list(extra)
    return "".join(f"<tr><th>{esc(a)}</th><td>{esc(v)}</td></tr>\n" for a, v in rows)


def side_cell(side):
    if not side or not side.get("n"):
        return "<td class=na>no data</td>"
    sd = side.get("stddev_pct")
    return (f"<td><b>{fmt(side['median'])}</b><br><span class=spread>"
            f"{fmt(side['min'])} – {fmt(side['max'])}"
            f"{'' if sd is None or side['n'] < 2 else f', ±{sd:.1f} %'}, n={side['n']}</span></td>")


def ci_text(row):
    ci = row.get("ci")
    if not ci:
        return ""
    if ci.get("lo") is None:
        return f"no {ci['level'] * 100:.3g} % interval at these repetitions"
    if ci["of"] == "ratio":
        return f"{ci['lo']:.3g}–{ci['hi']:.3g} ({ci['level'] * 100:.3g} %)"
    return f"B − A {ci['lo']:+.3g} to {ci['hi']:+.3g} ({ci['level'] * 100:.3g} %)"


def verdict_cell(row):
    v = row["verdict"]
    cls = {"regressed": "bad" if row.get("role") == "primary" else "", "improved": "good"}.get(v, "")
    ch = row.get("change_pct")
    ch = ch if isinstance(ch, str) else (None if ch is None else f"{ch:+.1f} %")
    text = {"no-data": "no data on one side", "not-judged": "not judged (a count)"}.get(v, v)
    if v == "regressed" and row.get("role") != "primary":
        text += " (diagnostic)"
    if row.get("p_adjusted") is not None:
        text += f", p = {row['p_adjusted']:.2g}"
    return (f"<td>{fmt(row.get('ratio'))}<br><span class=spread>{esc(ci_text(row))}</span></td>"
            f"<td>{esc(ch or '–')}</td><td class='{cls}'>{esc(text)}"
            + (f"<br><span class=spread>{esc(row['note'])}</span>" if row.get("note") else "")
            + "</td>")


def metric_names(run, cfgs):
    names = []
    for c in cfgs:
        for r in (run.compare(c, c) or {}).get("rows", []):
            if r["name"] not in [n for n, _ in names]:
                names.append((r["name"], r))
    return names


def one_table(run, cfgs, pairs):
    """Summary table over configurations cfgs, ratio columns for pairs."""
    names = metric_names(run, cfgs)
    if not names:
        return "<p class=na>No metric has data in this run.</p>"
    head = "<tr><th>metric</th><th>unit</th><th>better</th>"
    head += "".join(f"<th>{esc(c or 'median')}<br><span class=spread>"
                    f"{'median; ' if c else ''}min – max, ±stddev, n</span></th>" for c in cfgs)
    head += "".join(f"<th>{esc(b)} / {esc(a)}<br><span class=spread>ratio of medians, "
                    f"confidence interval</span></th>"
                    f"<th>%change<br><span class=spread>of medians</span></th><th>verdict</th>"
                    for a, b in pairs)
    head += "</tr>"
    body = ""
    for name, r0 in names:
        body += (f"<tr><td class=name>{esc(name)}</td><td>{esc(r0['unit'])}</td>"
                 f"<td>{esc(r0['direction'])}</td>")
        for c in cfgs:
            row = run.row(c, c, name)
            body += side_cell(row["a"] if row else None)
        for a, b in pairs:
            row = run.row(a, b, name)
            body += verdict_cell(row) if row else "<td colspan=3 class=na>–</td>"
        body += "</tr>\n"
    return f"<table class=summary>{head}{body}</table>"


def summary_html(run):
    cfgs = run.cfgs
    if len(cfgs) < 2:
        c = cfgs[0] if cfgs else None
        return one_table(run, [c], [])
    pairs = run.pairs()
    doc = next((run.compare(a, b) for a, b in pairs if run.compare(a, b)), None) or {}
    note = (f"<p class=note>Verdicts of <code>lrbench compare</code>: exact rank test of the "
            f"per-repetition values, weighted Holm over every judged metric of the pair "
            f"(family-wise false-alarm rate ≤ {doc.get('alpha', 0.05) * 100:g} %; primary "
            f"metrics share {doc.get('primary_share', 0.8) * 100:g} % of it). "
            f"improved/regressed: significant, by each metric's better direction; unchanged: "
            f"the interval lies within ±{doc.get('equivalence_pct', 5):g} %; inconclusive: "
            f"neither (too few repetitions or too much noise). Only a primary metric's "
            f"regression fails a compare.</p>")
    # several mode pairs with a suffix each (scaling: -q1 ... -q8): one table per pair
    if len(pairs) > 1 and all(b.startswith(CANDIDATE) and a.startswith(BASELINE)
                              for a, b in pairs):
        out = ""
        for a, b in pairs:
            suffix = b[len(CANDIDATE):]
            label = (f"{suffix[2:]} LR queue{'s' if suffix[2:] != '1' else ''}"
                     if re.fullmatch(r"-q[0-9]+", suffix) else suffix or "modes")
            out += f"<h4>{esc(label)}: {esc(a)} vs {esc(b)}</h4>\n" + one_table(run, [a, b], [(a, b)])
        return out + note
    return one_table(run, cfgs, pairs) + note


TARGET_ALPHA = 0.05


def target_cells(runs):
    """[(target, run)] for every target a run measures: both configurations
    are in the run and the run's metrics have the target's metric for them
    (what the scenario measures, known before any value: vlr-steady has no
    normal jobs, so no normal-job cell; a cell whose metric is there without
    samples still counts)."""
    return [(t, run) for t in TARGETS for run in runs
            if t[2][1] in run.cfgs and (t[2][0] is None or t[2][0] in run.cfgs)
            and all(run.has_metric(t[1], c) for c in t[2] if c)]


def target_level(m, alpha=TARGET_ALPHA):
    """The level of the intervals of m target cells: 1 - 2·alpha/m (0.95 when
    m is 0). A cell's verdict can only be wrong on one side: when its true
    value is on the missed side only "met" is wrong, and that needs the whole
    interval beyond the truth, one tail of it; on the met side only "missed",
    the other tail. An equal-tailed interval at 1 - 2·alpha/m puts alpha/m in
    each tail, so each cell errs with chance <= alpha/m and the run's cells
    together <= alpha (Bonferroni over one-sided errors, as an equivalence
    test reads a 90 % interval for its 5 %)."""
    return 1 - 2 * alpha / m if m else 0.95


def verdict_of(lo, hi, op, bound):
    """met / missed / inconclusive for an interval [lo, hi] against the goal
    "value op bound" (op "<=" or ">="): met when the whole interval lies on
    the met side, missed when it lies wholly on the other side."""
    if (hi <= bound) if op == "<=" else (lo >= bound):
        return "met"
    if (lo > bound) if op == "<=" else (hi < bound):
        return "missed"
    return "inconclusive"


def set_target_level(runs):
    """Fix the level of the targets' intervals before any compare:
    target_level() of the m target cells of these runs."""
    level = target_level(len(target_cells(runs)))
    for run in runs:
        run.ci_level = level
        run._cmp = {}
    return level


def log_interval(value, lo, hi, level, bound):
    """A cell on the log scale: (z of the interval's level, s, log value, log
    goal), s the standard error of the log of the value that the interval's
    half-width z·s implies; None when there is no interval on the ratio
    scale (a value, end or goal missing or not positive)."""
    if not (value and lo and hi and bound and level) or min(value, lo, hi, bound) <= 0:
        return None
    z = NormalDist().inv_cdf(0.5 + level / 2)
    s = (math.log(hi) - math.log(lo)) / (2 * z)
    return (z, s, math.log(value), math.log(bound)) if s > 0 else None


def rerun_agreement(value, lo, hi, level, op, bound, verdict):
    """The chance that a rerun of the same plan gives this cell the same verdict.

    The value of a rerun is predicted as normal around this one on the log
    scale, with sd √2·s (log_interval's s: the unknown true value, plus the
    rerun's own sampling error), and its interval as equally wide; a rerun
    is met / missed / inconclusive as its interval lies. A cell far from its
    goal gets ~1; one whose interval ends near the goal, about a half: its
    verdict is a coin toss at this number of repetitions. None when there is
    no interval on the ratio scale."""
    cell = log_interval(value, lo, hi, level, bound)
    if cell is None:
        return None
    z, s, c, g = cell
    rerun = NormalDist(c, math.sqrt(2) * s)
    if op == "<=":  # met: upper end <= goal; missed: lower end > goal
        p_met, p_missed = rerun.cdf(g - z * s), 1 - rerun.cdf(g + z * s)
    else:  # met: lower end >= goal; missed: upper end < goal
        p_met, p_missed = 1 - rerun.cdf(g + z * s), rerun.cdf(g - z * s)
    return {"met": p_met, "missed": p_missed,
            "inconclusive": max(0.0, 1 - p_met - p_missed)}[verdict]


def reps_to_settle(value, lo, hi, level, bound, want=0.9):
    """How many times this cell's repetitions would make a rerun agree with
    chance `want`, if the value measured is the true one: the verdict it then
    settles on is met or missed (the side of the goal the value lies on), and
    the standard error shrinks with the square root of the repetitions.
    None without an interval; inf when the value is at the goal."""
    cell = log_interval(value, lo, hi, level, bound)
    if cell is None:
        return None
    z, s, c, g = cell
    if c == g:
        return math.inf
    # P(rerun's interval wholly on the value's side) = Φ((d - z·s_k) / (√2·s_k)) >= want
    s_k = abs(c - g) / (z + math.sqrt(2) * NormalDist().inv_cdf(want))
    return max(1.0, (s / s_k) ** 2)


def target_rows(runs):
    """Per target, what each scenario measured: [(target, [(run, measured, verdict, cls,
    agree)])], agree = (chance a rerun repeats the verdict, factor of repetitions that would
    settle the cell) or None without an interval."""
    out = []
    for t in TARGETS:
        text, metric, (a, b), (op, bound) = t
        found = []
        for run in runs:
            base = {"target": metric, "goal": f"{op} {bound:.6g}", "cell": run.name,
                    "configs": [c for c in (a, b) if c]}
            if b not in run.cfgs or (a is not None and a not in run.cfgs):
                continue
            row = run.row(a or b, b, metric)
            if not row:
                continue
            empty = [c for c, side in ((a or b, row["a"]), (b, row["b"]))
                     if not (side and side.get("n"))]
            if empty:
                # the scenario runs these configurations but one has no samples
                why = f"no {metric} samples in {' and '.join(dict.fromkeys(empty))}"
                found.append((run, f"not measured: {why}", "", "na", None,
                              dict(base, verdict=None, why=why)))
                continue
            stat = run.per_rep_stat(metric)
            pooled = row.get("pooled") or None
            if pooled:
                # a percentile of events: of all of them, pooled over the
                # repetitions, with a cluster-bootstrap interval
                pc = pooled.get("ci") or {}
                value = pooled["b"] if a is None else pooled.get("ratio")
                ci = (dict(pooled.get("b_ci") or {}, level=pc.get("level"), of="pooled")
                      if a is None else dict(pc, of="ratio"))
                stat = (f" of the p{pooled['percentile']:g} of all events, pooled over "
                        f"the repetitions ({pooled['events_a']} and {pooled['events_b']} events)"
                        if a is not None else f" p{pooled['percentile']:g} of all "
                        f"{pooled['events_b']} events, pooled over the repetitions")
            else:
                stat = f" of the per-repetition {stat}" if stat and stat != "value" else ""
                value = row["b"]["median"] if a is None else row.get("ratio")
                if a is None:
                    ci = dict(row["b"].get("median_ci") or {}, of="median")
                else:
                    ci = row.get("ci_fixed") or row.get("ci") or {}
            lo, hi = ci.get("lo"), ci.get("hi")
            if value is None:
                measured = (f"ratio undefined: the median of {a} is 0 "
                            f"({b}: {row['b']['median']:.4g})")
            elif a is None:
                measured = (f"{stat.strip()} = {value:.3g}" if pooled
                            else f"median{stat} = {value:.3g}")
                other = run.row(BASELINE, BASELINE, metric) if BASELINE in run.cfgs else None
                op_ = (other or {}).get("pooled")
                if op_:
                    measured += f" ({BASELINE}: {op_['a']:.3g})"
                elif other and other["a"] and other["a"]["n"]:
                    measured += f" ({BASELINE}: {other['a']['median']:.3g})"
            else:
                measured = f"{b} / {a} = {value:.3g}"
                if stat:
                    measured += f"; {'ratio' if pooled else 'medians'}{stat}"
            if ci.get("of") == "difference":
                why = "a value is 0 or negative: no interval of the ratio"
            elif lo is None or hi is None:
                n = min(row["a"]["n"] if a is not None else row["b"]["n"], row["b"]["n"])
                why = f"{n} repetitions support no interval at {ci.get('level', 0.95) * 100:.3g} %"
            else:
                why = None
                measured += (f", {ci.get('level', 0.95) * 100:.3g} % interval "
                             f"{lo:.3g}–{hi:.3g}")
            verdict = "inconclusive" if why or value is None else verdict_of(lo, hi, op, bound)
            cls = {"met": "good", "missed": "bad"}.get(verdict, "na")
            level = ci.get("level", 0.95)
            agree = None if why or value is None else rerun_agreement(
                value, lo, hi, level, op, bound, verdict)
            if agree is not None:
                measured += f"; a rerun agrees ~{agree * 100:.0f} %"
                agree = (agree, reps_to_settle(value, lo, hi, level, bound))
            if a is not None and row.get("verdict"):
                # the per-repetition rank test of compare (Holm), for reference
                measured += f" (compare: {row['verdict']})"
            if why:
                measured += f" ({why})"
            has_ci = not why and lo is not None and hi is not None
            cell = dict(base, verdict=verdict, value=value, lo=lo if has_ci else None,
                        hi=hi if has_ci else None, level=level if has_ci else None,
                        rerun_agrees=agree[0] if agree else None, why=why, measured=measured)
            found.append((run, measured, verdict, cls, agree, cell))
        out.append((t, found))
    return out


def rerun_summary(rows):
    """One line: the chance that a rerun agrees on every cell (the product
    over the cells with an interval, as if independent) and the cells below
    90 %, or None when no cell has an interval."""
    cells = [(run.name, metric, agree) for (_, metric, _, _), found in rows
             for run, _, _, _, agree, _ in found if agree is not None]
    if not cells:
        return None
    p_all = math.prod(p for _, _, (p, _) in cells)
    weak = []
    for name, metric, (p, k) in cells:
        if p >= 0.9:
            continue
        if k is None or k > 100:
            more = "its value is at the goal: no number of repetitions settles it"
        else:
            more = f"~{k:.2g}x the repetitions would settle it, if its value holds"
        weak.append(f"{name} {metric} ({p * 100:.0f} %; {more})")
    return (f"a rerun of this plan is expected to give all {len(cells)} cells with an interval "
            f"the same verdict with a chance of ~{p_all * 100:.0f} % (the product of the "
            f"cells' chances); cells below 90 %: {'; '.join(weak) if weak else 'none'}")


def short_verdict(cell):
    """"missed 0.859 [0.647–1.22]": a cell's verdict, value and interval."""
    if not cell or not cell.get("verdict"):
        return "not measured"
    out = cell["verdict"]
    if cell.get("value") is not None:
        out += f" {cell['value']:.3g}"
    if cell.get("lo") is not None and cell.get("hi") is not None:
        out += f" [{cell['lo']:.3g}–{cell['hi']:.3g}]"
    return out


def runs_of(exe, run_dir):
    """The result directories of RUN_DIR as Runs: RUN_DIR itself when it holds
    a result.json, else its scenarios (RUN_DIR/<scenario>/result.json) in
    scenarios.plan's order, then the others by name."""
    if os.path.exists(os.path.join(run_dir, "result.json")):
        return [Run(exe, run_dir)]
    planned = [ln[0] for ln in read_lines(os.path.join(run_dir, "scenarios.plan")) or []]
    try:
        names = os.listdir(run_dir)
    except OSError as e:
        die(f"{run_dir}: cannot read: {e}")
    subdirs = sorted(n for n in names if os.path.isfile(os.path.join(run_dir, n, "result.json")))
    order = [n for n in planned if n in subdirs] + [n for n in subdirs if n not in planned]
    return [Run(exe, os.path.join(run_dir, n), n) for n in order]


def setup_of(run_dir, runs):
    """What makes another run a rerun of this one: the plan (scenarios.plan of a
    make-run folder), and per scenario its parameters, planned repetitions,
    kernel release, backend, device and host as result.json records them."""
    plan = None
    if not os.path.exists(os.path.join(run_dir, "result.json")):
        plan = read_lines(os.path.join(run_dir, "scenarios.plan"))
    per = []
    for r in runs:
        d = r.doc
        dev = dict(d.get("device") or {})
        dev.pop("detail", None)  # vlr: says the mode of the repetition that wrote it last
        host = {k: v for k, v in (d.get("host") or {}).items()
                if k != "memory_bytes"}  # what the kernel keeps for itself moves a little
        per.append((r.name, json.dumps((d.get("scenario") or {}).get("parameters"), sort_keys=True),
                    (d.get("repetitions") or {}).get("planned"),
                    (d.get("kernel") or {}).get("release"), (d.get("backend") or {}).get("name"),
                    json.dumps(dev, sort_keys=True), json.dumps(host, sort_keys=True)))
    return plan, per


def setup_differences(mine, theirs):
    """What differs between two setup_of()s, in words ([] when nothing)."""
    out = []
    if mine[0] != theirs[0]:
        out.append("scenarios.plan")
    a, b = dict((p[0], p) for p in mine[1]), dict((p[0], p) for p in theirs[1])
    if sorted(a) != sorted(b):
        out.append(f"scenarios ({', '.join(sorted(a))} / {', '.join(sorted(b))})")
    fields = ("parameters", "repetitions", "kernel", "backend", "device", "host")
    for name in sorted(set(a) & set(b)):
        out += [f"{name}: {f}" + (f" ({a[name][i + 1]} / {b[name][i + 1]})" if f == "kernel" else "")
                for i, f in enumerate(fields) if a[name][i + 1] != b[name][i + 1]]
    return out


def find_previous(exe, run_dir, runs):
    """The newest earlier run beside RUN_DIR (its parent's folders whose names
    sort before it, as make run's UTC stamps do) of the same setup (setup_of):
    (its path, its Runs), or (None, None)."""
    parent = os.path.dirname(os.path.abspath(run_dir))
    me = os.path.basename(os.path.abspath(run_dir))
    mine = setup_of(run_dir, runs)
    try:
        names = sorted((n for n in os.listdir(parent) if n < me), reverse=True)
    except OSError:
        return None, None
    for n in names[:100]:
        d = os.path.join(parent, n)
        if not os.path.isdir(d):
            continue
        # the cheap tests first: a make-run folder is not a result directory,
        # and a folder of another plan is not a rerun (no result.json read)
        if os.path.exists(os.path.join(d, "result.json")) != (mine[0] is None):
            continue
        if mine[0] is not None and read_lines(os.path.join(d, "scenarios.plan")) != mine[0]:
            continue
        try:
            theirs = runs_of(exe, d)
        except ReportError:
            continue  # not a run, or an unreadable one: not a rerun either
        if theirs and not setup_differences(mine, setup_of(d, theirs)):
            return d, theirs
    return None, None


def previous_cells(runs):
    """{(target, cell): cell} of an earlier run (its Runs), judged again from its
    result.json files by this code at that run's own level (1 - 0.1/m for its
    m cells), so that the two runs' verdicts come from the same statistics."""
    set_target_level(runs)
    return {(c["target"], c["cell"]): c for _, found in target_rows(runs) for *_, c in found}


def mark_held(trows, prev):
    """Against an earlier run's cells (previous_cells): set each judged cell's
    "previous" (that run's cell, or None) and "held" (the same verdict: met,
    missed or inconclusive, in both), and return (held, compared, changed,
    unmatched): changed as [(cell name, target, earlier verdict, verdict)],
    unmatched the judged cells the earlier run did not judge."""
    held, compared, changed, unmatched = 0, 0, [], []
    for _, found in trows:
        for *_, cell in found:
            if not cell.get("verdict"):
                continue
            p = prev.get((cell["target"], cell["cell"]))
            if not p or not p.get("verdict"):
                cell["previous"], cell["held"] = None, None
                unmatched.append(f"{cell['cell']} {cell['target']}")
                continue
            cell["previous"] = {k: p.get(k) for k in ("verdict", "value", "lo", "hi", "level")}
            cell["held"] = p["verdict"] == cell["verdict"]
            compared += 1
            if cell["held"]:
                held += 1
            else:
                changed.append((cell["cell"], cell["target"], p["verdict"], cell["verdict"]))
    return held, compared, changed, unmatched


def held_summary(name, marks):
    """One line on how many verdicts held from the earlier run NAME."""
    held, compared, changed, unmatched = marks
    line = f"{held} of {compared} verdicts as in the previous run ({name})"
    if changed:
        line += "; changed: " + "; ".join(f"{c} {t} ({a} → {b})" for c, t, a, b in changed)
    if unmatched:
        line += "; not judged there: " + ", ".join(unmatched)
    return line


def targets_doc(run_dir, runs, trows, prev_name=None, marks=None):
    """targets.json: every target cell as data (results/README.md), with the
    earlier run's verdicts when compared with one."""
    cells = []
    for (_, metric, _, _), found in trows:
        for *_, cell in found:
            cells.append({k: v for k, v in cell.items() if k != "measured"})
    agrees = [c["rerun_agrees"] for c in cells if c.get("rerun_agrees") is not None]
    doc = {"schema": "lrbench-targets", "format_version": 1,
           "run": os.path.basename(os.path.abspath(run_dir)),
           "level": runs[0].ci_level if runs else None,
           "cells": cells,
           "all_agree_chance": math.prod(agrees) if agrees else None,
           "previous": None}
    if marks:
        held, compared, changed, unmatched = marks
        doc["previous"] = {"run": prev_name, "held": held, "compared": compared,
                           "changed": [{"cell": c, "target": t, "was": a, "now": b}
                                       for c, t, a, b in changed],
                           "not_judged_there": unmatched}
    tmp = os.path.join(run_dir, ".targets.json.tmp")
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(run_dir, "targets.json"))
    return doc


def targets_html(runs, multi, trows, prev_name=None, marks=None):
    rows = ""
    pcol = marks is not None
    for (text, metric, (a, b), (op, bound)), found in trows:
        goal = f"<code>{esc(metric)}</code> {esc(op)} {bound:.3g}"
        if not found:
            cols = "<td class=na>–</td>" if multi else ""
            why = NOT_MEASURED
            if multi or any((r.doc.get("backend") or {}).get("name") == "vlr" for r in runs):
                why = (f"not measured in this run (no scenario has {metric} in "
                       f"{' and '.join(c for c in (a, b) if c)})")
            rows += (f"<tr><td>{esc(text)}</td><td>{goal}</td>{cols}<td class='na'>"
                     f"{esc(why)}</td><td class='na'></td>"
                     f"{'<td class=na></td>' if pcol else ''}</tr>\n")
            continue
        for i, (run, measured, verdict, cls, _, cell) in enumerate(found):
            first = (f"<td rowspan={len(found)}>{esc(text)}</td><td rowspan={len(found)}>{goal}</td>"
                     if i == 0 else "")
            scen = f"<td><a href='#scenario-{esc(run.name)}'>{esc(run.name)}</a></td>" if multi else ""
            prev = ""
            if pcol:
                if cell.get("held") is None:
                    prev = "<td class=na>–</td>"
                else:
                    pc = {"met": "good", "missed": "bad"}.get(cell["previous"]["verdict"], "na")
                    pc += "" if cell["held"] else " changed"
                    prev = (f"<td class='{pc}'>{esc(short_verdict(cell['previous']))}: "
                            f"<b>{'held' if cell['held'] else 'changed'}</b></td>")
            rows += (f"<tr>{first}{scen}<td class='{cls}'>{esc(measured)}</td>"
                     f"<td class='{cls}'>{esc(verdict)}</td>{prev}</tr>\n")
    scen_head = "<th>scenario</th>" if multi else ""
    prev_head = f"<th>previous run<br><span class=spread>{esc(prev_name)}</span></th>" if pcol else ""
    summary = rerun_summary(trows)
    return (f"<table class=targets><tr><th>target</th><th>goal</th>{scen_head}<th>measured</th>"
            f"<th></th>{prev_head}</tr>{rows}</table>"
            + (f"<p class=note>Stability: {esc(summary)}.</p>" if summary else "")
            + (f"<p class=note>Held: {esc(held_summary(prev_name, marks))}.</p>" if pcol else ""))


def targets_text(trows, prev_name=None, marks=None):
    lines = ["targets (issues 5, 12):"]
    for (text, metric, _, (op, bound)), found in trows:
        lines.append(f"  {text}  [{metric} {op} {bound:.3g}]")
        if not found:
            lines.append("      not measured in this run")
        for run, measured, verdict, _, _, cell in found:
            line = f"      {run.name}: {measured}" + (f": {verdict}" if verdict else "")
            if marks is not None and cell.get("verdict"):
                line += ("; previous run: not judged" if cell.get("held") is None else
                         f"; previous run: {short_verdict(cell['previous'])}: "
                         f"{'held' if cell['held'] else 'CHANGED'}")
            lines.append(line)
    summary = rerun_summary(trows)
    if summary:
        lines.append(f"  stability: {summary}")
    if marks is not None:
        lines.append(f"  held: {held_summary(prev_name, marks)}")
    return "\n".join(lines)


def plots_html(run_dir, prefix=""):
    pdir = os.path.join(run_dir, "plots")
    if not os.path.isdir(pdir):
        return "<p class=na>No plots (run <code>make plots DIR=…</code> first).</p>", []
    names = sorted(n[:-4] for n in os.listdir(pdir) if n.endswith(".svg"))
    order = lambda n: (0 if n == "scaling" else 1 if n == "timeline" else
                       2 if n.startswith("cdf-") else 3, n)
    names.sort(key=order)
    out = ""
    for n in names:
        with open(os.path.join(pdir, n + ".svg"), "rb") as f:
            data = base64.b64encode(f.read()).decode()
        out += (f"<figure id='plot-{esc(prefix + n)}' data-plot='{esc(n)}'>"
                f"<img alt='{esc(n)}' src='data:image/svg+xml;base64,{data}'>"
                f"<figcaption>{esc(prefix)}plots/{esc(n)}.svg (also .png)</figcaption></figure>\n")
    return out or "<p class=na>No plots in plots/.</p>", names


CSS = """
body{font-family:'DejaVu Sans',sans-serif;margin:2em auto;max-width:1500px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
h3{font-size:1.1em;margin-top:1.5em}h4{font-size:1em;margin:1em 0 .2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f3f3f3}
table.summary td{text-align:right}table.summary td.name,table.summary td:nth-child(2),
table.summary td:nth-child(3){text-align:left}.name{font-family:monospace}
.spread{font-size:.8em;color:#666;font-weight:normal}.na{color:#777}.good{color:#176117}
.bad{color:#a00;font-weight:bold}.changed{background:#fff0b3}.note{font-size:.9em;color:#444}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#666}
"""

SUMMARY_NOTE = """<p class=note>Per metric, the median of the per-repetition values (what one
value is: <code>per_rep_stat</code> in result.json), the range and sample standard deviation
over repetitions. Definitions: results/README.md.</p>"""
TARGETS_NOTE = """<p class=note>The targets of the headline comparison (issues 5, 12), preempt-fence
against open-coded on the vlr device; ratios are medians of the candidate over the baseline, with
the Hodges-Lehmann confidence interval of <code>lrbench compare</code> (for a target on one
configuration's median, an order-statistics interval); a target on a percentile of events
(p99 of the trigger's writes, p50 of restores or normal jobs) takes that percentile of all events,
pooled over the repetitions, with a cluster-bootstrap interval that resamples whole
repetitions. "compare:" is the verdict of compare's per-repetition rank test (Holm), for
reference. Every target cell of the page is judged at
the same level, 1 − 0.1/m for its m cells: a verdict can only be wrong on the side of the goal
opposite its true value, one tail of the interval, 0.05/m, so the chance that any verdict on the page
is wrong stays under 5 % (Bonferroni over one-sided errors), and no cell's level depends on the
other metrics' p-values. A
target is <b>met</b> only when the whole interval lies on the met side of the goal, <b>missed</b>
when it lies wholly on the other side, otherwise <b>inconclusive</b> (more repetitions
needed, or a ratio that is undefined because a median is 0). "A rerun agrees" is the chance
that the same plan run again gives the cell the same verdict: the rerun's value predicted as
normal on the log scale around this one, with √2 times the standard error the interval implies
(the unknown true value and the rerun's own noise), and an interval as wide. Near 100 % the
verdict is far from its goal; near 50 % the interval ends at the goal and either verdict is as
likely: only more repetitions (the lab's <code>REPS=</code>) settle such a cell. The stability
line below the table multiplies the cells' chances and, for each cell under 90 %, says how many
times the repetitions would bring it to 90 % if the value measured is the true one (the standard
error shrinks with the square root of the repetitions). Where the page names a previous run (make
run takes the newest earlier run of the same plan, kernel, device and host; <code>PREVIOUS=</code>),
that run's targets are judged again by the same code and each cell says whether its verdict
<b>held</b> or <b>changed</b>: a claim to make is one that held. All cells are in
<code>targets.json</code> beside this page.</p>"""


def write_page(run_dir, title, body):
    page = (f"<!DOCTYPE html>\n<html lang=en><head><meta charset=utf-8><title>{esc(title)}</title>\n"
            f"<style>{CSS}</style></head><body>\n<h1>{esc(title)}</h1>\n{body}</body></html>\n")
    tmp = os.path.join(run_dir, ".report.html.tmp")
    with open(tmp, "w") as f:
        f.write(page)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(run_dir, "report.html"))


def judge(exe, run_dir, runs, prev_dir):
    """The targets of RUNS (their level already set), compared with the run in
    PREV_DIR when given: (rows, previous run's name, marks); writes targets.json."""
    trows = target_rows(runs)
    prev_name = marks = None
    prev_runs = None
    if prev_dir == "auto":
        prev_dir, prev_runs = find_previous(exe, run_dir, runs) if runs else (None, None)
        print(f"report: previous run: {prev_dir} (the newest earlier run of the same plan, "
              "kernel, device and host)" if prev_dir else
              "report: previous run: none of the same plan, kernel, device and host beside "
              f"{run_dir}: verdicts not compared")
    elif prev_dir:
        prev_runs = runs_of(exe, prev_dir)
        if not prev_runs:
            die(f"--previous {prev_dir}: no result.json in it or in its subfolders")
        diff = setup_differences(setup_of(run_dir, runs), setup_of(prev_dir, prev_runs))
        if diff:
            print(f"report: warning: --previous {prev_dir} is not a rerun of this plan: differs "
                  f"in {'; '.join(diff)}", file=sys.stderr)
    if prev_dir:
        prev_name = os.path.basename(os.path.abspath(prev_dir))
        marks = mark_held(trows, previous_cells(prev_runs))
    targets_doc(run_dir, runs, trows, prev_name, marks)
    return trows, prev_name, marks


def single(exe, run_dir, prev_dir=None):
    run = Run(exe, run_dir)
    set_target_level([run])
    trows, prev_name, marks = judge(exe, run_dir, [run], prev_dir)
    doc = run.doc
    plots, names = plots_html(run_dir)
    title = f"lrbench: {(doc.get('scenario') or {}).get('name')} — {doc.get('start_time')}"
    ev = event_counts(run)
    ev_row = (f"<tr><th>preemptions per repetition</th><td class='{'bad' if ev[4] else ''}'>"
              f"{esc(event_text(ev))} (min–median–max)</td></tr>" if ev else "")
    body = f"""<h2 id=metadata>Run</h2>
<table class=meta>{meta_rows(doc, run.cfgs)}{ev_row}</table>
<h2 id=summary>Summary</h2>
{SUMMARY_NOTE}
{summary_html(run)}
<h2 id=plots>Plots</h2>
{plots}
<h2 id=targets>Targets</h2>
{TARGETS_NOTE}
{targets_html([run], False, trows, prev_name, marks)}
<p class=note>Generated by scripts/report.py from {esc(run.path)}; plots: {len(names)}.</p>
"""
    write_page(run_dir, title, body)
    if ev and ev[4]:
        print(f"report: warning: preemptions of the job's queues per repetition {event_text(ev)}")
    print(targets_text(trows, prev_name, marks))
    print(f"report: {os.path.join(run_dir, 'report.html')} ({len(names)} plots, "
          f"{len(run.cfgs) or 1} configuration{'s' if len(run.cfgs) > 1 else ''})")


MIN_EVENTS = 100  # issue 12: the preempt/restore cycles a vlr repetition should count


def event_counts(run):
    """The preemptions of the job's queues per summarised repetition:
    (min, median, max, repetitions, under MIN_EVENTS, of those with eviction
    trigger writes late or missed), or None when the run records no events
    (OpenCL). A repetition under MIN_EVENTS is one in which the host slowed
    and the open-loop trigger could not keep its schedule."""
    reps = [r for r in (run.doc.get("repetitions") or {}).get("runs") or []
            if isinstance(r, dict) and r.get("in_summaries", True) is not False
            and isinstance((r.get("events") or {}).get("preemptions"), int)]
    if not reps:
        return None
    n = sorted(r["events"]["preemptions"] for r in reps)
    under = [r for r in reps if r["events"]["preemptions"] < MIN_EVENTS]
    late = sum(1 for r in under if (r.get("evict_trigger_late") or 0) + (r.get("evict_trigger_missed") or 0))
    return n[0], n[(len(n) - 1) // 2], n[-1], len(n), len(under), late


def event_text(ev):
    """event_counts() in words."""
    lo, med, hi, n, under, late = ev
    out = f"{lo}–{med}–{hi}"
    if under:
        out += (f"; {under} of {n} repetitions under {MIN_EVENTS}"
                + (f" ({late} with eviction trigger writes late or missed: the trigger could not "
                   "keep its schedule, e.g. on a slowed host)" if late else ""))
    return out


def read_lines(path):
    try:
        with open(path) as f:
            return [ln.split() for ln in f if ln.strip() and not ln.startswith("#")]
    except OSError:
        return None


def multi(exe, run_dir, prev_dir=None):
    planned = read_lines(os.path.join(run_dir, "scenarios.plan"))
    done = {ln[0]: ln[1:] for ln in read_lines(os.path.join(run_dir, "scenarios.done")) or []}
    subdirs = sorted(n for n in os.listdir(run_dir)
                     if os.path.isfile(os.path.join(run_dir, n, "result.json")))
    order = [ln[0] for ln in planned or []]
    order += [n for n in subdirs if n not in order]
    if not subdirs and planned is None:
        die(f"{run_dir}: no result.json in it or in its subfolders")
    runs, status_rows, warnings = [], "", []
    for name in order:
        d = os.path.join(run_dir, name)
        plan = next((ln for ln in planned or [] if ln[0] == name), None)
        plan_txt = f"{plan[1]} × {plan[2]} s" if plan and len(plan) >= 3 else "–"
        if name not in subdirs:
            ex = done.get(name)
            why = (f"not measured in this run: lrbench exit {ex[0]} without a result "
                   f"(see console.log)" if ex else
                   "not run: the run ended before this scenario started")
            status_rows += (f"<tr><td class=name>{esc(name)}</td><td>{esc(plan_txt)}</td>"
                            f"<td class=na colspan=5>{esc(why)}</td></tr>\n")
            continue
        run = Run(exe, d, name)
        runs.append(run)
        doc = run.doc
        reps = doc.get("repetitions") or {}
        ex = done.get(name)
        ex_txt = (f"exit {ex[0]} after {ex[1]} s" if ex and len(ex) >= 2
                  else "did not finish (killed or interrupted)" if plan else "–")
        st = doc.get("status")
        cls = "good" if st == "pass" and ex and ex[0] == "0" else "bad" if st == "fail" else ""
        ev = event_counts(run)
        ev_txt, ev_cls = (event_text(ev), "bad" if ev[4] else "") if ev else ("–", "na")
        if ev and ev[4]:
            warnings.append(f"{name}: preemptions of the job's queues per repetition {ev_txt}")
        status_rows += (f"<tr><td class=name><a href='#scenario-{esc(name)}'>{esc(name)}</a></td>"
                        f"<td>{esc(plan_txt)}</td><td class='{cls}'>{esc(st)}"
                        f"{esc(': ' + doc['reason']) if doc.get('reason') else ''}</td>"
                        f"<td>{esc(reps.get('done'))} of {esc(reps.get('planned'))}</td>"
                        f"<td>{esc(', '.join(run.cfgs) or '–')}</td><td class='{ev_cls}'>{esc(ev_txt)}</td>"
                        f"<td>{esc(ex_txt)}</td></tr>\n")
    set_target_level(runs)
    trows, prev_name, marks = judge(exe, run_dir, runs, prev_dir)
    stamp = os.path.basename(os.path.abspath(run_dir))
    title = f"lrbench: make run {stamp}"
    meta = "<p class=na>No scenario wrote a result.</p>"
    if runs:
        d0 = runs[0].doc
        rows = meta_rows(d0, runs[0].cfgs)
        # the run-wide rows only: scenario/repetitions/configurations/status are per scenario
        keep = ("suite version", "kernel", "kernel series", "backend", "device", "host")
        rows = "".join(r for r in rows.splitlines(True)
                       if any(r.startswith(f"<tr><th>{k}</th>") for k in keep))
        total = sum((r.doc.get("duration_s") or 0) for r in runs)
        rows += (f"<tr><th>started</th><td>{esc(d0.get('start_time'))}, "
                 f"{total:.0f} s of lrbench runs</td></tr>\n")
        meta = f"<table class=meta>{rows}</table>"
    body = f"""<h2 id=metadata>Run</h2>
{meta}
<table class=scenarios><tr><th>scenario</th><th>planned<br><span class=spread>repetitions ×
seconds</span></th><th>status</th><th>repetitions</th><th>configurations</th><th>preemptions per
repetition<br><span class=spread>min–median–max</span></th><th>lrbench</th></tr>
{status_rows}</table>
<h2 id=targets>Targets</h2>
{TARGETS_NOTE}
{targets_html(runs, True, trows, prev_name, marks)}
"""
    nplots = 0
    for run in runs:
        s = run.doc.get("scenario") or {}
        plots, names = plots_html(run.dir, run.name + "/")
        nplots += len(names)
        # the scaling plot is that scenario's headline: above its (long) tables
        lead = ""
        m = re.match(r"(<figure id='plot-[^']*scaling' .*?</figure>\n)", plots, re.S)
        if m:
            lead, plots = m.group(1), plots[len(m.group(1)):]
        body += f"""<h2 id='scenario-{esc(run.name)}'>Scenario {esc(run.name)}</h2>
<p>{esc(s.get('description') or '')}</p>
<details><summary>run details</summary><table class=meta>{meta_rows(run.doc, run.cfgs)}</table></details>
{lead}<h3>Summary</h3>
{SUMMARY_NOTE}
{summary_html(run)}
<h3>Plots</h3>
{plots}
"""
    body += (f"<p class=note>Generated by scripts/report.py from {esc(run_dir)}: "
             f"{len(runs)} scenarios, {nplots} plots.</p>\n")
    write_page(run_dir, title, body)
    for w in warnings:
        print(f"report: warning: {w}")
    print(targets_text(trows, prev_name, marks))
    print(f"report: {os.path.join(run_dir, 'report.html')} ({len(runs)} scenarios, "
          f"{nplots} plots)")


def main(argv):
    args = argv[1:]
    prev_dir = None
    if len(args) == 3 and args[1] == "--previous":
        prev_dir = args[2].rstrip("/") or "/"
        args = args[:1]
    if len(args) != 1 or args[0] in ("-h", "--help") or args[0].startswith("-"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    run_dir = args[0].rstrip("/") or "/"
    try:
        if not os.path.isdir(run_dir):
            die(f"{run_dir}: no such directory")
        if prev_dir and prev_dir != "auto":
            if not os.path.isdir(prev_dir):
                die(f"--previous {prev_dir}: no such directory")
            if os.path.realpath(prev_dir) == os.path.realpath(run_dir):
                die(f"--previous {prev_dir}: is the run itself")
            if not (os.path.exists(os.path.join(prev_dir, "result.json"))
                    or glob.glob(os.path.join(glob.escape(prev_dir), "*", "result.json"))):
                die(f"--previous {prev_dir}: no result.json in it or in its subfolders")
        exe = lrbench()
        if os.path.exists(os.path.join(run_dir, "result.json")):
            single(exe, run_dir, prev_dir)
        else:
            multi(exe, run_dir, prev_dir)
    except ReportError as e:
        print(f"report: {e}", file=sys.stderr)
        return e.code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
