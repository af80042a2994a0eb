package io.fedarch.core.strategy;

import java.util.List;
import java.util.Locale;

/**
 * One knob a strategy declares for its job's {@code hyperParameters} map: its name, type, default,
 * allowed range and meaning. Declared knobs are checked in one place before a job starts
 * ({@code JobValidation}: unknown names and values of the wrong type or outside the range are
 * refused) and listed by {@code ./fedarch algorithms}.
 *
 * @param defaultValue what applies when the knob is absent, in words where it depends on the job
 * @param min          lower bound (inclusive, or exclusive with {@code minExclusive}); -inf for none
 * @param max          upper bound (inclusive); +inf for none
 * @param choices      the allowed values of a CHOICE knob
 */
public record HyperParameter(String name, Kind kind, String defaultValue, double min, boolean minExclusive, double max,
                             List<String> choices, String doc) {

    public enum Kind { NUMBER, WHOLE_NUMBER, BOOLEAN, CHOICE, NUMBER_LIST }

    public HyperParameter {
        choices = List.copyOf(choices);
    }

    /** A real number in [min, max]. */
    public static HyperParameter number(String name, String defaultValue, double min, double max, String doc) {
        return new HyperParameter(name, Kind.NUMBER, defaultValue, min, false, max, List.of(), doc);
    }

    /** A real number strictly above zero. */
    public static HyperParameter positive(String name, String defaultValue, String doc) {
        return new HyperParameter(name, Kind.NUMBER, defaultValue, 0, true, Double.POSITIVE_INFINITY, List.of(), doc);
    }

    public static HyperParameter wholeNumber(String name, String defaultValue, int min, String doc) {
        return new HyperParameter(name, Kind.WHOLE_NUMBER, defaultValue, min, false, Double.POSITIVE_INFINITY, List.of(),
                doc);
    }

    public static HyperParameter bool(String name, boolean defaultValue, String doc) {
        return new HyperParameter(name, Kind.BOOLEAN, Boolean.toString(defaultValue), Double.NEGATIVE_INFINITY, false,
                Double.POSITIVE_INFINITY, List.of("true", "false"), doc);
    }

    public static HyperParameter choice(String name, String defaultValue, List<String> choices, String doc) {
        return new HyperParameter(name, Kind.CHOICE, defaultValue, Double.NEGATIVE_INFINITY, false,
                Double.POSITIVE_INFINITY, choices, doc);
    }

    /** Comma-separated numbers, each strictly above zero (one per tier, say); absent means none. */
    public static HyperParameter positiveList(String name, String defaultValue, String doc) {
        return new HyperParameter(name, Kind.NUMBER_LIST, defaultValue, 0, true, Double.POSITIVE_INFINITY, List.of(), doc);
    }

    /** What a value may be, in words: "> 0", "whole number >= 1", "hard | soft". */
    public String range() {
        return switch (kind) {
            case BOOLEAN, CHOICE -> String.join(" | ", choices);
            case NUMBER_LIST -> "comma-separated numbers " + (minExclusive ? "> " : ">= ") + format(min);
            case NUMBER, WHOLE_NUMBER -> {
                String lower = Double.isInfinite(min) ? "" : (minExclusive ? "> " : ">= ") + format(min);
                String upper = Double.isInfinite(max) ? "" : "<= " + format(max);
                String bounds = (lower + (lower.isEmpty() || upper.isEmpty() ? "" : ", ") + upper);
                yield kind == Kind.WHOLE_NUMBER ? ("whole number " + bounds).trim() : bounds.isEmpty() ? "any number" : bounds;
            }
        };
    }

    /** Null when {@code raw} is a valid value, else the problem in words a user can act on. */
    public String problem(String raw) {
        String value = raw.trim();
        switch (kind) {
            case BOOLEAN, CHOICE -> {
                return choices.contains(value.toLowerCase(Locale.ROOT)) ? null
                        : name + "='" + raw + "' must be " + String.join(" or ", choices);
            }
            case NUMBER_LIST -> {
                for (String part : value.split(",", -1)) {
                    String problem = number(part.trim());
                    if (problem != null) {
                        return name + "='" + raw + "': every value must be a number " + (minExclusive ? "> " : ">= ")
                                + format(min) + " (got '" + part.trim() + "')";
                    }
                }
                return null;
            }
            default -> {
                double number;
                try {
                    number = Double.parseDouble(value);
                } catch (NumberFormatException e) {
                    return name + "='" + raw + "' is not a number";
                }
                boolean inRange = (minExclusive ? number > min : number >= min) && number <= max
                        && !Double.isNaN(number) && !Double.isInfinite(number);
                boolean whole = kind != Kind.WHOLE_NUMBER || number == Math.rint(number);
                return inRange && whole ? null : name + "=" + raw + " must be " + range();
            }
        }
    }

    /** Null when {@code value} is one number in range, else why not. */
    private String number(String value) {
        try {
            double number = Double.parseDouble(value);
            boolean inRange = (minExclusive ? number > min : number >= min) && number <= max && !Double.isInfinite(number);
            return inRange ? null : "out of range";
        } catch (NumberFormatException e) {
            return "not a number";
        }
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : Double.toString(value);
    }
}
