package io.jgrad.tensor;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import java.util.stream.Stream;

/**
 * Finds the OpenBLAS shared library files to load, first from the natives jar of {@code org.bytedeco:openblas}
 * on the classpath (extracted once to a per-user cache directory), then from the usual system locations.
 * Loading them is {@link OpenBlas}'s job; this class only answers "which files, in which order".
 */
final class OpenBlasLocator {
    private OpenBlasLocator() {}

    /**
     * The libraries the bundled libopenblas needs, in load order: each depends only on the ones before it.
     * Loading them first by path makes the dynamic linker reuse them by soname when libopenblas asks for them,
     * because libgfortran has no RUNPATH pointing at its own directory.
     */
    static final List<String> BUNDLED_FILES = List.of("libgcc_s.so.1", "libquadmath.so.0", "libgfortran.so.5",
            "libopenblas.so.0");

    /** Where distributions put a pthread-enabled OpenBLAS. */
    static final List<String> SYSTEM_PATHS = List.of(
            "/usr/lib/x86_64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/x86_64-linux-gnu/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/openblas-pthread/libopenblas.so.0",
            "/usr/lib/aarch64-linux-gnu/libopenblas.so.0",
            "/usr/lib64/libopenblas.so.0",
            "/usr/lib/libopenblas.so.0");

    /** The bytedeco platform name of this JVM's OS and CPU, e.g. {@code linux-x86_64}, or null if none is bundled. */
    static String platform() {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        String arch = System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
        if (!os.startsWith("linux")) {
            return null; // macOS and Windows jars hold other file names; not supported yet
        }
        return switch (arch) {
            case "amd64", "x86_64" -> "linux-x86_64";
            case "aarch64", "arm64" -> "linux-arm64";
            default -> null;
        };
    }

    /**
     * The bundled library files extracted to the cache (in {@link #BUNDLED_FILES} order, only those the jar has),
     * or an empty list when the natives jar is not on the classpath.
     *
     * @throws UncheckedIOException if the jar is there but extracting it failed
     */
    static List<Path> bundled() {
        String platform = platform();
        if (platform == null) {
            return List.of();
        }
        String dir = "org/bytedeco/openblas/" + platform + "/";
        ClassLoader loader = OpenBlasLocator.class.getClassLoader();
        URL main = loader.getResource(dir + "libopenblas.so.0");
        if (main == null) {
            return List.of();
        }
        try {
            long size = main.openConnection().getContentLengthLong();
            // The directory name carries the version and the library's size, so a new jar never reuses old files.
            Path target = cacheRoot().resolve("openblas-" + bundledVersion(loader) + "-" + platform + "-" + size);
            if (!Files.isDirectory(target)) {
                extract(loader, dir, target);
            }
            List<Path> files = new ArrayList<>();
            for (String name : BUNDLED_FILES) {
                Path p = target.resolve(name);
                if (Files.isRegularFile(p)) {
                    files.add(p);
                }
            }
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The system libopenblas paths that exist, best first. */
    static List<Path> system() {
        return SYSTEM_PATHS.stream().map(Path::of).filter(Files::isRegularFile).toList();
    }

    private static String bundledVersion(ClassLoader loader) throws IOException {
        try (InputStream in = loader.getResourceAsStream("META-INF/maven/org.bytedeco/openblas/pom.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown").replaceAll("[^A-Za-z0-9._-]", "_");
        }
    }

    /** $XDG_CACHE_HOME/jgrad or ~/.cache/jgrad, else a per-user folder in the temp directory. */
    private static Path cacheRoot() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        Path root = base.resolve("jgrad").resolve("natives");
        try {
            Files.createDirectories(root);
            if (Files.isWritable(root)) {
                return root;
            }
        } catch (IOException | SecurityException e) {
            // read-only home: fall through to the temp directory
        }
        return Path.of(System.getProperty("java.io.tmpdir"), "jgrad-" + System.getProperty("user.name", "user"), "natives");
    }

    /**
     * Copies the bundled files into a fresh sibling directory, then renames it to target in one step, so that
     * a concurrent JVM sees either no directory or a complete one. Losing the race to another JVM is fine.
     */
    private static void extract(ClassLoader loader, String dir, Path target) throws IOException {
        Files.createDirectories(target.getParent());
        Path tmp = Files.createTempDirectory(target.getParent(), target.getFileName() + ".tmp");
        try {
            for (String name : BUNDLED_FILES) {
                try (InputStream in = loader.getResourceAsStream(dir + name)) {
                    if (in != null) {
                        Files.copy(in, tmp.resolve(name));
                    }
                }
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            } catch (FileAlreadyExistsException | DirectoryNotEmptyException | AtomicMoveNotSupportedException e) {
                if (!Files.isDirectory(target)) {
                    throw e;
                }
            }
        } finally {
            if (Files.exists(tmp)) {
                try (Stream<Path> s = Files.walk(tmp)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }
}
