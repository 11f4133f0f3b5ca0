#!/usr/bin/python3
"""Prepare gnuplot data for the plot templates beside this file.

Usage: scripts/plots/prep.py RUN_DIR WORK_DIR

Reads RUN_DIR/result.json (schema lrbench-result v1) and the CSV files it
names, writes into WORK_DIR one data file and one variables file
(NAME.vars.gp, gnuplot arrays and strings) per plot, and prints one line per
plot: "TEMPLATE NAME" (e.g. "cdf.gp cdf-stall_latency"). plots.sh runs
gnuplot on each. Configurations (the optional `config` of metrics, of
repetitions and the optional `config` column of the CSVs) are overlaid in
one colour each; a run without configurations is one configuration named
after its mode or backend.

Exit 0 with nothing printed when the run has nothing to plot (a skip),
2 on unreadable or invalid input (message names the file).
"""
import csv
import json
import math
import os
import re
import sys

SCHEMA, FORMATS = "lrbench-result", (1, 2)
# diagnostics of the harness itself: not plotted as results
SKIP_BARS = {"sampler_cpu", "sampler_lateness", "sampler_overruns", "throughput_bytes",
             "verify_failures"}
SKIP_CDF = {"sampler_lateness"}
# the restore stages have their own stacked plot (restore-stages)
STAGE_PREFIX = "restore_stage_"
STAGES = [("own_evict", "own eviction copies done"), ("to_worker", "resuming pass begins"),
          ("worker", "pass ends"), ("copies", "pass's copies done"),
          ("resume", "queue resumed"), ("pickup", "queue runs")]
MAX_PANELS = 32
MAX_CONFIGS = 8  # colours in common.gp


def die(msg):
    print(f"plots: {msg}", file=sys.stderr)
    sys.exit(2)


def gp_str(s):
    """A gnuplot string literal (single quotes; '' escapes a quote)."""
    return "'" + str(s).replace("'", "''") + "'"


def gp_array(name, values):
    if not values:
        return f"{name}_n = 0\n"
    items = ", ".join(gp_str(v) if isinstance(v, str) else repr(v) for v in values)
    return f"{name}_n = {len(values)}\narray {name}[{len(values)}] = [{items}]\n"


def load(run_dir):
    path = os.path.join(run_dir, "result.json")
    try:
        with open(path) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        die(f"{path}: cannot read: {e}")
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA:
        die(f"{path}: not an {SCHEMA} document")
    if doc.get("format_version") not in FORMATS:
        die(f"{path}: format_version {doc.get('format_version')}, plots read {FORMATS}")
    if not isinstance(doc.get("metrics"), list):
        die(f"{path}: metrics: missing or not an array")
    return doc


def default_config(doc):
    mode = (doc.get("kernel") or {}).get("mode")
    return mode or (doc.get("backend") or {}).get("name") or "run"


def read_csv(run_dir, name):
    """Rows of a CSV beside result.json as dicts; [] when the file is absent."""
    path = os.path.join(run_dir, name)
    if not os.path.exists(path):
        return []
    try:
        with open(path, newline="") as f:
            return list(csv.DictReader(f))
    except (OSError, csv.Error) as e:
        die(f"{path}: {e}")


def num(x):
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def median(vals):
    """Nearest-rank median, the one definition lrbench uses everywhere
    (bench/stats.c): the smallest value with at least half at or below it."""
    v = sorted(vals)
    if not v:
        return None
    return v[math.ceil(len(v) / 2) - 1]


def rep_configs(doc, dflt):
    """rep number -> config, from repetitions.runs[].config."""
    out = {}
    for r in (doc.get("repetitions") or {}).get("runs") or []:
        if isinstance(r, dict) and isinstance(r.get("rep"), int):
            out[r["rep"]] = r.get("config") or dflt
    return out


class Configs:
    """Stable order of configurations: first appearance."""

    def __init__(self):
        self.names = []

    def index(self, name):
        if name not in self.names:
            self.names.append(name)
        return self.names.index(name) + 1


