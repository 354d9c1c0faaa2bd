package io.jgrad.tensor;

/**
 * Loads the kernels that link against jdk.incubator.vector ({@link VectorReductions}, {@link VectorUpdates},
 * {@link VectorPixels}, {@link VectorUnaryKernels}) by name, because a JVM started without
 * {@code --add-modules jdk.incubator.vector} does not have the module and would fail to link them;
 * {@code -Djgrad.vector=false} leaves them out.
 */
final class VectorModule {
    private VectorModule() {}

    /** A new instance of the class named impl as a type, or null without the module (or when it cannot load). */
    static <T> T load(Class<T> type, String impl) {
        if (!Boolean.parseBoolean(System.getProperty("jgrad.vector", "true"))
                || ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
            return null;
        }
        try {
            return type.cast(Class.forName(impl).getDeclaredConstructor().newInstance());
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            return null;
        }
    }
}
