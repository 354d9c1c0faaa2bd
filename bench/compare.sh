#!/usr/bin/env bash
# The headline CPU workload, jgrad against PyTorch: Fashion-MNIST, MLP 784-256-128-10, ReLU, cross-entropy,
# batch 128, float32, shuffled, Adam (lr 1e-3) and SGD momentum 0.9 (lr 0.05), both with 2 threads.
# jgrad (bench/src/MlpBench.java, public API only) and PyTorch (bench/torch_mlp.py) run ALTERNATELY, round after
# round, so that load from other processes hits both alike. Prints every run, then a table of the median s/epoch
# (median over each run's epochs, then over rounds), the ratio jgrad/torch, test accuracy after the last epoch,
# the peak RSS of the whole process (VmHWM) and jgrad's bytes allocated per training step (all threads).
# With SCALING=1 it then prints a scaling table: hidden width 256/1024/4096 (batch 128) and batch 32/128/1024
# (hidden 256), Adam, SCALE_STEPS steps per "epoch", SCALE_EPOCHS epochs, median ms per step, one column per peer and
# thread count, the best against the best, and the range of the host probe's round trips (below) over the config's runs.
# THREADS may list several counts (THREADS="2 1"): every round then runs each peer with each, and the table ends
# with each optimizer's best against best (each peer's fastest thread count), all from the same alternated rounds.
# PyTorch with N threads: torch.set_num_threads(N) and OPENBLAS_NUM_THREADS=N, so that N means N cores for both peers
# (torch.set_num_threads does not reach OpenBLAS's own pool, which has a thread per core), and OMP_WAIT_POLICY=PASSIVE
# (with both pools spinning on 2 cores, an SGD epoch took 2.7 s instead of 0.62). Where THREADS has a count M > 1,
# each round also runs PyTorch as "1+M": set_num_threads(1) with M OpenBLAS threads, its fastest setting on 2 cores.
# Usage: bench/compare.sh [rounds]   env: EPOCHS=10 THREADS=2 OPTS="adam sgd" SCALING=0 SCALE_STEPS=100 SCALE_EPOCHS=2
#        DATA=/usr/share/datasets/fashion-mnist JAVA_OPTS=(see below) MAIN=1 (0 skips the main table)
#        ACTIVATION=relu (or leaky_relu, tanh, sigmoid, elu, gelu: the hidden layers' activation, for both peers)
#        FLUSH_DENORMAL=0 (1: PyTorch runs with torch.set_flush_denormal(True); jgrad's optimizers always store
#        subnormal state as zero, see VectorUpdates; PyTorch's Adam slows down without it as its state decays)
#        HOST_PROBE=1 (0: none): before and after each run of the main table, bench/src/CoreLatency.java measures
#        the round trip of a cache line between two threads, and the run's line gets host=BEFORE/AFTER in ns; the
#        table shows the range over the runs behind each line. The AMD hosts of this project switch between about
#        100 ns (the two virtual CPUs close together) and about 450 ns (far apart), and jgrad's 2-thread epoch is
#        about 1.5 times longer in the far state: compare runs made in the same state.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/java-env.sh
. bench/checks.sh
jgrad_find_jdk || exit 2
rounds=${1:-1}
epochs=${EPOCHS:-10}
bench_require_positive_int "bench/compare.sh: rounds" "$rounds"
bench_require_positive_int "bench/compare.sh: EPOCHS" "$epochs"
bench_require_one_of "bench/compare.sh: MAIN" "${MAIN:-1}" 0 1
bench_require_one_of "bench/compare.sh: SCALING" "${SCALING:-0}" 0 1
bench_require_one_of "bench/compare.sh: HOST_PROBE" "${HOST_PROBE:-1}" 0 1
bench_require_positive_int "bench/compare.sh: SCALE_STEPS" "${SCALE_STEPS:-100}"
bench_require_positive_int "bench/compare.sh: SCALE_EPOCHS" "${SCALE_EPOCHS:-2}"
thread_counts=${THREADS:-2}
bad_threads() { echo "bench/compare.sh: THREADS: expected counts as 2 or \"2 1\", got '$thread_counts'" >&2; exit 2; }
[ -n "${thread_counts// /}" ] || bad_threads # a blank THREADS would run nothing
for t in $thread_counts; do
  case "$t" in '' | *[!0-9]* | 0) bad_threads ;; esac
done
threads=${thread_counts%% *}
opts=${OPTS:-adam sgd}
[ -n "${opts// /}" ] || { echo "bench/compare.sh: OPTS: expected adam, sgd or both, got '$opts'" >&2; exit 2; }
for o in $opts; do bench_require_one_of "bench/compare.sh: OPTS" "$o" adam sgd; done
data=${DATA:-/usr/share/datasets/fashion-mnist}
export ACTIVATION=${ACTIVATION:-relu} # read by bench/torch_mlp.py; MlpBench gets it as -Dactivation
case "$ACTIVATION" in
  relu | leaky_relu | tanh | sigmoid | elu | gelu) ;;
  *) echo "bench/compare.sh: ACTIVATION: expected relu, leaky_relu, tanh, sigmoid, elu or gelu, got '$ACTIVATION'" >&2
     exit 2 ;;
