# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 the vhost-device authors
#
# Plot for perf/run.sh:
#   gnuplot -e "datadir='DIR'; dev='rng'" plot.gp
# DIR/lat.dat: run p50 p99 p99.9 floor-ping-pong-p50 floor-eventfd-p50 (ns), the floor
# measured right before that run; DIR/cpu.dat: mode load% idle%.

set terminal pngcairo size 1200,500 font ",10"
set output datadir.'/perf.png'
set multiplot layout 1,2 title "vhost-device-".dev.", qd 1: latency vs the floor; backend CPU"

set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set logscale y
set ylabel "round trip (ns, log)"
set xtics rotate by -30 noenhanced
set key top left
set grid ytics
set title "latency"
plot datadir.'/lat.dat' using 2:xtic(1) title "p50", \
     '' using 3 title "p99", \
     '' using 4 title "p99.9", \
     '' using ($0):5 with points pt 7 ps 1.5 lc rgb "black" title "ping-pong floor p50", \
     '' using ($0):6 with points pt 5 ps 1.5 lc rgb "red" title "eventfd floor p50"

unset logscale y
set yrange [0:110]
set ylabel "backend CPU (% of one CPU)"
set title "backend CPU"
plot datadir.'/cpu.dat' using 2:xtic(1) title "under load", \
     '' using 3 title "idle (connected)"
unset multiplot
