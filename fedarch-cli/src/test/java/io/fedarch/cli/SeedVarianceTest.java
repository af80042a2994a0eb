package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class SeedVarianceTest {
    @Test
    void sampleStatisticsOfKnownNumbers() {
        SampleStatistics s = SampleStatistics.of(List.of(0.5, 0.75, 1.0));
        assertEquals(3, s.n());
        assertEquals(0.75, s.mean());
        assertEquals(0.25, s.std(), "sqrt(((-0.25)^2 + 0 + 0.25^2) / (3 - 1))");
        assertEquals(0.5, s.min());
        assertEquals(1.0, s.max());

        SampleStatistics t = SampleStatistics.of(List.of(1.0, 2.0, 3.0, 4.0));
        assertEquals(2.5, t.mean());
        assertEquals(Math.sqrt(5.0 / 3.0), t.std(), "n - 1 in the denominator, not n");

        assertTrue(Double.isNaN(SampleStatistics.of(List.of(0.9)).std()), "one seed has no spread");
        assertEquals(0.9, SampleStatistics.of(List.of(0.9)).mean());
        assertEquals(0, SampleStatistics.of(List.of()).n());
    }

    private static Map<String, Object> run(String name, String group, long seed, double test, double personalized) {
        Map<String, Object> row = new HashMap<>();
        row.put("run", name);
        row.put("seed", seed);
        row.put("testAccuracy", test);
        row.put("meanPersonalizedAccuracy", personalized);
        if (group != null) {
            row.put("seedGroup", group);
        }
        return row;
    }

    @Test
    void perJobOverItsSeedsOnlyAndRunsWithoutAModelLeftOut() {
        List<Map<String, Object>> rows = List.of(
                run("fedavg", null, 42, 0.1, 0.1),
                run("nas-s42", "nas", 42, 0.5, 0.6),
                run("nas-s7", "nas", 7, 0.75, 0.8),
                run("nas-s1234", "nas", 1234, 1.0, Double.NaN));
        Map<String, List<Map<String, Object>>> groups = SeedVarianceSection.groups(rows);
        assertEquals(List.of("nas"), List.copyOf(groups.keySet()));

        SampleStatistics global = SeedVarianceSection.statistics(groups.get("nas"), "testAccuracy");
        assertEquals(new SampleStatistics(3, 0.75, 0.25, 0.5, 1.0), global);
        SampleStatistics personalized = SeedVarianceSection.statistics(groups.get("nas"), "meanPersonalizedAccuracy");
        assertEquals(2, personalized.n());
        assertEquals(0.7, personalized.mean(), 1e-15);

        String md = SeedVarianceSection.markdown(rows);
        assertTrue(md.contains("## Seed variance"), md);
        assertTrue(md.contains("| nas | 42, 7, 1234 | global test acc | 3 | 0.7500 | 0.2500 | 0.5000 | 1.0000 |"), md);
        assertEquals("", SeedVarianceSection.markdown(rows.subList(0, 1)), "no section without repeated jobs");
    }
}
