# CDF of one latency metric, one step curve per configuration, from the
# metric's histogram buckets. Data and variables: prep.py (cdf-NAME.dat,
# cdf-NAME.vars.gp). Inputs: fmt, out, work, name, gpdir, W, H.
load gpdir.'/common.gp'
set title plot_title noenhanced
set xlabel xlabel noenhanced
set ylabel 'fraction of events at or below x (0-1)'
set yrange [0:1.02]
set ytics 0.1
if (cdf_log) { set logscale x; set format x '%g' } else { set xrange [cdf_x0:cdf_x1]; set format x '%g' }
set key bottom right
if (note ne '') { set label 1 note at graph 0.01, graph 0.97 left tc rgb '#666666' noenhanced }
if (cdf_total == 0) {
	set label 2 'no events recorded in this run' at graph 0.5, graph 0.5 center font ',18' tc rgb '#aa0000'
	set xrange [0.1:10]
	plot NaN notitle
} else {
	plot for [i=1:cdf_title_n] work.'/'.name.'.dat' index (i-1) using 1:2 with steps \
		lt cdf_color[i] title cdf_title[i]
}
