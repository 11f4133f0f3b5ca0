"""Lab files of the nightly runner (lab/*.ini): parse and validate.

The format is INI as lrbench's scenario files: ``[section]``, ``key = value``,
comments on their own line starting with ``;`` or ``#`` (or after a value,
following `` ;`` or `` #``).  Sections: one ``[lab]`` and any number of
``[item NAME]``.  Every key is described in the tables below (they drive the
parser, the validation and ``nightly.py --help-lab``); an unknown section or
key, a repeated key, a bad value or a missing required key is an error naming
``file:line``, the section and the key.
"""

import os
import re

NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
ITEM_TYPES = ("lrbench", "igt", "stress", "command")
RUNNERS = ("host", "uml")
KINDS = ("baseline", "patched")


class LabError(Exception):
    """A lab file error: the message names file:line, section and key."""


def _str(v):
    return v


def _name(v):
    if not NAME_RE.match(v):
        raise ValueError("expected a name of [A-Za-z0-9_.-] starting with a letter or digit")
    return v


def _num(lo, hi):
    def conv(v):
        try:
            x = float(v)
        except ValueError:
            raise ValueError("not a number") from None
        if not lo <= x <= hi:
            raise ValueError("out of range [%g, %g]" % (lo, hi))
        return x
    return conv


def _int(lo, hi):
    def conv(v):
        if not re.match(r"^[0-9]+$", v):
            raise ValueError("not a non-negative integer")
        x = int(v)
        if not lo <= x <= hi:
            raise ValueError("out of range [%d, %d]" % (lo, hi))
        return x
    return conv


def _choice(*choices):
    def conv(v):
        if v not in choices:
            raise ValueError("expected one of: " + ", ".join(choices))
        return v
    return conv


def _list(v):
    return [x.strip() for x in v.split(",") if x.strip()]


def _alert_list(v):
    out = _list(v)
    for x in out:
        if x not in ("previous", "other-kind"):
            raise ValueError("'%s': expected previous and/or other-kind" % x)
    return out


def _bool(v):
    if v.lower() in ("yes", "true", "1", "on"):
        return True
    if v.lower() in ("no", "false", "0", "off"):
        return False
    raise ValueError("expected yes or no")


def _env_list(v):
    out = []
    for x in v.split():
        if not re.match(r"^[A-Za-z_][A-Za-z0-9_]*=", x):
            raise ValueError("'%s': expected NAME=VALUE words" % x)
        out.append(x)
    return out


def _requires(v):
    out = _list(v)
    for x in out:
        if not re.match(r"^(drm:[a-z0-9_]+|opencl:.+|uml|file:.+)$", x):
            raise ValueError("'%s': expected drm:DRIVER, opencl:NAME, uml or file:PATH" % x)
    return out


# key -> (converter, default, help).  A default of REQUIRED must be given.
REQUIRED = object()

LAB_KEYS = {
    "name": (_name, None, "lab name (the site groups hosts by it); default: the file name without .ini"),
    "host": (_name, None, "host name in the history (results/history/<host>/); default: the lab name"),
    "description": (_str, "", "one line for the site"),
    "kind": (_choice("baseline", "patched", "auto"), "patched",
             "kernel kind of this host's nights (--kind overrides): baseline, patched, or auto (from the "
             "running kernel's release: -lr-baseline or -lr-patched, as make lab-kernels names them)"),
    "history": (_str, "results/history", "history root, relative to the repository (LR_HISTORY overrides)"),
    "site": (_str, "results/site", "site folder `make nightly` refreshes at the end (LR_SITE overrides; "
             "`make publish DEST=` publishes elsewhere)"),
    "retention": (_int(0, 100000), 60, "nights kept per host; older ones are deleted (0 = keep all; "
                  "LR_RETENTION overrides)"),
    "budget_s": (_num(1, 7 * 86400), 6 * 3600, "time budget of the night: items that would start "
                 "after it are skipped, an item's timeout is cut to what is left"),
    "threshold_pct": (_num(0, 1000), 5, "lrbench compare --threshold for every item (items may override)"),
    "alert_min_change_pct": (_num(0, 100000), 0, "a regression alerts only when its |%change| is at least this "
                             "(0: every regression lrbench compare reports); smaller ones are listed, marked"),
    "alert_on": (_alert_list, ["previous", "other-kind"],
                 "which comparisons raise the alert exit status: previous, other-kind"),
    "uml_kernel": (_str, "auto", "UML items but lrbench's (IGT, stress, commands): auto "
                   "(scripts/uml-build.sh, the debug build the test tiers boot), cached "
                   "(only a kernel already in the cache, else the UML items skip), or a path "
                   "(LR_UML_KERNEL overrides)"),
    "uml_bench_kernel": (_str, "auto", "UML lrbench items (what is timed): auto (scripts/uml-build.sh "
                         "--config kernel-patches/configs/uml-bench.config: make run's kernel, without "
                         "lockdep, KASAN, kmemleak), cached, debug (uml_kernel's kernel) or a path "
                         "(LR_UML_BENCH_KERNEL overrides; LR_UML_KERNEL, when set, overrides both)"),
    "uml_append": (_str, "", "extra UML kernel command line for every UML item"),
}

