"""Night reports, trend plots and the static site of the nightly runner.

night_report(NIGHT_DIR, manifest)   NIGHT_DIR/report.html (relative links only)
publish(HISTORY, DEST, lrbench)     DEST/index.html (labs), DEST/<lab>/index.html
                                    (per host: latest verdicts, trend plots, every
                                    night), DEST/<lab>/<host>/<night>/ (the night's
                                    report, summary, manifest, logs and results)
                                    and DEST/<lab>/<host>/trends/*.png|svg.

publish() builds the whole tree in a new directory next to DEST and then
renames a symbolic link over DEST (rename(2) is atomic), so a reader sees
the old site or the new one, never half of one.  The one exception is the
first publish over a plain directory that an earlier publish made (marked
by .lrbench-site): it is moved aside first.  A corrupt or foreign manifest
or result in the history is listed on the site under "history problems"
and skipped; it never stops the build.
"""

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
import time

import nightly
import report  # scripts/report.py (nightly puts scripts/ on sys.path)

HERE = os.path.dirname(os.path.abspath(__file__))
E = html.escape

CSS = """
body { font-family: sans-serif; margin: 1.5em; color: #222; max-width: 1200px; }
h1, h2, h3 { font-weight: 600; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; font-size: 0.92em; }
th { background: #f0f0f0; }
.pass { color: #17702a; } .skip { color: #777; }
.fail, .crash, .timeout, .regression { color: #b00000; font-weight: 600; }
.improvement { color: #17702a; } .inconclusive { color: #a36b00; }
.missed { color: #b00000; } .met { color: #17702a; } .changed { background: #fff0b3; }
.alert { background: #fde8e8; border: 2px solid #b00000; padding: 0.5em 1em; }
.quiet { background: #e9f6ec; border: 1px solid #17702a; padding: 0.5em 1em; }
.problems { background: #fff6dd; border: 1px solid #a36b00; padding: 0.5em 1em; }
img.trend { max-width: 100%; border: 1px solid #ddd; }
.muted { color: #777; font-size: 0.9em; }
"""

# Every <img> reports whether it loaded: the site test reads these attributes
# back from a real browser's DOM (chromium --dump-dom).
IMG_JS = ("this.closest('body').dataset.imgLoaded=(+(this.closest('body').dataset.imgLoaded||0))+1",
          "this.closest('body').dataset.imgBroken=(+(this.closest('body').dataset.imgBroken||0))+1;"
          "this.classList.add('broken')")


def page(title, body):
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            "<meta name=\"viewport\" content=\"width=device-width\"><title>%s</title>"
            "<style>%s</style></head>\n<body>\n%s\n<p class=\"muted\">generated %s by "
            "scripts/nightly (lrbench)</p>\n</body></html>\n") % (E(title), CSS, body, nightly.iso())


def img(src, alt, cls="trend"):
    return '<img class="%s" src="%s" alt="%s" onload="%s" onerror="%s">' % (
        cls, E(src), E(alt), E(IMG_JS[0]), E(IMG_JS[1]))


def change(c):
    return E(nightly.fmt_change(c))


def verdict_table(entries, with_alert=True):
    if not entries:
        return "<p>none</p>"
    rows = ["<tr><th>item</th><th>metric</th><th>config</th><th>%change</th><th>against</th><th>verdict</th></tr>"]
    for e in entries:
        note = "" if e.get("alert", True) else " (no alert: %s)" % e.get("why_no_alert", "")
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s night %s</td>"
                    "<td class=\"%s\">%s%s</td></tr>" % (
                        E(e["item"]), E(e["metric"] or ""), E(e.get("config") or ""), change(e.get("change_pct")),
                        E(e["against"]), E(e["night"]), E(nightly.KNOWN_VERDICTS.get(e["verdict"], "inconclusive")),
                        E(str(e["verdict"])), E(note)))
    return "<table>%s</table>" % "".join(rows)


