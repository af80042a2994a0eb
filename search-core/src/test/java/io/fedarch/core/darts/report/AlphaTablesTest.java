package io.fedarch.core.darts.report;

import io.fedarch.core.darts.SearchNetwork;
import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.DartsOptions;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import io.fedarch.core.tensor.ModelParameters;
import io.fedarch.core.tensor.NamedTensor;

class AlphaTablesTest {
    private static final DartsOptions OPTIONS = DartsOptions.DEFAULTS;
    private static final int OPS = 8;

    /** α[e][k] = e/10 + k/100 for normal; reduce all zero except edge 5, sep_conv_3x3 = ln 3. */
    private static ModelParameters model() {
        float[] normal = new float[14 * OPS];
        for (int e = 0; e < 14; e++) {
            for (int k = 0; k < OPS; k++) {
                normal[e * OPS + k] = e / 10f + k / 100f;
            }
        }
        float[] reduce = new float[14 * OPS];
        reduce[5 * OPS + OPTIONS.operationNames().indexOf("sep_conv_3x3")] = (float) Math.log(3);
        return new ModelParameters(List.of(
                new NamedTensor(SearchNetwork.ALPHA_NORMAL, new int[] {14, OPS}, normal),
                new NamedTensor(SearchNetwork.ALPHA_REDUCE, new int[] {14, OPS}, reduce),
                new NamedTensor("stem.weight", new int[] {2}, new float[] {1, 2})));
    }

    @Test
    void edgesFollowCellTopology() {
        List<AlphaTables.Edge> edges = AlphaTables.edges();
        assertEquals(14, edges.size());
        // Edge 5 is the first edge into node 2 (state 4), from input state 0.
        assertEquals(new AlphaTables.Edge(5, 0, 4), edges.get(5));
        for (AlphaTables.Edge e : edges) {
            assertEquals(e.edge(), CellTopology.edge(e.from(), e.to() - 2));
        }
    }

    @Test
    void jsonHoldsAlphaAndSoftmax() throws Exception {
        JsonNode root = new ObjectMapper().readTree(AlphaTables.json(model(), OPTIONS));
        List<String> operations = new java.util.ArrayList<>();
        root.get("operations").forEach(op -> operations.add(op.asText()));
        assertEquals(OPTIONS.operationNames(), operations);
        assertEquals(14, root.get("edges").size());
        JsonNode edge5 = root.get("edges").get(5);
        assertEquals(5, edge5.get("edge").asInt());
        assertEquals(0, edge5.get("from").asInt());
        assertEquals(4, edge5.get("to").asInt());
        JsonNode edge13 = root.get("edges").get(13);
        assertEquals(4, edge13.get("from").asInt());
        assertEquals(5, edge13.get("to").asInt());
        assertEquals(14, root.get("normal").get("alpha").size());
        assertEquals(OPS, root.get("normal").get("alpha").get(0).size());
        assertEquals(0.32f, (float) root.get("normal").get("alpha").get(3).get(2).asDouble(), 1e-6);
        // Reduce edge 5: seven zeros and one ln 3 → softmax 3/10 for sep_conv_3x3, 1/10 for the rest.
        JsonNode soft = root.get("reduce").get("softmax").get(5);
        int sep = OPTIONS.operationNames().indexOf("sep_conv_3x3");
        assertEquals(0.3, soft.get(sep).asDouble(), 1e-6);
        assertEquals(0.1, soft.get(0).asDouble(), 1e-6);
        assertEquals(1.0 / OPS, root.get("reduce").get("softmax").get(0).get(0).asDouble(), 1e-9);
        double sum = 0;
        for (JsonNode w : root.get("normal").get("softmax").get(7)) {
            sum += w.asDouble();
        }
        assertEquals(1.0, sum, 1e-9);
    }

    @Test
    void csvHasOneRowPerCellEdgeAndOperation() {
        String[] lines = AlphaTables.csv(model(), OPTIONS).split("\n");
        assertEquals("cell,edge,from,to,operation,alpha,weight", lines[0]);
        assertEquals(1 + 2 * 14 * OPS, lines.length);
        int sep = OPTIONS.operationNames().indexOf("sep_conv_3x3");
        String[] row = lines[1 + 14 * OPS + 5 * OPS + sep].split(",");
        assertEquals(List.of("reduce", "5", "0", "4", "sep_conv_3x3"), List.of(row).subList(0, 5));
        assertEquals(Math.log(3), Double.parseDouble(row[5]), 1e-6);
        assertEquals(0.3, Double.parseDouble(row[6]), 1e-6);
        String[] first = lines[1].split(",");
        assertEquals(List.of("normal", "0", "0", "2", "none", "0.0"), List.of(first).subList(0, 6));
    }

    @Test
    void writesBothFiles(@TempDir Path dir) throws Exception {
        AlphaTables.write(dir.resolve("arch"), model(), OPTIONS);
        assertTrue(Files.readString(dir.resolve("arch").resolve(AlphaTables.JSON_FILE)).contains("\"softmax\""));
        assertTrue(Files.readString(dir.resolve("arch").resolve(AlphaTables.CSV_FILE)).startsWith("cell,edge"));
    }

    @Test
    void rejectsTablesThatDoNotMatchTheOptions() {
        DartsOptions fewer = DartsOptions.parse(java.util.Map.of("ops", "none,skip_connect,sep_conv_3x3"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AlphaTables.csv(model(), fewer));
        assertTrue(e.getMessage().contains("[14, 8]") && e.getMessage().contains("[14, 3]"), e.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> AlphaTables.json(new ModelParameters(List.of(
                        new NamedTensor("fc.weight", new int[] {1}, new float[] {0}))), OPTIONS));
        assertTrue(missing.getMessage().contains(SearchNetwork.ALPHA_NORMAL), missing.getMessage());
    }
}
