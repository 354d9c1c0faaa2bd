import io.jgrad.data.DataLoader;
import io.jgrad.data.IdxDataset;
import io.jgrad.data.TensorDataset;
import io.jgrad.nn.CrossEntropyLoss;
import io.jgrad.nn.Linear;
import io.jgrad.nn.ReLU;
import io.jgrad.nn.Sequential;
import io.jgrad.optim.Adam;
import io.jgrad.optim.Optimizer;
import io.jgrad.optim.SGD;
import io.jgrad.tensor.Backends;
import io.jgrad.tensor.Generator;
import io.jgrad.train.Task;
import io.jgrad.train.Callback;
import io.jgrad.train.EpochMetrics;
import io.jgrad.train.Trainer;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * What a training step allocates, site by site: the headline MLP (784-256-128-10, batch 128, Fashion-MNIST) trained
 * by one {@code Trainer.fit} of two epochs, steps 11 to 460 of the second under a JFR recording of every allocation:
 * the steady state, each step a replay of the recorded one (Trainer.captureSteps), without the epoch's ends (its last,
 * smaller batch, run step by step, and the epoch's metrics). {@code -Dcapture=false} measures the step-by-step
 * training instead.
 * Run with {@code -XX:-UseTLAB} (bench/alloc.sh does): without thread-local allocation buffers each allocation is an
 * event, where with them JFR sees only buffer refills and samples. Prints the bytes per step in all, then the sites
 * (the allocated class and the first jgrad frames) that allocate the most, then the bytes by kind ({@link #kind}:
 * what the backend's parallel loops and views cost, against the dynamic graph's own objects, which each step builds
 * anew by design). Allocation without TLABs is slower and
 * the timing is not the point here; the counts are the same code's.
 * Usage: AllocSites.java [adam|sgd] [threads] [data dir] [sites to print]
 */
public class AllocSites {
    private static final int FIRST = 11, LAST = 460;

    public static void main(String[] args) throws Exception {
        String opt = args.length > 0 ? args[0] : "adam";
        int threads = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path data = Path.of(args.length > 2 ? args[2] : "/usr/share/datasets/fashion-mnist");
        int top = args.length > 3 ? Integer.parseInt(args[3]) : 25;
        var hotspot = ManagementFactory.getPlatformMXBean(com.sun.management.HotSpotDiagnosticMXBean.class);
        if (Boolean.parseBoolean(hotspot.getVMOption("UseTLAB").getValue())) {
            System.err.println("AllocSites: run the JVM with -XX:-UseTLAB, or JFR sees only samples (bench/alloc.sh does)");
            System.exit(2);
        }
        Backends.setThreads(threads);
        TensorDataset train = IdxDataset.load(data, true, true);
        Generator.manualSeed(0);
        Sequential model = new Sequential(new Linear(784, 256), new ReLU(), new Linear(256, 128), new ReLU(),
                new Linear(128, 10));
        Optimizer optimizer = opt.equals("sgd") ? new SGD(model.parameters(), 0.05, 0.9) : new Adam(model.parameters(), 1e-3);
        DataLoader loader = new DataLoader(train, 128, true, false, new Generator(1));
        Path file = Path.of(System.getProperty("java.io.tmpdir"), "jgrad-alloc-sites-" + ProcessHandle.current().pid() + ".jfr");
        try (Recording recording = new Recording()) {
            recording.enable("jdk.ObjectAllocationOutsideTLAB").withStackTrace();
            new Trainer(model, new CrossEntropyLoss(), optimizer, Task.CLASSIFICATION).epochs(2)
                    .captureSteps(Boolean.parseBoolean(System.getProperty("capture", "true"))).callback(new Callback() {
                @Override
                public void onBatchStart(int epoch, int step) {
                    if (epoch == 2 && step == FIRST) {
                        recording.start();
                    }
                }

                @Override
                public void onBatchEnd(int epoch, int step, int stepsPerEpoch, double loss, int batchSize) {
                    if (epoch == 2 && step == LAST) {
                        recording.stop();
                    }
                }
            }).fit(loader, null);
            recording.dump(file);
        }
        int steps = LAST - FIRST + 1;
        Map<String, long[]> bySite = new HashMap<>();
        long total = 0;
        try {
            for (RecordedEvent e : RecordingFile.readAllEvents(file)) {
                long bytes = e.getLong("allocationSize");
                total += bytes;
                long[] v = bySite.computeIfAbsent(site(e), k -> new long[2]);
                v[0]++;
                v[1] += bytes;
            }
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
        System.out.printf("%s, %d thread%s: %,d bytes per step over steps %d-%d of the second epoch (Trainer.fit, batch included)%n",
                opt, threads, threads == 1 ? "" : "s", total / steps, FIRST, LAST);
        System.out.printf("%12s %10s  %s%n", "bytes/step", "objects", "class < where (the first jgrad frames)");
        bySite.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(top)
                .forEach(s -> System.out.printf("%,12d %10.1f  %s%n", s.getValue()[1] / steps,
                        s.getValue()[0] / (double) steps, s.getKey()));
        Map<String, long[]> byKind = new java.util.LinkedHashMap<>();
        for (String kind : KINDS) {
            byKind.put(kind, new long[2]);
        }
        bySite.forEach((where, v) -> {
            long[] k = byKind.get(kind(where));
            k[0] += v[0];
            k[1] += v[1];
        });
        System.out.printf("%nby kind:%n%12s %10s  %s%n", "bytes/step", "objects", "kind");
        byKind.forEach((kind, v) -> System.out.printf("%,12d %10.1f  %s%n", v[1] / steps, v[0] / (double) steps, kind));
    }

    private static final String DISPATCH = "parallel-loop dispatch (range bodies, WorkerPool.Loop, broadcast strides)";
    private static final String VIEWS = "views (the GEMM's transposed operands, reshape, expand)";
    private static final String RESULTS = "op results' tensor headers";
    private static final String GRAPH = "graph nodes, their input arrays and backward closures";
    private static final String SHAPES = "shape arrays";
    private static final String FLOATS = "float and double arrays";
    private static final String OTHER = "other (iterators, scopes, the batch record)";
    private static final List<String> KINDS = List.of(DISPATCH, VIEWS, RESULTS, GRAPH, SHAPES, FLOATS, OTHER);

    /**
     * Which kind of object a site (as {@link #site} names it) allocates: what the backend's parallel loops cost, views,
     * and the dynamic graph's own objects, which a step builds anew by design.
     */
    private static String kind(String site) {
        String type = site.contains(" < ") ? site.substring(0, site.indexOf(" < ")) : site;
        // CpuBackend$: its lambdas, and its reusable range bodies where a call had to make a fresh one
        if (type.startsWith("io.jgrad.tensor.CpuBackend$") || type.startsWith("io.jgrad.tensor.BufferPool$$Lambda")
                || type.equals("io.jgrad.tensor.WorkerPool$Loop") || site.contains("broadcastStrides")
                || type.equals("[I") && site.contains("FloatKernels.binary")) {
            return DISPATCH;
        }
        if (site.contains("Tensor.view:")) {
            return VIEWS;
        }
        if (type.equals("io.jgrad.tensor.Tensor")) {
            return RESULTS;
        }
        if (type.equals("io.jgrad.tensor.Node") || type.equals("[Lio.jgrad.tensor.Tensor;") || type.contains("Ops$$Lambda")) {
            return GRAPH;
        }
        if (type.equals("[I")) {
            return site.contains("LinalgOps.transposed") || site.contains("ShapeOps.") ? VIEWS : SHAPES;
        }
        if (type.equals("[F") || type.equals("[D")) {
            return FLOATS;
        }
        return OTHER;
    }

    /** The allocated class and up to three frames of jgrad code (the JDK's frames skipped, the first one kept). */
    private static String site(RecordedEvent e) {
        StringBuilder k = new StringBuilder(e.getClass("objectClass").getName());
        if (e.getStackTrace() == null) {
            return k.toString();
        }
        int shown = 0;
        for (RecordedFrame f : e.getStackTrace().getFrames()) {
            String type = f.getMethod().getType().getName();
            if (shown == 0 || type.startsWith("io.jgrad.")) {
                k.append(" < ").append(type.replace("io.jgrad.", "")).append('.').append(f.getMethod().getName())
                        .append(':').append(f.getLineNumber());
                if (++shown == 4) {
                    break;
                }
            }
        }
        return k.toString();
    }
}