def targets_table(t, kind):
    """The night's target verdicts (summary "targets"), each beside the previous
    night's: a claim is a verdict that held."""
    if not t:
        return "<p>no item measures a target</p>"
    if t.get("error"):
        return "<p class=\"fail\">not judged: %s</p>" % E(t["error"])
    prev = t.get("previous_night")
    rows = ["<tr><th>item</th><th>target</th><th>goal</th><th>tonight</th><th>a rerun agrees</th>%s</tr>" % (
        "<th>previous %s night %s</th>" % (E(kind), E(prev)) if prev else "")]
    for e in t["cells"]:
        cls = e["verdict"]
        pc = ""
        if prev:
            if e.get("held") is None:
                pc = "<td>not judged</td>"
            else:
                pc = "<td class=\"%s\">%s: <b>%s</b></td>" % (
                    "" if e["held"] else "changed", E(report.short_verdict(e["previous"])),
                    "held" if e["held"] else "changed")
        agree = e.get("rerun_agrees")
        rows.append("<tr><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td><td>%s</td>%s</tr>" % (
            E(e["item"]), E(e["target"]), E(e["goal"]), cls, E(report.short_verdict(e)),
            "%.0f %%" % (agree * 100) if agree is not None else "–", pc))
    c = t["counts"]
    line = "%d cell%s at %.4g %%: met %d, missed %d, inconclusive %d" % (
        len(t["cells"]), "" if len(t["cells"]) == 1 else "s", t["level"] * 100,
        c["met"], c["missed"], c["inconclusive"])
    if prev:
        line += "; %d of %d held from night %s" % (t["held"], t["compared"], prev)
    return "<p>%s</p><table class=\"targets\">%s</table>" % (E(line), "".join(rows))


def status_box(s):
    if s["alert"]:
        why = []
        if s["exit_code"] & nightly.EXIT_REGRESSION:
            why.append("%d regression(s)" % sum(1 for e in s["regressions"] if e.get("alert")))
        if s["exit_code"] & nightly.EXIT_FAILED:
            why.append("%d failed item(s)" % len(s["failed_items"]))
        if s["exit_code"] & nightly.EXIT_BUDGET:
            why.append("budget exhausted")
        return '<p class="alert" id="alert">ALERT (exit %d): %s</p>' % (s["exit_code"], E(", ".join(why)))
    return '<p class="quiet" id="alert">no alert (exit 0)</p>'


