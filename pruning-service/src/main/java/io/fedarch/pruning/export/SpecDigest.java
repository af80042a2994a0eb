package io.fedarch.pruning.export;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumWriter;

import io.fedarch.events.JobSpec;

/**
 * SHA-256 of a job spec's canonical bytes: its Avro binary encoding under the JobSpec schema this
 * service is built with, every map (hyperParameters, model options) written in key order. Avro
 * writes map entries in iteration order, which a decoded HashMap does not keep, so the plain
 * encoding of one spec could differ between the copy submitted and the copy a completion carries.
 */
final class SpecDigest {
    private SpecDigest() {
    }

    static String sha256(JobSpec spec) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(bytes, null);
        try {
            new SortedMapWriter().write(spec, encoder);
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot encode the spec", e);
        }
        return ArtifactFiles.sha256(bytes.toByteArray());
    }

    private static final class SortedMapWriter extends SpecificDatumWriter<JobSpec> {
        SortedMapWriter() {
            super(JobSpec.getClassSchema(), generic());
        }

        /** The generated classes' own encoders write maps directly; only the generic path asks for the entries. */
        private static SpecificData generic() {
            SpecificData data = new SpecificData(JobSpec.class.getClassLoader());
            data.setCustomCoders(false);
            return data;
        }

        @Override
        @SuppressWarnings("unchecked")
        protected Iterable<Map.Entry<Object, Object>> getMapEntries(Object map) {
            List<Map.Entry<Object, Object>> entries = new ArrayList<>(((Map<Object, Object>) map).entrySet());
            entries.sort(Comparator.comparing(entry -> entry.getKey().toString()));
            return entries;
        }
    }
}