def timeline(doc, run_dir, work, cfgs, dflt):
    files = doc.get("files") or {}
    rows = read_csv(run_dir, files.get("timeline", "timeline.csv"))
    if not rows:
        return None
    repcfg = rep_configs(doc, dflt)
    job = doc.get("job") or {}
    use_bytes = bool(job.get("unit_bytes"))
    unit = "bytes/s" if use_bytes else f"{job.get('unit', 'units')}/s"
    series = {}  # (config, rep) -> [(t, y)]
    for i, r in enumerate(rows, 2):
        t, y = num(r.get("time_s")), num(r.get("bytes_per_s" if use_bytes else "rate"))
        try:
            rep = int(r.get("rep", ""))
        except ValueError:
            die(f"{files.get('timeline')}:{i}: rep '{r.get('rep')}' is not an integer")
        if t is None:
            die(f"{files.get('timeline')}:{i}: time_s '{r.get('time_s')}' is not a number")
        cfg = r.get("config") or repcfg.get(rep, dflt)
        series.setdefault((cfg, rep), []).append((t, y))
    keys = sorted(series, key=lambda k: (cfgs.index(k[0]), k[1]))
    with open(os.path.join(work, "timeline.dat"), "w") as f:
        for cfg, rep in keys:
            f.write(f"# {cfg} rep {rep}\n")
            for t, y in series[(cfg, rep)]:
                f.write(f"{t:.6f} {'NaN' if y is None else repr(y)}\n")
            f.write("\n\n")
    # per configuration: the median over its repetitions on a common time grid
    # (each repetition's value at t is that of its window containing t)
    win = num(((doc.get("scenario") or {}).get("parameters") or {}).get("scenario", {}).get(
        "timeline_ms")) or 100.0
    step = max(win / 1000.0, 0.01)
    med_cfgs = []
    with open(os.path.join(work, "timeline-median.dat"), "w") as f:
        for cfg in [c for c in cfgs.names if any(k[0] == c for k in keys)]:
            reps = [sorted(series[k], key=lambda p: p[0]) for k in keys if k[0] == cfg]
            t_max = max(p[0] for r in reps for p in r)
            f.write(f"# {cfg}: median over {len(reps)} repetitions, {step * 1000:g} ms grid\n")
            idx = [0] * len(reps)
            g = step / 2
            while g <= t_max:
                vals = []
                for j, r in enumerate(reps):
                    while idx[j] < len(r) and r[idx[j]][0] < g:
                        idx[j] += 1
                    if idx[j] < len(r) and r[idx[j]][1] is not None:
                        vals.append(r[idx[j]][1])
                m = median(vals) if len(vals) * 2 > len(reps) else None
                f.write(f"{g:.6f} {'NaN' if m is None else repr(m)}\n")
                g += step
            f.write("\n\n")
            med_cfgs.append(cfg)
    # pressure allocations and live pressure memory
    prows = read_csv(run_dir, files.get("pressure", "pressure.csv"))
    pseries = {}
    for i, r in enumerate(prows, 2):
        if r.get("op") == "evict":  # trigger writes: not pressure memory
            continue
        t, live = num(r.get("time_s")), num(r.get("live_bytes"))
        try:
            rep = int(r.get("rep", ""))
        except ValueError:
            die(f"{files.get('pressure')}:{i}: rep '{r.get('rep')}' is not an integer")
        if t is None or live is None:
            die(f"{files.get('pressure')}:{i}: time_s/live_bytes not numbers")
        cfg = r.get("config") or repcfg.get(rep, dflt)
        pseries.setdefault((cfg, rep), []).append((t, live / 2**20, r.get("op") == "alloc"))
    pkeys = sorted(pseries, key=lambda k: (cfgs.index(k[0]), k[1]))
    # device memory (VRAM on vlr): an allocation that brings live pressure
    # memory plus the job's buffer past it can only be placed by evicting
    dev_mib = num((doc.get("device") or {}).get("global_mem_bytes"))
    dev_mib = dev_mib / 2**20 if dev_mib else None
    job_mib = (num(((doc.get("scenario") or {}).get("parameters") or {}).get("job", {}).get(
        "buffer_bytes")) or 0) / 2**20
    with open(os.path.join(work, "pressure.dat"), "w") as f:
        for k in pkeys:
            f.write(f"# {k[0]} rep {k[1]}: time_s live_MiB is_alloc evicts\n")
            for t, live, alloc in pseries[k]:
                ev = 1 if alloc and dev_mib and live + job_mib > dev_mib else 0
                f.write(f"{t:.6f} {live:.3f} {1 if alloc else 0} {ev}\n")
            f.write("\n\n")
    # phase boundaries: medians over repetitions (phases have the same length in every rep)
    starts = {p: [] for p in ("warmup", "baseline", "pressure", "cooldown")}
    ends, shade = [], []
    for r in (doc.get("repetitions") or {}).get("runs") or []:
        ps = r.get("phase_start_s") or {}
        for p in starts:
            if num(ps.get(p)) is not None:
                starts[p].append(num(ps.get(p)))
        if num(r.get("duration_s")) is not None:
            ends.append(num(r.get("duration_s")))
        # each repetition's own pressure phase (they differ when an allocation overruns)
        a = num(ps.get("pressure"))
        b = num(ps.get("cooldown"))
        b = b if b is not None else num(r.get("duration_s"))
        if a is not None and b is not None:
            shade.append((a, b))
    ph = [median(starts[p]) for p in starts] + [median(ends)]
    ph = [x if x is not None else "NaN" for x in ph]
    titles, colors, first = [], [], set()
    nrep = {}
    for cfg, _ in keys:
        nrep[cfg] = nrep.get(cfg, 0) + 1
    for cfg, rep in keys:
        colors.append(cfgs.index(cfg))
        titles.append(f"{cfg} ({nrep[cfg]} rep{'s' if nrep[cfg] > 1 else ''})"
                      if cfg not in first else "")
        first.add(cfg)
    with open(os.path.join(work, "timeline.vars.gp"), "w") as f:
        f.write(gp_array("tl_title", titles))
        f.write(gp_array("tl_color", colors))
        if len(med_cfgs) <= 2:
            f.write(gp_array("med_title", [f"{c}: median of {nrep[c]} repetitions (thin: each)"
                                           for c in med_cfgs]))
        else:  # many configurations: short entries, several per legend row
            f.write(gp_array("med_title", [f"{c} ({nrep[c]} reps)" for c in med_cfgs]))
        many = len(med_cfgs) > 2
        f.write(f"key_many = {1 if many else 0}\n")
        # legend rows: 3 entries a row when many, else (horizontal key) ~2 a row
        f.write(f"key_rows = {-(-(len(med_cfgs) + 2) // 3) if many else -(-(len(med_cfgs) + 2) // 2)}\n")
        f.write(f"pr_title = {gp_str('live pressure (right, MiB)' if many else 'live pressure memory (right axis, MiB)')}\n")
        f.write(f"ev_title_evicts = {gp_str('allocation that evicts' if many else 'allocation past device memory: evicts (right axis)')}\n")
        # y axis: up to the 99.5th percentile of all windows (or the highest
        # median, if higher), so one spike does not flatten every curve; the
        # plot says how many windows lie above its top edge
        allv = sorted(y for k in keys for _, y in series[k] if y is not None)
        top = None
        if allv:
            p995 = allv[min(len(allv) - 1, int(0.995 * len(allv)))]
            top = p995 * 1.1
            above = [y for y in allv if y > top]
            if above and top > 0:
                f.write(f"y_top = {top!r}\n")
                f.write(f"y_clip = {gp_str(f'{len(above)} of {len(allv)} windows above the top edge (highest {above[-1]:.3g} {unit})')}\n")
                top = None
        if top is not None or not allv:
            f.write("y_top = NaN\ny_clip = ''\n")
        f.write(gp_array("med_color", [cfgs.index(c) for c in med_cfgs]))
        f.write(f"dev_mib = {dev_mib if dev_mib else 'NaN'}\n")
        f.write(f"job_mib = {job_mib!r}\n")
        f.write(f"pr_n = {len(pkeys)}\n")
        lives = [live for k in pkeys for _, live, _ in pseries[k]]
        top = max(lives) if lives and max(lives) > 0 else 1
        if dev_mib and dev_mib < 4 * top:
            top = max(top, dev_mib)
        f.write(f"live_max = {top}\n")
        f.write(f"ylabel = {gp_str('job throughput (' + unit + ')')}\n")
        f.write(f"window_ms = {((doc.get('scenario') or {}).get('parameters') or {}).get('scenario', {}).get('timeline_ms', 'NaN')}\n")
        f.write("array phase_t[5] = [" + ", ".join(str(x) for x in ph) + "]\n")
        # the x axis ends with the last timeline window (a repetition's
        # duration_s also counts the final stop and verification)
        t_last = max((t for k in keys for t, _ in series[k]), default=None)
        f.write(f"t_end = {t_last if t_last else (max(ends) if ends else 'NaN')}\n")
        f.write(gp_array("shade_a", [a for a, _ in shade]))
        f.write(gp_array("shade_b", [b for _, b in shade]))
        f.write(f"plot_title = {gp_str(title_prefix(doc) + ': throughput over time')}\n")
    return "timeline"