def night_report(ndir, m):
    """NIGHT_DIR/report.html: environment, items with links, verdicts."""
    s = m["summary"]
    env = m["environment"]
    b = ["<h1>lrbench night %s on %s (%s kernel)</h1>" % (E(m["night"]), E(m["host"]), E(m["kind"])), status_box(s)]
    b.append("<p><a href=\"summary.txt\">summary.txt</a> · <a href=\"summary.json\">summary.json</a> · "
             "<a href=\"manifest.json\">manifest.json</a> · <a href=\"environment.json\">environment.json</a></p>")
    b.append("<h2>Environment</h2><table>")
    gpus = "; ".join("%s: %s %s:%s%s" % (c["card"], c.get("driver"), c.get("vendor", "?"), c.get("device", "?"),
                                        " fw " + ", ".join("%s=%s" % kv for kv in c["firmware"].items())
                                        if c.get("firmware") else "")
                     for c in env["drm_devices"]) or "none"
    # nights before the benchmark build have no uml_bench: their lrbench items booted uml
    ub = env.get("uml_bench") or env["uml"]
    for k, v in (("suite version", env["suite_version"]), ("kernel", env["kernel"]["release"]),
                 ("series", "%s (%s patches, source %s)" % (env["series"].get("hash"), env["series"].get("patches"),
                                                           env["series"].get("source_version"))),
                 ("UML kernel (IGT, stress, commands)", "%s %s" % (env["uml"].get("release") or "",
                                                                    env["uml"].get("reason") or "")),
                 ("UML kernel (lrbench)", "%s %s" % (ub.get("release") or "", ub.get("reason") or "")),
                 ("UML command line extra", env["uml"].get("append") or "none"),
                 ("DRM devices", gpus), ("OpenCL devices", "; ".join(env["opencl_devices"]) or "none"),
                 ("compared with", "previous %s night: %s; newest %s night: %s" % (
                     m["kind"], m.get("previous_night") or "none", nightly.other_kind(m["kind"]),
                     m.get("other_kind_night") or "none"))):
        b.append("<tr><th>%s</th><td>%s</td></tr>" % (E(k), E(str(v))))
    b.append("</table><h2>Items</h2><table><tr><th>item</th><th>type</th><th>status</th><th>time</th>"
             "<th>reason</th><th>files</th></tr>")
    for r in m["items"]:
        links = []
        for k, p in sorted((r.get("paths") or {}).items()):
            f = os.path.join("items", r["name"], p)
            if os.path.exists(os.path.join(ndir, f)):
                links.append('<a href="%s">%s</a>' % (E(f), E(k)))
        b.append("<tr id=\"item-%s\"><td>%s</td><td>%s%s</td><td class=\"%s\">%s</td><td>%.1f s</td><td>%s</td>"
                 "<td>%s</td></tr>" % (E(r["name"]), E(r["name"]), E(r["type"]),
                                       " (UML)" if r.get("runner") == "uml" else "", E(r["status"]), E(r["status"]),
                                       r.get("duration_s") or 0, E(r.get("reason") or ""), " ".join(links)))
    b.append("</table>")
    b.append("<h2 id=\"targets\">Targets (never alert)</h2>" + targets_table(s.get("targets"), m["kind"]))
    if os.path.exists(os.path.join(ndir, "targets.json")):
        b.append("<p><a href=\"targets.json\">targets.json</a></p>")
    for title, key in (("Regressions", "regressions"), ("Improvements", "improvements"),
                       ("Inconclusive", "inconclusive"), ("Diagnostic metrics that changed (never alert)",
                                                          "diagnostics")):
        b.append("<h2 id=\"%s\">%s (%d)</h2>" % (key, title, len(s.get(key, []))))
        b.append(verdict_table(s.get(key, [])))
    if s["comparison_errors"]:
        b.append("<h2>Comparisons that could not be made</h2><ul>%s</ul>" % "".join(
            "<li>%s vs %s night %s: %s</li>" % (E(e["item"]), E(e["against"]), E(e["night"]), E(e["error"]))
            for e in s["comparison_errors"]))
    b.append("<h2>Every metric compared</h2>")
    for r in m["items"]:
        for v in r.get("verdicts") or []:
            if not v.get("rows"):
                continue
            b.append("<h3>%s vs %s night %s (A = %s night)</h3><table><tr><th>metric</th><th>config</th>"
                     "<th>in lab file</th><th>%%change</th><th>verdict</th></tr>" % (
                         E(r["name"]), E(v["against"]), E(v["night"]), "other" if v.get("a") == "other" else "this"))
            for row in v["rows"]:
                b.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"%s\">%s</td></tr>" % (
                    E(str(row["metric"])), E(row.get("config") or ""), "yes" if row["primary"] else "",
                    change(row.get("change_pct")), E(row["class"]), E(str(row["verdict"]))))
            b.append("</table>")
    nightly.write_atomic(os.path.join(ndir, "report.html"),
                         page("lrbench night %s %s" % (m["host"], m["night"]), "\n".join(b)))


# ---------------------------------------------------------------------------
# trends

