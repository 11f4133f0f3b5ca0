# The nightly lab runner (scripts/nightly/, lab guide lab/README.md).
#
#   make nightly [LAB=lab/local.ini] [KIND=baseline|patched]
#                     run (or resume) tonight's night of the lab file: every
#                     item with its own timeout and kernel log, history in
#                     results/history/<host>/<night>/ (LR_HISTORY), verdicts
#                     against the previous night and the other kernel kind,
#                     summary, trend plots, the site in results/site (LR_SITE).
#                     The script's exit status: 0 quiet, bits 1 regression,
#                     4 failed item, 8 budget exhausted; 2 bad lab file; 16
#                     cannot run (make turns any of them into its own 2: call
#                     scripts/nightly/nightly.py run LAB for the bits).
#   make publish DEST=dir   build the site from the history and swap it into
#                     DIR atomically (DIR becomes a symlink to the new tree)
#   make lab-check    validate every lab/*.ini (LAB= one file)
#   make lava-jobs    render lab/lava/ job definitions and validate them with
#                     lava-common's schema (build/lava/*.yaml)
#   make test-nightly the test tier: three simulated nights with a fake clock
#                     on tests/nightly/tiny.ini, a killed night resumed, a
#                     corrupt history, the site in headless chromium

LAB  ?= lab/local.ini
KIND ?=
NIGHTLY := /usr/bin/python3 scripts/nightly/nightly.py

.PHONY: nightly publish lab-check test-nightly

nightly: all igt-tests stress-bins $(STRESS_FUZZ)
	@$(NIGHTLY) run $(LAB) $(if $(KIND),--kind $(KIND))

publish: deps
	@[ -n "$(DEST)" ] || { echo "make publish: set DEST=<site directory>" >&2; exit 2; }
	@$(NIGHTLY) site --out "$(DEST)"

lab-check:
	@$(NIGHTLY) check $(if $(filter command line,$(origin LAB)),$(LAB),lab/*.ini)

TEST_TIERS += nightly
test-nightly: all
	@tests/nightly/run.sh

# LAVA: job definitions from lab/lava/jobs.yaml, validated with lava-common
.PHONY: lava-jobs
lava-jobs: deps
	@/usr/bin/python3 scripts/nightly/lava_job.py --out $(BUILD)/lava

# Lab kernels: bindeb-pkg of the baseline and the patched kernel (long; not
# in CI). KIND=baseline|patched builds one; XE=1 puts kernel-patches/xe/ on
# the patched one (docs/lab-xe.md).
.PHONY: lab-kernels
lab-kernels: deps
	@scripts/nightly/lab-kernels.sh $(if $(KIND),--kind $(KIND)) $(if $(XE),--xe)
