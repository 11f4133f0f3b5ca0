# Restore critical path: one stacked bar per configuration, the stages of
# breakdown.h in chain order (median over repetitions of each repetition's
# median stage), the median restore latency as a dot beside it. Data and
# variables: prep.py (restore-stages.dat, restore-stages.vars.gp).
# Inputs: fmt, out, work, gpdir, W, H.
load gpdir.'/common.gp'
set title plot_title."\n".plot_sub noenhanced font ',13'
set style data histograms
set style histogram rowstacked
set style fill solid 0.85 border rgb '#333333'
set boxwidth 0.55
set ylabel 'ms'
set yrange [0:*]
set xtics nomirror noenhanced
set key outside right top vertical noenhanced font ',11' title 'restore requested, then:'
array stage_rgb[6] = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948']
plot for [s=1:stage_title_n] work.'/restore-stages.dat' using (column(s + 2)):xtic(2) \
	title stage_title[s] lc rgb stage_rgb[s], \
	'' using ($0 + 0.38):(column(stage_title_n + 3)) with points pt 7 ps 1.6 lc rgb '#000000' \
	title 'restore latency (median)'
