#!/usr/bin/python3
"""Static HTML report of one lrbench run: scripts/report.py RUN_DIR

Writes RUN_DIR/report.html (atomically): the run's metadata, the summary
table, every plot in RUN_DIR/plots/ (SVG inlined as data: URIs, so the page
has no external assets) and the issue-5 targets with the measured ratio
where the run has the data. All statistics come from `lrbench compare
--json` (the same code as the terminal comparison): per configuration a
self-comparison gives median, min, max, stddev; between configurations
the baseline (open-coded when present, else the first) is side A.

Environment: LRBENCH (default build/bin/lrbench of this tree).
Exit 0 on success, 1 when lrbench fails, 2 on usage or input errors.
"""
import base64
import html
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
BASELINE = "open-coded"
CANDIDATE = "preempt-fence"
NOT_MEASURED = "not measured in this run (needs the vlr backend)"

# The targets of issue 5. Each: text, metric, configurations (A = baseline,
# B = candidate; None = the metric's value itself in config B), the goal as
# (op, bound) on the ratio median(B) / median(A), or on the median itself.
TARGETS = [
    ("pipelined restore median within 1.5x of the copy-bandwidth bound",
     "restore_bound_ratio", (None, CANDIDATE), ("<=", 1.5)),
    ("preempt-fence no worse than open-coded on throughput retained (ratio >= 1/1.05)",
     "throughput_retained", (BASELINE, CANDIDATE), (">=", 1 / 1.05)),
    ("preempt-fence no worse than open-coded on stall (ratio <= 1.05, lower is better)",
     "stall_latency", (BASELINE, CANDIDATE), ("<=", 1.05)),
    ("at least 2x better than open-coded on restore-worker occupancy",
     "restore_worker_occupancy", (BASELINE, CANDIDATE), ("<=", 0.5)),
    ("at least 2x better than open-coded on normal-job latency behind throttled LR jobs",
     "normal_job_latency", (BASELINE, CANDIDATE), ("<=", 0.5)),
    ("at least 2x better than open-coded on restore latency with 8 competing queues",
     "restore_latency", (BASELINE + "-q8", CANDIDATE + "-q8"), ("<=", 0.5)),
]


def die(msg, code=2):
    print(f"report: {msg}", file=sys.stderr)
    sys.exit(code)


def esc(x):
    return html.escape(str(x), quote=True)


def fmt(x, pct=False):
    if x is None:
        return "–"
    if isinstance(x, str):
        return esc(x)
    if pct:
        return f"{x:+.1f} %"
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return f"{x:.4g}"
    return f"{x:.4g}"


def lrbench():
    exe = os.environ.get("LRBENCH") or os.path.join(ROOT, "build", "bin", "lrbench")
    if not os.access(exe, os.X_OK):
        die(f"{exe} is not built (make all)")
    return exe


def compare(exe, run_dir, a_cfg, b_cfg):
    """lrbench compare --json of two configurations of the run; None without data."""
    cmd = [exe, "compare", "--json", run_dir, run_dir]
    if a_cfg:
        cmd += ["--a-config", a_cfg]
    if b_cfg:
        cmd += ["--b-config", b_cfg]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        msg = p.stderr.strip().splitlines()
        if msg and "no metric has data" in msg[0]:
            return None
        die(f"{' '.join(cmd)}: exit {p.returncode}: {' '.join(msg)}", 1)
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        die(f"{' '.join(cmd)}: unreadable output: {e}", 1)


def configs_of(doc):
    names = []
    for m in doc.get("metrics") or []:
        c = m.get("config")
        if c and c not in names:
            names.append(c)
    return names


def meta_rows(doc, cfgs):
    k, b = doc.get("kernel") or {}, doc.get("backend") or {}
    d, h, s = doc.get("device") or {}, doc.get("host") or {}, doc.get("scenario") or {}
    reps = doc.get("repetitions") or {}
    gib = 1024 ** 3
    rows = [
        ("status", f"{doc.get('status')}" + (f": {doc.get('reason')}" if doc.get("reason") else "")
         + (" (cancelled)" if doc.get("cancelled") else "")),
        ("suite version", doc.get("suite_version")),
        ("started", f"{doc.get('start_time')}, {doc.get('duration_s', 0):.1f} s"),
        ("scenario", f"{s.get('name')} ({s.get('file')}): {s.get('description')}"),
        ("repetitions", f"{reps.get('done')} of {reps.get('planned')}"),
        ("configurations", ", ".join(cfgs) if cfgs else "one (no config field)"),
        ("kernel", f"{k.get('release')} {k.get('version', '')}"),
        ("kernel series", k.get("series") or "– (not recorded by this backend)"),
        ("mode", k.get("mode") or "– (not recorded by this backend)"),
        ("backend", f"{b.get('name')}, device selector {b.get('device_selector') or 'default'}"),
        ("device", (f"{d.get('name')} ({d.get('vendor')}, {d.get('version')}), "
                    f"{d.get('compute_units')} compute units, "
                    f"{(d.get('global_mem_bytes') or 0) / gib:.3g} GiB global memory")
         if d else "not opened"),
        ("host", f"{h.get('sysname')} {h.get('machine')}, {h.get('cpu_model')}, "
                 f"{h.get('ncpus')} CPUs, {(h.get('memory_bytes') or 0) / gib:.3g} GiB"),
    ]
    return "".join(f"<tr><th>{esc(a)}</th><td>{esc(v)}</td></tr>\n" for a, v in rows)