def printable(s):
    """Text for a title: control characters become spaces, runs of spaces one."""
    return " ".join("".join(c if c.isprintable() else " " for c in str(s)).split())


def title_prefix(doc):
    sc = (doc.get("scenario") or {}).get("name") or "?"
    dev = (doc.get("device") or {}).get("name") or "no device"
    return printable(f"{sc} on {(doc.get('backend') or {}).get('name', '?')} ({dev})")


def cdfs(doc, work, cfgs, dflt):
    by_name = {}
    for m in doc["metrics"]:
        h = m.get("histogram")
        if (not isinstance(h, dict) or m.get("name") in SKIP_CDF
                or m.get("name", "").startswith(STAGE_PREFIX)):
            continue
        by_name.setdefault(m["name"], []).append(m)
    out = []
    for name, ms in by_name.items():
        ms.sort(key=lambda m: cfgs.index(m.get("config") or dflt))
        titles, colors, counts, lo_hi = [], [], [], []
        with open(os.path.join(work, f"cdf-{name}.dat"), "w") as f:
            for m in ms:
                cfg = m.get("config") or dflt
                bins = m["histogram"].get("bins") or []
                total = sum(b[2] for b in bins)
                f.write(f"# {cfg}: upper_{m.get('unit')} cumulative_fraction\n")
                if total:
                    # start the step at the first bucket's lower edge
                    f.write(f"{bins[0][0]!r} 0\n")
                    c = 0
                    for lo, hi, n in bins:
                        c += n
                        f.write(f"{hi!r} {c / total!r}\n")
                else:
                    f.write("NaN NaN\n")
                f.write("\n\n")
                titles.append(f"{cfg} (n = {total})" if total else f"{cfg} (no events)")
                if total:
                    lo_hi.append((bins[0][0], bins[-1][1]))
                colors.append(cfgs.index(cfg))
                counts.append(total)
        m0 = ms[0]
        with open(os.path.join(work, f"cdf-{name}.vars.gp"), "w") as f:
            f.write(gp_array("cdf_title", titles))
            f.write(gp_array("cdf_color", colors))
            f.write(f"cdf_total = {sum(counts)}\n")
            # log x only when the values span more than a decade
            lo = min((a for a, _ in lo_hi), default=0)
            hi = max((b for _, b in lo_hi), default=0)
            f.write(f"cdf_log = {1 if lo > 0 and hi / lo > 10 else 0}\n")
            # linear axis: a margin around the data (one bucket alone is a narrow range)
            span = max(hi - lo, 0.2 * abs(hi), 1e-9)
            f.write(f"cdf_x0 = {max(0.0, lo - 0.1 * span) if lo >= 0 else lo - 0.1 * span!r}\n")
            f.write(f"cdf_x1 = {hi + 0.1 * span!r}\n")
            f.write(f"xlabel = {gp_str(name.replace('_', ' ') + ' (' + m0.get('unit', '?') + ')')}\n")
            err = m0["histogram"].get("max_relative_error")
            note = f"from histogram buckets (values within {err * 100:.2g} %)" if err else ""
            f.write(f"note = {gp_str(note)}\n")
            f.write(f"plot_title = {gp_str(title_prefix(doc) + ': CDF of ' + name)}\n")
        out.append(f"cdf-{name}")
    return out


