package io.ledgerguard.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Map;

import com.sun.net.httpserver.HttpExchange;

/**
 * The dashboard's static files (issue 17), served by the admin server at {@code /} and under {@code /dashboard/}:
 * one page, its script and style, and the vendored uPlot with its licence. They hold no data: the page reads
 * {@code /status} and the alerts with the token it is given, so they are served without one. Read from the classpath
 * once, when the server starts.
 */
final class DashboardPages
{
    private static final String ROOT = "/io/ledgerguard/gateway/dashboard/";
    /** Request path, then the resource under {@link #ROOT} and its content type. */
    private static final Map<String, String[]> FILES = Map.of(
        "/", new String[] {"index.html", "text/html; charset=utf-8"},
        "/dashboard/dashboard.js", new String[] {"dashboard.js", "text/javascript; charset=utf-8"},
        "/dashboard/dashboard.css", new String[] {"dashboard.css", "text/css; charset=utf-8"},
        "/dashboard/vendor/uPlot.iife.min.js", new String[] {"vendor/uPlot.iife.min.js",
            "text/javascript; charset=utf-8"},
        "/dashboard/vendor/uPlot.min.css", new String[] {"vendor/uPlot.min.css", "text/css; charset=utf-8"},
        "/dashboard/vendor/uPlot.LICENSE.txt", new String[] {"vendor/uPlot.LICENSE.txt",
            "text/plain; charset=utf-8"});
    /**
     * Scripts and styles from this server only, no inline script, no frames, nothing sent elsewhere: the page runs with
     * what the admin server serves and reaches no other host.
     */
    private static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; " +
        "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; " +
        "base-uri 'none'; form-action 'self'";

    private final Map<String, byte[]> bodies;

    DashboardPages()
    {
        final java.util.HashMap<String, byte[]> read = new java.util.HashMap<>();
        for (final Map.Entry<String, String[]> file : FILES.entrySet())
        {
            read.put(file.getKey(), resource(file.getValue()[0]));
        }
        bodies = Map.copyOf(read);
    }

    /**
     * @param path a request's raw path.
     * @return whether it names one of the dashboard's files.
     */
    boolean serves(final String path)
    {
        return bodies.containsKey(path);
    }

    /**
     * Answer a GET for one of the files {@link #serves} names.
     */
    void serve(final HttpExchange exchange, final String path) throws IOException
    {
        final byte[] body = bodies.get(path);
        assert body != null : path;
        exchange.getResponseHeaders().set("Content-Type", FILES.get(path)[1]);
        exchange.getResponseHeaders().set("Content-Security-Policy", CONTENT_SECURITY_POLICY);
        exchange.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
        exchange.getResponseHeaders().set("Referrer-Policy", "no-referrer");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody())
        {
            out.write(body);
        }
    }

    private static byte[] resource(final String name)
    {
        try (InputStream in = DashboardPages.class.getResourceAsStream(ROOT + name))
        {
            if (in == null)
            {
                throw new IllegalStateException("the dashboard's " + ROOT + name + " is not on the classpath");
            }
            return in.readAllBytes();
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the dashboard's " + ROOT + name, ex);
        }
    }
}
