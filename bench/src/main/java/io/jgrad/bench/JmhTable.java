package io.jgrad.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.CommandLineOptions;

/**
 * Runs JMH with the given command-line arguments (as {@code org.openjdk.jmh.Main}) and prints one table of the
 * results: per benchmark and parameter set, the median over measurement iterations of the time per operation,
 * of GFLOP/s (from the {@link Flops} counter) and GB/s (from {@link Bytes}); the best iteration's GFLOP/s; the
 * percentage of the peak, where the peak is the best iteration of {@code PeakFmaBench.fma1} (1 thread) or
 * {@code fma2} (2 threads) in the same run, against the benchmark's thread count (its {@code threads} parameter, or
 * JMH's threads); and the bytes allocated per operation from {@code -prof gc} (gc.alloc.rate.norm, all threads).
 *
 * <p>The best iteration is shown beside the median because the machines this runs on are shared: other load only
 * ever slows an iteration down, so the best one is the closer estimate of what the code and the hardware can do,
 * and the peak is taken the same way. Run by bench/jmh.sh.
 */
public final class JmhTable {
    private JmhTable() {}

    public static void main(String[] args) throws Exception {
        Collection<RunResult> results = new Runner(new CommandLineOptions(args)).run();
        Map<Integer, Double> peak = new HashMap<>();
        List<Row> rows = new ArrayList<>();
        for (RunResult r : results) {
            Row row = Row.of(r);
            rows.add(row);
            if (row.name.equals("PeakFmaBench.fma1") || row.name.equals("PeakFmaBench.fma2")) {
                peak.put(row.threads, row.bestGflops);
            }
        }
        System.out.printf(Locale.ROOT, "%-32s %-31s %11s %8s %8s %7s %7s %7s %12s%n", "benchmark", "parameters", "us/op",
                "GFLOP/s", "best", "% peak", "best", "GB/s", "B/op");
        for (Row row : rows) {
            Double p = peak.get(row.threads);
            boolean flops = !Double.isNaN(row.gflops);
            System.out.printf(Locale.ROOT, "%-32s %-31s %11.1f %8s %8s %7s %7s %7s %12s%n", row.name, row.params,
                    row.usPerOp, flops ? fmt(row.gflops) : "", flops ? fmt(row.bestGflops) : "",
                    flops && p != null ? pct(row.gflops / p) : "", flops && p != null ? pct(row.bestGflops / p) : "",
                    Double.isNaN(row.gbps) ? "" : fmt(row.gbps), Double.isNaN(row.allocPerOp) ? "n/a"
                            : String.format(Locale.ROOT, "%.0f", row.allocPerOp));
        }
        System.out.printf(Locale.ROOT, "peak (best iteration of PeakFmaBench): %s%n", peak.isEmpty()
                ? "not measured in this run (include PeakFmaBench for the % columns)"
                : peak.entrySet().stream().map(e -> String.format(Locale.ROOT, "%.1f GFLOP/s with %d thread(s)",
                        e.getValue(), e.getKey())).reduce((a, b) -> a + ", " + b).orElse(""));
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, v >= 100 ? "%.0f" : "%.1f", v);
    }

    private static String pct(double v) {
        return String.format(Locale.ROOT, "%.0f%%", 100 * v);
    }

    /** One benchmark with one parameter set: medians over its measurement iterations, all forks together. */
    private record Row(String name, String params, int threads, double usPerOp, double gflops, double bestGflops,
                       double gbps, double allocPerOp) {
        static Row of(RunResult r) {
            BenchmarkParams bp = r.getParams();
            String name = bp.getBenchmark().replaceFirst("^io\\.jgrad\\.(bench|tensor)\\.", "");
            StringBuilder params = new StringBuilder();
            int threads = bp.getThreads();
            for (String k : bp.getParamsKeys()) {
                params.append(params.isEmpty() ? "" : " ").append(k).append('=').append(bp.getParam(k));
                if (k.equals("threads")) {
                    threads = Integer.parseInt(bp.getParam(k));
                }
            }
            List<Double> ops = new ArrayList<>(), flop = new ArrayList<>(), bytes = new ArrayList<>();
            for (BenchmarkResult br : r.getBenchmarkResults()) {
                for (IterationResult ir : br.getIterationResults()) {
                    ops.add(ir.getPrimaryResult().getScore());
                    Result<?> f = ir.getSecondaryResults().get("flop"), b = ir.getSecondaryResults().get("bytes");
                    if (f != null) {
                        flop.add(f.getScore());
                    }
                    if (b != null) {
                        bytes.add(b.getScore());
                    }
                }
            }
            Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
            // throughput is summed over JMH's threads; time per operation is per thread
            double us = 1e6 * bp.getThreads() / median(ops);
            return new Row(name, params.toString(), threads, us, median(flop) / 1e9, max(flop) / 1e9,
                    median(bytes) / 1e9, alloc == null ? Double.NaN : alloc.getScore());
        }
    }

    private static double median(List<Double> v) {
        if (v.isEmpty()) {
            return Double.NaN;
        }
        double[] a = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static double max(List<Double> v) {
        return v.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
    }
}
