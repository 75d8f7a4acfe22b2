package io.ledgerguard.core;

/**
 * The seed of a randomised test: {@code -Dguard.seed=N} replays a run; otherwise a fresh seed, printed so that a
 * failure can be replayed.
 */
final class Seeds
{
    private Seeds()
    {
    }

    static long seed(final String testName)
    {
        final String property = System.getProperty("guard.seed", "").trim();
        final long seed = property.isEmpty() ? System.nanoTime() : Long.parseLong(property);
        System.out.println(testName + ": seed=" + seed + " (replay with -Dguard.seed=" + seed + ")");
        return seed;
    }
}
