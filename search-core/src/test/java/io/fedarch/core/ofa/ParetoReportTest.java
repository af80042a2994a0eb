package io.fedarch.core.ofa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import javax.xml.parsers.DocumentBuilderFactory;

import org.junit.jupiter.api.Test;
import org.w3c.dom.Document;

class ParetoReportTest {

    @Test
    void tableAndPlotHoldEveryPoint() throws Exception {
        List<ParetoReport.Row> rows = List.of(
                new ParetoReport.Row("canonical", "d=0", 1_367_344, 33_218, 0.71, Double.NaN),
                new ParetoReport.Row("canonical", "d=2", 11_060_992, 272_978, 0.83, Double.NaN),
                new ParetoReport.Row("budget:3000000", "d=1", 2_900_000, 80_000, 0.78, 0.775));
        List<String> csv = ParetoReport.csv(rows).lines().toList();
        assertEquals("kind,macs,parameters,test_accuracy,validation_accuracy,subnet", csv.get(0));
        assertEquals("canonical,1367344,33218,0.7100,,d=0", csv.get(1));
        assertEquals("budget:3000000,2900000,80000,0.7800,0.7750,d=1", csv.get(3));
        Document svg = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(
                ParetoReport.svg("job & co", rows, List.of(3_000_000L)).getBytes(StandardCharsets.UTF_8)));
        // two canonical points plus the legend's, one budget diamond plus the legend's, one dashed budget line
        assertEquals(3, svg.getElementsByTagName("circle").getLength());
        assertEquals(2, svg.getElementsByTagName("path").getLength());
        assertEquals(1, svg.getElementsByTagName("polyline").getLength());
    }
}
