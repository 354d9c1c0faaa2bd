import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far apart this machine's cores are right now: two threads pass a counter back and forth through one cache
 * line, and the mean round trip in nanoseconds is printed. Used by bench/compare.sh around every run, so that each
 * run's line says which state the host was in.
 *
 * <p>Why it exists (bench/PERFORMANCE.md, eighteenth session): the AMD EPYC virtual machines of this project switch,
 * from one run to the next, between a round trip of about 100 ns and one of about 450 ns (the hypervisor placing
 * the two virtual CPUs close together or far apart). jgrad's 2-thread MLP epoch follows it: 0.21-0.24 s when close,
 * 0.32-0.35 when far, no faster than 1 thread, because every product and every parallel loop shares cache lines
 * between the two cores. A comparison of runs made in different states measures the host, not the peers.
 *
 * <p>Usage: java bench/src/CoreLatency.java [round trips, default 200000]
 */
public class CoreLatency {
    public static void main(String[] args) throws InterruptedException {
        int n = 200_000;
        if (args.length > 0) {
            try {
                n = Integer.parseInt(args[0]);
            } catch (NumberFormatException e) {
                n = 0;
            }
            if (n < 1) {
                System.err.println("CoreLatency: round trips: expected a positive whole number, got '" + args[0] + "'");
                System.exit(2);
            }
        }
        AtomicLong flag = new AtomicLong();
        Thread other = new Thread(() -> { // answers each odd value with the next even one, until the -1 that ends it
            for (long i = 1; ; i++) {
                long v;
                while ((v = flag.get()) != 2 * i - 1 && v != -1) {
                    Thread.onSpinWait();
                }
                if (v == -1) {
                    return;
                }
                flag.set(2 * i);
            }
        });
        other.start();
        long start = System.nanoTime(), trips = 0;
        // at most half a second: with one CPU each trip waits for the other thread's time slice
        for (long i = 1; i <= n && (i % 1024 != 0 || System.nanoTime() - start < 500_000_000L); i++, trips++) {
            flag.set(2 * i - 1);
            while (flag.get() != 2 * i) {
                Thread.onSpinWait();
            }
        }
        long ns = System.nanoTime() - start;
        flag.set(-1);
        other.join();
        System.out.println(String.format(Locale.ROOT, "%.0f", ns / (double) trips));
    }
}
