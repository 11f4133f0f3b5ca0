# One panel per metric: a bar per configuration at the median of the
# per-repetition values, error bar from min to max. Data and variables:
# prep.py (bars.dat, bars.vars.gp). Inputs: fmt, out, work, gpdir, W, H.
load gpdir.'/common.gp'
cols = bar_title_n < 3 ? bar_title_n : (bar_title_n > 12 ? 4 : 3)
rows = (bar_title_n + cols - 1) / cols
set multiplot layout rows, cols title plot_title noenhanced font ',14' margins 0.08, 0.98, 0.05, 0.9 spacing 0.12, 0.12
set style fill solid 0.6 border -1
set boxwidth 0.6
set xrange [0.4:cfg_name_n + 0.6]
set xtics () nomirror
# long or many configuration names: slanted tick labels
if (cfg_name_n > 2) { set xtics rotate by 30 right font ',10' }
do for [i=1:cfg_name_n] { set xtics add (cfg_name[i] i) }
set key off
do for [p=1:bar_title_n] {
	set title bar_title[p] noenhanced font ',12'
	set ylabel bar_unit[p] noenhanced
	set format y bar_fmt[p]
	if (bar_hi[p] > bar_lo[p]) { set yrange [bar_lo[p]:*] } else { set yrange [bar_lo[p]:bar_lo[p] + 1] }
	plot work.'/bars.dat' index (p-1) using 1:2:1 with boxes lc variable, \
		'' index (p-1) using 1:2:3:4 with yerrorbars lc rgb '#222222' pt 7 ps 0.5 lw 1.5
}
unset multiplot