def side_cell(side):
    if not side or not side.get("n"):
        return "<td class=na>no data</td>"
    sd = side.get("stddev_pct")
    return (f"<td><b>{fmt(side['median'])}</b><br><span class=spread>"
            f"{fmt(side['min'])} – {fmt(side['max'])}"
            f"{'' if sd is None else f', ±{sd:.1f} %'}, n={side['n']}</span></td>")


def verdict_cell(row):
    v = row["verdict"]
    cls = {"regression": "bad", "improvement": "good"}.get(v, "")
    ch = row.get("change_pct")
    ch = ch if isinstance(ch, str) else (None if ch is None else f"{ch:+.1f} %")
    text = {"unchanged": "not significant"}.get(v, v)
    return (f"<td>{fmt(row.get('ratio'))}</td><td>{esc(ch or '–')}</td>"
            f"<td class='{cls}'>{esc(text)}</td>")


def summary_table(exe, run_dir, cfgs):
    """HTML table and the pair comparisons (for the targets)."""
    pairs = {}
    if len(cfgs) < 2:
        c = cfgs[0] if cfgs else None
        self_cmp = compare(exe, run_dir, c, c)
        if not self_cmp:
            return "<p class=na>No metric has data in this run.</p>", pairs
        head = ("<tr><th>metric</th><th>unit</th><th>better</th>"
                "<th>median<br><span class=spread>min – max, ±stddev, n reps</span></th></tr>")
        body = "".join(
            f"<tr><td class=name>{esc(r['name'])}</td><td>{esc(r['unit'])}</td>"
            f"<td>{esc(r['direction'])}</td>{side_cell(r['a'])}</tr>\n"
            for r in self_cmp["rows"])
        return f"<table class=summary>{head}{body}</table>", pairs
    base = BASELINE if BASELINE in cfgs else cfgs[0]
    others = [c for c in cfgs if c != base]
    selfs = {c: compare(exe, run_dir, c, c) for c in cfgs}
    for c in others:
        pairs[(base, c)] = compare(exe, run_dir, base, c)
    names = []
    for c in cfgs:
        for r in (selfs[c] or {}).get("rows", []):
            if r["name"] not in [n for n, _ in names]:
                names.append((r["name"], r))
    head = "<tr><th>metric</th><th>unit</th><th>better</th>"
    head += "".join(f"<th>{esc(c)}<br><span class=spread>median; min – max, ±stddev, n</span></th>"
                    for c in cfgs)
    head += "".join(f"<th>{esc(c)} / {esc(base)}<br><span class=spread>ratio of medians</span></th>"
                    f"<th>%change<br><span class=spread>of means</span></th><th>significant?</th>"
                    for c in others)
    head += "</tr>"
    body = ""
    for name, r0 in names:
        body += (f"<tr><td class=name>{esc(name)}</td><td>{esc(r0['unit'])}</td>"
                 f"<td>{esc(r0['direction'])}</td>")
        for c in cfgs:
            row = next((r for r in (selfs[c] or {}).get("rows", []) if r["name"] == name), None)
            body += side_cell(row["a"] if row else None)
        for c in others:
            row = next((r for r in (pairs[(base, c)] or {}).get("rows", [])
                        if r["name"] == name), None)
            body += verdict_cell(row) if row else "<td colspan=3 class=na>–</td>"
        body += "</tr>\n"
    thr = next((p["threshold_pct"] for p in pairs.values() if p), 5)
    note = (f"<p class=note>Significant: the per-repetition ranges of the two configurations "
            f"do not overlap and the change of the means exceeds {thr:g} % (lkp-tests style; "
            f"<code>lrbench compare</code>). Regression/improvement follow each metric's "
            f"better direction.</p>")
    return f"<table class=summary>{head}{body}</table>{note}", pairs


