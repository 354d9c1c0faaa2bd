package io.jgrad.bench;

import java.util.concurrent.TimeUnit;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The float32 multiply-add ceiling of this machine, the denominator of "% of peak": 16 independent chains of
 * vector FMAs of the widest preferred species (512 bits with AVX-512), enough to cover the FMA latency (4 cycles)
 * times the FMA units per core (2) on current x86 cores, with no memory access. {@code fma1} runs on one thread
 * (one core), {@code fma2} on two at once (the 2-thread ceiling that 2-thread GEMMs are compared with).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules=jdk.incubator.vector"})
@State(Scope.Thread)
public class PeakFmaBench {
    private static final VectorSpecies<Float> S = FloatVector.SPECIES_PREFERRED;
    private static final int ITERATIONS = 1 << 14;
    private static final int CHAINS = 16;

    // fields, not constants, so that the JIT cannot fold the chains
    public float mul = 0.999f;
    public float add = 1e-3f;

    @Benchmark
    @Threads(1)
    public float fma1(Flops f) {
        return chains(f);
    }

    @Benchmark
    @Threads(2)
    public float fma2(Flops f) {
        return chains(f);
    }

    private float chains(Flops f) {
        FloatVector x = FloatVector.broadcast(S, mul), y = FloatVector.broadcast(S, add);
        FloatVector a0 = FloatVector.broadcast(S, 0f), a1 = FloatVector.broadcast(S, 1f), a2 = FloatVector.broadcast(S, 2f),
                a3 = FloatVector.broadcast(S, 3f), a4 = FloatVector.broadcast(S, 4f), a5 = FloatVector.broadcast(S, 5f),
                a6 = FloatVector.broadcast(S, 6f), a7 = FloatVector.broadcast(S, 7f), a8 = FloatVector.broadcast(S, 8f),
                a9 = FloatVector.broadcast(S, 9f), a10 = FloatVector.broadcast(S, 10f), a11 = FloatVector.broadcast(S, 11f),
                a12 = FloatVector.broadcast(S, 12f), a13 = FloatVector.broadcast(S, 13f), a14 = FloatVector.broadcast(S, 14f),
                a15 = FloatVector.broadcast(S, 15f);
        for (int i = 0; i < ITERATIONS; i++) {
            a0 = a0.fma(x, y);
            a1 = a1.fma(x, y);
            a2 = a2.fma(x, y);
            a3 = a3.fma(x, y);
            a4 = a4.fma(x, y);
            a5 = a5.fma(x, y);
            a6 = a6.fma(x, y);
            a7 = a7.fma(x, y);
            a8 = a8.fma(x, y);
            a9 = a9.fma(x, y);
            a10 = a10.fma(x, y);
            a11 = a11.fma(x, y);
            a12 = a12.fma(x, y);
            a13 = a13.fma(x, y);
            a14 = a14.fma(x, y);
            a15 = a15.fma(x, y);
        }
        f.flop += 2L * ITERATIONS * CHAINS * S.length();
        return a0.add(a1).add(a2).add(a3).add(a4).add(a5).add(a6).add(a7).add(a8).add(a9).add(a10).add(a11).add(a12)
                .add(a13).add(a14).add(a15).reduceLanes(VectorOperators.ADD);
    }
}
