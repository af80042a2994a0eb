package io.fedarch.core.ofa;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The accuracy-vs-MACs table and plot of a trained supernet: its canonical subnets and the subnet
 * chosen for each budget, each with its held-out test accuracy (report only).
 */
public final class ParetoReport {
    public static final String CSV = "pareto.csv";
    public static final String SVG = "pareto.svg";

    private ParetoReport() {
    }

    /**
     * One point.
     *
     * @param kind               canonical, or budget:&lt;MACs&gt;
     * @param validationAccuracy NaN when the search did not score it
     */
    public record Row(String kind, String subnet, long macs, long parameters, double testAccuracy,
                      double validationAccuracy) {
    }

    public static String csv(List<Row> rows) {
        StringBuilder out = new StringBuilder("kind,macs,parameters,test_accuracy,validation_accuracy,subnet\n");
        for (Row r : rows) {
            out.append(String.format(Locale.ROOT, "%s,%d,%d,%.4f,%s,%s%n", r.kind(), r.macs(), r.parameters(),
                    r.testAccuracy(), Double.isNaN(r.validationAccuracy()) ? ""
                            : String.format(Locale.ROOT, "%.4f", r.validationAccuracy()), r.subnet()));
        }
        return out.toString();
    }

    /** Test accuracy against MMACs: canonical subnets as a line, budget picks as diamonds on their budget's dashed line. */
    public static String svg(String title, List<Row> rows, List<Long> budgets) {
        int width = 640;
        int height = 400;
        int left = 60;
        int right = 20;
        int top = 40;
        int bottom = 50;
        double maxMacs = rows.stream().mapToLong(Row::macs).max().orElse(1);
        for (long b : budgets) {
            maxMacs = Math.max(maxMacs, b);
        }
        maxMacs *= 1.05;
        double minAcc = Math.max(0, Math.floor(rows.stream().mapToDouble(Row::testAccuracy).min().orElse(0) * 10) / 10 - 0.05);
        double maxAcc = Math.min(1, Math.ceil(rows.stream().mapToDouble(Row::testAccuracy).max().orElse(1) * 10) / 10 + 0.02);
        double xScale = (width - left - right) / maxMacs;
        double yScale = (height - top - bottom) / Math.max(1e-6, maxAcc - minAcc);
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"11\">%n", width, height));
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" font-size=\"13\">%s</text>%n", left, escape(title)));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left,
                height - bottom, width - right, height - bottom));
        s.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"black\"/>%n", left, top,
                left, height - bottom));
        for (int i = 0; i <= 5; i++) {
            double macs = maxMacs * i / 5;
            double x = left + macs * xScale;
            s.append(String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%.1f</text>%n", x,
                    height - bottom + 15, macs / 1e6));
            double acc = minAcc + (maxAcc - minAcc) * i / 5;
            double y = height - bottom - (acc - minAcc) * yScale;
            s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%.2f</text>%n", left - 5,
                    y + 4, acc));
        }
        s.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">MACs per image (millions)</text>%n",
                (left + width - right) / 2, height - 12));
        s.append(String.format(Locale.ROOT, "<text x=\"15\" y=\"%d\" transform=\"rotate(-90 15 %d)\" text-anchor=\"middle\">"
                + "test accuracy</text>%n", (top + height - bottom) / 2, (top + height - bottom) / 2));
        for (long b : budgets) {
            double x = left + b * xScale;
            s.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\" "
                    + "stroke-dasharray=\"4,3\"/>%n", x, top, x, height - bottom));
        }
        List<String> line = new ArrayList<>();
        for (Row r : rows) {
            double x = left + r.macs() * xScale;
            double y = height - bottom - (r.testAccuracy() - minAcc) * yScale;
            if (r.kind().equals("canonical")) {
                line.add(String.format(Locale.ROOT, "%.1f,%.1f", x, y));
                s.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"#1f77b4\"/>%n", x, y));
            } else {
                s.append(String.format(Locale.ROOT, "<path d=\"M %.1f %.1f l 6 6 l -6 6 l -6 -6 z\" fill=\"#d62728\" "
                        + "transform=\"translate(0 -6)\"/>%n", x, y));
            }
        }
        if (line.size() > 1) {
            s.append("<polyline fill=\"none\" stroke=\"#1f77b4\" points=\"").append(String.join(" ", line)).append("\"/>\n");
        }
        s.append(String.format(Locale.ROOT, "<circle cx=\"%d\" cy=\"%d\" r=\"4\" fill=\"#1f77b4\"/><text x=\"%d\" y=\"%d\">"
                + "canonical subnets</text>%n", left + 15, top + 8, left + 25, top + 12));
        s.append(String.format(Locale.ROOT, "<path d=\"M %d %d l 6 6 l -6 6 l -6 -6 z\" fill=\"#d62728\"/><text x=\"%d\" "
                + "y=\"%d\">chosen per budget (dashed)</text>%n", left + 15, top + 18, left + 25, top + 28));
        return s.append("</svg>\n").toString();
    }

    private static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
