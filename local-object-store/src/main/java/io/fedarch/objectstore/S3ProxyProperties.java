package io.fedarch.objectstore;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The properties file s3proxy is started with: an S3 endpoint on 127.0.0.1 with AWS signature
 * v2/v4 authentication for one fixed key pair, backed by jclouds' filesystem blob store, where a
 * bucket is a directory under {@code dataDir} and an object a file.
 */
final class S3ProxyProperties {

    static final String HOST = "127.0.0.1";

    private S3ProxyProperties() {
    }

    static Map<String, String> of(int port, Path dataDir, String accessKeyId, String secretAccessKey) {
        Map<String, String> lines = new LinkedHashMap<>();
        lines.put("s3proxy.endpoint", "http://" + HOST + ":" + port);
        lines.put("s3proxy.authorization", "aws-v2-or-v4");
        lines.put("s3proxy.identity", accessKeyId);
        lines.put("s3proxy.credential", secretAccessKey);
        lines.put("jclouds.provider", "filesystem");
        lines.put("jclouds.filesystem.basedir", dataDir.toString());
        // jclouds wants a key pair for every provider; the filesystem one ignores it.
        lines.put("jclouds.identity", "local");
        lines.put("jclouds.credential", "local");
        return lines;
    }

    static void write(Map<String, String> lines, Path file) {
        StringBuilder text = new StringBuilder("# Written by fedarch-local-object-store at every start\n");
        // Values go in verbatim: java.util.Properties would escape ':' in the endpoint, which s3proxy reads back fine,
        // but a path with a backslash would not survive; these values never contain one.
        lines.forEach((key, value) -> text.append(key).append('=').append(value).append('\n'));
        try {
            Files.writeString(file, text, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot write " + file, e);
        }
    }
}