def metric_points(result_path, metric):
    """{config: (median, min, max, unit, direction)} of one metric in a result.json."""
    doc, err = nightly.load_json(result_path)
    if err:
        return None, err
    if not isinstance(doc, dict) or doc.get("schema") != "lrbench-result" or not isinstance(doc.get("metrics"), list):
        return None, "%s: not an lrbench-result document" % result_path
    out = {}
    for mt in doc["metrics"]:
        if not isinstance(mt, dict) or mt.get("name") != metric:
            continue
        vals = sorted(v for v in (mt.get("per_rep") or []) if isinstance(v, (int, float)))
        if not vals:
            continue
        n = len(vals)
        med = vals[n // 2] if n % 2 else (vals[n // 2 - 1] + vals[n // 2]) / 2
        out[mt.get("config") or ""] = (med, vals[0], vals[-1], mt.get("unit") or "", mt.get("direction") or "")
    return out, None


def trends(host, nights, hostdir, outdir, problems):
    """Trend plots of every (item, primary metric) of a host; returns [(item, metric, basename)]."""
    os.makedirs(outdir, exist_ok=True)
    series = {}  # (item, metric) -> {(config, kind): {x: (med, lo, hi, regression)}}
    units = {}
    labels = [m["night"] for m in nights]
    for x, m in enumerate(nights):
        # a point is marked when the night regressed against the previous night of
        # its kind (a baseline-vs-patched regression is in the tables: it belongs
        # to the patched side, not to this night's point)
        regs = {(e["item"], e["metric"], e.get("config") or "") for e in m.get("summary", {}).get("regressions", [])
                if e.get("against") == "previous"}
        for r in m["items"]:
            if not isinstance(r, dict) or r.get("type") != "lrbench" or not (r.get("paths") or {}).get("result"):
                continue
            res = os.path.join(hostdir, m["night"], "items", r["name"], r["paths"]["result"])
            for metric in r.get("metrics") or []:
                pts, err = metric_points(res, metric)
                if err:
                    problems.append("%s/%s: %s: %s" % (host, m["night"], r["name"], err))
                    break
                for cfg, (med, lo, hi, unit, direc) in pts.items():
                    key = (r["name"], metric)
                    units[key] = (unit, direc)
                    s = series.setdefault(key, {}).setdefault((cfg, m["kind"]), {})
                    s[x] = (med, lo, hi, 1 if (r["name"], metric, cfg) in regs else 0)
    out = []
    for (item, metric), sers in sorted(series.items()):
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", "%s--%s" % (item, metric))
        dat = os.path.join(outdir, base + ".dat")
        titles = []
        with open(dat, "w") as f:
            f.write("# trend of %s %s on %s: x night median min max regression\n" % (item, metric, host))
            for (cfg, kind), pts in sorted(sers.items()):
                titles.append(re.sub(r"\s", "_", "%s%s" % (cfg + "/" if cfg else "", kind)))
                f.write("# series %s\n" % titles[-1])
                for x in sorted(pts):
                    med, lo, hi, reg = pts[x]
                    f.write("%d %s %.6g %.6g %.6g %d\n" % (x, labels[x], med, lo, hi, reg))
                f.write("\n\n")
        mk = os.path.join(outdir, base + ".markers.gp")
        with open(mk, "w") as f:
            f.write("set xtics (%s)\n" % ", ".join('"%s" %d' % (n, x) for x, n in enumerate(labels)))
            for x in range(1, len(nights)):
                a, b = nights[x - 1]["environment"], nights[x]["environment"]
                what = []
                if (a.get("series") or {}).get("hash") != (b.get("series") or {}).get("hash"):
                    what.append("series %s" % (b.get("series") or {}).get("hash"))
                if (a.get("kernel") or {}).get("series_hash") != (b.get("kernel") or {}).get("series_hash"):
                    what.append("kernel series %s" % (b.get("kernel") or {}).get("series_hash"))
                if a.get("suite_version") != b.get("suite_version"):
                    what.append("suite %s" % b.get("suite_version"))
                if what:
                    f.write("set arrow from %g, graph 0 to %g, graph 1 nohead dt 2 lw 1.5 lc rgb '#7030a0'\n" %
                            (x - 0.5, x - 0.5))
                    f.write("set label %d '%s' at %g, graph 0.98 right rotate by 90 font ',8' tc rgb '#7030a0' "
                            "noenhanced\n" % (x, " ".join(what).replace("'", ""), x - 0.55))
        unit, direc = units[(item, metric)]
        for fmt in ("png", "svg"):
            p = subprocess.run(["gnuplot", "-e", "fmt='%s'; out='%s'; dat='%s'; markers='%s'; nser=%d; "
                                "titles='%s'; metric='%s'; unit='%s'; better='%s'; host='%s'; nnights=%d" % (
                                    fmt, os.path.join(outdir, base + "." + fmt), dat, mk, len(titles),
                                    " ".join(titles), "%s: %s" % (item, metric), unit.replace("'", ""),
                                    direc, host, len(nights)),
                                os.path.join(HERE, "trend.gp")], capture_output=True, text=True)
            if p.returncode != 0:
                problems.append("trend %s %s (%s): gnuplot: %s" % (host, base, fmt, p.stderr.strip()[-300:]))
        out.append((item, metric, base))
    return out


# ---------------------------------------------------------------------------
# site

NIGHT_FILES = ("report.html", "summary.txt", "summary.json", "manifest.json", "environment.json", "targets.json")
ITEM_FILE_MAX = 8 << 20


def copy_night(src, dst, m):
    os.makedirs(dst, exist_ok=True)
    for f in NIGHT_FILES:
        if os.path.isfile(os.path.join(src, f)):
            shutil.copy(os.path.join(src, f), dst)
    for r in m["items"]:
        for p in (r.get("paths") or {}).values():
            s = os.path.join(src, "items", r["name"], p)
            if os.path.isfile(s) and os.path.getsize(s) <= ITEM_FILE_MAX:
                d = os.path.join(dst, "items", r["name"], p)
                os.makedirs(os.path.dirname(d), exist_ok=True)
                shutil.copy(s, d)


def load_history(history):
    """{lab: {host: [manifest...]}}, problems."""
    labs, problems = {}, []
    try:
        hosts = sorted(os.listdir(history))
    except OSError as e:
        return labs, ["history %s: %s" % (history, e.strerror)]
    for host in hosts:
        hdir = os.path.join(history, host)
        if not os.path.isdir(hdir) or host.startswith("."):
            continue
        for n in sorted(os.listdir(hdir)):
            if n.startswith(".") or n == "trends":
                continue
            if not nightly.NIGHT_RE.match(n):
                problems.append("%s/%s: not a night (name not YYYY-MM-DD[.N]): skipped" % (host, n))
                continue
            m, err = nightly.load_manifest(os.path.join(hdir, n, "manifest.json"))
            if err:
                problems.append("%s/%s: %s: skipped" % (host, n, os.path.relpath(err, history) if
                                                        err.startswith(history) else err))
                continue
            if not m.get("complete") or "summary" not in m:
                problems.append("%s/%s: night not finished (resume it with make nightly): skipped" % (host, n))
                continue
            if m.get("host") != host:
                problems.append("%s/%s: manifest names host %r: foreign night, skipped" % (host, n, m.get("host")))
                continue
            labs.setdefault(str(m.get("lab") or "lab"), {}).setdefault(host, []).append(m)
    return labs, problems


def lab_page(lab, hosts, root, history, problems):
    b = ["<h1>lrbench nightly: lab %s</h1>" % E(lab), '<p><a href="../index.html">all labs</a></p>']
    for host, nights in sorted(hosts.items()):
        last = nights[-1]
        s = last["summary"]
        hdir = os.path.join(root, host)
        b.append('<h2 id="host-%s">host %s</h2>' % (E(host), E(host)))
        b.append("<p>latest night <a href=\"%s/%s/report.html\">%s</a> (%s kernel, suite %s, kernel %s)</p>" % (
            E(host), E(last["night"]), E(last["night"]), E(last["kind"]), E(last["environment"]["suite_version"]),
            E(last["environment"]["kernel"]["release"])))
        b.append(status_box(s))
        b.append("<h3>Regressions</h3>" + verdict_table(s["regressions"]))
        b.append("<h3>Improvements</h3>" + verdict_table(s["improvements"]))
        b.append("<h3>Inconclusive</h3>" + verdict_table(s["inconclusive"]))
        if s.get("targets"):
            b.append("<h3>Targets</h3>" + targets_table(s["targets"], last["kind"]))
        if s["failed_items"]:
            b.append("<h3>Failed items</h3><ul>%s</ul>" % "".join(
                "<li class=\"fail\">%s: %s (%s)</li>" % (E(e["item"]), E(e["status"]), E(e.get("reason") or ""))
                for e in s["failed_items"]))
        plots = trends(host, nights, os.path.join(history, host), os.path.join(hdir, "trends"), problems)
        if plots:
            b.append("<h3>Trends</h3>")
            for item, metric, base in plots:
                if os.path.exists(os.path.join(hdir, "trends", base + ".png")):
                    b.append('<p><a href="%s/trends/%s.svg">%s</a></p>' % (
                        E(host), E(base), img("%s/trends/%s.png" % (host, base), "%s %s trend" % (item, metric))))
        b.append("<h3>Nights</h3><table><tr><th>night</th><th>kind</th><th>suite</th><th>series</th><th>items</th>"
                 "<th>regressions</th><th>alert</th></tr>")
        for m in reversed(nights):
            copy_night(os.path.join(history, host, m["night"]), os.path.join(hdir, m["night"]), m)
            st = {}
            for r in m["items"]:
                st[r["status"]] = st.get(r["status"], 0) + 1
            b.append("<tr><td><a href=\"%s/%s/report.html\">%s</a></td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                     "<td class=\"%s\">%d</td><td>%s</td></tr>" % (
                         E(host), E(m["night"]), E(m["night"]), E(m["kind"]),
                         E(m["environment"]["suite_version"]), E(str(m["environment"]["series"].get("hash"))),
                         E(", ".join("%d %s" % (v, k) for k, v in sorted(st.items()))),
                         "regression" if m["summary"]["regressions"] else "", len(m["summary"]["regressions"]),
                         "exit %d" % m["summary"]["exit_code"] if m["summary"]["alert"] else "no"))
        b.append("</table>")
    return page("lrbench nightly: %s" % lab, "\n".join(b))


def build(history, out):
    labs, problems = load_history(history)
    for lab, hosts in labs.items():
        d = os.path.join(out, lab)
        os.makedirs(d, exist_ok=True)
        text = lab_page(lab, hosts, d, history, problems)
        with open(os.path.join(d, "index.html"), "w") as f:
            f.write(text)
    b = ["<h1>lrbench nightly</h1>"]
    if not labs:
        b.append("<p>no nights in the history yet</p>")
    b.append("<table><tr><th>lab</th><th>host</th><th>latest night</th><th>status</th></tr>")
    for lab, hosts in sorted(labs.items()):
        for host, nights in sorted(hosts.items()):
            s = nights[-1]["summary"]
            b.append("<tr><td><a href=\"%s/index.html\">%s</a></td><td><a href=\"%s/index.html#host-%s\">%s</a></td>"
                     "<td><a href=\"%s/%s/%s/report.html\">%s</a></td><td class=\"%s\">%s</td></tr>" % (
                         E(lab), E(lab), E(lab), E(host), E(host), E(lab), E(host), E(nights[-1]["night"]),
                         E(nights[-1]["night"]), "regression" if s["alert"] else "pass",
                         "ALERT (exit %d)" % s["exit_code"] if s["alert"] else "no alert"))
    b.append("</table>")
    if problems:
        b.append('<div class="problems" id="problems"><h2>History problems (%d)</h2><ul>%s</ul></div>' % (
            len(problems), "".join("<li>%s</li>" % E(p) for p in problems)))
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(page("lrbench nightly", "\n".join(b)))
    with open(os.path.join(out, ".lrbench-site"), "w") as f:
        f.write("built %s from %s\n" % (nightly.iso(), history))
    return problems


def publish(history, dest, lrbench=None):
    """Build the site next to DEST and swap it in atomically (a symlink renamed over DEST)."""
    dest = os.path.abspath(dest.rstrip("/"))
    parent, base = os.path.dirname(dest), os.path.basename(dest)
    os.makedirs(parent, exist_ok=True)
    if os.path.exists(dest) and not os.path.islink(dest):
        if not os.path.isdir(dest) or (os.listdir(dest) and not os.path.exists(os.path.join(dest, ".lrbench-site"))):
            raise RuntimeError("%s exists and is not a site made by this publisher (no .lrbench-site): "
                               "not replacing it" % dest)
    new = tempfile.mkdtemp(prefix=".%s.site-%s-" % (base, time.strftime("%Y%m%dT%H%M%S")), dir=parent)
    try:
        problems = build(history, new)
        os.chmod(new, 0o755)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    old = os.path.realpath(dest) if os.path.islink(dest) else None
    if os.path.isdir(dest) and not os.path.islink(dest):
        aside = tempfile.mkdtemp(prefix=".%s.site-old-" % base, dir=parent)
        os.rename(dest, os.path.join(aside, "site"))
        old = aside
    link = os.path.join(parent, ".%s.link-%d" % (base, os.getpid()))
    if os.path.lexists(link):
        os.unlink(link)
    os.symlink(os.path.basename(new), link)
    os.rename(link, dest)
    nightly.fsync_dir(parent)
    # keep the site just replaced (a reader may still be in it); drop older ones
    keep = {os.path.basename(new), os.path.basename(old) if old else None}
    for n in os.listdir(parent):
        if n.startswith(".%s.site-" % base) and n not in keep:
            shutil.rmtree(os.path.join(parent, n), ignore_errors=True)
    for p in problems:
        print("nightly: site: history problem: %s" % p)
    return problems
