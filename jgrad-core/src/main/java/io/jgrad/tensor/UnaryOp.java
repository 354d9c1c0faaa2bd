package io.jgrad.tensor;

/**
 * Element-wise functions y = f(x; p, q) that the backend computes in one pass. The derivative of each lives
 * beside its forward in {@link ElementwiseOps}, not here: this enum only names the kernel.
 */
enum UnaryOp {
    /** -x */ NEG,
    /** e^x */ EXP,
    /** ln x */ LOG,
    /** sqrt x */ SQRT,
    /** |x| */ ABS,
    /** sign(x) in {-1, 0, 1} */ SIGN,
    /** max(x, 0) */ RELU,
    /** 1 / (1 + e^-x) */ SIGMOID,
    /** tanh x */ TANH,
    /** x^p */ POW,
    /** x + p */ ADD_SCALAR,
    /** x * p */ MUL_SCALAR,
    /** x / p (a true division, as PyTorch's; not x times 1 / p) */ DIV_SCALAR,
    /** p / x */ RDIV_SCALAR,
    /** x if x &gt; 0 else p * x */ LEAKY_RELU,
    /** x if x &gt; 0 else p * (e^x - 1) */ ELU,
    /** p * e^x if x &lt;= 0 else 1 (the derivative of ELU; 1 at NaN, as PyTorch) */ ELU_GRAD,
    /** x * Phi(x), Phi the standard normal CDF (exact, erf-based, as PyTorch's default) */ GELU,
    /** Phi(x) + x * phi(x), the derivative of GELU */ GELU_GRAD,
    /** min(max(x, p), q) */ CLAMP,
    /** 1 if p &lt;= x &lt;= q else 0 (the derivative mask of CLAMP) */ INSIDE,
    /** 1 if x &gt; p else 0 */ GT_SCALAR,
    /** 1 if x &lt; p else 0 */ LT_SCALAR,
}
