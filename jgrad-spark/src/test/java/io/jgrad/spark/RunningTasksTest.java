package io.jgrad.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.SparkException;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerApplicationEnd;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** The order in which {@code jgrad train --spark} ends Spark after a job that a task failed. */
class RunningTasksTest {
    /**
     * A task that fails the job (a bad row, a refusal raised in a task) returns to the driver while the stage's other
     * task still runs: stopping Spark then is what let that task's end meet the scheduler's stopped result pool (a
     * logged RejectedExecutionException and its stack trace, about 1 run in 10). Stopped through RunningTasks, Spark
     * ends its application only after both tasks have ended. The other task sleeps a second, so that without the wait
     * it would still be running when Spark stops, every time.
     */
    @Test
    void sparkStopsOnlyAfterTheTasksOfAFailedJobHaveEnded() {
        SparkSession spark = SparkSession.builder().master("local[2]").appName("RunningTasksTest")
                .config("spark.ui.enabled", "false").getOrCreate();
        List<String> events = new ArrayList<>();
        spark.sparkContext().addSparkListener(new SparkListener() {
            @Override
            public synchronized void onTaskStart(SparkListenerTaskStart start) {
                events.add("task " + start.taskInfo().index() + " started");
            }

            @Override
            public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
                events.add("task " + end.taskInfo().index() + " ended");
            }

            @Override
            public synchronized void onApplicationEnd(SparkListenerApplicationEnd end) {
                events.add("application ended"); // posted first by SparkContext.stop
            }
        });
        RunningTasks running = RunningTasks.on(spark);
        var rows = JavaSparkContext.fromSparkContext(spark.sparkContext()).parallelize(List.of(0, 1), 2);
        assertThrows(SparkException.class, () -> rows.foreach(i -> {
            if (i == 0) {
                throw new IllegalArgumentException("line 2 has label 0.5");
            }
            Thread.sleep(1000); // Spark's kill of the stage only sets a flag, which this task does not read
        }));
        running.stop(spark);
        List<String> seen;
        synchronized (events) {
            seen = List.copyOf(events);
        }
        // the starts come in either order, and the failed task ends first
        assertEquals(List.of("task 0 ended", "task 1 ended", "application ended"), seen.subList(2, seen.size()), seen.toString());
    }
}
