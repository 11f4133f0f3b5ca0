# Scaling with the number of LR queues (configurations open-coded-qN and
# preempt-fence-qN): one panel per metric, x = queues (log2 axis), one line
# per mode at the median of the per-repetition values, error bars min-max.
# Data and variables: prep.py (scaling.dat, scaling.vars.gp).
# Inputs: fmt, out, work, gpdir, W, H.
load gpdir.'/common.gp'
set multiplot layout 2, 2 title plot_title."\n".plot_sub noenhanced font ',14' margins 0.1, 0.98, 0.08, 0.9 spacing 0.11, 0.16
set logscale x 2
set xrange [sc_n[1] / 1.3:sc_n[sc_n_n] * 1.3]
set xtics () nomirror
do for [i=1:sc_n_n] { set xtics add (sprintf('%d', sc_n[i]) sc_n[i]) }
set xlabel 'LR queues, each in its own VM (count)'
set key top right horizontal opaque box font ',11'
set offsets 0, 0, graph 0.3, 0
do for [p=1:sc_title_n] {
	set title sc_title[p] noenhanced font ',12'
	set ylabel sc_unit[p] noenhanced
	set format y sc_fmt[p]
	unset label 5
	if (sc_have[p]) {
		set yrange [0:*]
		plot for [m=1:sc_mode_n] work.'/scaling.dat' index ((p-1)*sc_mode_n + m-1) using 1:2:3:4 \
			with yerrorlines lw 2 pt 7 ps 0.8 lc rgb cfg_rgb[sc_color[m]] title sc_mode[m]
	} else {
		set yrange [0:1]
		set label 5 'not measured in this run' at graph 0.5, graph 0.5 center font ',14' tc rgb '#aa0000'
		plot NaN notitle
	}
}
unset multiplot
