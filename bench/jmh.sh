#!/usr/bin/env bash
# JMH benchmarks of jgrad (module bench/, sources in bench/src/main/java): builds bench/target/benchmarks.jar, runs
# the benchmarks with JMH's GC profiler, and prints one table: time per operation, GFLOP/s and % of the peak FMA
# rate measured in the same run (PeakFmaBench, 1 and 2 threads), GB/s for memory-bound kernels, and bytes allocated
# per operation (gc.alloc.rate.norm, all threads).
#   MlpGemmBench.gemm  the 8 GEMMs of a 784-256-128-10 MLP training step at batch 128, 1 and 2 threads
#   MlpGemmBench.step  the 8 together
#   PeakFmaBench       16 independent chains of Vector API FMAs: the denominator of "% peak"
#   KernelBench        ReLU forward/backward, bias add, fused Adam and SGD-momentum, cross-entropy fwd/bwd
#   StepBench.step     a whole training step (forward, loss, backward, Adam) of the MLP and of --model cnn
# Usage: bench/jmh.sh [JMH arguments]   e.g. bench/jmh.sh 'StepBench' -p threads=2    (bench/jmh.sh -h: JMH's help)
#   env: WARMUP=3 ITERATIONS=5 TIME=1s FORKS=1 JAVA_OPTS=(./jgrad's defaults: the forked JVMs run as the CLI does)
# JMH's own output goes to bench/target/jmh.log, its results to bench/target/jmh.csv. The machine's load matters:
# the load average is printed before and after; compare figures only from the same run or the same quiet machine.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/java-env.sh
jgrad_find_jdk || exit 2
warmup=${WARMUP:-3}
iterations=${ITERATIONS:-5}
time=${TIME:-1s}
forks=${FORKS:-1}
java_opts=${JAVA_OPTS:-$(sed -n 's/^default_java_opts="\(.*\)"$/\1/p' jgrad)}

build() { mvn -q -B -Dstyle.color=never "$@" -Dmaven.test.skip=true -Pbenchmarks-jar -pl bench -am package >&2; }
build -o 2>/dev/null || build
jar=bench/target/benchmarks.jar
case " $* " in *" -h "*|*" -l "*|*" -lp "*) exec "$JAVA_HOME/bin/java" -jar "$jar" "$@" ;; esac

log=bench/target/jmh.log csv=bench/target/jmh.csv
rm -f "$csv"
echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores;" \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg); JMH: $warmup x $time warmup, $iterations x $time" \
     "measured, $forks fork(s); forked JVM options: $java_opts"
# JMH splits the -jvmArgsPrepend value at spaces
"$JAVA_HOME/bin/java" -jar "$jar" -wi "$warmup" -i "$iterations" -w "$time" -r "$time" -f "$forks" -prof gc \
    -jvmArgsPrepend "$java_opts" -rf csv -rff "$csv" "$@" > "$log" 2>&1 &
jmh=$!
trap 'kill "$jmh" 2>/dev/null || true' INT TERM
# progress: one line per benchmark and parameter set
tail -n +1 -F --pid="$jmh" "$log" 2>/dev/null | sed -u -n -e 's/^# Benchmark: io\.jgrad\.\(.*\)$/  running \1/p' \
    -e 's/^# Parameters: \(.*\)$/    \1/p' >&2 || true
wait "$jmh" || { echo "jmh.sh: JMH failed; its output is in $log:" >&2; tail -n 30 "$log" >&2; exit 1; }
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
[ -s "$csv" ] || { echo "jmh.sh: no results (see $log)" >&2; exit 1; }

awk -F, '
  function unq(s) { gsub(/^"|"$/, "", s); return s }
  function num(s) { return s == "NaN" || s == "" ? -1 : s + 0 }
  { sub(/\r$/, "") }
  NR == 1 { for (i = 1; i <= NF; i++) { h = unq($i); if (h ~ /^Param: /) { pc[++np] = i; pn[np] = substr(h, 8) } }; next }
  {
    name = unq($1); metric = ""
    if (index(name, ":")) { metric = substr(name, index(name, ":") + 1); name = substr(name, 1, index(name, ":") - 1) }
    sub(/^io\.jgrad\.(bench|tensor)\./, "", name)
    params = ""; th = $3 + 0
    for (j = 1; j <= np; j++) { v = unq($(pc[j])); if (v != "") { params = params (params == "" ? "" : " ") pn[j] "=" v; if (pn[j] == "threads") th = v + 0 } }
    key = name SUBSEP params
    if (!(key in seen)) { seen[key] = 1; order[++n] = key; kname[key] = name; kparams[key] = params }
    kth[key] = th
    if (metric == "") { score[key] = num($5); jthreads[key] = $3 + 0 }
    else if (metric == "flop") flop[key] = num($5)
    else if (metric == "bytes") bytes[key] = num($5)
    else if (metric == "gc.alloc.rate.norm") alloc[key] = num($5)
  }
  END {
    for (i = 1; i <= n; i++) { k = order[i]
      if (kname[k] == "PeakFmaBench.fma1") peak[1] = flop[k] / 1e9
      if (kname[k] == "PeakFmaBench.fma2") peak[2] = flop[k] / 1e9 }
    printf "%-35s %-31s %12s %9s %7s %8s %12s\n", "benchmark", "parameters", "us/op", "GFLOP/s", "% peak", "GB/s", "B/op"
    for (i = 1; i <= n; i++) { k = order[i]
      us = score[k] > 0 ? 1e6 * jthreads[k] / score[k] : -1
      gf = (k in flop) ? sprintf("%9.1f", flop[k] / 1e9) : sprintf("%9s", "")
      t = kth[k]; if (kname[k] == "PeakFmaBench.fma2") t = 2
      pk = ((k in flop) && (t in peak) && peak[t] > 0) ? sprintf("%6.1f%%", 100 * flop[k] / 1e9 / peak[t]) : sprintf("%7s", "")
      gb = (k in bytes) ? sprintf("%8.1f", bytes[k] / 1e9) : sprintf("%8s", "")
      al = (k in alloc) && alloc[k] >= 0 ? sprintf("%12.0f", alloc[k]) : sprintf("%12s", "n/a")
      printf "%-35s %-31s %12.1f %s %s %s %s\n", kname[k], kparams[k], us, gf, pk, gb, al }
    if (!(1 in peak)) print "(% peak needs PeakFmaBench in the same run)"
  }' "$csv"
