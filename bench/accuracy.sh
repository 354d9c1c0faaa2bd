#!/usr/bin/env bash
# Test accuracy of the headline workload (bench/compare.sh's: Fashion-MNIST, MLP 784-256-128-10, batch 128,
# 10 epochs) over several seeds, jgrad beside PyTorch: one run's accuracy moves by a few tenths of a point with the
# seed (initial weights and shuffling), so a single pair of runs cannot say whether the two train alike.
# Seed s initialises the weights; shuffling uses s + 1 (each peer with its own generator: the numbers differ,
# the distribution should not). Timing plays no part: jgrad runs with 2 threads, PyTorch with
# torch.set_num_threads(1) and OpenBLAS's default pool (its fastest setting here: "1+2" in bench/compare.sh), one
# after the other.
# Usage: bench/accuracy.sh [seeds]   env: OPT=adam EPOCHS=10 DATA=/usr/share/datasets/fashion-mnist
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/java-env.sh
. bench/checks.sh
jgrad_find_jdk || exit 2
seeds=${1:-5}
bench_require_positive_int "bench/accuracy.sh: seeds" "$seeds"
opt=${OPT:-adam}
epochs=${EPOCHS:-10}
bench_require_one_of "bench/accuracy.sh: OPT" "$opt" adam sgd
bench_require_positive_int "bench/accuracy.sh: EPOCHS" "$epochs"
data=${DATA:-/usr/share/datasets/fashion-mnist}
py=/usr/bin/python3
bench_require_torch "$py"
bench_require_fashion_mnist "$data"
bench_build_core
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for ((s = 0; s < seeds; s++)); do
  # shellcheck disable=SC2046
  "$JAVA_HOME/bin/java" $(jgrad_java_opts) --enable-native-access=ALL-UNNAMED -cp jgrad-core/target/classes \
    bench/src/MlpBench.java "$opt" "$epochs" 2 256 128 128 0 "$data" "$s" \
    2> >(grep -v '^WARNING: Using incubator modules' >&2) | grep '^RESULT' \
    | awk -v s="$s" '{ print "seed " s, $0 }' | tee -a "$out"
  "$py" bench/torch_mlp.py "$opt" "$epochs" 1 256 128 128 0 "$data" "$s" | grep '^RESULT' \
    | awk -v s="$s" '{ print "seed " s, $0 }' | tee -a "$out"
done
echo
echo "Test accuracy after $epochs epochs ($opt), $seeds seeds: mean, sample standard deviation, min, max"
awk '{ p = $4; n[p]++; x = $7; s[p] += x; q[p] += x * x; if (!(p in lo) || x < lo[p]) lo[p] = x; if (x > hi[p]) hi[p] = x }
  END { for (p in n) { m = s[p] / n[p]; sd = n[p] > 1 ? sqrt((q[p] - n[p] * m * m) / (n[p] - 1)) : 0
          printf "%-6s %6.2f%% +- %.2f  (min %.2f, max %.2f)\n", p, m, sd, lo[p], hi[p] } }' "$out" | sort