ITEM_KEYS = {
    "type": (_choice(*ITEM_TYPES), REQUIRED, "lrbench | igt | stress | command"),
    "runner": (_choice(*RUNNERS), "host", "host (this machine's kernel) or uml (the patched UML kernel, one boot per item)"),
    "enabled": (_bool, True, "no: listed in the manifest as skipped (disabled in the lab file)"),
    "timeout_s": (_num(1, 86400), 600, "the item is killed after this many seconds (and counts as timeout)"),
    "requires": (_requires, [], "comma list: drm:DRIVER (a /sys/class/drm card bound to DRIVER), "
                 "opencl:NAME (an OpenCL device whose line in `lrbench list` holds NAME), uml, file:PATH; "
                 "missing ones make the item a skip with the reason"),
    "env": (_env_list, [], "NAME=VALUE words put in the item's environment"),
    "uml_append": (_str, "", "runner = uml: extra kernel command line for this item"),
    "uml_mem": (_str, "", "runner = uml: UML memory (scripts/uml-run.sh --mem)"),
    # lrbench
    "scenario": (_str, None, "lrbench: scenario name or file (required for type = lrbench)"),
    "backend": (_str, "", "lrbench: --backend"),
    "device": (_str, "", "lrbench: --device selector"),
    "duration": (_num(0.01, 86400), None, "lrbench: --duration (seconds per repetition)"),
    "reps": (_int(1, 1000), None, "lrbench: --reps"),
    "metrics": (_list, [], "lrbench: the item's key metrics: trend plots; a regression lrbench compare reports on one "
                "alerts (as do regressions of compare's own primary metrics); listed when inconclusive; "
                "empty: throughput"),
    "threshold_pct": (_num(0, 1000), None, "lrbench: compare threshold for this item (default: [lab])"),
    # igt
    "tests": (_list, [], "igt, runner = host: test binaries in build/igt/ (e.g. xe_lr_evict); "
              "runner = uml runs every vlr subtest in one boot (igt-tests/run-uml.sh)"),
    # command
    "cmd": (_str, None, "command: a shell command run from the repository root (exit 0 pass, 77 skip, else fail)"),
}

TYPE_KEYS = {
    "lrbench": {"scenario", "backend", "device", "duration", "reps", "metrics", "threshold_pct"},
    "igt": {"tests"},
    "stress": set(),
    "command": {"cmd"},
}
COMMON_ITEM_KEYS = {"type", "runner", "enabled", "timeout_s", "requires", "env", "uml_append", "uml_mem"}


def _parse_lines(path):
    """Yield (lineno, kind, a, b): kind 'section' (a = header) or 'key' (a = key, b = value)."""
    try:
        with open(path, encoding="utf-8") as f:
            lines = f.read().splitlines()
    except (OSError, UnicodeDecodeError) as e:
        raise LabError("%s: cannot read: %s" % (path, e)) from None
    for no, raw in enumerate(lines, 1):
        line = raw.strip()
        if not line or line[0] in ";#":
            continue
        if raw[0] in " \t":
            raise LabError("%s:%d: indented line: continuation lines are not supported" % (path, no))
        if line.startswith("["):
            if not line.endswith("]"):
                raise LabError("%s:%d: '%s': section header without ']'" % (path, no, line))
            yield no, "section", line[1:-1].strip(), None
            continue
        if "=" not in line:
            raise LabError("%s:%d: '%s': expected key = value" % (path, no, line))
        key, val = line.split("=", 1)
        val = re.split(r"\s[;#]", val, maxsplit=1)[0]
        yield no, "key", key.strip(), val.strip()