def targets_table(exe, run_dir, cfgs):
    rows = ""
    for text, metric, (a, b), (op, bound) in TARGETS:
        measured, verdict, cls = NOT_MEASURED, "", "na"
        if b in cfgs and (a is None or a in cfgs):
            cmp = compare(exe, run_dir, a or b, b)
            row = next((r for r in (cmp or {}).get("rows", []) if r["name"] == metric), None)
            if row and row["a"] and row["b"] and row["a"]["n"] and row["b"]["n"]:
                value = row["b"]["median"] if a is None else row.get("ratio")
                if value is None:
                    measured = (f"ratio undefined: the median of {a} is 0 "
                                f"({b}: {row['b']['median']:.4g})")
                else:
                    met = value <= bound if op == "<=" else value >= bound
                    what = "median" if a is None else f"{b} / {a}"
                    measured = f"{what} = {value:.3g}"
                    if a is not None:
                        measured += f" ({row['verdict']})"
                    verdict, cls = ("met", "good") if met else ("missed", "bad")
        rows += (f"<tr><td>{esc(text)}</td><td><code>{esc(metric)}</code> {esc(op)} {bound:.3g}"
                 f"</td><td class='{cls}'>{esc(measured)}</td><td class='{cls}'>{esc(verdict)}"
                 f"</td></tr>\n")
    return ("<table class=targets><tr><th>target</th><th>goal</th><th>measured</th>"
            f"<th></th></tr>{rows}</table>")


def plots_html(run_dir):
    pdir = os.path.join(run_dir, "plots")
    if not os.path.isdir(pdir):
        return "<p class=na>No plots (run <code>make plots DIR=…</code> first).</p>", []
    names = sorted(n[:-4] for n in os.listdir(pdir) if n.endswith(".svg"))
    order = lambda n: (0 if n == "timeline" else 1 if n.startswith("cdf-") else 2, n)
    names.sort(key=order)
    out = ""
    for n in names:
        with open(os.path.join(pdir, n + ".svg"), "rb") as f:
            data = base64.b64encode(f.read()).decode()
        out += (f"<figure id='plot-{esc(n)}' data-plot='{esc(n)}'>"
                f"<img alt='{esc(n)}' src='data:image/svg+xml;base64,{data}'>"
                f"<figcaption>plots/{esc(n)}.svg (also .png)</figcaption></figure>\n")
    return out or "<p class=na>No plots in plots/.</p>", names


CSS = """
body{font-family:'DejaVu Sans',sans-serif;margin:2em auto;max-width:1500px;color:#222;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #ccc;padding:.3em .6em;
text-align:left;vertical-align:top}th{background:#f3f3f3}
table.summary td{text-align:right}table.summary td.name,table.summary td:nth-child(2),
table.summary td:nth-child(3){text-align:left}.name{font-family:monospace}
.spread{font-size:.8em;color:#666;font-weight:normal}.na{color:#777}.good{color:#176117}
.bad{color:#a00;font-weight:bold}.note{font-size:.9em;color:#444}
figure{margin:1em 0}figure img{max-width:100%;border:1px solid #eee}
figcaption{font-size:.85em;color:#666}
"""


def main(argv):
    if len(argv) != 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip(), file=sys.stderr)
        return 2
    run_dir = argv[1].rstrip("/") or "/"
    path = os.path.join(run_dir, "result.json")
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        die(f"{path}: cannot read: {e}")
    if doc.get("schema") != "lrbench-result" or doc.get("format_version") != 1:
        die(f"{path}: not an lrbench-result v1 document")
    exe = lrbench()
    cfgs = configs_of(doc)
    summary, _ = summary_table(exe, run_dir, cfgs)
    plots, names = plots_html(run_dir)
    title = f"lrbench: {(doc.get('scenario') or {}).get('name')} — {doc.get('start_time')}"
    page = f"""<!DOCTYPE html>
<html lang=en><head><meta charset=utf-8><title>{esc(title)}</title>
<style>{CSS}</style></head><body>
<h1>{esc(title)}</h1>
<h2 id=metadata>Run</h2>
<table class=meta>{meta_rows(doc, cfgs)}</table>
<h2 id=summary>Summary</h2>
<p class=note>Per metric, the median of the per-repetition values (what one value is:
<code>per_rep_stat</code> in result.json), the range and sample standard deviation over
repetitions. Definitions: results/README.md.</p>
{summary}
<h2 id=plots>Plots</h2>
{plots}
<h2 id=targets>Targets</h2>
<p class=note>The targets of the headline comparison (issue 5), preempt-fence against
open-coded on the vlr device; ratios are medians of the candidate over the baseline.</p>
{targets_table(exe, run_dir, cfgs)}
<p class=note>Generated by scripts/report.py from {esc(path)}; plots: {len(names)}.</p>
</body></html>
"""
    tmp = os.path.join(run_dir, ".report.html.tmp")
    with open(tmp, "w") as f:
        f.write(page)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, os.path.join(run_dir, "report.html"))
    print(f"report: {os.path.join(run_dir, 'report.html')} ({len(names)} plots, "
          f"{len(cfgs) or 1} configuration{'s' if len(cfgs) > 1 else ''})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
