package io.jgrad.tensor;

/** Element-wise functions of two broadcast operands; comparisons give 1 or 0 in the operands' dtype. */
enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, GT, GE, LT, LE, EQ,
    /** a where b &gt; 0, else 0: the ReLU backward (gradient a, input b) in one pass, 0 even where a is NaN, as PyTorch. */
    RELU_GRAD,
}
