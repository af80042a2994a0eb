package io.fedarch.core.darts.report;

import io.fedarch.core.darts.Genotype;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

class CellDiagramTest {
    /** DARTS (second order) CIFAR-10 cell, as published by Liu et al. */
    static final Genotype DARTS_V2 = Genotype.fromJson("{\"normal\":[[\"sep_conv_3x3\",0],[\"sep_conv_3x3\",1],"
            + "[\"sep_conv_3x3\",0],[\"sep_conv_3x3\",1],[\"sep_conv_3x3\",1],[\"skip_connect\",0],"
            + "[\"skip_connect\",0],[\"dil_conv_3x3\",2]],\"normal_concat\":[2,3,4,5],"
            + "\"reduce\":[[\"max_pool_3x3\",0],[\"max_pool_3x3\",1],[\"skip_connect\",2],[\"max_pool_3x3\",1],"
            + "[\"max_pool_3x3\",0],[\"skip_connect\",2],[\"skip_connect\",2],[\"max_pool_3x3\",1]],"
            + "\"reduce_concat\":[2,3,4,5]}").validate();

    /** Long arcs and every operation: the crowded case for labels. */
    static final Genotype CROWDED = Genotype.fromJson("{\"normal\":[[\"sep_conv_5x5\",0],[\"dil_conv_5x5\",1],"
            + "[\"avg_pool_3x3\",0],[\"sep_conv_3x3\",2],[\"dil_conv_3x3\",1],[\"max_pool_3x3\",3],"
            + "[\"skip_connect\",0],[\"sep_conv_5x5\",4]],\"normal_concat\":[2,3,4,5],"
            + "\"reduce\":[[\"max_pool_3x3\",0],[\"avg_pool_3x3\",1],[\"dil_conv_5x5\",0],[\"sep_conv_3x3\",1],"
            + "[\"skip_connect\",0],[\"dil_conv_3x3\",1],[\"sep_conv_5x5\",1],[\"max_pool_3x3\",0]],"
            + "\"reduce_concat\":[2,3,4,5]}").validate();

    private static Document parse(String svg) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setNamespaceAware(true);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(svg.getBytes(StandardCharsets.UTF_8)));
    }

    private static List<Element> byClass(Document doc, String tag, String cls) {
        NodeList all = doc.getElementsByTagNameNS("http://www.w3.org/2000/svg", tag);
        List<Element> out = new ArrayList<>();
        for (int i = 0; i < all.getLength(); i++) {
            Element e = (Element) all.item(i);
            if (cls.equals(e.getAttribute("class"))) {
                out.add(e);
            }
        }
        return out;
    }

    @Test
    void drawsOneLabelledArcPerGeneAndTheConcatenation() throws Exception {
        String svg = CellDiagram.svg(DARTS_V2);
        Document doc = parse(svg);
        assertEquals("svg", doc.getDocumentElement().getLocalName());
        List<Element> genes = byClass(doc, "path", "gene");
        assertEquals(DARTS_V2.normal().size() + DARTS_V2.reduce().size(), genes.size());
        assertEquals(genes.size(), byClass(doc, "g", "gene-label").size());
        assertEquals(8, byClass(doc, "path", "concat").size());
        List<Genotype.Gene> expected = new ArrayList<>(DARTS_V2.normal());
        expected.addAll(DARTS_V2.reduce());
        for (int i = 0; i < expected.size(); i++) {
            Element arc = genes.get(i);
            assertEquals(expected.get(i).operation(), arc.getAttribute("data-op"));
            assertEquals(expected.get(i).input(), Integer.parseInt(arc.getAttribute("data-from")));
            assertEquals((i % 8) / 2 + 2, Integer.parseInt(arc.getAttribute("data-to")));
        }
        for (String op : List.of("sep_conv_3x3", "skip_connect", "dil_conv_3x3", "max_pool_3x3")) {
            assertTrue(svg.contains(">" + op + "</text>"), op);
        }
        for (String text : List.of("normal cell", "reduction cell", "c_{k-2}", "c_{k-1}", "c_{k}")) {
            assertTrue(svg.contains(">" + text + "</text>"), text);
        }
        assertTrue(!svg.contains("<script") && !svg.contains("@font-face") && !svg.contains("href"),
                "self-contained");
    }

    @Test
    void labelsOfOneCellDoNotOverlap() throws Exception {
        for (Genotype g : List.of(DARTS_V2, CROWDED)) {
            List<Element> boxes = new ArrayList<>();
            for (Element label : byClass(parse(CellDiagram.svg(g)), "g", "gene-label")) {
                boxes.add((Element) label.getElementsByTagNameNS("http://www.w3.org/2000/svg", "rect").item(0));
            }
            for (int i = 0; i < boxes.size(); i++) {
                for (int j = i + 1; j < boxes.size(); j++) {
                    assertTrue(!overlap(boxes.get(i), boxes.get(j)), "labels " + i + " and " + j + " overlap");
                }
            }
        }
    }

    private static boolean overlap(Element a, Element b) {
        double ax = d(a, "x"), ay = d(a, "y"), aw = d(a, "width"), ah = d(a, "height");
        double bx = d(b, "x"), by = d(b, "y"), bw = d(b, "width"), bh = d(b, "height");
        return ax < bx + bw && bx < ax + aw && ay < by + bh && by < ay + ah;
    }

    private static double d(Element e, String attribute) {
        return Double.parseDouble(e.getAttribute(attribute));
    }

    @Test
    void writesTheExampleFile() throws Exception {
        Path file = Path.of("target", "cell-diagram-example.svg");
        CellDiagram.write(file, DARTS_V2);
        parse(Files.readString(file));
        CellDiagram.write(Path.of("target", "cell-diagram-crowded.svg"), CROWDED);
    }
}
