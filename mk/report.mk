# Plots and the HTML report of one results directory (scripts/plots.sh,
# scripts/report.sh; templates in scripts/plots/). `make run` calls both.
# DIR is one lrbench result directory or a `make run` folder
# (results/runs/<stamp>/ with one <scenario>/ directory each):
#   make plots DIR=results/runs/<stamp>    <scenario>/plots/*.png, *.svg
#   make report DIR=results/runs/<stamp>   plots, then DIR/report.html
.PHONY: plots report

plots:
	@[ -n "$(DIR)" ] || { echo "make plots: set DIR=<results directory>" >&2; exit 2; }
	@scripts/plots.sh "$(DIR)"

# the report's summary comes from `lrbench compare --json`: build it first
report: all plots
	@scripts/report.sh "$(DIR)"

# Tier "scripts": plots, report and make-run scripts (tests/scripts/run.sh):
# input errors, a make-run folder around a real OpenCL smoke run (skipped
# without an OpenCL device), the scaling plot. About 30 s.
TEST_TIERS += scripts
.PHONY: test-scripts
test-scripts: all
	@tests/scripts/run.sh
