package io.fedarch.cli;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class AccuracyWallPlotTest {
    private static final String SVG = "http://www.w3.org/2000/svg";

    private static Document parse(Path file) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(file.toFile());
    }

    private static List<Element> elements(Document svg, String name) {
        NodeList nodes = svg.getElementsByTagNameNS(SVG, name);
        List<Element> list = new ArrayList<>();
        for (int i = 0; i < nodes.getLength(); i++) {
            list.add((Element) nodes.item(i));
        }
        return list;
    }

    @Test
    void oneLinePerRunTheFirstSeedOnlyWithLegendReferenceAndMarkers(@TempDir Path dir) throws Exception {
        List<Map<String, Object>> rows = List.of(
                BenchRuns.write(dir, "fedavg <iid> & co", null, new double[]{0.2, 0.5, 0.7}, List.of(), 0.72, Map.of()),
                BenchRuns.write(dir, "nas-s42", "nas", new double[]{0.1, 0.6}, List.of(), 0.65, Map.of()),
                BenchRuns.write(dir, "nas-s7", "nas", new double[]{0.1, 0.4}, List.of(), 0.45, Map.of()),
                BenchRuns.write(dir, "metanas", null, new double[]{0.3, 0.55, 0.6, 0.66}, List.of(), 0.61, Map.of()));
        BenchTable.write(dir, "plot", "./fedarch bench plot.yaml", rows, "nas-s42");

        Document svg = parse(dir.resolve("accuracy-vs-wall.svg"));
        assertEquals("svg", svg.getDocumentElement().getLocalName());
        List<Element> lines = elements(svg, "polyline");
        assertEquals(3, lines.size(), "nas-s7 is the second seed of nas: not drawn");
        assertEquals(List.of(3, 2, 4), lines.stream().map(l -> l.getAttribute("points").split(" ").length).toList(),
                "one vertex per round");
        assertEquals(3, lines.stream().map(l -> l.getAttribute("stroke")).distinct().count(), "distinct colours");

        List<String> texts = elements(svg, "text").stream().map(Element::getTextContent).toList();
        for (String legend : List.of("fedavg <iid> & co", "nas-s42", "metanas")) {
            assertTrue(texts.contains(legend), legend + " in " + texts);
        }
        assertFalse(texts.contains("nas-s7"));
        assertTrue(texts.contains("elapsed since submission (s)"));
        assertTrue(texts.contains("global validation accuracy"));
        assertTrue(texts.contains("reference 0.6000 (nas-s42)"), texts.toString());
        assertTrue(elements(svg, "line").stream().anyMatch(l -> l.hasAttribute("stroke-dasharray")));
        assertEquals(3 + 1, elements(svg, "circle").size(), "a result marker per drawn run, and the legend's");

        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("![global validation accuracy vs wall time](accuracy-vs-wall.svg)"), md);
    }

    @Test
    void axisTicksAreRoundNumbersCoveringTheData() {
        AccuracyWallPlot.Axis seconds = AccuracyWallPlot.Axis.covering(0, 1317.1, false);
        assertEquals(0, seconds.min());
        assertEquals(1400, seconds.max());
        assertEquals(200, seconds.step());
        assertEquals("1400", seconds.label(1400));

        AccuracyWallPlot.Axis accuracy = AccuracyWallPlot.Axis.covering(0.1033, 0.8281, true);
        assertEquals(0.1, accuracy.min(), 1e-12);
        assertEquals(0.9, accuracy.max(), 1e-12);
        assertEquals(List.of("0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9"),
                accuracy.ticks().stream().map(accuracy::label).toList());

        AccuracyWallPlot.Axis flat = AccuracyWallPlot.Axis.covering(1.0, 1.0, true);
        assertTrue(flat.max() > flat.min(), "a run stuck at 1.0 still gets an axis");
    }

    @Test
    void anEmptyBenchmarkStillDrawsAValidChart() throws Exception {
        String svg = AccuracyWallPlot.svg(List.of(), null, null);
        Path file = Files.createTempFile("empty", ".svg");
        try {
            Files.writeString(file, svg);
            assertEquals(0, elements(parse(file), "polyline").size());
        } finally {
            Files.delete(file);
        }
    }
}
