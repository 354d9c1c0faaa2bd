package io.jgrad.bench;

import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Floating-point operations done by a benchmark (a multiply-add counts 2). JMH reports the field as the secondary
 * metric {@code flop} in ops/s, i.e. FLOP/s, summed over the benchmark's threads; bench/jmh.sh turns it into
 * GFLOP/s and a percentage of the peak measured by {@link PeakFmaBench}.
 */
@State(Scope.Thread)
@AuxCounters(AuxCounters.Type.OPERATIONS)
public class Flops {
    public long flop;

    @Setup(Level.Iteration)
    public void reset() {
        flop = 0;
    }
}
