package io.jgrad.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Java example in the README compiles and runs as part of the test suite: each ```java block is compiled
 * against the test classpath and its {@code public static void main(String[])} run. Examples that read data get
 * the bundled data directory as their only argument.
 */
class ReadmeExamplesTest {
    private static final Path README = Path.of("..", "README.md");
    private static final Path DATA = Path.of("..", "data", "mnist-10k");
    private static final int TIMEOUT_SECONDS = 120;

    @TempDir
    static Path work;

    static List<String> javaBlocks() throws Exception {
        Assumptions.assumeTrue(Files.isRegularFile(README), "no README.md at " + README.toAbsolutePath());
        Matcher m = Pattern.compile("(?ms)^```java\\s*\\n(.*?)^```").matcher(Files.readString(README));
        List<String> blocks = new ArrayList<>();
        while (m.find()) {
            blocks.add(m.group(1));
        }
        Assumptions.assumeFalse(blocks.isEmpty(), "README.md has no ```java block yet");
        return blocks;
    }

    @TestFactory
    Stream<DynamicTest> everyJavaBlockCompilesAndRuns() throws Exception {
        List<String> blocks = javaBlocks();
        List<DynamicTest> tests = new ArrayList<>();
        for (int i = 0; i < blocks.size(); i++) {
            String code = blocks.get(i);
            Matcher name = Pattern.compile("public\\s+(?:final\\s+)?(?:class|record)\\s+(\\w+)").matcher(code);
            int n = i + 1;
            tests.add(DynamicTest.dynamicTest("README java block " + n, () -> {
                assertTrue(name.find(), "block " + n + " declares no public class:\n" + code);
                run(n, name.group(1), code);
            }));
        }
        return tests.stream();
    }

    /** The README's first example is the whole program a reader copies: it stays short. */
    @org.junit.jupiter.api.Test
    void theFirstExampleIsUnderTwentyLines() throws Exception {
        String first = javaBlocks().getFirst();
        assertTrue(first.lines().count() < 20, () -> "README java block 1 has " + first.lines().count() + " lines:\n" + first);
    }

    /** The commands that compile and run the first example name the jar that jgrad-core's build writes. */
    @org.junit.jupiter.api.Test
    void theCommandsThatRunTheFirstExampleNameJgradCoresJar() throws Exception {
        javaBlocks();
        Matcher version = Pattern.compile("<artifactId>jgrad-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Files.readString(README.resolveSibling("pom.xml")));
        assertTrue(version.find(), "no version in the parent pom.xml");
        String jar = "jgrad-core/target/jgrad-core-" + version.group(1) + ".jar";
        String readme = Files.readString(README);
        assertTrue(readme.contains("\njavac -cp " + jar + " Xor.java\n"), () -> "README: no 'javac -cp " + jar + " Xor.java'");
        assertTrue(readme.contains("\njava --enable-native-access=ALL-UNNAMED -cp " + jar + ":. Xor\n"),
                () -> "README: no 'java ... -cp " + jar + ":. Xor'");
    }

    private static void run(int n, String className, String code) throws Exception {
        Path src = Files.createDirectories(work.resolve("block" + n + "/src"));
        Path classes = Files.createDirectories(work.resolve("block" + n + "/classes"));
        Path file = src.resolve(className + ".java");
        Files.writeString(file, code);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "no Java compiler: run the tests on a JDK");
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc = javac.run(null, diagnostics, diagnostics, "-classpath", System.getProperty("java.class.path"),
                "-d", classes.toString(), "-proc:none", "-Xlint:none", file.toString());
        assertEquals(0, rc, () -> "README java block " + n + " (" + className + ") does not compile:\n" + diagnostics);

        try (URLClassLoader loader = new URLClassLoader(new URL[] {classes.toUri().toURL()}, ReadmeExamplesTest.class.getClassLoader())) {
            Method main = loader.loadClass(className).getMethod("main", String[].class);
            assertTrue(Modifier.isStatic(main.getModifiers()), className + ".main is not static");
            String[] args = {DATA.toString()};
            PrintStream oldOut = System.out, oldErr = System.err;
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ExecutorService ex = Executors.newSingleThreadExecutor();
            try {
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(out, true, StandardCharsets.UTF_8));
                Future<?> f = ex.submit(() -> {
                    main.invoke(null, (Object) args);
                    return null;
                });
                try {
                    f.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
                } catch (java.util.concurrent.ExecutionException e) {
                    Throwable cause = e.getCause() instanceof InvocationTargetException ite ? ite.getCause() : e.getCause();
                    fail("README java block " + n + " (" + className + ") threw " + cause + "\noutput:\n" + out, cause);
                } catch (java.util.concurrent.TimeoutException e) {
                    f.cancel(true);
                    fail("README java block " + n + " (" + className + ") did not finish in " + TIMEOUT_SECONDS + " s");
                }
            } finally {
                System.setOut(oldOut);
                System.setErr(oldErr);
                ex.shutdownNow();
            }
        }
    }
}
