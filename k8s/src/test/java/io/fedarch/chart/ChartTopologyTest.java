package io.fedarch.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

import io.fedarch.events.wire.Topics;

/** k8s/files/topology.yaml is what the services' own definitions say: one source of truth. */
class ChartTopologyTest {

    @Test
    void theChartsTopologyIsGeneratedFromTheServicesDefinitions() throws IOException {
        Path home = RenderedChart.home();
        String expected = ChartTopology.render(home);
        Path committed = home.resolve("k8s/files/topology.yaml");
        Path fresh = home.resolve("k8s/target/topology.yaml");
        Files.createDirectories(fresh.getParent());
        Files.writeString(fresh, expected);
        assertEquals(expected, Files.readString(committed),
                "k8s/files/topology.yaml is stale; regenerate it: cp " + home.relativize(fresh) + " k8s/files/topology.yaml");
    }

    @Test
    void everyTopicOfTheContractAndEveryServiceIsThere() {
        String topology = ChartTopology.render(RenderedChart.home());
        for (String topic : Topics.ALL) {
            assertTrue(topology.contains("\n  " + topic + ":\n"), topic);
        }
        var services = ChartTopology.services(RenderedChart.home());
        assertEquals(java.util.Set.of("coordinator", "worker", "pruning"), services.keySet());
        assertEquals(java.util.Set.of(Topics.CLIENT_TASKS), services.get("worker").reads());
        assertEquals(java.util.Set.of(Topics.CLIENT_UPDATES, Topics.DEAD_LETTERS), services.get("worker").writes());
    }
}
