package io.fedarch.pruning.export;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.Map;

import org.junit.jupiter.api.Test;

import io.fedarch.events.JobSpec;
import io.fedarch.events.spec.JobSpecReader;
import io.fedarch.events.wire.EventCodec;

/** One spec has one digest, whatever order its maps come in; any change to it changes the digest. */
class SpecDigestTest {
    private static JobSpec spec(Map<String, String> hyperParameters) {
        return JobSpecReader.fromMap(Map.of("model", Map.of("family", "cnn", "options", Map.of("conv1", 8, "hidden", 32)),
                "data", Map.of(), "hyperParameters", hyperParameters));
    }

    @Test
    void mapOrderDoesNotMatterButContentDoes() {
        Map<String, String> ab = new LinkedHashMap<>();
        ab.put("statisticsPass", "1");
        ab.put("finalStatisticsPass", "1");
        Map<String, String> ba = new LinkedHashMap<>();
        ba.put("finalStatisticsPass", "1");
        ba.put("statisticsPass", "1");
        JobSpec one = spec(ab);
        String digest = SpecDigest.sha256(one);
        assertEquals(digest, SpecDigest.sha256(spec(ba)));
        assertEquals(digest, SpecDigest.sha256(EventCodec.decode(EventCodec.encode(one), JobSpec.class)));
        assertTrue(digest.matches("[0-9a-f]{64}"), digest);

        JobSpec other = spec(ab);
        other.setLearningRate(other.getLearningRate() * 2);
        assertNotEquals(digest, SpecDigest.sha256(other));
        ab.put("statisticsPass", "0");
        assertNotEquals(digest, SpecDigest.sha256(spec(ab)));
    }
}