esac
export FLUSH_DENORMAL=${FLUSH_DENORMAL:-0} # read by bench/torch_mlp.py
case "$FLUSH_DENORMAL" in
  0 | 1) ;;
  *) echo "bench/compare.sh: FLUSH_DENORMAL: expected 0 or 1, got '$FLUSH_DENORMAL'" >&2; exit 2 ;;
esac
py=/usr/bin/python3
# The JVM options ./jgrad runs with (jgrad_java_opts in scripts/java-env.sh says why each).
java_opts=${JAVA_OPTS:-$(jgrad_java_opts)}

bench_require_torch "$py"
bench_require_fashion_mnist "$data"
bench_build_core

jgrad_run() { # opt epochs hidden1 hidden2 batch maxSteps [threads]
  # shellcheck disable=SC2086
  "$JAVA_HOME/bin/java" $java_opts -Dactivation="$ACTIVATION" --enable-native-access=ALL-UNNAMED \
    -cp jgrad-core/target/classes \
    bench/src/MlpBench.java "$1" "$2" "${7:-$threads}" "$3" "$4" "$5" "$6" "$data" \
    2> >(grep -v '^WARNING: Using incubator modules' >&2)
}
torch_run() { # opt epochs hidden1 hidden2 batch maxSteps [config: N, or 1+M for 1 thread of its own and M BLAS threads]
  local config=${7:-$threads} intra blas
  intra=${config%%+*}
  blas=${config#*+}
  OPENBLAS_NUM_THREADS=$blas OMP_WAIT_POLICY=PASSIVE \
    "$py" bench/torch_mlp.py "$1" "$2" "$intra" "$3" "$4" "$5" "$6" "$data" | sed "s/ threads=[0-9]*/ threads=$config/"
}
# PyTorch's mixed setting (see the header), where some thread count is above 1; empty otherwise
most=1
for t in $thread_counts; do [ "$t" -gt "$most" ] && most=$t; done
torch_extra=
[ "$most" -gt 1 ] && torch_extra="1+$most"
torch_configs="$thread_counts $torch_extra"

echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores; load average:" \
     "$(cut -d' ' -f1-3 /proc/loadavg); threads=$thread_counts epochs=$epochs rounds=$rounds activation=$ACTIVATION;" \
     "PyTorch flush_denormal=$FLUSH_DENORMAL;" \
     "JVM options: $java_opts"
out=$(mktemp)
probe_dir=$(mktemp -d)
trap 'rm -rf "$out" "$probe_dir"' EXIT
probe=
if [ "${HOST_PROBE:-1}" = 1 ] && [ "$(nproc)" -ge 2 ]; then
  "$JAVA_HOME/bin/javac" -d "$probe_dir" bench/src/CoreLatency.java
  probe=1
fi
core_latency() { "$JAVA_HOME/bin/java" -cp "$probe_dir" CoreLatency; }
main_run() { # peer opt threads: one run of the main table; its RESULT line gets host=BEFORE/AFTER (ns) appended
  local before= line
  [ -n "$probe" ] && before=$(core_latency)
  line=$("$1"_run "$2" "$epochs" 256 128 128 0 "$3" | grep '^RESULT')
  [ -n "$probe" ] && line="$line host=$before/$(core_latency)"
  echo "$line" | tee -a "$out"
}
for ((r = 1; r <= rounds; r++)); do
  [ "${MAIN:-1}" = 1 ] || break
  for opt in $opts; do
    for t in $thread_counts; do
      main_run jgrad "$opt" "$t"
      main_run torch "$opt" "$t"
    done
    for t in $torch_extra; do
      main_run torch "$opt" "$t"
    done
  done
done

# per peer, optimizer and thread count (the RESULT line's threads=N): the median s/epoch over the rounds, the last
# accuracy, the largest peak RSS and the last allocation per step
table() { # $1 = file; prints: peer opt threads median-s accuracy rss alloc host-range
  awk '{ thr = "?"; h = ""; for (i = 8; i <= NF; i++) { if ($i ~ /^threads=/) thr = substr($i, 9)
                                                      if ($i ~ /^host=/) h = substr($i, 6) }
         k = $2 " " $3 " " thr; n[k]++; t[k, n[k]] = $4; acc[k] = $5; if ($6 > rss[k]) rss[k] = $6; al[k] = $7
         if (h != "") { split(h, hv, "/"); for (j = 1; j <= 2; j++) { v = hv[j] + 0
                          if (!(k in lo) || v < lo[k]) lo[k] = v; if (!(k in hi) || v > hi[k]) hi[k] = v } } }
    END { for (k in n) { m = n[k]; for (i = 1; i <= m; i++) a[i] = t[k, i]
            for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { x = a[i]; a[i] = a[j]; a[j] = x }
            med = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2
            print k, med, acc[k], rss[k], al[k], (k in lo) ? lo[k] "-" hi[k] : "-" } }' "$1"
}
[ "${MAIN:-1}" = 1 ] && {
echo
echo "Median s/epoch over $rounds round(s) x $epochs epochs (ratio = jgrad / torch with as many threads); accuracy after"
echo "the last epoch"
printf '%-6s %-6s %7s %10s %8s %9s %10s %12s %9s\n' opt peer threads s/epoch ratio "test acc" "peak RSS" "alloc/step" \
  "host ns"
several=0; [ "$thread_counts" != "${thread_counts%% *}" ] || [ -n "$torch_extra" ] && several=1
table "$out" | sort -k2,2 -k3,3nr -k1,1r | awk -v several="$several" '{ med[$1 " " $2 " " $3] = $4; line[NR] = $0
    if (!(($1 " " $2) in best) || $4 < best[$1 " " $2]) { best[$1 " " $2] = $4; bt[$1 " " $2] = $3 } }
  END { for (i = 1; i <= NR; i++) { split(line[i], f, " ")
          other = "torch " f[2] " " f[3]
          ratio = (f[1] == "jgrad" && other in med) ? sprintf("%.2fx", f[4] / med[other]) : ""
          printf "%-6s %-6s %7s %10.3f %8s %8.2f%% %7.0f MiB %12s %9s\n", f[2], f[1], f[3], f[4], ratio, f[5], f[6],
                 f[7] < 0 ? "n/a" : f[7] " B", f[8] }
        for (k in best) { split(k, f, " ")
          if (f[1] == "jgrad" && ("torch " f[2]) in best && several)
            printf "best against best, %s: jgrad %.3f (%s threads) / torch %.3f (%s) = %.2fx\n", f[2], best[k], bt[k],
                   best["torch " f[2]], bt["torch " f[2]], best[k] / best["torch " f[2]] } }'
}

