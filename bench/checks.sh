# Sourced by bench/compare.sh, bench/accuracy.sh, bench/alloc.sh, bench/cnn.sh and bench/gemm.sh: the peers and the
# data they need, with what to install when one is missing (exit 2), their arguments' checks, and the build of
# jgrad-core's classes they run on.
bench_require_positive_int() { # $1 = what says it (script: argument), $2 = the value
  [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "$1: expected a positive integer, got '$2'" >&2; exit 2; }
}
bench_require_torch() { # $1 = the python that must import torch
  if ! [ -x "$1" ] || ! "$1" -c 'import torch' 2>/dev/null; then
    echo "PyTorch not found for $1: install it with 'apt-get install -y python3-torch libopenblas0-pthread'" >&2
    exit 2
  fi
}
bench_require_fashion_mnist() { # $1 = the data directory
  if ! ls "$1"/train-images-idx3-ubyte* >/dev/null 2>&1; then
    echo "Fashion-MNIST not found in $1: install it with 'apt-get install -y dataset-fashion-mnist' (or set DATA)" >&2
    exit 2
  fi
}
bench_build_core() { # offline first: the machines these run on often have no network
  # Maven prints colour resets even in quiet batch mode: stripped, as ./jgrad does
  { mvn -q -B -o -Dstyle.color=never compile -pl jgrad-core 2>&1 || mvn -q -B -Dstyle.color=never compile -pl jgrad-core 2>&1; } \
    | sed 's/\x1b\[[0-9;]*m//g' >&2
  return "${PIPESTATUS[0]}"
}
