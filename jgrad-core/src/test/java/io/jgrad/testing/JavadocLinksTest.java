package io.jgrad.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Member;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No javadoc link in jgrad-core's published docs (the comments of public and protected declarations of public types)
 * points at a member outside them (private or package-private): javadoc renders such a link as plain code text without a warning (its doclint does not
 * report it), so the reader meets a name that leads nowhere. Other comments may link anything.
 */
class JavadocLinksTest {
    private static final Pattern LINK = Pattern.compile("\\{@link(?:plain)?\\s+([\\w.]*)#(\\w+)");
    private static final Pattern PUBLIC_TYPE = Pattern.compile("^public (?:(?:abstract|final|sealed) )*(class|interface|enum|record) ",
            Pattern.MULTILINE);
    private static final Pattern IMPORT = Pattern.compile("^import ([\\w.]+);", Pattern.MULTILINE);

    @Test
    void publishedLinksPointIntoThePublishedApi() throws IOException {
        List<String> bad = new ArrayList<>();
        int checked = 0;
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).sorted().toList()) {
                String source = Files.readString(file);
                String pkg = file.getParent().toString().replace("src/main/java/", "").replace('/', '.');
                Matcher type = PUBLIC_TYPE.matcher(source);
                if (!type.find()) {
                    continue; // package-private: not in the published docs
                }
                boolean isInterface = type.group(1).equals("interface");
                Matcher m = LINK.matcher(source);
                while (m.find()) {
                    if (!published(source, m.start(), isInterface)) {
                        continue;
                    }
                    Class<?> owner = resolve(m.group(1).isEmpty() ? file.getFileName().toString().replace(".java", "")
                            : m.group(1), pkg, source);
                    if (owner == null) {
                        continue; // a JDK or nested class: javadoc's own reference check covers it
                    }
                    checked++;
                    List<Member> found = members(owner, m.group(2));
                    if (!found.isEmpty() && found.stream().noneMatch(x -> (x.getModifiers() & (Modifier.PUBLIC | Modifier.PROTECTED)) != 0)) {
                        int line = source.substring(0, m.start()).split("\n", -1).length;
                        bad.add(file + ":" + line + " links " + m.group() + "}, a private member of " + owner.getSimpleName());
                    }
                }
            }
        }
        assertTrue(checked > 50, "links checked: " + checked);
        assertEquals(List.of(), bad);
    }

    /** Whether the javadoc comment holding position {@code at} documents a public or protected declaration. */
    private static boolean published(String source, int at, boolean inInterface) {
        int end = source.indexOf("*/", at);
        for (String line : source.substring(end + 2).split("\n")) {
            String decl = line.strip();
            if (decl.isEmpty() || decl.startsWith("@")) {
                continue;
            }
            return decl.startsWith("public ") || decl.startsWith("protected ")
                    || inInterface && !decl.startsWith("private ") && !decl.startsWith("static ");
        }
        return false;
    }

    private static Class<?> resolve(String name, String pkg, String source) {
        List<String> candidates = new ArrayList<>(List.of(name, pkg + "." + name));
        Matcher imports = IMPORT.matcher(source);
        while (imports.find()) {
            if (imports.group(1).endsWith("." + name)) {
                candidates.add(imports.group(1));
            }
        }
        for (String c : candidates) {
            try {
                return Class.forName(c, false, JavadocLinksTest.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                // not this one
            }
        }
        return null;
    }

    private static List<Member> members(Class<?> owner, String name) {
        List<Member> found = new ArrayList<>();
        for (Class<?> c = owner; c != null; c = c.getSuperclass()) {
            for (var f : c.getDeclaredFields()) {
                if (f.getName().equals(name)) {
                    found.add(f);
                }
            }
            for (var meth : c.getDeclaredMethods()) {
                if (meth.getName().equals(name)) {
                    found.add(meth);
                }
            }
        }
        for (Class<?> i : owner.getInterfaces()) {
            found.addAll(members(i, name));
        }
        return found;
    }
}
