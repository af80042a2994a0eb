package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/**
 * The README is a front page that sends readers into {@code docs/}, the module READMEs and the benchmarks'
 * own READMEs; a moved or renamed page or heading must not leave a reader at a dead link.
 */
class DocumentationLinksTest {
    private static final Path HOME = Path.of(System.getProperty("fedarch.home", "..")).toAbsolutePath().normalize();
    /** {@code [text](target)} and {@code ![alt](target)}; the text may span lines. */
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.*?)\\s*#*\\s*$");
    /** What GitHub drops from a heading when it makes the anchor: all but letters, digits, _, - and spaces. */
    private static final Pattern NOT_IN_ANCHOR = Pattern.compile("[^\\w\\- ]", Pattern.UNICODE_CHARACTER_CLASS);

    @Test
    void everyRelativeLinkReachesAFileAndItsHeading() throws IOException {
        List<String> broken = new ArrayList<>();
        int links = 0;
        for (Path page : pages()) {
            Matcher m = LINK.matcher(withoutCode(Files.readString(page)));
            while (m.find()) {
                String target = m.group(1);
                if (target.matches("^[a-z]+:.*")) {
                    continue; // http:, https:, mailto:
                }
                links++;
                int hash = target.indexOf('#');
                String path = hash < 0 ? target : target.substring(0, hash);
                Path file = path.isEmpty() ? page : page.getParent().resolve(path).normalize();
                String where = HOME.relativize(page) + ": " + target;
                if (!Files.exists(file)) {
                    broken.add(where + " (no such file)");
                } else if (hash >= 0 && !anchors(file).contains(target.substring(hash + 1))) {
                    broken.add(where + " (no such heading)");
                }
            }
        }
        assertTrue(links > 100, "found only " + links + " relative links: is fedarch.home the repository root?");
        assertEquals(List.of(), broken);
    }

    /** A newcomer reading only the README reaches every algorithm's page in one hop. */
    @Test
    void theFrontPageLinksEveryAlgorithmPage() throws IOException {
        String readme = Files.readString(HOME.resolve("README.md"));
        Set<String> linked = new HashSet<>();
        Matcher m = LINK.matcher(readme);
        while (m.find()) {
            linked.add(m.group(1).replaceFirst("#.*", ""));
        }
        Set<String> missing = new TreeSet<>();
        try (Stream<Path> algorithms = Files.list(HOME.resolve("docs/algorithms"))) {
            for (Path page : algorithms.filter(p -> p.toString().endsWith(".md")).toList()) {
                String relative = HOME.relativize(page).toString().replace('\\', '/');
                if (!linked.contains(relative)) {
                    missing.add(relative);
                }
            }
        }
        assertTrue(Files.exists(HOME.resolve("docs/algorithms/fednas.md")));
        assertEquals(Set.of(), missing, "algorithm pages the README does not link");
    }

    /** README.md, bench/*.md, every module's README.md, everything under docs/, the benchmarks' READMEs. */
    private static List<Path> pages() throws IOException {
        List<Path> pages = new ArrayList<>();
        pages.add(HOME.resolve("README.md"));
        try (Stream<Path> files = Files.walk(HOME.resolve("docs"))) {
            files.filter(p -> p.toString().endsWith(".md")).forEach(pages::add);
        }
        // A benchmark's README only: its results*.md are records as the run wrote them (some renamed since).
        try (Stream<Path> files = Files.walk(HOME.resolve("bench/results"))) {
            files.filter(p -> p.getFileName().toString().equals("README.md")).forEach(pages::add);
        }
        try (Stream<Path> top = Files.list(HOME)) {
            top.map(d -> d.resolve("README.md")).filter(Files::isRegularFile).forEach(pages::add);
        }
        try (Stream<Path> bench = Files.list(HOME.resolve("bench"))) {
            bench.filter(p -> p.toString().endsWith(".md") && !pages.contains(p)).forEach(pages::add);
        }
        return pages;
    }

    /** Fenced blocks and inline code hold no links, only text that may look like one. */
    private static String withoutCode(String markdown) {
        StringBuilder out = new StringBuilder();
        boolean fenced = false;
        for (String line : markdown.split("\n", -1)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
            } else if (!fenced) {
                out.append(line.replaceAll("`[^`]*`", "")).append('\n');
            }
        }
        return out.toString();
    }

    /** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens, -1, -2 … for repeats. */
    private static Set<String> anchors(Path file) throws IOException {
        Set<String> anchors = new HashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            Matcher heading = fenced ? null : HEADING.matcher(line);
            if (heading != null && heading.matches()) {
                String slug = NOT_IN_ANCHOR.matcher(heading.group(1).toLowerCase()).replaceAll("").replace(' ', '-');
                int repeat = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(repeat == 0 ? slug : slug + "-" + repeat);
            }
        }
        return anchors;
    }
}
