# Shared settings of the lrbench plot templates (scripts/plots/*.gp).
# Inputs (gnuplot -e): fmt = 'png' | 'svg', out = output file.
if (fmt eq 'svg') {
	set terminal svg size W, H dynamic enhanced font 'DejaVu Sans,13' background rgb 'white'
} else {
	set terminal pngcairo size W, H enhanced font 'DejaVu Sans,13' background rgb 'white'
}
set output out
set encoding utf8
set grid back lc rgb '#dddddd' lw 1
set border 3 lc rgb '#444444'
set tics nomirror out
set key opaque box lc rgb '#bbbbbb'
# one colour per configuration (prep.py refuses more than 8)
array cfg_rgb[8] = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#17becf']
do for [i=1:8] { set linetype i lc rgb cfg_rgb[i] lw 2 }
# the same colours with alpha, for overlaid repetitions (ARGB)
array cfg_argb[8] = ['#c81f77b4', '#c8d62728', '#c82ca02c', '#c8ff7f0e', '#c89467bd', '#c88c564b', '#c8e377c2', '#c817becf']
