#!/usr/bin/env bash
# JMH benchmarks of jgrad (module bench/, sources in bench/src/main/java): builds bench/target/benchmarks.jar, runs
# the benchmarks with JMH's GC profiler, and prints one table (io.jgrad.bench.JmhTable): time per operation,
# GFLOP/s and % of the peak FMA rate measured in the same run (median and best iteration), GB/s for the
# memory-bound kernels, and bytes allocated per operation (gc.alloc.rate.norm, all threads).
#   MlpGemmBench.gemm  the 8 GEMMs of a 784-256-128-10 MLP training step at batch 128 (Tensor.matmul), 1 and 2 threads,
#                      outputs recycled (as in training) or freshly allocated
#   MlpGemmBench.step  the 8 together
#   PeakFmaBench       16 independent chains of Vector API FMAs, 1 and 2 threads: the denominator of "% peak"
#   KernelBench        ReLU forward/backward, bias add, fused Adam and SGD-momentum, cross-entropy forward/backward
#   StepBench.step     a whole training step (forward, loss, backward, Adam) of the MLP and of `--model cnn`
# Usage: bench/jmh.sh [JMH arguments]   e.g. bench/jmh.sh StepBench -p threads=2    (bench/jmh.sh -h: JMH's options)
# Iterations are set per benchmark class (3 x 1 s warmup + 5 x 1 s, StepBench 5 x 2 s + 5 x 2 s), one fork; env
# WARMUP=N ITERATIONS=N TIME=1s override them for all, FORKS=1. The forked JVMs get ./jgrad's default options
# (JAVA_OPTS overrides), so they run as the CLI does. JMH's own output goes to bench/target/jmh.log, its raw
# results (every iteration) to bench/target/jmh.json. The machine's load matters: the load average is printed
# before and after; compare figures only within one run.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/java-env.sh
. bench/checks.sh
jgrad_find_jdk || exit 2
[ -z "${WARMUP:-}" ] || bench_require_int "bench/jmh.sh: WARMUP" "$WARMUP"
[ -z "${ITERATIONS:-}" ] || bench_require_positive_int "bench/jmh.sh: ITERATIONS" "$ITERATIONS"
bench_require_int "bench/jmh.sh: FORKS" "${FORKS:-1}"
[ -z "${TIME:-}" ] || [[ "$TIME" =~ ^[1-9][0-9]*(ns|us|ms|s|min|hr)$ ]] \
  || { echo "bench/jmh.sh: TIME: expected a duration such as 1s or 500ms, got '$TIME'" >&2; exit 2; }
java_opts=${JAVA_OPTS-$(jgrad_java_opts)}

build() { mvn -q -B -Dstyle.color=never "$@" -Dmaven.test.skip=true -Pbenchmarks-jar -pl bench -am package >&2; }
build -o 2>/dev/null || build
jar=bench/target/benchmarks.jar
case " $* " in *" -h "*|*" -l "*|*" -lp "*) exec "$JAVA_HOME/bin/java" -jar "$jar" "$@" ;; esac

iter=()
[ -z "${WARMUP:-}" ] || iter+=(-wi "$WARMUP")
[ -z "${ITERATIONS:-}" ] || iter+=(-i "$ITERATIONS")
[ -z "${TIME:-}" ] || iter+=(-w "$TIME" -r "$TIME")
[ -z "$java_opts" ] || iter+=(-jvmArgsPrepend "$java_opts") # JMH splits the value at spaces
log=bench/target/jmh.log
rm -f "$log" bench/target/jmh.json
echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores;" \
     "load average before: $(cut -d' ' -f1-3 /proc/loadavg); forked JVM options: ${java_opts:-none}"
: > "$log"
# progress on stderr: one line per benchmark and parameter set
tail -n +1 -F "$log" 2>/dev/null | sed -u -n -e 's/^# Benchmark: io\.jgrad\.\(.*\)$/  running \1/p' \
    -e 's/^# Parameters: \(.*\)$/    \1/p' >&2 &
progress=$!
trap 'kill "$progress" 2>/dev/null || true' EXIT
status=0
"$JAVA_HOME/bin/java" --sun-misc-unsafe-memory-access=allow -cp "$jar" io.jgrad.bench.JmhTable -f "${FORKS:-1}" -prof gc "${iter[@]}" -o "$log" \
    -rf json -rff bench/target/jmh.json "$@" || status=$?
sleep 0.5
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ "$status" = 130 ] || [ "$status" = 143 ]; then
  echo "jmh.sh: interrupted; what JMH wrote is in $log" >&2
  exit "$status"
elif [ "$status" != 0 ]; then
  echo "jmh.sh: JMH failed (exit status $status); the end of $log:" >&2
  tail -n 30 "$log" >&2
  exit 1
fi
