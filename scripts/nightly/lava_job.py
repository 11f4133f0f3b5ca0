#!/usr/bin/python3
"""Render the LAVA job definitions of the nightly and validate them with LAVA's
own schema (Debian's lava-common: lava_common.schemas.validate, strict).

Usage: lava_job.py [--jobs lab/lava/jobs.yaml] [--out build/lava] [JOB...]

Renders lab/lava/nightly-job.yaml.j2 (jinja2, StrictUndefined: a variable the
jobs file does not give is an error) once per job of the jobs file into
OUT/<job>.yaml, checks that each job's lab file validates
(scripts/nightly/labfile.py), validates the test definition
lab/lava/lrbench-nightly.yaml with lava_common's test-definition schema and
every rendered job with lava_common.schemas.validate(data, strict=True).
Exit 0 when all are valid, 1 when one is not (LAVA's message printed),
2 on usage errors or missing modules (make deps installs lava-common and
python3-jinja2).
"""
import argparse
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import labfile  # noqa: E402


def show(path):
    return os.path.relpath(path, ROOT) if path.startswith(ROOT + os.sep) else path


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--jobs", default=os.path.join(ROOT, "lab/lava/jobs.yaml"))
    ap.add_argument("--template", default=os.path.join(ROOT, "lab/lava/nightly-job.yaml.j2"))
    ap.add_argument("--testdef", default=os.path.join(ROOT, "lab/lava/lrbench-nightly.yaml"))
    ap.add_argument("--out", default=os.path.join(ROOT, "build/lava"))
    ap.add_argument("names", nargs="*")
    a = ap.parse_args(argv)
    try:
        import jinja2
        import yaml
        import voluptuous
        from lava_common import schemas
        from lava_common.schemas.test import testdef
    except ImportError as e:
        print("lava-jobs: %s (make deps installs lava-common and python3-jinja2)" % e, file=sys.stderr)
        return 2
    with open(a.jobs) as f:
        spec = yaml.safe_load(f)
    jobs = spec.get("jobs") or {}
    names = a.names or list(jobs)
    for n in names:
        if n not in jobs:
            print("lava-jobs: %s: no job %s (jobs: %s)" % (a.jobs, n, ", ".join(jobs)), file=sys.stderr)
            return 2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(os.path.dirname(a.template)),
                             undefined=jinja2.StrictUndefined, keep_trailing_newline=True)
    tpl = env.get_template(os.path.basename(a.template))
    os.makedirs(a.out, exist_ok=True)
    bad = 0
    with open(a.testdef) as f:
        td = yaml.safe_load(f)
    try:
        testdef.validate(td)
        print("lava-jobs: %s: valid LAVA test definition (lava_common.schemas.test.testdef)" %
              os.path.relpath(a.testdef, ROOT))
    except Exception as e:
        print("lava-jobs: %s: INVALID test definition: %s: %s" % (a.testdef, type(e).__name__, e))
        bad += 1
    for n in names:
        var = dict(spec.get("defaults") or {})
        var.update(jobs[n])
        try:
            labfile.load(os.path.join(ROOT, var["lab"]))
        except (labfile.LabError, KeyError) as e:
            print("lava-jobs: %s: lab file: %s" % (n, e))
            bad += 1
        try:
            text = tpl.render(**var)
        except jinja2.TemplateError as e:
            print("lava-jobs: %s: template: %s" % (n, e))
            bad += 1
            continue
        path = os.path.abspath(os.path.join(a.out, n + ".yaml"))
        with open(path, "w") as f:
            f.write(text)
        try:
            schemas.validate(yaml.safe_load(text), strict=True)
            print("lava-jobs: %s: valid LAVA job (lava_common.schemas.validate, strict)" % show(path))
        except Exception as e:  # voluptuous.Invalid, or lava_common's own checks (TypeError, ...)
            print("lava-jobs: %s: INVALID LAVA job: %s: %s" % (show(path), type(e).__name__, e))
            bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
