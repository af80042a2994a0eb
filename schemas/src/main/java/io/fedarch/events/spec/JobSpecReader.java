package io.fedarch.events.spec;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;

import io.fedarch.events.JobSpec;

/**
 * Builds a {@link JobSpec} from a plain nested map, as parsed from a human's YAML or JSON
 * (keys are the .avsc field names; omitted fields take the schema defaults). Walking the schema
 * instead of hand-mapping fields means a field added to JobSpec.avsc is configurable at once.
 */
public final class JobSpecReader {

    private JobSpecReader() {
    }

    /**
     * @throws IllegalArgumentException naming the offending path (e.g. {@code data.partition.scheme})
     *         for unknown keys, wrong types or bad enum symbols
     */
    public static JobSpec fromMap(Map<String, ?> values) {
        GenericRecord generic = record(JobSpec.getClassSchema(), values, "");
        // A model bound to JobSpec's own class loader (see EventCodec.modelFor).
        return (JobSpec) new SpecificData(JobSpec.class.getClassLoader()).deepCopy(JobSpec.getClassSchema(), generic);
    }

    private static GenericRecord record(Schema schema, Map<String, ?> values, String path) {
        Set<String> known = new TreeSet<>();
        schema.getFields().forEach(f -> known.add(f.name()));
        for (String key : values.keySet()) {
            if (!known.contains(key)) {
                throw new IllegalArgumentException("unknown setting '" + path + key + "'; expected one of " + known);
            }
        }
        GenericRecord out = new GenericData.Record(schema);
        for (Schema.Field field : schema.getFields()) {
            String fieldPath = path + field.name();
            if (values.containsKey(field.name())) {
                out.put(field.pos(), value(field.schema(), values.get(field.name()), fieldPath));
            } else if (field.hasDefaultValue()) {
                out.put(field.pos(), GenericData.get().getDefaultValue(field));
            } else if (field.schema().getType() == Schema.Type.RECORD) {
                out.put(field.pos(), record(field.schema(), Map.of(), fieldPath + "."));
            } else {
                throw new IllegalArgumentException("missing required setting '" + fieldPath + "'");
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Object value(Schema schema, Object raw, String path) {
        try {
            switch (schema.getType()) {
                case UNION:
                    if (raw == null) {
                        if (schema.getTypes().stream().anyMatch(s -> s.getType() == Schema.Type.NULL)) {
                            return null;
                        }
                        throw new IllegalArgumentException("must not be null");
                    }
                    for (Schema branch : schema.getTypes()) {
                        if (branch.getType() != Schema.Type.NULL) {
                            return value(branch, raw, path);
                        }
                    }
                    throw new IllegalArgumentException("no non-null branch");
                case RECORD:
                    if (!(raw instanceof Map)) {
                        throw new IllegalArgumentException("expected a map of settings, got " + raw);
                    }
                    return record(schema, (Map<String, ?>) raw, path + ".");
                case MAP: {
                    if (!(raw instanceof Map)) {
                        throw new IllegalArgumentException("expected a map, got " + raw);
                    }
                    Map<String, Object> out = new LinkedHashMap<>();
                    for (Map.Entry<?, ?> e : ((Map<?, ?>) raw).entrySet()) {
                        out.put(String.valueOf(e.getKey()),
                                value(schema.getValueType(), e.getValue(), path + "." + e.getKey()));
                    }
                    return out;
                }
                case ARRAY: {
                    if (!(raw instanceof List)) {
                        throw new IllegalArgumentException("expected a list, got " + raw);
                    }
                    List<Object> out = new ArrayList<>();
                    for (Object item : (List<?>) raw) {
                        out.add(value(schema.getElementType(), item, path + "[]"));
                    }
                    return out;
                }
                case ENUM: {
                    String symbol = String.valueOf(raw).toUpperCase(java.util.Locale.ROOT).replace('-', '_');
                    if (!schema.getEnumSymbols().contains(symbol)) {
                        throw new IllegalArgumentException("'" + raw + "' is not one of " + schema.getEnumSymbols());
                    }
                    return new GenericData.EnumSymbol(schema, symbol);
                }
                case STRING:
                    return String.valueOf(raw);
                case INT:
                    return Math.toIntExact(wholeNumber(raw));
                case LONG:
                    return wholeNumber(raw);
                case DOUBLE:
                    return raw instanceof Number n ? n.doubleValue() : Double.parseDouble(raw.toString());
                case FLOAT:
                    return raw instanceof Number n ? n.floatValue() : Float.parseFloat(raw.toString());
                case BOOLEAN:
                    if (raw instanceof Boolean b) {
                        return b;
                    }
                    if ("true".equalsIgnoreCase(raw.toString()) || "false".equalsIgnoreCase(raw.toString())) {
                        return Boolean.parseBoolean(raw.toString());
                    }
                    throw new IllegalArgumentException("expected true or false, got " + raw);
                default:
                    throw new IllegalArgumentException("settings of type " + schema.getType() + " are not supported");
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("setting '")) {
                throw e;
            }
            throw new IllegalArgumentException("setting '" + path + "': " + e.getMessage(), e);
        }
    }

    private static long wholeNumber(Object raw) {
        if (raw instanceof Number n) {
            if (n.doubleValue() != Math.rint(n.doubleValue())) {
                throw new IllegalArgumentException("expected a whole number, got " + raw);
            }
            return n.longValue();
        }
        try {
            return Long.parseLong(raw.toString().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("expected a whole number, got '" + raw + "'");
        }
    }
}
