#!/usr/bin/env bash
# Plots of one lrbench run: scripts/plots.sh DIR  (make plots DIR=...)
# Writes DIR/plots/NAME.png and NAME.svg for every plot prep.py finds data
# for: timeline (throughput over time per configuration, pressure phase,
# live pressure memory, allocations that evict), cdf-METRIC (latency CDFs
# per configuration), bars (median and min-max per metric and
# configuration), scaling (metrics against the number of LR queues, for
# configurations MODE-qN). DIR may also be a `make run` folder holding one
# result directory per scenario: each is plotted. Templates:
# scripts/plots/*.gp (gnuplot, pngcairo and svg terminals of gnuplot-nox). Exit 0 on success (also when a skipped
# run has nothing to plot; it says so), 1 when gnuplot fails, 2 on usage or
# input errors.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=${1:-}
[ $# -eq 1 ] && [ -n "$dir" ] || { echo "usage: scripts/plots.sh RUN_DIR" >&2; exit 2; }
command -v gnuplot >/dev/null || { echo "plots: gnuplot is missing (make deps)" >&2; exit 2; }
# a `make run` folder: one result directory per scenario
if [ ! -f "$dir/result.json" ] && compgen -G "$dir/*/result.json" >/dev/null; then
	rc=0
	for sub in "$dir"/*/; do
		[ -f "$sub/result.json" ] || continue
		"$0" "${sub%/}" || rc=$?
	done
	exit $rc
fi
[ -f "$dir/result.json" ] || { echo "plots: $dir/result.json: no such file" >&2; exit 2; }

out=$dir/plots
work=$(mktemp -d /tmp/lrbench-plots-XXXXXX)
trap 'rm -rf "$work"' EXIT
list=$(/usr/bin/python3 "$here/plots/prep.py" "$dir" "$work") || exit 2
if [ -z "$list" ]; then
	echo "plots: $dir has nothing to plot (status $(/usr/bin/python3 -c \
		'import json,sys; print(json.load(open(sys.argv[1])).get("status"))' "$dir/result.json"))"
	exit 0
fi
mkdir -p "$out" || exit 1
n=$(wc -l <<<"$list")
i=0 rc=0
while read -r tpl name; do
	i=$((i + 1))
	case $tpl in
	bars.gp)
		# panels in rows of 3 (up to 12) or 4; taller rows for slanted config names
		np=$(grep -c '^# ' "$work/bars.dat")
		if [ "$np" -gt 12 ]; then cols=4 w=1800; else cols=3 w=1440; fi
		size="W=$w; H=$((200 + 380 * ((np + cols - 1) / cols)))"
		;;
	scaling.gp) size="W=1280; H=900" ;;
	*) size="W=1280; H=720" ;;
	esac
	for fmt in png svg; do
		if ! gnuplot -e "fmt='$fmt'; out='$out/$name.$fmt'; work='$work'; name='$name'; gpdir='$here/plots'; $size" \
			"$work/$name.vars.gp" "$here/plots/$tpl" 2>"$work/err"; then
			echo "plots: gnuplot $tpl ($name.$fmt) failed:" >&2
			sed 's/^/  /' "$work/err" >&2
			rm -f "$out/$name.$fmt"
			rc=1
			continue
		fi
		# gnuplot warnings on stderr mean a broken plot: show them
		[ -s "$work/err" ] && sed "s/^/plots: $name.$fmt: /" "$work/err" >&2
	done
	echo "plots: [$i/$n] $out/$name.png, $name.svg"
done <<<"$list"
exit $rc
