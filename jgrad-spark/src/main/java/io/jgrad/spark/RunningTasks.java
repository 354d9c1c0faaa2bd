package io.jgrad.spark;

import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.SparkListenerTaskStart;
import org.apache.spark.sql.SparkSession;

/**
 * The jobs and tasks that Spark has started and not yet reported ended, so that {@link SparkTrainMain} stops Spark
 * after them. A job that a task fails (a bad row found while a partition reads or trains, a refusal raised in a task)
 * returns to the driver while the stage's other tasks still run: Spark asks them to stop, which sets a flag that
 * jgrad's work reads only between local steps and evaluation chunks, and does not wait. Stopping the SparkContext at once shut down the scheduler's pool of
 * result getters before such a task reported its end, and Spark logged that report's RejectedExecutionException
 * with its stack trace ("Exception in statusUpdate") after jgrad's error line, in about 1 run of 10.
 *
 * <p>Spark delivers these events in the order it posts them: a job's start before its tasks' starts, those before
 * the job's end, and a task it asked to stop ends after. So no job open and no task running means every task of
 * every job has reported its end.
 */
final class RunningTasks extends SparkListener {
    /**
     * How long {@link #stop} waits for the tasks, in milliseconds: a task that Spark asked to stop runs on to the end of
     * a partition's read or a synchronous step, and of the local step or evaluation chunk it is in. Past it Spark is stopped all the same, as it is
     * where Spark dropped events from a full queue (it warns so) and the counts never reach 0.
     */
    private static final long WAIT_MILLIS = 60_000;

    private int jobs;
    private int tasks;

    private RunningTasks() {}

    /** A RunningTasks that counts the jobs and tasks of {@code spark} from now on. */
    static RunningTasks on(SparkSession spark) {
        RunningTasks running = new RunningTasks();
        spark.sparkContext().addSparkListener(running);
        return running;
    }

    @Override
    public synchronized void onJobStart(SparkListenerJobStart start) {
        jobs++;
    }

    @Override
    public synchronized void onJobEnd(SparkListenerJobEnd end) {
        jobs--;
        notifyAll();
    }

    @Override
    public synchronized void onTaskStart(SparkListenerTaskStart start) {
        tasks++;
    }

    @Override
    public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
        tasks--;
        notifyAll();
    }

    /**
     * Stops {@code spark} once no job is open and no task runs, or after {@link #WAIT_MILLIS}. An interrupt ends the
     * wait, and stays set. A context already stopped (Ctrl-C: Spark's shutdown hook) delivers no more events, so it
     * is not waited for.
     */
    void stop(SparkSession spark) {
        long deadline = System.nanoTime() + WAIT_MILLIS * 1_000_000;
        synchronized (this) {
            try {
                for (long left; !spark.sparkContext().isStopped() && (jobs > 0 || tasks > 0)
                        && (left = deadline - System.nanoTime()) > 0; ) {
                    wait(Math.max(1, left / 1_000_000));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        spark.stop();
    }
}
