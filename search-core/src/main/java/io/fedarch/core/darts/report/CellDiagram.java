package io.fedarch.core.darts.report;

import io.fedarch.core.darts.CellTopology;
import io.fedarch.core.darts.Genotype;
import io.fedarch.core.darts.Primitive;
import io.fedarch.core.darts.SinglePath;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Draws a {@link Genotype}'s normal and reduction cells as one self-contained SVG (no scripts, no
 * external fonts), so a searched architecture can be looked at without Python/graphviz.
 * <p>
 * Layout: an arc diagram read left to right. The states sit on one row — c_{k-2}, c_{k-1}, the
 * intermediate nodes 0..n-1, then the output c_{k}. Every gene is an arc above the row from its input
 * state to its node, labelled at its apex with the operation; arcs get taller with their span and
 * arcs of equal span start at different states, so their labels never share a spot. The concatenation
 * into c_{k} is drawn as unlabelled arcs below the row. Each gene arc is a {@code <path class="gene">}
 * carrying {@code data-op}, {@code data-from} and {@code data-to}.
 */
public final class CellDiagram {
    private static final int MARGIN = 24;
    private static final int SPACING = 128;
    private static final int BOX_W = 72;
    private static final int BOX_H = 30;
    private static final int TITLE_H = 34;
    private static final int ARC_BASE = 22;
    private static final int ARC_UNIT = 28;
    private static final int CONCAT_BASE = 14;
    private static final int CONCAT_UNIT = 12;
    /** Arc ends fan out over the box top by span (longer arcs further out) so nested arcs stay apart. */
    private static final int END_OUTER = 32;
    private static final int END_STEP = 6;
    private static final int LABEL_H = 15;
    private static final double CHAR_W = 6.8;

    private CellDiagram() {
    }

    /** One drawn edge: the operation, the state it reads and the state (node + 2) it feeds. */
    private record Arc(String operation, int from, int to) {
    }

    /** The SVG document showing both cells, normal on top. */
    public static String svg(Genotype genotype) {
        int nodes = Math.max(genotype.normal().size(), genotype.reduce().size()) / 2;
        return svg(geneArcs(genotype.normal()), genotype.normalConcat(), geneArcs(genotype.reduce()),
                genotype.reduceConcat(), nodes);
    }

    /** Both cells of a single-path subnet: every edge whose operation is not 'none'. */
    public static String svg(SinglePath path) {
        return svg(pathArcs(path, false), List.of(2, 3, 4, 5), pathArcs(path, true), List.of(2, 3, 4, 5),
                CellTopology.NODES);
    }

    private static List<Arc> geneArcs(List<Genotype.Gene> genes) {
        List<Arc> arcs = new ArrayList<>();
        for (int i = 0; i < genes.size(); i++) {
            arcs.add(new Arc(genes.get(i).operation(), genes.get(i).input(), i / 2 + 2));
        }
        return arcs;
    }

    private static List<Arc> pathArcs(SinglePath path, boolean reduction) {
        List<Arc> arcs = new ArrayList<>();
        for (int node = 0; node < CellTopology.NODES; node++) {
            for (int source = 0; source <= node + 1; source++) {
                Primitive op = path.operation(reduction, CellTopology.edge(source, node));
                if (op != Primitive.NONE) {
                    arcs.add(new Arc(op.dartsName(), source, node + 2));
                }
            }
        }
        return arcs;
    }

