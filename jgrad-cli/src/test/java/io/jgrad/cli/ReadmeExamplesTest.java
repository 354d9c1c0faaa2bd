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

    /**
     * The README's Python lines that load model.safetensors into PyTorch without the safetensors package (which
     * PyTorch 1.13 lacks) run and read what jgrad wrote: the network's weights by name, strictly, and an I64 batch-norm
     * counter. Skipped without /usr/bin/python3 and torch.
     */
    @org.junit.jupiter.api.Test
    void thePythonBlockLoadsAModelIntoPyTorch() throws Exception {
        Matcher m = Pattern.compile("(?ms)^```python\\s*\\n(.*?)^```").matcher(Files.readString(README));
        assertTrue(m.find(), "README.md has no ```python block loading model.safetensors");
        String python = "/usr/bin/python3";
        boolean torch = Files.isExecutable(Path.of(python))
                && new ProcessBuilder(python, "-c", "import torch").start().waitFor() == 0;
        Assumptions.assumeTrue(torch, "PyTorch not found: apt-get install python3-torch libopenblas0-pthread");
        Path dir = Files.createDirectories(work.resolve("python/runs/latest"));
        io.jgrad.nn.Sequential mlp = new io.jgrad.nn.Sequential(new io.jgrad.nn.Linear(784, 256), new io.jgrad.nn.ReLU(),
                new io.jgrad.nn.Linear(256, 128), new io.jgrad.nn.ReLU(), new io.jgrad.nn.Linear(128, 10));
        io.jgrad.io.Safetensors.write(dir.resolve("model.safetensors"), mlp.stateDict(), java.util.Map.of("format", "pt"));
        java.util.Map<String, io.jgrad.tensor.Tensor> bn = new java.util.LinkedHashMap<>(new io.jgrad.nn.BatchNorm2d(3).stateDict());
        bn.put("num_batches_tracked", io.jgrad.tensor.Tensor.scalar(7));
        io.jgrad.io.Safetensors.write(dir.resolve("bn.safetensors"), bn, java.util.Map.of(), java.util.Set.of("num_batches_tracked"));
        Path script = Files.writeString(work.resolve("python/load.py"), m.group(1)
                + "print(repr(float(net[4].bias[9])))\n"
                + "t = load_safetensors('runs/latest/bn.safetensors')['num_batches_tracked']\n"
                + "print(t.dtype, int(t))\n");
        Path log = work.resolve("python/log.txt");
        Process p = new ProcessBuilder(python, script.toString()).directory(work.resolve("python").toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        assertTrue(p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS), "python did not finish");
        String output = Files.readString(log);
        assertEquals(0, p.exitValue(), () -> "README python block failed:\n" + output);
        List<String> lines = output.lines().toList();
        assertEquals(2, lines.size(), output);
        assertEquals(mlp.stateDict().get("4.bias").toFloatArray()[9], Double.parseDouble(lines.get(0)), "the bytes of 4.bias[9]");
        assertEquals("torch.int64 7", lines.get(1));
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