if [ "${SCALING:-0}" = 1 ]; then
  steps=${SCALE_STEPS:-100}
  sepochs=${SCALE_EPOCHS:-2}
  sout=$(mktemp)
  trap 'rm -f "$out" "$sout"' EXIT
  scale_run() { # peer hidden batch threads: one run of the scaling table, host=BEFORE/AFTER (ns) appended as main_run
    local before= line
    [ -n "$probe" ] && before=$(core_latency)
    line=$("$1"_run adam "$sepochs" "$2" 128 "$3" "$steps" "$4" | grep '^RESULT' | sed "s/^RESULT /RESULT h$2-b$3 $4 /")
    [ -n "$probe" ] && line="$line host=$before/$(core_latency)"
    echo "$line" | tee -a "$sout"
  }
  for cfg in "256 128" "1024 128" "4096 128" "256 32" "256 1024"; do
    set -- $cfg
    for t in $thread_counts; do
      scale_run jgrad "$1" "$2" "$t"
    done
    for t in $torch_configs; do
      scale_run torch "$1" "$2" "$t"
    done
  done
  echo
  echo "Scaling (Adam, 784-H-128-10, $steps steps x $sepochs epochs; median of the epochs, ms per step; best against"
  echo "best: each peer's fastest thread count):"
  # RESULT config threads peer opt s/epoch accuracy rss alloc ms/step ...
  awk -v counts="$thread_counts" -v tcounts="$torch_configs" 'BEGIN { nt = split(counts, tc, " ")
      np = split(tcounts, pc, " "); printf "%-12s", "config"
      for (i = 1; i <= nt; i++) printf " %9s", "jgrad " tc[i] "T"
      for (i = 1; i <= np; i++) printf " %9s", "torch " pc[i] "T"
      printf " %16s %13s\n", "best against best", "host ns" }'
  # host ns: the range of the round trips measured before and after the config's runs (as the main table's)
  awk -v counts="$thread_counts" -v tcounts="$torch_configs" 'BEGIN { nt = split(counts, tc, " ")
      np = split(tcounts, pc, " ") }
    { v[$2, $3, $4] = $10; c[$2] = 1
      for (i = 11; i <= NF; i++) if ($i ~ /^host=/) { split(substr($i, 6), hv, "/")
        for (j = 1; j <= 2; j++) { h = hv[j] + 0; if (!($2 in lo) || h < lo[$2]) lo[$2] = h
                                   if (!($2 in hi) || h > hi[$2]) hi[$2] = h } } }
    END { for (k in c) { line = sprintf("%-12s", k); bj = bt = -1
            for (i = 1; i <= nt; i++) { j = v[k, tc[i], "jgrad"]; line = line sprintf(" %9.2f", j)
              if (bj < 0 || j < bj) bj = j }
            for (i = 1; i <= np; i++) { t = v[k, pc[i], "torch"]; line = line sprintf(" %9.2f", t)
              if (bt < 0 || t < bt) bt = t }
            print line sprintf(" %15.2fx %13s", bj / bt, (k in lo) ? lo[k] "-" hi[k] : "n/a") } }' "$sout" \
    | sort -t- -k1.2n -k2.2n
fi
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
