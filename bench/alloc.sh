#!/usr/bin/env bash
# What a training step allocates, site by site (bench/src/AllocSites.java): the headline MLP trained by Trainer.fit
# on Fashion-MNIST for two epochs, steps 11-460 of the second (replays of the recorded step; CAPTURE=false: step by
# step) under a JFR recording of every allocation (the JVM runs
# with -XX:-UseTLAB so that each allocation is an event). Prints bytes per step, the sites that allocate most, then
# the same bytes by kind (parallel-loop dispatch, views, op results, graph nodes, shapes, float arrays, other).
# JMH's StepBench (bench/jmh.sh StepBench) gives the total per step without a breakdown, at full speed.
# Usage: bench/alloc.sh [adam|sgd] [threads] [sites]   env: DATA=/usr/share/datasets/fashion-mnist
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/java-env.sh
. bench/checks.sh
jgrad_find_jdk || exit 2
opt=${1:-adam}
threads=${2:-2}
sites=${3:-25}
case "$opt" in adam | sgd) ;; *) echo "bench/alloc.sh: optimizer: expected adam or sgd, got '$opt'" >&2; exit 2 ;; esac
bench_require_positive_int "bench/alloc.sh: threads" "$threads"
bench_require_positive_int "bench/alloc.sh: sites" "$sites"
data=${DATA:-/usr/share/datasets/fashion-mnist}
bench_require_fashion_mnist "$data"
bench_build_core
# shellcheck disable=SC2046
"$JAVA_HOME/bin/java" $(jgrad_java_opts) -XX:-UseTLAB -Dcapture="${CAPTURE:-true}" --enable-native-access=ALL-UNNAMED -cp jgrad-core/target/classes \
  bench/src/AllocSites.java "$opt" "$threads" "$data" "$sites" 2> >(grep -v '^WARNING: Using incubator modules' >&2)
