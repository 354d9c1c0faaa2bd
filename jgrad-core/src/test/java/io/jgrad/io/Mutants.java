package io.jgrad.io;

import io.jgrad.tensor.Generator;
import java.util.Arrays;

/**
 * Deterministic mutants of a valid file for fuzz tests: bit flips, truncation, overwritten runs, edits of the
 * first bytes (where headers live), insertions and deletions, chosen by a seeded {@link Generator}.
 */
public final class Mutants {
    private Mutants() {}

    /** Mutant number {@code i} of {@code valid}; {@code headerBytes} bounds the "header edit" kind. */
    public static byte[] mutate(byte[] valid, Generator g, int headerBytes) {
        byte[] b = valid.clone();
        int n = b.length;
        switch (g.nextInt(6)) {
            case 0 -> {
                int flips = 1 + g.nextInt(8);
                for (int k = 0; k < flips; k++) {
                    int bit = g.nextInt(n * 8);
                    b[bit / 8] ^= (byte) (1 << (bit % 8));
                }
            }
            case 1 -> b = Arrays.copyOf(b, g.nextInt(n));
            case 2 -> {
                int len = 1 + g.nextInt(16);
                int at = g.nextInt(n);
                for (int k = at; k < Math.min(n, at + len); k++) {
                    b[k] = (byte) g.nextInt(256);
                }
            }
            case 3 -> {
                byte[] interesting = {0, (byte) 0xFF, 0x7F, (byte) 0x80, 1, '"', '{', ']', ',', '-', '9'};
                int edits = 1 + g.nextInt(3);
                for (int k = 0; k < edits; k++) {
                    b[g.nextInt(Math.min(n, headerBytes))] = interesting[g.nextInt(interesting.length)];
                }
            }
            case 4 -> {
                int at = g.nextInt(n + 1);
                byte[] run = new byte[1 + g.nextInt(16)];
                for (int k = 0; k < run.length; k++) {
                    run[k] = (byte) g.nextInt(256);
                }
                byte[] out = new byte[n + run.length];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(run, 0, out, at, run.length);
                System.arraycopy(b, at, out, at + run.length, n - at);
                b = out;
            }
            default -> {
                int at = g.nextInt(n);
                int len = Math.min(n - at, 1 + g.nextInt(32));
                byte[] out = new byte[n - len];
                System.arraycopy(b, 0, out, 0, at);
                System.arraycopy(b, at + len, out, at, n - at - len);
                b = out;
            }
        }
        return b;
    }
}
