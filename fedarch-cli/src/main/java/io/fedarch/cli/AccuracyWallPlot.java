package io.fedarch.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's accuracy-vs-wall-time chart as a hand-written SVG: one line per run (global
 * validation accuracy after each round, all stages, against seconds since the run's submission),
 * a dot per run at its final test accuracy when it finished, and a dashed line at the reference
 * accuracy. Plain SVG so it renders on GitHub and in any browser without a plotting library.
 */
final class AccuracyWallPlot {
    /** One point of the chart: seconds since submission, accuracy. */
    record Point(double seconds, double accuracy) {
    }

    /** A run's line; {@code result} (final test accuracy at the run's wall time) may be null. */
    record Series(String name, List<Point> rounds, Point result) {
    }

    static final String FILE_NAME = "accuracy-vs-wall.svg";
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b",
            "#e377c2", "#17becf", "#7f7f7f", "#bcbd22"};
    private static final int WIDTH = 900;
    private static final int HEIGHT = 500;
    private static final int LEFT = 70;
    private static final int TOP = 40;
    private static final int RIGHT = WIDTH - 250; // the legend sits right of the plot area
    private static final int BOTTOM = HEIGHT - 60;

    private AccuracyWallPlot() {
    }

    /** The chart; {@code referenceAccuracy} null draws no reference line. */
    static String svg(List<Series> series, Double referenceAccuracy, String referenceRun) {
        List<Point> all = new ArrayList<>();
        series.forEach(s -> {
            all.addAll(s.rounds());
            if (s.result() != null) {
                all.add(s.result());
            }
        });
        Axis x = Axis.covering(0, all.stream().mapToDouble(Point::seconds).max().orElse(1), false);
        double minY = all.stream().mapToDouble(Point::accuracy).min().orElse(0);
        double maxY = all.stream().mapToDouble(Point::accuracy).max().orElse(1);
        if (referenceAccuracy != null) {
            minY = Math.min(minY, referenceAccuracy);
            maxY = Math.max(maxY, referenceAccuracy);
        }
        Axis y = Axis.covering(minY, maxY, true);

        StringBuilder svg = new StringBuilder();
        svg.append("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">%n", WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>%n", WIDTH, HEIGHT));
        svg.append(text((LEFT + RIGHT) / 2.0, 22, "middle", "Global validation accuracy vs wall time", "font-size=\"15\""));
        axes(svg, x, y);
        if (referenceAccuracy != null) {
            double ry = py(y, referenceAccuracy);
            svg.append(line(LEFT, ry, RIGHT, ry, "#444444", "stroke-dasharray=\"6 4\""));
            svg.append(text(RIGHT - 4, ry - 5, "end", String.format(Locale.ROOT, "reference %.4f (%s)",
                    referenceAccuracy, referenceRun), "fill=\"#444444\""));
        }
        for (int i = 0; i < series.size(); i++) {
            Series s = series.get(i);
            String colour = COLOURS[i % COLOURS.length];
            if (!s.rounds().isEmpty()) {
                StringBuilder points = new StringBuilder();
                for (Point p : s.rounds()) {
                    points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px(x, p.seconds()), py(y, p.accuracy())));
                }
                svg.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" "
                        + "stroke-width=\"2\"><title>%s</title></polyline>%n", points.toString().trim(), colour,
                        escape(s.name())));
            }
            if (s.result() != null) {
                svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"%s\" "
                                + "stroke=\"black\"><title>%s: test accuracy %.4f after %.1f s</title></circle>%n",
                        px(x, s.result().seconds()), py(y, s.result().accuracy()), colour, escape(s.name()),
                        s.result().accuracy(), s.result().seconds()));
            }
        }
        legend(svg, series, referenceAccuracy != null);
        svg.append("</svg>\n");
        return svg.toString();
    }

    private static void axes(StringBuilder svg, Axis x, Axis y) {
        for (double tick : x.ticks()) {
            double at = px(x, tick);
            svg.append(line(at, TOP, at, BOTTOM, "#e5e5e5", ""));
            svg.append(line(at, BOTTOM, at, BOTTOM + 5, "black", ""));
            svg.append(text(at, BOTTOM + 18, "middle", x.label(tick), ""));
        }
        for (double tick : y.ticks()) {
            double at = py(y, tick);
            svg.append(line(LEFT, at, RIGHT, at, "#e5e5e5", ""));
            svg.append(line(LEFT - 5, at, LEFT, at, "black", ""));
            svg.append(text(LEFT - 8, at + 4, "end", y.label(tick), ""));
        }
        svg.append(line(LEFT, BOTTOM, RIGHT, BOTTOM, "black", ""));
        svg.append(line(LEFT, TOP, LEFT, BOTTOM, "black", ""));
        svg.append(text((LEFT + RIGHT) / 2.0, BOTTOM + 40, "middle", "elapsed since submission (s)", ""));
        svg.append(text(18, (TOP + BOTTOM) / 2.0, "middle", "global validation accuracy",
                String.format(Locale.ROOT, "transform=\"rotate(-90 18 %.1f)\"", (TOP + BOTTOM) / 2.0)));
    }

    private static void legend(StringBuilder svg, List<Series> series, boolean withReference) {
        double lx = RIGHT + 20;
        double ly = TOP + 10;
        for (int i = 0; i < series.size(); i++) {
            String colour = COLOURS[i % COLOURS.length];
            svg.append(line(lx, ly, lx + 24, ly, colour, "stroke-width=\"2\""));
            svg.append(text(lx + 32, ly + 4, "start", series.get(i).name(), ""));
            ly += 20;
        }
        ly += 6;
        svg.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"5\" fill=\"white\" stroke=\"black\"/>%n",
                lx + 12, ly));
        svg.append(text(lx + 32, ly + 4, "start", "final test accuracy at wall time", ""));
        if (withReference) {
            ly += 20;
            svg.append(line(lx, ly, lx + 24, ly, "#444444", "stroke-dasharray=\"6 4\""));
            svg.append(text(lx + 32, ly + 4, "start", "reference accuracy", ""));
        }
    }

    private static double px(Axis x, double seconds) {
        return LEFT + (seconds - x.min()) / (x.max() - x.min()) * (RIGHT - LEFT);
    }

    private static double py(Axis y, double accuracy) {
        return BOTTOM - (accuracy - y.min()) / (y.max() - y.min()) * (BOTTOM - TOP);
    }

    private static String line(double x1, double y1, double x2, double y2, String colour, String extra) {
        return String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" %s/>%n",
                x1, y1, x2, y2, colour, extra);
    }

    private static String text(double x, double y, String anchor, String content, String extra) {
        return String.format(Locale.ROOT, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\" %s>%s</text>%n",
                x, y, anchor, extra, escape(content));
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /** An axis range rounded out to ticks 1, 2 or 5 x 10^k apart, five to ten of them. */
    record Axis(double min, double max, double step) {
        static Axis covering(double low, double high, boolean accuracy) {
            if (high - low < 1e-9) {
                high = low + (accuracy ? 0.1 : 1);
            }
            double step = niceStep((high - low) / 8);
            double min = Math.floor(low / step + 1e-9) * step;
            double max = Math.ceil(high / step - 1e-9) * step;
            if (accuracy) {
                min = Math.max(0, min);
                max = Math.min(1, max);
                min = Math.min(min, Math.max(0, max - step)); // all at 1.0 must still span a tick
            }
            return new Axis(min, max, step);
        }

        static double niceStep(double rough) {
            double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
            for (double mantissa : new double[]{1, 2, 5}) {
                if (mantissa * magnitude >= rough - 1e-12) {
                    return mantissa * magnitude;
                }
            }
            return 10 * magnitude;
        }

        List<Double> ticks() {
            List<Double> ticks = new ArrayList<>();
            for (int i = 0; min + i * step <= max + step * 1e-6; i++) {
                ticks.add(min + i * step);
            }
            return ticks;
        }

        String label(double value) {
            int decimals = Math.max(0, (int) -Math.floor(Math.log10(step) + 1e-9));
            return String.format(Locale.ROOT, "%." + decimals + "f", value);
        }
    }
}
