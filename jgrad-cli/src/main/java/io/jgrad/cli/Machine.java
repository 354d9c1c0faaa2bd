package io.jgrad.cli;

import java.nio.file.Files;
import java.nio.file.Path;

/** Facts about the machine for reports: they differ between machines of the same kind, so read them. */
final class Machine {
    private Machine() {}

    /** The processor model from /proc/cpuinfo, else the JVM's architecture name. */
    static String cpuModel() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                if (line.startsWith("model name")) {
                    return line.substring(line.indexOf(':') + 1).trim() + ", " + Runtime.getRuntime().availableProcessors() + " cores";
                }
            }
        } catch (Exception ignored) {
            // not Linux: fall through
        }
        return System.getProperty("os.arch") + ", " + Runtime.getRuntime().availableProcessors() + " cores";
    }
}
