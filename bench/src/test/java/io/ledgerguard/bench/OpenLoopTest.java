package io.ledgerguard.bench;

import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The harness's open loop does not hide a stall behind the commands it delays (no coordinated omission), and records
 * exactly the commands its schedule puts in the recorded window.
 */
class OpenLoopTest
{
    /**
     * A target that answers at once, except for one call that stalls.
     */
    private static final class Stalling implements LoadTarget
    {
        private final long stallAt;
        private final long stallMs;
        private long calls;

        Stalling(final long stallAt, final long stallMs)
        {
            this.stallAt = stallAt;
            this.stallMs = stallMs;
        }

        @Override
        public String name()
        {
            return "stalling";
        }

        @Override
        public String description()
        {
            return "answers at once but once";
        }

        @Override
        public int producersMax()
        {
            return 1;
        }

        @Override
        public void start(final int producers, final long txIdsMax)
        {
        }

        @Override
        public boolean next(final int producer)
        {
            if (++calls == stallAt)
            {
                try
                {
                    Thread.sleep(stallMs);
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }
            return calls % 10 != 0;
        }

        @Override
        public void close()
        {
        }
    }

    @Test
    void shouldChargeAStallToEveryCommandScheduledBehindIt() throws InterruptedException
    {
        // 1,000 commands a second for 2 s after a 0.5 s warm-up; the 1,000th call stalls for 200 ms, so the ~200
        // commands scheduled during the stall are all late, though each of them is answered at once.
        final OpenLoop.Result result = OpenLoop.run(new Stalling(1_000, 200), "test", 1, 1_000,
            TimeUnit.MILLISECONDS.toNanos(500), TimeUnit.SECONDS.toNanos(2));

        assertEquals(2_000, result.recorded, "exactly the commands scheduled in the recorded window");
        assertEquals(result.recorded, result.accepted + result.rejected);
        assertEquals(200, result.rejected, "every tenth call answers no");
        assertEquals(0, result.unsent);
        assertTrue(result.maxUs() >= 200_000, () -> "the stalled command itself: max=" + result.maxUs());
        // A closed loop would record one slow command; the open loop charges the wait to those behind it too.
        final long late = result.latencyNs.getCountBetweenValues(TimeUnit.MILLISECONDS.toNanos(50), Long.MAX_VALUE);
        assertTrue(late >= 100, () -> "commands delayed by the stall: " + late);
        assertTrue(result.servicePercentileUs(99) < result.percentileUs(99.9),
            "the service time leaves the schedule's queueing out");
    }

    @Test
    void shouldRecordWhatItNeverSentWhenItFallsTooFarBehind() throws InterruptedException
    {
        // The 100th call stalls for 3 s; the run gives up at twice its 1.2 s schedule, with most of the recorded
        // window unsent. Those commands are still in the percentiles, at the lower bound of their wait.
        final OpenLoop.Result result = OpenLoop.run(new Stalling(100, 3_000), "test", 1, 1_000,
            TimeUnit.MILLISECONDS.toNanos(200), TimeUnit.SECONDS.toNanos(1));

        assertEquals(1_000, result.recorded, "every command of the recorded window, sent or not");
        assertTrue(result.unsent > 0, "unsent=" + result.unsent);
        assertEquals(result.recorded, result.accepted + result.rejected + result.unsent);
        assertTrue(result.percentileUs(50) >= 1_000_000, () -> "p50=" + result.percentileUs(50));
    }
}