def bars(doc, work, cfgs, dflt):
    panels = {}
    for m in doc["metrics"]:
        name = m.get("name")
        if name in SKIP_BARS or (name or "").startswith(STAGE_PREFIX):
            continue
        vals = [num(v) for v in m.get("per_rep") or []]
        vals = [v for v in vals if v is not None]
        if not vals:
            continue
        panels.setdefault(name, {"unit": m.get("unit", "?"), "stat": m.get("per_rep_stat", ""),
                                 "rows": []})
        cfg = m.get("config") or dflt
        panels[name]["rows"].append((cfgs.index(cfg), cfg, median(vals), min(vals), max(vals),
                                     len(vals)))
    names = list(panels)[:MAX_PANELS]
    if not names:
        return None
    with open(os.path.join(work, "bars.dat"), "w") as f:
        for name in names:
            f.write(f"# {name}: config_index median min max n\n")
            for ci, _, med, lo, hi, n in sorted(panels[name]["rows"]):
                f.write(f"{ci} {med!r} {lo!r} {hi!r} {n}\n")
            f.write("\n\n")
    titles = []
    for n in names:
        stat = panels[n]["stat"]
        titles.append(n.replace("_", " ") + (f" ({stat} per rep)" if stat and stat != "value" else ""))
    with open(os.path.join(work, "bars.vars.gp"), "w") as f:
        f.write(gp_array("bar_title", titles))
        f.write(gp_array("bar_unit", [panels[n]["unit"] for n in names]))
        f.write(gp_array("cfg_name", cfgs.names))
        # tick format per panel: SI prefixes only for large numbers
        fmts = []
        for n in names:
            top = max(abs(r[4]) for r in panels[n]["rows"])
            fmts.append("%.1s%c" if top >= 1e4 else "%g")
        f.write(gp_array("bar_fmt", fmts))
        # y range: from 0 (or the lowest value when negative); [0:1] when all are 0
        f.write(gp_array("bar_lo", [min(0.0, min(r[3] for r in panels[n]["rows"])) for n in names]))
        f.write(gp_array("bar_hi", [max(r[4] for r in panels[n]["rows"]) for n in names]))
        f.write(f"plot_title = {gp_str(title_prefix(doc) + ': median per configuration, error bars min-max over repetitions')}\n")
    return "bars"

