package io.jgrad.tensor;

/** Element-wise functions of two broadcast operands; comparisons give 1 or 0 in the operands' dtype. */
enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, GT, GE, LT, LE, EQ,
}
