package io.ledgerguard.bench;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

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

    @Test
    void shouldNotCountTheWarmUpsBacklogAsThroughputOfTheRecordedWindow() throws InterruptedException
    {
        // The 100th call stalls 450 ms, until past the end of the 0.5 s warm-up: the ~450 warm-up commands behind it
        // are answered in the recorded window, but they were not offered in it. Achieved is what the run did with the
        // commands due in the window: at most the offered 1,000/s (their last answer is at least the schedule's
        // length after the window opened), never the backlog on top of it.
        final OpenLoop.Result result = OpenLoop.run(new Stalling(100, 450), "test", 1, 1_000,
            TimeUnit.MILLISECONDS.toNanos(500), TimeUnit.SECONDS.toNanos(2));

        assertEquals(2_000, result.recorded, "exactly the commands scheduled in the recorded window");
        assertEquals(0, result.unsent);
        assertTrue(result.achievedPerSecond <= 1_000 * 2.0 / 1.999,
            () -> "achieved " + result.achievedPerSecond + "/s of 1,000/s offered");
        assertTrue(result.achievedPerSecond > 0, () -> "achieved " + result.achievedPerSecond);
    }

    /**
     * A target that keeps what it is sent in flight and answers from a thread of its own, in order, every tenth a
     * rejection; it notes the most it ever had unanswered.
     */
    private static final class Pipelining implements LoadTarget
    {
        private final int inFlight;
        /** Every so many submits is refused before sequencing; 0 none. */
        private final int refuseEvery;
        private long submits;
        private final java.util.concurrent.BlockingQueue<LoadTarget.Answers> queue =
            new java.util.concurrent.LinkedBlockingQueue<>();
        private final AtomicInteger unanswered = new AtomicInteger();
        private final AtomicInteger unansweredMax = new AtomicInteger();
        private final AtomicLong answered = new AtomicLong();
        private final LoadTarget.Answers[] answers = new LoadTarget.Answers[1];
        private Thread answerer;

        Pipelining(final int inFlight, final int refuseEvery)
        {
            this.inFlight = inFlight;
            this.refuseEvery = refuseEvery;
        }

        @Override
        public String name()
        {
            return "pipelining";
        }

        @Override
        public String description()
        {
            return "answers from a thread of its own, in batches";
        }

        @Override
        public int producersMax()
        {
            return 1;
        }

        @Override
        public int inFlight()
        {
            return inFlight;
        }

        @Override
        public void start(final int producers, final long txIdsMax)
        {
            answerer = new Thread(() ->
            {
                try
                {
                    final java.util.List<LoadTarget.Answers> batch = new java.util.ArrayList<>();
                    while (true)
                    {
                        batch.add(queue.take());
                        // Let more arrive, so that several are in flight at once: three, or what came in 2 ms.
                        final long untilNs = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(2);
                        while (batch.size() < 3)
                        {
                            final LoadTarget.Answers more =
                                queue.poll(untilNs - System.nanoTime(), TimeUnit.NANOSECONDS);
                            if (more == null)
                            {
                                break;
                            }
                            batch.add(more);
                        }
                        for (final LoadTarget.Answers to : batch)
                        {
                            final long n = answered.incrementAndGet();
                            unanswered.decrementAndGet();
                            to.answered(n % 10 != 0);
                        }
                        batch.clear();
                    }
                }
                catch (final InterruptedException ex)
                {
                    Thread.currentThread().interrupt();
                }
            }, "pipelining-answerer");
            answerer.start();
        }

        @Override
        public boolean next(final int producer)
        {
            throw new AssertionError("a pipelining target is only submitted to");
        }

        @Override
        public void answersTo(final int producer, final LoadTarget.Answers to)
        {
            answers[producer] = to;
        }

        @Override
        public boolean submit(final int producer)
        {
            if (refuseEvery > 0 && ++submits % refuseEvery == 0)
            {
                return false;
            }
            unansweredMax.accumulateAndGet(unanswered.incrementAndGet(), Math::max);
            queue.add(answers[producer]);
            return true;
        }

        @Override
        public void close()
        {
            answerer.interrupt();
        }
    }

    @Test
    void shouldKeepSeveralInFlightAndRecordEveryAnswer() throws InterruptedException
    {
        // 2,000 commands a second for 1 s after a 0.2 s warm-up, answered three at a time (or what came in 2 ms):
        // more than one is in flight, never more than the four the target allows.
        try (Pipelining target = new Pipelining(4, 0))
        {
            target.start(1, 0);
            final OpenLoop.Result result = OpenLoop.run(target, "test", 1, 2_000,
                TimeUnit.MILLISECONDS.toNanos(200), TimeUnit.SECONDS.toNanos(1));

            assertEquals(2_000, result.recorded, "exactly the commands scheduled in the recorded window");
            assertEquals(0, result.unsent);
            assertEquals(result.recorded, result.accepted + result.rejected, "every one answered and counted once");
            assertEquals(null, result.problem);
            assertTrue(target.unansweredMax.get() > 1, () -> "in flight at most " + target.unansweredMax.get());
            assertTrue(target.unansweredMax.get() <= 4, () -> "in flight at most " + target.unansweredMax.get());
            assertEquals(2_400, target.answered.get(), "every command sent, warm-up included, was answered");
        }
    }

    @Test
    void shouldRecordARefusalAsARejectionAnsweredAtOnce() throws InterruptedException
    {
        // Every fifth submit is refused before sequencing: no answer comes for it, and it is still one of the
        // commands of the recorded window, a rejection, with its latency.
        try (Pipelining target = new Pipelining(4, 5))
        {
            target.start(1, 0);
            final OpenLoop.Result result = OpenLoop.run(target, "test", 1, 2_000,
                TimeUnit.MILLISECONDS.toNanos(200), TimeUnit.SECONDS.toNanos(1));

            assertEquals(2_000, result.recorded, "exactly the commands scheduled in the recorded window");
            assertEquals(result.recorded, result.accepted + result.rejected + result.unsent);
            assertEquals(0, result.unsent);
            assertEquals(null, result.problem);
            assertEquals(1_920, target.answered.get(), "every command sent and not refused was answered");
            // Refused: 400 of the recorded 2,000; answered no: every tenth of the 1,600 answered there, about 160.
            assertTrue(result.rejected >= 400 + 150 && result.rejected <= 400 + 170, "rejected=" + result.rejected);
        }
    }
}
