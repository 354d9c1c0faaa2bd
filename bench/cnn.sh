#!/usr/bin/env bash
# `jgrad train --model cnn` against the same CNN in PyTorch (bench/torch_cnn.py), run alternately, same batch
# size, same thread count, on the same data. Each epoch's time includes the test-set evaluation (as jgrad's
# metrics.csv "seconds"). Prints every epoch, then per peer the median wall seconds per epoch, the ratio to
# PyTorch, the CPU seconds (user + system) per epoch of the whole process (start-up and data loading included,
# a fairer measure than wall time on a shared machine) and the peak resident set size (jgrad: /usr/bin/time's
# maximum RSS of the whole JVM; PyTorch: ru_maxrss).
# PyTorch runs with torch.set_num_threads(THREADS) and OPENBLAS_NUM_THREADS=1: its fully connected layers then call
# OpenBLAS on the calling thread instead of waking a second pool of one thread per core beside its OpenMP one. Its
# fastest of the settings measured on 2 cores (2026-12-06, one Fashion-MNIST epoch at batch 64): 23.5-24.4 s with
# 2 threads and 1 OpenBLAS thread, 31.8-32.8 s with OpenBLAS's default pool, 41.2 s with that pool and
# OMP_WAIT_POLICY=PASSIVE, 40.2 s with 1 thread and 2 OpenBLAS threads. TORCH_BLAS_THREADS overrides the 1.
# Usage: bench/cnn.sh [DATA_DIR] [rounds]   (env: THREADS=2 EPOCHS=2 BATCH=64 JAVA_OPTS=<the launcher's defaults>
#                                            JGRAD_JAVA_OPTS=<added after them> TORCH_BLAS_THREADS=1)
# Without PyTorch at /usr/bin/python3 on OpenBLAS (python3-torch with libopenblas0-pthread), it says what to install
# and runs jgrad alone.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/java-env.sh
. bench/checks.sh
jgrad_find_jdk || exit 2
data=${1:-/usr/share/datasets/fashion-mnist}
rounds=${2:-1}
threads=${THREADS:-2}
epochs=${EPOCHS:-2}
batch=${BATCH:-64}
bench_require_positive_int "bench/cnn.sh: rounds" "$rounds"
bench_require_positive_int "bench/cnn.sh: THREADS" "$threads"
bench_require_positive_int "bench/cnn.sh: EPOCHS" "$epochs"
bench_require_positive_int "bench/cnn.sh: BATCH" "$batch"
bench_require_positive_int "bench/cnn.sh: TORCH_BLAS_THREADS" "${TORCH_BLAS_THREADS:-1}"
bench_require_fashion_mnist "$data"
py=/usr/bin/python3
have_torch=1
torch_problem=$(bench_torch_problem "$py")
if [ -n "$torch_problem" ]; then
  have_torch=0
  echo "$torch_problem; running jgrad only. For the comparison, $bench_torch_install" >&2
fi
./jgrad --version >/dev/null  # builds the jar if the sources changed
jar=$(mktemp --suffix=.jar)
work=$(mktemp -d)
out=$(mktemp)
trap 'rm -rf "$jar" "$work" "$out"' EXIT
cp jgrad-cli/target/jgrad.jar "$jar"  # a rebuild during the benchmark must not change the running jar
# The JVM options ./jgrad runs with (jgrad_java_opts in scripts/java-env.sh): what users run.
java_opts=${JAVA_OPTS:-$(jgrad_java_opts)}
echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores;" \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg); threads=$threads batch=$batch epochs=$epochs data=$data;" \
     "PyTorch's OpenBLAS threads: ${TORCH_BLAS_THREADS:-1};" \
     "JVM options: $java_opts"
for ((r = 1; r <= rounds; r++)); do
  rm -rf "$work/run"
  /usr/bin/time -f "RSS %M CPU %U %S" -o "$work/time" "$JAVA_HOME/bin/java" $java_opts --enable-native-access=ALL-UNNAMED -Djgrad.home="$root" \
    ${JGRAD_JAVA_OPTS:-} -jar "$jar" train --model cnn --data "$data" --epochs "$epochs" --batch-size "$batch" \
    --threads "$threads" --seed "$r" --no-report --out "$work/run" 2>"$work/stderr" | { grep -v '^wrote' || true; } \
    || { status=$?; [ "$status" = 130 ] || [ "$status" = 143 ] && exit "$status" # Ctrl-C: the JVM exits 130
         echo "bench/cnn.sh: jgrad train failed (exit status $status); its standard error:" >&2
         grep -v '^WARNING: Using incubator modules' "$work/stderr" >&2; exit 1; }
  rss=$(sed -n 's/^RSS \([0-9]*\) .*/\1/p' "$work/time")
  cpu=$(sed -n 's/^RSS [0-9]* CPU \([0-9.]*\) \([0-9.]*\)/\1 \2/p' "$work/time" | awk -v e="$epochs" '{ printf "%.1f", ($1 + $2) / e }')
  tail -n +2 "$work/run/metrics.csv" | awk -F, '{ printf "EPOCH jgrad %d loss %.4f train_acc %.4f test_acc %.4f seconds %.1f\n", $1, $2, $3, $5, $7 }' \
    | tee -a "$out"
  secs=$(tail -n +2 "$work/run/metrics.csv" | cut -d, -f7 | sort -n | awk '{ a[NR] = $1 } END { print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2 }')
  echo "RESULT jgrad $secs $((rss / 1024)) $cpu" | tee -a "$out"
  if [ "$have_torch" = 1 ]; then
    OPENBLAS_NUM_THREADS=${TORCH_BLAS_THREADS:-1} "$py" bench/torch_cnn.py "$data" "$epochs" "$batch" "$threads" "$r" \
      | tee -a "$out"
  fi
done
echo
echo "Median over $rounds rounds; ratio = time / PyTorch time:"
awk '/^RESULT/ { n[$2]++; s[$2, n[$2]] = $3; if ($4 > m[$2]) m[$2] = $4; c[$2] += $5 }
  END {
    for (k in n) { cnt = n[k]; for (i = 1; i <= cnt; i++) a[i] = s[k, i]
      for (i = 1; i <= cnt; i++) for (j = i + 1; j <= cnt; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      med[k] = (cnt % 2) ? a[(cnt + 1) / 2] : (a[cnt / 2] + a[cnt / 2 + 1]) / 2 }
    printf "%-8s %12s %10s %14s %14s\n", "peer", "s/epoch", "vs torch", "CPU s/epoch", "peak RSS MiB"
    for (k in med) printf "%-8s %12.1f %10s %14.1f %14d\n", k, med[k], ("torch" in med) ? sprintf("%.2fx", med[k] / med["torch"]) : "n/a",
      c[k] / n[k], m[k]
  }' "$out"
