package io.jgrad.tensor;

/** Element-wise functions of two broadcast operands; comparisons give 1 or 0 in the operands' dtype. */
enum BinaryOp {
    ADD, SUB, MUL, DIV, POW, MAX, MIN, GT, GE, LT, LE, EQ,
    /**
     * 1 where not a &lt; b, else 0: 1 where either is NaN, unlike GE. With NOT_GE, the masks of maximum's and
     * minimum's backward in one pass each.
     */
    NOT_LT,
    /** 1 where not a &gt;= b, else 0: 1 where either is NaN, unlike LT. */
    NOT_GE,
    /** a where b &gt; 0, else 0: the ReLU backward (gradient a, input b) in one pass, 0 even where a is NaN, as PyTorch. */
    RELU_GRAD,
}