def stages(doc, work, cfgs, dflt):
    """Restore critical path: per configuration a stacked bar of the mean
    time of each stage over every restore broken down (the repetitions'
    means weighted by their restore counts), so that the bar adds up to the
    mean restore latency; the median restore latency beside it."""
    tot, cnt, lat = {}, {}, {}
    runs = (doc.get("repetitions") or {}).get("runs") or []
    for r in runs:
        bd = r.get("restore_breakdown") or {}
        n = bd.get("restores") or 0
        means = bd.get("stage_mean_ms") or {}
        if r.get("in_summaries") is False or bd.get("status") != "measured" or not n:
            continue
        if not all(num(means.get(st)) is not None for st, _ in STAGES):
            continue
        cfg = r.get("config") or dflt
        acc = tot.setdefault(cfg, {st: 0.0 for st, _ in STAGES})
        for st, _ in STAGES:
            acc[st] += num(means[st]) * n
        cnt[cfg] = cnt.get(cfg, 0) + n
    for m in doc["metrics"]:
        vals = [v for v in (num(x) for x in m.get("per_rep") or []) if v is not None]
        if vals and m.get("name") == "restore_latency":
            lat[m.get("config") or dflt] = median(vals)
    names = list(tot)
    if not names:
        return None
    names.sort(key=cfgs.index)
    with open(os.path.join(work, "restore-stages.dat"), "w") as f:
        f.write("# config_index config " + " ".join(st for st, _ in STAGES)
                + " restore_latency_median (ms)\n")
        for c in names:
            vals = " ".join(repr(tot[c][st] / cnt[c]) for st, _ in STAGES)
            label = "_".join(printable(c).split()) or "?"
            f.write(f"{cfgs.index(c)} {label} {vals} {lat.get(c, float('nan'))!r}\n")
    with open(os.path.join(work, "restore-stages.vars.gp"), "w") as f:
        f.write(gp_array("stage_title", [f"{i + 1}. {t}" for i, (_, t) in enumerate(STAGES)]))
        f.write(f"plot_title = {gp_str(title_prefix(doc) + ': restore critical path per configuration')}\n")
        f.write(f"plot_sub = {gp_str('bars: mean per stage over all restores (kernel trace), summing to the mean; dot: median')}\n")
    return "restore-stages"


