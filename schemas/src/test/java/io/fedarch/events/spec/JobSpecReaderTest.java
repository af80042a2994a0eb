package io.fedarch.events.spec;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.events.JobSpec;
import io.fedarch.events.PartitionScheme;
import io.fedarch.events.RoundPacing;

class JobSpecReaderTest {

    @Test
    void readsNestedSettingsAndFillsDefaults() {
        JobSpec spec = JobSpecReader.fromMap(Map.of(
                "algorithm", "fedavg",
                "rounds", 3,
                "learningRate", 0.1,
                "pacing", "external",
                "model", Map.of("family", "cnn", "options", Map.of("conv1", 16)),
                "data", Map.of("partition", Map.of("scheme", "label-skew", "classesPerClient", 3), "trainLimit", 600)));
        assertEquals(3, spec.getRounds());
        assertEquals(0.1, spec.getLearningRate());
        assertEquals(RoundPacing.EXTERNAL, spec.getPacing());
        assertEquals("16", spec.getModel().getOptions().get("conv1"));
        assertEquals(PartitionScheme.LABEL_SKEW, spec.getData().getPartition().getScheme());
        assertEquals(3, spec.getData().getPartition().getClassesPerClient());
        assertEquals(600, spec.getData().getTrainLimit());
        // defaults from the .avsc files
        assertEquals(10, spec.getTotalClients());
        assertEquals(0.5, spec.getData().getPartition().getDirichletAlpha());
        assertEquals("fashion-mnist", spec.getData().getDataset());
        assertNull(spec.getData().getDataDir());
    }

    @Test
    void readsAnImageFolderJobWithItsInputShapeAndDefaultsOlderSpecsToIdx1x28x28() {
        JobSpec spec = JobSpecReader.fromMap(Map.of(
                "model", Map.of("family", "cnn", "inputShape", Map.of("channels", 3, "height", 32, "width", 40)),
                "data", Map.of("format", "imagefolder", "dataDir", "/data/photos")));
        assertEquals(io.fedarch.events.DataFormat.IMAGEFOLDER, spec.getData().getFormat());
        assertEquals(3, spec.getModel().getInputShape().getChannels());
        assertEquals(32, spec.getModel().getInputShape().getHeight());
        assertEquals(40, spec.getModel().getInputShape().getWidth());

        JobSpec old = JobSpecReader.fromMap(Map.of("model", Map.of("family", "cnn")));
        assertEquals(io.fedarch.events.DataFormat.IDX, old.getData().getFormat());
        assertEquals(1, old.getModel().getInputShape().getChannels());
        assertEquals(28, old.getModel().getInputShape().getHeight());
        assertEquals(28, old.getModel().getInputShape().getWidth());

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> JobSpecReader.fromMap(
                Map.of("data", Map.of("format", "tfrecord"))));
        assertTrue(e.getMessage().contains("data.format"), e.getMessage());
    }

    @Test
    void emptyMapGivesTheDocumentedDefaults() {
        JobSpec spec = JobSpecReader.fromMap(new HashMap<>());
        assertEquals("fedavg", spec.getAlgorithm());
        assertEquals(PartitionScheme.DIRICHLET, spec.getData().getPartition().getScheme());
        assertEquals(64, spec.getBatchSize());
    }

    @Test
    void errorsNameThePath() {
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> JobSpecReader.fromMap(Map.of("data", Map.of("partition", Map.of("alpha", 0.1)))));
        assertTrue(unknown.getMessage().contains("data.partition.alpha"), unknown.getMessage());

        IllegalArgumentException badEnum = assertThrows(IllegalArgumentException.class,
                () -> JobSpecReader.fromMap(Map.of("pacing", "hourly")));
        assertTrue(badEnum.getMessage().contains("pacing"), badEnum.getMessage());

        IllegalArgumentException fraction = assertThrows(IllegalArgumentException.class,
                () -> JobSpecReader.fromMap(Map.of("rounds", 2.5)));
        assertTrue(fraction.getMessage().contains("rounds"), fraction.getMessage());
    }
}
