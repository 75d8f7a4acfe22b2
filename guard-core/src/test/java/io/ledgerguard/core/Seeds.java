package io.ledgerguard.core;

import java.util.ArrayList;
import java.util.List;

/**
 * The seed of a randomised test: {@code -Dguard.seed=N} replays a run; otherwise a fresh seed, printed so that a
 * failure can be replayed, and named in the failure's own message by {@link SeedReport}.
 */
final class Seeds
{
    /** The seeds drawn since the running test began, as {@code name seed=N}; tests run one at a time. */
    private static final List<String> DRAWN = new ArrayList<>();

    private Seeds()
    {
    }

    static long seed(final String testName)
    {
        final String property = System.getProperty("guard.seed", "").trim();
        final long seed = property.isEmpty() ? System.nanoTime() : Long.parseLong(property);
        System.out.println(testName + ": seed=" + seed + " (replay with -Dguard.seed=" + seed + ")");
        synchronized (DRAWN)
        {
            DRAWN.add(testName + " seed=" + seed);
        }
        return seed;
    }

    /** A test begins: it has drawn no seed yet. */
    static void clear()
    {
        synchronized (DRAWN)
        {
            DRAWN.clear();
        }
    }

    /** @return the seeds the running test drew, in order; empty when it drew none. */
    static List<String> drawn()
    {
        synchronized (DRAWN)
        {
            return List.copyOf(DRAWN);
        }
    }
}