SCALING_RE = re.compile(r"^(open-coded|preempt-fence)-q([0-9]+)$")
# panels of the scaling plot: (title, candidate metric names, first found is used)
SCALING_PANELS = [
    ("throughput, all queues", ["throughput_bytes", "throughput"]),
    ("retained under pressure", ["throughput_retained"]),
    ("restore latency", ["restore_latency", "kernel_restore_latency"]),
    ("job-visible stall", ["stall_latency"]),
]


def scaling(doc, work, cfgs):
    """Metrics against the number of LR queues, configurations MODE-qN."""
    by = {}  # (metric, mode) -> {N: [per_rep]}
    ns = set()
    for m in doc["metrics"]:
        mt = SCALING_RE.match(m.get("config") or "")
        if not mt:
            continue
        vals = [v for v in (num(x) for x in m.get("per_rep") or []) if v is not None]
        if not vals:
            continue
        n = int(mt.group(2))
        ns.add(n)
        by.setdefault((m["name"], mt.group(1)), {})[n] = (vals, m.get("unit", "?"),
                                                          m.get("per_rep_stat", ""))
    if len(ns) < 2:
        return None
    modes = ["open-coded", "preempt-fence"]
    titles, units, have, fmts = [], [], [], []
    with open(os.path.join(work, "scaling.dat"), "w") as f:
        for title, names in SCALING_PANELS:
            name = next((n for n in names if any((n, md) in by for md in modes)), None)
            unit, stat, top = "?", "", 0
            for md in modes:
                f.write(f"# {title}: {name} {md}: queues median min max n\n")
                for n, (vals, u, st) in sorted((by.get((name, md)) or {}).items()):
                    unit, stat, top = u, st, max(top, max(abs(v) for v in vals))
                    f.write(f"{n} {median(vals)!r} {min(vals)!r} {max(vals)!r} {len(vals)}\n")
                if not by.get((name, md)):
                    f.write("NaN NaN NaN NaN 0\n")
                f.write("\n\n")
            have.append(1 if name else 0)
            label = f"{title}: {name}" if name else title
            if name and stat and stat not in ("value",):
                label += f" ({stat} per rep)"
            titles.append(label)
            units.append(unit if name else "")
            fmts.append("%.1s%c" if top >= 1e4 else "%g")
    with open(os.path.join(work, "scaling.vars.gp"), "w") as f:
        f.write(gp_array("sc_title", titles))
        f.write(gp_array("sc_unit", units))
        f.write(gp_array("sc_have", have))
        f.write(gp_array("sc_fmt", fmts))
        f.write(gp_array("sc_mode", modes))
        f.write(gp_array("sc_color", [cfgs.index(md + "-q" + str(min(ns))) for md in modes]))
        f.write(gp_array("sc_n", sorted(ns)))
        f.write(f"plot_title = {gp_str(title_prefix(doc) + ': scaling with the number of LR queues')}\n")
        f.write(f"plot_sub = {gp_str('median per mode, error bars min-max over repetitions')}\n")
    return "scaling"


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    run_dir, work = argv[1], argv[2]
    doc = load(run_dir)
    dflt = default_config(doc)
    cfgs = Configs()
    os.makedirs(work, exist_ok=True)
    if not (doc.get("repetitions") or {}).get("done"):
        return 0  # skipped or failed before a repetition finished: nothing measured
    plots = []
    t = timeline(doc, run_dir, work, cfgs, dflt)
    if t:
        plots.append(("timeline.gp", t))
    plots += [("cdf.gp", n) for n in cdfs(doc, work, cfgs, dflt)]
    sc = scaling(doc, work, cfgs)
    if sc:
        plots.append(("scaling.gp", sc))
    st = stages(doc, work, cfgs, dflt)
    if st:
        plots.append(("stages.gp", st))
    b = bars(doc, work, cfgs, dflt)
    if b:
        plots.append(("bars.gp", b))
    if len(cfgs.names) > MAX_CONFIGS:
        die(f"{run_dir}: {len(cfgs.names)} configurations, the templates colour {MAX_CONFIGS}")
    for tpl, name in plots:
        print(tpl, name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
