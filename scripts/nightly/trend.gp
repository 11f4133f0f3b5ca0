# Nightly trend of one primary metric on one host (scripts/nightly/site_build.py).
# Variables (gnuplot -e): fmt ('png'|'svg'), out, dat (data file), markers
# (a file of `set xtics` with every night, and `set arrow`/`set label` lines
# where the series or the suite version changed),
# nser (data blocks in dat), titles (one word per block), metric, unit,
# better ('higher'|'lower'), host, nnights.
# dat columns: x, night, median of the per-repetition values, min, max,
# regression (1 = this night's verdict on this metric was a regression).
if (fmt eq 'svg') {
	set terminal svg size 1000,520 dynamic font 'sans,11' background '#ffffff'
} else {
	set terminal pngcairo size 1000,520 font 'sans,10' background '#ffffff'
}
set output out
set title sprintf('%s on %s across nights (%s is better; bars: min-max of the repetitions)', metric, host, better) noenhanced
set ylabel sprintf('%s [%s]', metric, unit) noenhanced
set xlabel 'night'
set grid ytics lc rgb '#dddddd'
set key outside right top noenhanced
set xtics rotate by -30 noenhanced
set xrange [-0.5:nnights - 0.5]
set offsets 0, 0, graph 0.08, graph 0.08
set datafile missing '?'
load markers
plot for [i=0:nser-1] dat index i using 1:3:4:5 with yerrorlines lw 2 pt 7 ps 0.8 title word(titles, i+1), \
     for [i=0:nser-1] dat index i using 1:($6 > 0 ? $3 : 1/0) with points pt 6 ps 3 lw 3 lc rgb '#d00000' \
        title (i == 0 ? 'regression' : '')
