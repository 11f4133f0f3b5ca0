# Throughput over time, one line per repetition (configurations in their own
# colour), pressure phase shaded, live pressure memory on the right axis with
# every allocation marked. Data and variables: prep.py (timeline.dat,
# pressure.dat, timeline.vars.gp). Inputs: fmt, out, work, gpdir, W, H.
load gpdir.'/common.gp'
set datafile separator whitespace
set title plot_title noenhanced
set xlabel 'time since the repetition started (s)'
set ylabel ylabel noenhanced
set format y '%.1s%c'
if (y_top == y_top) { set yrange [0:y_top] } else { set yrange [0:*] }
if (y_clip ne '') { set label 4 y_clip at graph 0.99, graph 0.97 right tc rgb '#666666' front noenhanced }
set y2label 'live pressure memory (MiB)'
set y2tics
set y2range [0:live_max * 1.1]
if (key_many) { set key outside bottom center vertical maxrows key_rows } else { set key outside bottom center horizontal }
set bmargin 4 + key_rows
if (t_end == t_end) { set xrange [0:t_end] } else { set xrange [0:*] }
# phases: warm-up grey; every repetition's own pressure phase in translucent
# red (darker where they overlap); phase names (median starts) along the bottom
if (phase_t[1] == phase_t[1] && phase_t[2] == phase_t[2]) {
	set object 1 rect from phase_t[1], graph 0 to phase_t[2], graph 1 behind fc rgb '#eeeeee' fs solid 1.0 noborder
}
do for [i=1:shade_a_n] {
	set object 100+i rect from shade_a[i], graph 0 to shade_b[i], graph 1 behind fc rgb '#e89090' fs transparent solid 0.5/shade_a_n noborder
}
array phase_name[4] = ['warm-up', 'baseline', 'pressure', 'cool-down']
do for [p=1:4] {
	if (phase_t[p] == phase_t[p] && phase_t[p+1] == phase_t[p+1]) {
		set label 10+p phase_name[p] at (phase_t[p] + phase_t[p+1]) / 2, graph 0.04 center tc rgb '#666666' front
	}
}
set offsets 0, 0, graph 0.1, 0
# device memory size (VRAM on vlr) on the right axis, when in range
if (dev_mib == dev_mib) {
	set arrow 1 from graph 0, second dev_mib to graph 1, second dev_mib nohead dt 2 lw 1.5 lc rgb '#555555' front
	set label 3 sprintf('device memory %g MiB', dev_mib) at graph 0.99, second dev_mib offset 0, 0.7 right tc rgb '#555555' front
}
# eviction events: allocations that could only be placed by evicting (live
# pressure + the job buffer past device memory); without any, every allocation
stats work.'/pressure.dat' using 4 nooutput
n_evict = STATS_sum
ev_sel(a, e) = n_evict > 0 ? (e == 1 ? 1 : 0) : (a == 1 ? 1 : 0)
ev_title = n_evict > 0 ? ev_title_evicts : 'pressure allocation (right axis)'
plot \
	for [i=1:tl_title_n] work.'/timeline.dat' index (i-1) using 1:2 with lines lw 1 \
		lc rgb cfg_argb[tl_color[i]] notitle, \
	for [i=1:med_title_n] work.'/timeline-median.dat' index (i-1) using 1:2 with lines lw 3 \
		lc rgb cfg_rgb[med_color[i]] title med_title[i], \
	for [i=1:pr_n] work.'/pressure.dat' index (i-1) using 1:2 axes x1y2 with steps \
		lw 1 lc rgb '#a0555555' title (i == 1 ? pr_title : ''), \
	for [i=1:pr_n] work.'/pressure.dat' index (i-1) using 1:(ev_sel($3, $4) ? $2 : NaN) axes x1y2 \
		with points pt 9 ps 0.7 lc rgb '#80000000' title (i == 1 ? ev_title : '')
