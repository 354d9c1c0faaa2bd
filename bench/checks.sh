# Sourced by bench/compare.sh, bench/accuracy.sh, bench/alloc.sh, bench/cnn.sh, bench/gemm.sh and bench/jmh.sh: the
# peers and the data they need, with what to install when one is missing (exit 2), their arguments' checks, and the
# build of jgrad-core's classes they run on.
bench_require_positive_int() { # $1 = what says it (script: argument), $2 = the value
  [[ "$2" =~ ^[1-9][0-9]*$ ]] || { echo "$1: expected a positive integer, got '$2'" >&2; exit 2; }
}
bench_require_int() { # $1 = what says it (script: argument), $2 = the value; a whole number, 0 allowed
  [[ "$2" =~ ^[0-9]+$ ]] || { echo "$1: expected a whole number (0 or more), got '$2'" >&2; exit 2; }
}
bench_require_one_of() { # $1 = what says it, $2 = the value, the rest = the values allowed
  local what=$1 value=$2 v
  shift 2
  for v in "$@"; do [ "$value" = "$v" ] && return 0; done
  echo "$what: expected $(echo "$@" | sed 's/ /, /g; s/\(.*\), /\1 or /'), got '$value'" >&2
  exit 2
}
# What to install for a valid comparison with PyTorch: Debian's python3-torch links the system libblas.so.3, which
# is the reference BLAS (tens of times slower) unless OpenBLAS provides it; libopenblas0-pthread does.
bench_torch_install="install it with 'apt-get install -y python3-torch libopenblas0-pthread' (Debian/Ubuntu; \
libopenblas0-pthread makes OpenBLAS the system's libblas.so.3, see 'update-alternatives --display \
libblas.so.3-x86_64-linux-gnu')"
bench_torch_problem() { # $1 = the python; prints what is wrong with its PyTorch for a comparison, or nothing
  if ! [ -x "$1" ] || ! "$1" -c 'import torch' 2>/dev/null; then
    echo "PyTorch not found for $1"
  elif ! "$1" -c '
import torch
a = torch.ones(64, 64)
(a @ a).sum()  # loads the BLAS torch multiplies with
with open("/proc/self/maps") as f:
    maps = f.read().lower()
raise SystemExit(0 if "openblas" in maps or "libmkl" in maps or "BLAS_INFO=mkl" in torch.__config__.show() else 1)' \
      2>/dev/null; then
    echo "PyTorch at $1 multiplies with the reference BLAS, not OpenBLAS (a comparison would be invalid)"
  fi
}
bench_require_torch() { # $1 = the python that must import torch, on OpenBLAS (or MKL)
  local problem
  problem=$(bench_torch_problem "$1")
  [ -z "$problem" ] || { echo "$problem: $bench_torch_install" >&2; exit 2; }
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