    private static String svg(List<Arc> normal, List<Integer> normalConcat, List<Arc> reduce,
                              List<Integer> reduceConcat, int nodes) {
        int states = nodes + 3;
        int width = 2 * MARGIN + (states - 1) * SPACING + BOX_W;
        int normalH = cellHeight(normal, normalConcat, nodes);
        int reduceH = cellHeight(reduce, reduceConcat, nodes);
        int height = normalH + reduceH;
        StringBuilder out = new StringBuilder(8192);
        out.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        out.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" font-family=\"sans-serif\">\n");
        out.append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\""
                + " markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#444\"/>"
                + "</marker></defs>\n");
        out.append("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n");
        cell(out, "normal cell", "normal", normal, normalConcat, nodes, 0);
        cell(out, "reduction cell", "reduce", reduce, reduceConcat, nodes, normalH);
        out.append("</svg>\n");
        return out.toString();
    }

    /** Writes {@link #svg(Genotype)} to {@code file}, creating parent directories. */
    public static void write(Path file, Genotype genotype) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) {
                Files.createDirectories(parent);
            }
            Files.writeString(file, svg(genotype), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write cell diagram " + file, e);
        }
    }

    private static int cellHeight(List<Arc> arcs, List<Integer> concat, int nodes) {
        return TITLE_H + aboveRow(arcs) + BOX_H + belowRow(nodes, concat) + MARGIN;
    }

    /** Room above the row: the tallest gene arc plus its label. */
    private static int aboveRow(List<Arc> arcs) {
        int maxSpan = 1;
        for (Arc arc : arcs) {
            maxSpan = Math.max(maxSpan, arc.to() - arc.from());
        }
        return arcHeight(maxSpan) + LABEL_H + 6;
    }

    private static int belowRow(int nodes, List<Integer> concat) {
        int output = nodes + 2;
        int maxSpan = 1;
        for (int s : concat) {
            maxSpan = Math.max(maxSpan, output - s);
        }
        return CONCAT_BASE + maxSpan * CONCAT_UNIT + 6;
    }

    private static int arcHeight(int span) {
        return ARC_BASE + span * ARC_UNIT;
    }

    private static void cell(StringBuilder out, String title, String kind, List<Arc> arcs,
            List<Integer> concat, int nodes, int top) {
        int output = nodes + 2;
        int rowTop = top + TITLE_H + aboveRow(arcs);
        int rowMid = rowTop + BOX_H / 2;
        out.append("<g class=\"cell\" id=\"").append(kind).append("\">\n");
        out.append("<text class=\"title\" x=\"").append(MARGIN).append("\" y=\"").append(top + 22)
                .append("\" font-size=\"16\" font-weight=\"bold\" fill=\"#222\">").append(title).append("</text>\n");

        // Concatenation arcs first, so the boxes are drawn over their ends.
        for (int s : concat) {
            double x1 = centre(s) + endOffset(output - s);
            double x2 = centre(output) - endOffset(output - s);
            double y = rowTop + BOX_H;
            double depth = CONCAT_BASE + (output - s) * CONCAT_UNIT;
            out.append("<path class=\"concat\" data-from=\"").append(s).append("\" d=\"M").append(fmt(x1))
                    .append(',').append(fmt(y)).append(" Q").append(fmt((x1 + x2) / 2)).append(',')
                    .append(fmt(y + 2 * depth)).append(' ').append(fmt(x2)).append(',').append(fmt(y))
                    .append("\" fill=\"none\" stroke=\"#999\" stroke-width=\"1.2\" stroke-dasharray=\"4 3\""
                            + " marker-end=\"url(#arrow)\"/>\n");
        }
        // Gene arcs, then their labels on top of all arcs so crossings never hide a label.
        StringBuilder labels = new StringBuilder();
        for (Arc gene : arcs) {
            int to = gene.to();
            int from = gene.from();
            double x1 = centre(from) + endOffset(to - from);
            double x2 = centre(to) - endOffset(to - from);
            double y = rowTop;
            double h = arcHeight(Math.max(1, to - from));
            double apexX = (x1 + x2) / 2;
            double apexY = y - h;
            String op = escape(gene.operation());
            out.append("<path class=\"gene\" data-op=\"").append(op).append("\" data-from=\"").append(from)
                    .append("\" data-to=\"").append(to).append("\" d=\"M").append(fmt(x1)).append(',')
                    .append(fmt(y)).append(" Q").append(fmt(apexX)).append(',').append(fmt(y - 2 * h)).append(' ')
                    .append(fmt(x2)).append(',').append(fmt(y)).append("\" fill=\"none\" stroke=\"")
                    .append(colour(gene.operation())).append("\" stroke-width=\"1.8\" marker-end=\"url(#arrow)\"/>\n");
            double w = gene.operation().length() * CHAR_W + 8;
            labels.append("<g class=\"gene-label\"><rect x=\"").append(fmt(apexX - w / 2)).append("\" y=\"")
                    .append(fmt(apexY - LABEL_H / 2.0 - 1)).append("\" width=\"").append(fmt(w))
                    .append("\" height=\"").append(LABEL_H).append("\" rx=\"3\" fill=\"white\" fill-opacity=\"0.9\"/>")
                    .append("<text x=\"").append(fmt(apexX)).append("\" y=\"").append(fmt(apexY + 4))
                    .append("\" font-size=\"11\" text-anchor=\"middle\" fill=\"").append(colour(gene.operation()))
                    .append("\">").append(op).append("</text></g>\n");
        }
        out.append(labels);
        for (int s = 0; s <= output; s++) {
            String name = s == 0 ? "c_{k-2}" : s == 1 ? "c_{k-1}" : s == output ? "c_{k}" : Integer.toString(s - 2);
            String fill = s < 2 ? "#c8f0c8" : s == output ? "#fff2b3" : "#cfe3ff";
            out.append("<g class=\"state\"><rect x=\"").append(fmt(centre(s) - BOX_W / 2.0)).append("\" y=\"")
                    .append(rowTop).append("\" width=\"").append(BOX_W).append("\" height=\"").append(BOX_H)
                    .append("\" rx=\"6\" fill=\"").append(fill).append("\" stroke=\"#555\"/><text x=\"")
                    .append(fmt(centre(s))).append("\" y=\"").append(rowMid + 5)
                    .append("\" font-size=\"13\" text-anchor=\"middle\" fill=\"#111\">").append(name)
                    .append("</text></g>\n");
        }
        out.append("</g>\n");
    }

    /** Distance of an arc's end from the box centre: short arcs attach near the box edge. */
    private static double endOffset(int span) {
        return Math.max(4, END_OUTER - (Math.max(1, span) - 1) * END_STEP);
    }

    private static double centre(int state) {
        return MARGIN + BOX_W / 2.0 + state * SPACING;
    }

    /** A fixed colour per operation family, so equal operations are easy to spot. */
    private static String colour(String operation) {
        String op = operation.toLowerCase(Locale.ROOT);
        if (op.startsWith("sep_conv")) {
            return "#1f5fbf";
        }
        if (op.startsWith("dil_conv")) {
            return "#7a3db8";
        }
        if (op.contains("pool")) {
            return "#b8621b";
        }
        if (op.equals("skip_connect")) {
            return "#2e8b3a";
        }
        return "#333333";
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '&' -> b.append("&amp;");
                case '<' -> b.append("&lt;");
                case '>' -> b.append("&gt;");
                case '"' -> b.append("&quot;");
                case '\'' -> b.append("&apos;");
                default -> b.append(c);
            }
        }
        return b.toString();
    }
}
