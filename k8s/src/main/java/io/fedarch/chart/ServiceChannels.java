package io.fedarch.chart;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The Kafka topics and consumer groups one service uses, read from its own
 * {@code application.properties} ({@code mp.messaging.incoming|outgoing.<channel>.topic} and
 * {@code .group.id}): the same file the service runs with, so the chart's ACLs cannot drift from it.
 *
 * @param reads  topics its incoming channels consume
 * @param writes topics its outgoing channels produce to
 * @param groups consumer groups of its incoming channels
 */
public record ServiceChannels(SortedSet<String> reads, SortedSet<String> writes, SortedSet<String> groups) {
    private static final Pattern CHANNEL_KEY = Pattern.compile("mp\\.messaging\\.(incoming|outgoing)\\.([^.]+)\\.(topic|group\\.id)");

    public static ServiceChannels read(Path applicationProperties) {
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(applicationProperties)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + applicationProperties, e);
        }
        SortedSet<String> reads = new TreeSet<>();
        SortedSet<String> writes = new TreeSet<>();
        SortedSet<String> groups = new TreeSet<>();
        for (String key : properties.stringPropertyNames()) {
            Matcher m = CHANNEL_KEY.matcher(key);
            if (!m.matches()) {
                continue;
            }
            String value = properties.getProperty(key).trim();
            boolean incoming = m.group(1).equals("incoming");
            if (m.group(3).equals("topic")) {
                (incoming ? reads : writes).add(value);
            } else if (incoming) {
                groups.add(value);
            }
        }
        return new ServiceChannels(reads, writes, groups);
    }

    /** This service's channels plus topics its code reads or writes with plain Kafka clients. */
    public ServiceChannels plus(SortedSet<String> extraReads, SortedSet<String> extraWrites) {
        SortedSet<String> r = new TreeSet<>(reads);
        r.addAll(extraReads);
        SortedSet<String> w = new TreeSet<>(writes);
        w.addAll(extraWrites);
        return new ServiceChannels(r, w, groups);
    }
}