def load(path):
    """Parse and validate a lab file; returns {'lab': {...}, 'items': [...], 'file': path}."""
    lab = None
    items = []
    cur = None
    table = None
    seen = {}
    where = {}
    for no, kind, a, b in _parse_lines(path):
        if kind == "section":
            if a == "lab":
                if lab is not None:
                    raise LabError("%s:%d: [lab]: repeated section" % (path, no))
                lab = {"_line": no}
                cur, table, sec = lab, LAB_KEYS, "[lab]"
            elif a.startswith("item ") or a.startswith("item\t"):
                name = a[5:].strip()
                if not NAME_RE.match(name):
                    raise LabError("%s:%d: [%s]: bad item name '%s' (use [A-Za-z0-9_.-])" % (path, no, a, name))
                if any(i["name"] == name for i in items):
                    raise LabError("%s:%d: [item %s]: repeated item" % (path, no, name))
                cur = {"name": name, "_line": no}
                items.append(cur)
                table, sec = ITEM_KEYS, "[item %s]" % name
            else:
                raise LabError("%s:%d: [%s]: unknown section (expected [lab] or [item NAME])" % (path, no, a))
            seen = set()
            continue
        if cur is None:
            raise LabError("%s:%d: %s: key outside a section" % (path, no, a))
        if a not in table:
            raise LabError("%s:%d: %s %s: unknown key (known: %s)" % (path, no, sec, a, ", ".join(sorted(table))))
        if a in seen:
            raise LabError("%s:%d: %s %s: repeated key" % (path, no, sec, a))
        seen.add(a)
        try:
            cur[a] = table[a][0](b)
        except ValueError as e:
            raise LabError("%s:%d: %s %s: '%s': %s" % (path, no, sec, a, b, e)) from None
        where[(id(cur), a)] = no
    if lab is None:
        raise LabError("%s:1: [lab]: missing section" % path)
    stem = os.path.splitext(os.path.basename(path))[0]
    for k, (conv, default, _) in LAB_KEYS.items():
        lab.setdefault(k, default)
    if lab["name"] is None:
        lab["name"] = _name(stem) if NAME_RE.match(stem) else "lab"
    if lab["host"] is None:
        lab["host"] = lab["name"]
    if not items:
        raise LabError("%s:%d: [lab]: no [item NAME] section: nothing to run" % (path, lab["_line"]))
    for it in items:
        sec = "[item %s]" % it["name"]
        if "type" not in it:
            raise LabError("%s:%d: %s type: missing (one of %s)" % (path, it["_line"], sec, ", ".join(ITEM_TYPES)))
        allowed = COMMON_ITEM_KEYS | TYPE_KEYS[it["type"]]
        for k in list(it):
            if k in ("name", "_line") or k in allowed:
                continue
            raise LabError("%s:%d: %s %s: not a key of type = %s items (they take: %s)" %
                           (path, where[(id(it), k)], sec, k, it["type"], ", ".join(sorted(allowed))))
        for k, (conv, default, _) in ITEM_KEYS.items():
            it.setdefault(k, default)
        if it["type"] == "lrbench" and not it["scenario"]:
            raise LabError("%s:%d: %s scenario: missing (required for type = lrbench)" % (path, it["_line"], sec))
        if it["type"] == "command" and not it["cmd"]:
            raise LabError("%s:%d: %s cmd: missing (required for type = command)" % (path, it["_line"], sec))
        if it["type"] == "igt" and it["runner"] == "host" and not it["tests"]:
            raise LabError("%s:%d: %s tests: missing (runner = host runs the listed binaries)" % (path, it["_line"], sec))
        if it["runner"] != "uml" and (it["uml_append"] or it["uml_mem"]):
            k = "uml_append" if it["uml_append"] else "uml_mem"
            raise LabError("%s:%d: %s %s: only for runner = uml" % (path, where[(id(it), k)], sec, k))
        if it["type"] == "lrbench" and not it["metrics"]:
            it["metrics"] = ["throughput"]
    return {"file": path, "lab": lab, "items": items}


def help_text():
    out = ["Lab file keys (lab/*.ini):", "[lab]"]
    for k, (_, d, h) in LAB_KEYS.items():
        out.append("  %-20s %s%s" % (k, h, "" if d in (None, "", []) else " (default %s)" % (
            ", ".join(d) if isinstance(d, list) else d)))
    out.append("[item NAME]")
    for k, (_, d, h) in ITEM_KEYS.items():
        dd = "" if d in (None, "", [], REQUIRED) else " (default %s)" % (
            ("yes" if d else "no") if isinstance(d, bool) else d)
        out.append("  %-20s %s%s" % (k, h, dd))
    return "\n".join(out)
