package io.ledgerguard.gateway;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the alerting rules and the dashboard watch must be what a {@code /metrics} serves: the guard's admin server's,
 * or a cluster node's.
 */
public final class MetricNames
{
    private static final Pattern NAME = Pattern.compile("ledger_guard_[a-z_]+");

    private MetricNames()
    {
    }

    /**
     * @param text    rules or a dashboard.
     * @param metrics a {@code /metrics} page.
     * @return how many metric names the text holds; each is declared on the page (with or without series yet: a
     *     counter by client has none before a client is named), or the test fails naming it.
     */
    public static int assertServed(final String text, final String metrics)
    {
        final Matcher named = NAME.matcher(text);
        int names = 0;
        while (named.find())
        {
            names++;
            final String base = named.group().replaceAll("_(total|bucket|count|sum)$", "");
            assertTrue(metrics.contains("# HELP " + base + " ") || metrics.contains("# HELP " + named.group() + " "),
                named.group() + " is not in /metrics");
        }
        return names;
    }
}
