package io.fedarch.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * CSV fields as the reports write them and read them back (RFC 4180): a field holding a comma,
 * a quote or a line break is quoted, with its quotes doubled. Genotypes are JSON, full of both.
 */
final class Csv {
    private Csv() {
    }

    /** The field as is when it needs no quoting, else quoted. */
    static String field(String value) {
        if (value == null) {
            return "";
        }
        boolean plain = value.chars().noneMatch(c -> c == ',' || c == '"' || c == '\n' || c == '\r');
        return plain ? value : quoted(value);
    }

    /** Always quoted: for columns whose values usually need it, so they all look alike. */
    static String quoted(String value) {
        return "\"" + (value == null ? "" : value.replace("\"", "\"\"")) + "\"";
    }

    /** The fields of one line (no line breaks inside fields: the reports write none). */
    static List<String> split(String line) {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        boolean inQuotes = false;
        for (int i = 0; i < line.length(); i++) {
            char c = line.charAt(i);
            if (inQuotes) {
                if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
                    field.append('"');
                    i++;
                } else if (c == '"') {
                    inQuotes = false;
                } else {
                    field.append(c);
                }
            } else if (c == '"') {
                inQuotes = true;
            } else if (c == ',') {
                fields.add(field.toString());
                field.setLength(0);
            } else {
                field.append(c);
            }
        }
        fields.add(field.toString());
        return fields;
    }
}
