package io.fedarch.cli;

import java.util.List;

/** A GitHub-flavoured Markdown table; the results sections all render through it. */
final class MarkdownTable {
    private MarkdownTable() {
    }

    static String render(List<String> header, List<List<String>> rows) {
        StringBuilder md = new StringBuilder();
        md.append("| ").append(String.join(" | ", header)).append(" |\n");
        md.append("|").append("---|".repeat(header.size())).append("\n");
        for (List<String> row : rows) {
            // A '|' inside a cell would end it early.
            md.append("| ").append(String.join(" | ", row.stream().map(c -> c.replace("|", "\\|")).toList()))
                    .append(" |\n");
        }
        return md.toString();
    }
}
