package org.bitsearch.orchestrator.http;

import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.CacheControl;
import org.apache.pekko.http.javadsl.model.headers.CacheDirectives;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Serves the page from the classpath: {@code /} and {@code /x.js} from {@value #UI_ROOT}, and
 * {@code /vendor/chart.js/...} from the Chart.js WebJar's {@code dist} folder. A requested path is decoded
 * once and must then consist of plain segments ({@code [A-Za-z0-9._-]}, no {@code .} or {@code ..}, no
 * encoded slashes or backslashes): anything else is "not found", so no request can leave those folders.
 * Files are read once and cached (the page is small and immutable while the server runs). Thread-safe.
 */
public final class StaticFiles {
    static final String UI_ROOT = "bitsearch-ui/";
    private static final String CHART_PREFIX = "vendor/chart.js/";
    /** Scripts and data from this server only; inline style attributes (bar widths, heatmap colours) allowed. */
    static final String CSP = "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            + "object-src 'none'; base-uri 'none'; frame-ancestors 'none'";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9._-]*");

    private final ClassLoader loader;
    private final String chartRoot;
    private final Map<String, Optional<byte[]>> cache = new ConcurrentHashMap<>();

    public StaticFiles() {
        this.loader = StaticFiles.class.getClassLoader();
        this.chartRoot = "META-INF/resources/webjars/chart.js/" + webjarVersion(loader, "org.webjars.npm", "chart.js") + "/dist/";
    }

    /**
     * The response for a GET of {@code rawPath} (the request's path, still percent-encoded), or empty if there
     * is no such file (or the path is not a plain one).
     */
    public Optional<HttpResponse> get(String rawPath) {
        Optional<String> resource = resourceFor(rawPath);
        if (resource.isEmpty()) return Optional.empty();
        String name = resource.get();
        return cache.computeIfAbsent(name, this::read).map(bytes -> HttpResponse.create()
                .withEntity(contentType(name), bytes)
                .addHeader(CacheControl.create(CacheDirectives.NO_CACHE))
                .addHeader(RawHeader.create("X-Content-Type-Options", "nosniff"))
                .addHeader(RawHeader.create("Content-Security-Policy", CSP)));
    }

    /** The classpath resource a request path maps to, empty if it is not a plain path inside the served folders. */
    static Optional<String> resourceFor(String rawPath) {
        String path;
        try {
            path = URLDecoder.decode(rawPath.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        if (!path.startsWith("/")) return Optional.empty();
        path = path.substring(1);
        if (path.isEmpty()) path = "index.html";
        for (String segment : path.split("/", -1))
            if (!SEGMENT.matcher(segment).matches() || segment.equals("..") || segment.equals("."))
                return Optional.empty();
        if (path.startsWith(CHART_PREFIX)) return Optional.of("chart:" + path.substring(CHART_PREFIX.length()));
        return Optional.of(UI_ROOT + path);
    }

    private Optional<byte[]> read(String name) {
        String resource = name.startsWith("chart:") ? chartRoot + name.substring("chart:".length()) : name;
        try (InputStream in = loader.getResourceAsStream(resource)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read classpath resource " + resource, e);
        }
    }

    private static ContentType contentType(String name) {
        String ext = name.substring(name.lastIndexOf('.') + 1);
        return switch (ext) {
            case "html" -> ContentTypes.TEXT_HTML_UTF8;
            case "css" -> MediaTypes.TEXT_CSS.toContentType(org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);
            case "js", "mjs" -> MediaTypes.APPLICATION_JAVASCRIPT.toContentType(org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8);
            case "json", "map" -> ContentTypes.APPLICATION_JSON;
            case "svg" -> MediaTypes.IMAGE_SVG_XML.toContentType();
            case "png" -> MediaTypes.IMAGE_PNG.toContentType();
            case "ico" -> MediaTypes.IMAGE_X_ICON.toContentType();
            case "yaml", "yml", "txt", "md" -> ContentTypes.TEXT_PLAIN_UTF8;
            default -> ContentTypes.APPLICATION_OCTET_STREAM;
        };
    }

    /** The version of a WebJar on the classpath, from its Maven metadata. */
    static String webjarVersion(ClassLoader loader, String group, String artifact) {
        String props = "META-INF/maven/" + group + "/" + artifact + "/pom.properties";
        try (InputStream in = loader.getResourceAsStream(props)) {
            if (in == null) throw new IllegalStateException("WebJar " + group + ":" + artifact + " is not on the classpath ("
                    + props + " missing)");
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + props, e);
        }
    }
}
