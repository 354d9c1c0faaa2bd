package io.jgrad.tensor;

import java.io.PrintStream;

/**
 * Loads the kernels that link against jdk.incubator.vector ({@link VectorReductions}, {@link VectorUpdates},
 * {@link VectorPixels}, {@link VectorUnaryKernels}) by name, because a JVM started without
 * {@code --add-modules jdk.incubator.vector} does not have the module and would fail to link them;
 * {@code -Djgrad.vector=false} leaves them out.
 */
final class VectorModule {
    private VectorModule() {}

    /** -Djgrad.vector, read once: an unknown value is reported once, not by every kernel class loaded. */
    private static final boolean ENABLED = enabled(System.getProperty("jgrad.vector"), System.err);

    /**
     * Whether {@code value}, that of -Djgrad.vector, lets the kernels load: not given or "true" yes, "false" no (case
     * ignored); any other value is reported on {@code err} and keeps the default, on, as -Djgrad.sgemm treats a value
     * it does not know. (Boolean.parseBoolean read "1" or a typo as false and turned the kernels off in silence.)
     */
    static boolean enabled(String value, PrintStream err) {
        if (value == null || value.equalsIgnoreCase("true")) {
            return true;
        }
        if (value.equalsIgnoreCase("false")) {
            return false;
        }
        err.println("jgrad: unknown -Djgrad.vector=" + value + " (expected true or false); using true");
        return true;
    }

    /** A new instance of the class named impl as a type, or null without the module (or when it cannot load). */
    static <T> T load(Class<T> type, String impl) {
        if (!ENABLED || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return type.cast(Class.forName(impl).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }
}
