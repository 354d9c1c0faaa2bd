#!/usr/bin/env bash
# Generates DoubleKernels.java from FloatKernels.java and DoubleConvKernels.java from FloatConvKernels.java (as
# EJML generates its float code from its double code): one source of truth for the loops, two element types.
# Run after editing FloatKernels.java or FloatConvKernels.java.
set -euo pipefail
dir="$(cd "$(dirname "$0")/.." && pwd)/jgrad-core/src/main/java/io/jgrad/tensor"
generate() { # $1 = float class name, $2 = double class name
    sed -e "s/$1/$2/g" \
        -e 's/\bfloat\b/double/g' \
        -e 's/Float\.NEGATIVE_INFINITY/Double.NEGATIVE_INFINITY/g' \
        -e 's/Float\.isNaN/Double.isNaN/g' \
        -e 's/\([0-9]\)f\b/\1.0/g' \
        -e 's/(double) //g' \
        -e "s/^ \* Plain-Java float32 kernels/ * GENERATED from $1.java by scripts\/gen-double-kernels.sh: do not edit. Plain-Java float64 kernels/" \
        -e 's/keep float32 precision/keep precision/' \
        -e '/is generated from this file by/d' \
        -e '/\/\/ float32 only$/d' \
        "$dir/$1.java" > "$dir/$2.java"
}
generate FloatKernels DoubleKernels
generate FloatConvKernels DoubleConvKernels
