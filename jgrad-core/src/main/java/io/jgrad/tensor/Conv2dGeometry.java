package io.jgrad.tensor;

/**
 * The sizes of one 2-D convolution over NCHW tensors, as {@link ConvOps} checked them: input [n, c, h, w], weight
 * [o, c / groups, kH, kW], stride s, padding p, dilation d, output [n, o, ho, wo] with
 * ho = floor((h + 2p - d(kH - 1) - 1) / s) + 1 (wo alike). What a backend's {@link Backend#conv2d} needs besides
 * the tensors.
 */
record Conv2dGeometry(int n, int c, int h, int w, int o, int kH, int kW, int s, int p, int d, int groups, int ho,
                      int wo) {
    /** Input channels per group. */
    int cg() {
        return c / groups;
    }

    /** Output channels per group. */
    int og() {
        return o / groups;
    }

    /** Rows of a group's im2col columns: cg * kH * kW, the K of its GEMM. */
    int kg() {
        return cg() * kH * kW;
    }

    /** Output pixels per channel and sample. */
    int plane() {
        return ho * wo;
    }
}
