#!/usr/bin/env bash
# GEMM benchmark: the 8 GEMMs of one 784-256-128-10 MLP training step (batch 128) over a Fashion-MNIST epoch
# (469 steps, 60.46 GFLOP), run alternately by jgrad with its Java kernels, jgrad with its Vector API kernel
# (VectorSgemm: needs 512-bit vectors, else it is labelled jgrad-openblas or jgrad-java), jgrad with the bundled
# OpenBLAS, jgrad with the system OpenBLAS (the one Debian's PyTorch uses) and PyTorch, in the same environment.
# Prints every run, then the median ms per epoch of GEMMs, GFLOP/s and the ratio to PyTorch.
# Usage: bench/gemm.sh [rounds]   (env: THREADS=2 EPOCHS=3 JAVA_EPOCHS=2 WARMUP=1; SKIP_JAVA=1 skips the slow Java kernel)
# A variant whose library is missing falls back to the Java kernels and is then labelled jgrad-java-as-<variant>.
# Without PyTorch at /usr/bin/python3 on OpenBLAS (python3-torch with libopenblas0-pthread), it says what to install
# and runs the jgrad variants alone.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/java-env.sh
. bench/checks.sh
jgrad_find_jdk || exit 2
rounds=${1:-3}
threads=${THREADS:-2}
epochs=${EPOCHS:-3}
java_epochs=${JAVA_EPOCHS:-2}
warmup=${WARMUP:-1}
bench_require_positive_int "bench/gemm.sh: rounds" "$rounds"
bench_require_positive_int "bench/gemm.sh: THREADS" "$threads"
bench_require_positive_int "bench/gemm.sh: EPOCHS" "$epochs"
bench_require_positive_int "bench/gemm.sh: JAVA_EPOCHS" "$java_epochs"
[[ "$warmup" =~ ^[0-9]+$ ]] || { echo "bench/gemm.sh: WARMUP: expected a whole number of epochs, got '$warmup'" >&2; exit 2; }
py=/usr/bin/python3

have_torch=1
torch_problem=$(bench_torch_problem "$py")
if [ -n "$torch_problem" ]; then
  have_torch=0
  echo "$torch_problem; running the jgrad variants only. For the comparison, $bench_torch_install" >&2
fi

bench_build_core
cpfile=$(mktemp)
trap 'rm -f "$cpfile"' EXIT
mvn -q -B -o dependency:build-classpath -pl jgrad-core -Dmdep.includeScope=runtime -Dmdep.outputFile="$cpfile" >&2 \
  || mvn -q -B dependency:build-classpath -pl jgrad-core -Dmdep.includeScope=runtime -Dmdep.outputFile="$cpfile" >&2
deps=$(cat "$cpfile")
java_run() {  # $1 = jgrad.blas mode, $2 = epochs, $3 = label suffix; VECTOR=1 in the environment: the Vector API kernel
  local sgemm=(-Djgrad.sgemm=blas)
  [ -z "${VECTOR:-}" ] || sgemm=(--add-modules jdk.incubator.vector -Djgrad.sgemm=vector)
  "$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED "${sgemm[@]}" -Djgrad.blas="$1" \
    -cp "jgrad-core/target/classes:$deps" bench/src/GemmBench.java "$threads" "$2" "$warmup" 2> >(grep -v 'incubator modules' >&2) \
    | if [ "$1" = java ] || [ -n "${VECTOR:-}" ]; then cat; else
        sed -e "s/^RESULT jgrad-openblas /RESULT jgrad-$3 /" -e "s/^RESULT jgrad-java /RESULT jgrad-java-as-$3 /"; fi
}

echo "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), $(nproc) cores;" \
     "load average: $(cut -d' ' -f1-3 /proc/loadavg); OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-unset}" \
     "OPENBLAS_L2_SIZE=${OPENBLAS_L2_SIZE:-unset}; threads=$threads"
out=$(mktemp)
trap 'rm -f "$cpfile" "$out"' EXIT
for ((r = 1; r <= rounds; r++)); do
  [ -n "${SKIP_JAVA:-}" ] || java_run java "$java_epochs" java | tee -a "$out"
  VECTOR=1 java_run auto "$epochs" vector | tee -a "$out"
  java_run bundled "$epochs" openblas-bundled | tee -a "$out"
  java_run system "$epochs" openblas-system | tee -a "$out"
  if [ "$have_torch" = 1 ]; then
    # torch.set_num_threads does not reach OpenBLAS's own pool (one thread per core by default)
    OPENBLAS_NUM_THREADS=$threads "$py" bench/torch_gemm.py "$threads" "$epochs" "$warmup" | tee -a "$out"
  fi
done
echo
echo "Median over $rounds rounds (each run reports the median of its epochs); ratio = time / PyTorch time:"
awk '/^RESULT/ { n[$2]++; v[$2, n[$2]] = $3 }
  END {
    for (k in n) { m = n[k]; for (i = 1; i <= m; i++) a[i] = v[k, i]
      for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
      med[k] = (m % 2) ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
    printf "%-26s %12s %10s %10s\n", "peer", "ms/epoch", "GFLOP/s", "vs torch"
    for (k in med) printf "%-26s %12.1f %10.2f %10s\n", k, med[k], 60.46e3 / med[k],
      ("torch" in med) ? sprintf("%.2fx", med[k] / med["torch"]) : "n/a"
  }' "$out" | (read -r h; echo "$h"; sort -k2 -n)
