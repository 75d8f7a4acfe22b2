package io.ledgerguard.bench;

import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * One open-loop run at a fixed offered rate: every command has an intended send time on a fixed schedule, and its
 * latency is measured from that time to its decision, so a stall delays every command scheduled behind it and shows
 * in the percentiles (no coordinated omission). Producers share the schedule round robin: producer {@code p} sends
 * commands {@code p, p + P, p + 2P, ...}, one at a time (it waits for each answer, as a caller of the embedded
 * {@code submit} does), or, for a target with several commands in flight ({@link LoadTarget#inFlight()}), without
 * waiting for answers while fewer than that many are unanswered (as a matching engine pipelines); its answers are
 * then recorded on the target's answering thread. A producer that is behind sends at once; one that is ahead waits
 * until the intended time:
 * it parks, and a lone producer spins the last {@value #SPIN_NS} ns, since a park wakes tens of microseconds late.
 * Nothing scheduled before the end of the warm-up is recorded. A run that falls more than its own length behind
 * gives up: every command of the recorded window it did not send is recorded with the lower bound of its latency,
 * the time from its intended send to the giving up, and counted as unsent.
 */
final class OpenLoop
{
    /** Longest latency recorded exactly; longer ones are recorded as this. */
    static final long LATENCY_NS_MAX = TimeUnit.SECONDS.toNanos(60);
    /** How long before its intended time a lone producer stops parking and spins. */
    static final long SPIN_NS = 50_000;

    private OpenLoop()
    {
    }

    /**
     * The outcome of a run.
     */
    static final class Result
    {
        final String target;
        final String label;
        final int producers;
        final double offeredPerSecond;
        final Histogram latencyNs;
        /** From the actual send to the decision: the latency without the schedule's queueing and timer lateness. */
        final Histogram serviceNs;
        final long recorded;
        final long accepted;
        final long rejected;
        final long unsent;
        /**
         * The commands due in the recorded window that were answered, over the time from the window's start to the
         * last of their answers: at most about the offered rate, less when the target fell behind.
         */
        final double achievedPerSecond;
        final double measuredSeconds;
        final long gcCount;
        final long gcMillis;
        String problem;

        Result(final String target, final String label, final int producers, final double offeredPerSecond,
            final Histogram latencyNs, final Histogram serviceNs, final long accepted, final long rejected,
            final long unsent, final long answeredOfWindow, final double measuredSeconds, final long gcCount,
            final long gcMillis)
        {
            this.target = target;
            this.label = label;
            this.producers = producers;
            this.offeredPerSecond = offeredPerSecond;
            this.latencyNs = latencyNs;
            this.serviceNs = serviceNs;
            this.recorded = latencyNs.getTotalCount();
            this.accepted = accepted;
            this.rejected = rejected;
            this.unsent = unsent;
            this.measuredSeconds = measuredSeconds;
            this.achievedPerSecond = measuredSeconds > 0 ? answeredOfWindow / measuredSeconds : 0;
            this.gcCount = gcCount;
            this.gcMillis = gcMillis;
        }

        double percentileUs(final double percentile)
        {
            return latencyNs.getValueAtPercentile(percentile) / 1_000.0;
        }

        double servicePercentileUs(final double percentile)
        {
            return serviceNs.getValueAtPercentile(percentile) / 1_000.0;
        }

        double maxUs()
        {
            return latencyNs.getMaxValue() / 1_000.0;
        }

        double acceptedShare()
        {
            final long answered = accepted + rejected;
            return answered == 0 ? 0 : (double)accepted / answered;
        }
    }

    /**
     * @param target     started with {@code producers}.
     * @param label      names the run (its rate, and whether it is a ramp step) in files.
     * @param producers  producer threads.
     * @param rate       offered commands per second, all producers together.
     * @param warmupNs   length of the unrecorded warm-up.
     * @param durationNs length of the recorded part of the schedule.
     * @return what happened.
     * @throws InterruptedException if interrupted while waiting for the producers.
     */
    static Result run(
        final LoadTarget target, final String label, final int producers, final double rate, final long warmupNs,
        final long durationNs) throws InterruptedException
    {
        final double intervalNs = 1e9 / rate;
        final Tally tally = new Tally(producers);
        final CountDownLatch ready = new CountDownLatch(producers);
        final CountDownLatch go = new CountDownLatch(1);
        final long[] origin = new long[1];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[producers];
        final boolean spinLast = producers == 1;
        for (int p = 0; p < producers; p++)
        {
            final int producer = p;
            threads[p] = new Thread(() ->
            {
                try
                {
                    ready.countDown();
                    go.await();
                    if (target.inFlight() > 1)
                    {
                        producePipelined(target, producer, producers, intervalNs, origin[0], warmupNs, durationNs,
                            spinLast, tally);
                    }
                    else
                    {
                        produce(target, producer, producers, intervalNs, origin[0], warmupNs, durationNs, spinLast,
                            tally);
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "load-producer-" + p);
            target.bind(p, threads[p]);
            threads[p].start();
        }
        final long gcCountBefore = gcCount();
        final long gcMillisBefore = gcMillis();
        ready.await();
        origin[0] = System.nanoTime() + 1_000_000;
        go.countDown();
        for (final Thread thread : threads)
        {
            thread.join();
        }
        final long gcCountDuring = gcCount() - gcCountBefore;
        final long gcMillisDuring = gcMillis() - gcMillisBefore;
        if (failure.get() != null)
        {
            throw new IllegalStateException("a producer failed: " + failure.get(), failure.get());
        }
        final Result result =
            tally.result(target, label, rate, origin[0] + warmupNs, gcCountDuring, gcMillisDuring);
        result.problem = target.problem();
        final long unanswered = tally.unanswered();
        if (unanswered > 0 && result.problem == null)
        {
            result.problem = unanswered + " commands submitted were never answered";
        }
        return result;
    }

    /**
     * One producer's share of the schedule: commands {@code producer, producer + producers, ...}, each sent at its
     * intended time or at once when behind, until the end of the schedule or until the run gives up.
     */
    private static void produce(
        final LoadTarget target, final int producer, final int producers, final double intervalNs, final long startNs,
        final long warmupNs, final long durationNs, final boolean spinLast, final Tally tally)
    {
        final long recordFromNs = startNs + warmupNs;
        final long endNs = recordFromNs + durationNs;
        final long giveUpNs = startNs + 2 * (warmupNs + durationNs);
        final Histogram histogram = tally.latencyNs[producer];
        for (long i = producer; ; i += producers)
        {
            final long intendedNs = startNs + (long)(i * intervalNs);
            if (intendedNs >= endNs)
            {
                break;
            }
            final long nowNs = System.nanoTime();
            if (nowNs > giveUpNs)
            {
                giveUp(histogram, tally.unsent, producer, producers, i, startNs, intervalNs, recordFromNs, endNs,
                    nowNs);
                break;
            }
            awaitIntendedTime(intendedNs, nowNs, spinLast);
            final long sentNs = System.nanoTime();
            final boolean ok = target.next(producer);
            tally.record(producer, recordFromNs, intendedNs, sentNs, System.nanoTime(), ok);
        }
    }

    /**
     * One producer's share of the schedule with up to {@link LoadTarget#inFlight()} commands unanswered: each sent at
     * its intended time, or at once when behind, or as soon as an answer makes room; the answers are recorded by the
     * target's answering thread ({@link Window}). At the end it waits for the answers of everything it sent.
     */
    private static void producePipelined(
        final LoadTarget target, final int producer, final int producers, final double intervalNs, final long startNs,
        final long warmupNs, final long durationNs, final boolean spinLast, final Tally tally)
    {
        final long recordFromNs = startNs + warmupNs;
        final long endNs = recordFromNs + durationNs;
        final long giveUpNs = startNs + 2 * (warmupNs + durationNs);
        final Window window = new Window(Thread.currentThread(), target.inFlight(), recordFromNs, tally, producer);
        target.answersTo(producer, window);
        long gaveUpAt = -1;
        long gaveUpNs = 0;
        for (long i = producer; ; i += producers)
        {
            final long intendedNs = startNs + (long)(i * intervalNs);
            if (intendedNs >= endNs)
            {
                break;
            }
            final long nowNs = System.nanoTime();
            if (nowNs > giveUpNs || !window.awaitRoom(giveUpNs))
            {
                gaveUpAt = i;
                gaveUpNs = Math.max(nowNs, System.nanoTime());
                break;
            }
            awaitIntendedTime(intendedNs, System.nanoTime(), spinLast);
            final long sentNs = System.nanoTime();
            window.sending(intendedNs, sentNs);
            if (target.submit(producer))
            {
                window.sent();
            }
            else
            {
                window.refused(intendedNs, sentNs, System.nanoTime());
            }
        }
        // Answers still on their way are recorded by the answering thread; wait for them, as long again as the run.
        // Once the window is closed nothing else writes this producer's figures.
        window.awaitAnswers(Math.max(giveUpNs, System.nanoTime()) + warmupNs + durationNs);
        if (gaveUpAt >= 0)
        {
            giveUp(tally.latencyNs[producer], tally.unsent, producer, producers, gaveUpAt, startNs, intervalNs,
                recordFromNs, endNs, gaveUpNs);
        }
    }

    /**
     * Wait until a command's intended send time: park, and for a lone producer spin the last {@value #SPIN_NS} ns.
     */
    private static void awaitIntendedTime(final long intendedNs, final long startNs, final boolean spinLast)
    {
        long nowNs = startNs;
        while (nowNs < intendedNs)
        {
            final long aheadNs = intendedNs - nowNs;
            if (spinLast && aheadNs <= SPIN_NS)
            {
                Thread.onSpinWait();
            }
            else
            {
                LockSupport.parkNanos(spinLast ? aheadNs - SPIN_NS : aheadNs);
            }
            nowNs = System.nanoTime();
        }
    }

    /**
     * One pipelining producer's commands in flight: when each was due and when it was sent, in a ring that the
     * target's answering thread reads in submission order as the answers come, recording each in the producer's
     * slots of the {@link Tally}. The producer waits for room while {@link #capacity} are unanswered; the answering
     * thread wakes it when it sleeps. Single writer each way: the producer writes the ring and {@link #submitted}, the
     * answering thread {@link #answered} and the tally; a command's times are written before it is submitted, which
     * publishes them. Recording is under the window's lock, uncontended in the steady state: a sidecar connection
     * that is lost answers its requests in flight on the thread that saw the loss, possibly while its reader still
     * answers one, and a producer's refusals and its closing of the window come from its own thread. A closed window
     * ignores answers, so that a run that stopped waiting for them reads figures nothing writes any more.
     */
    static final class Window implements LoadTarget.Answers
    {
        private static final int SPINS = 100;
        private static final long PARK_NS_MAX = 1_000_000;
        private static final long NOT_WAITING = Long.MAX_VALUE;

        private final Thread producer;
        private final int capacity;
        private final int mask;
        private final long[] intendedNs;
        private final long[] sentNs;
        private final long recordFromNs;
        private final Tally tally;
        private final int index;
        private long submitted;
        private volatile long answered;
        /**
         * The count of answers at which the answering thread wakes the producer, {@link #NOT_WAITING} while it does
         * not sleep. A producer that waits for room sleeps until a quarter of the window is free, as the gateway
         * client's own in-flight limit does, so that a full window does not cost the answering thread a wake-up per
         * answer, which would make a saturated run measure the harness.
         */
        private volatile long wakeAt = NOT_WAITING;
        private final int wakeBatch;
        /** Under the lock: no answer is recorded any more. */
        private boolean closed;

        Window(final Thread producer, final int capacity, final long recordFromNs, final Tally tally,
            final int index)
        {
            assert capacity > 0;
            this.producer = producer;
            this.capacity = capacity;
            final int slots = capacity == 1 ? 1 : Integer.highestOneBit(capacity - 1) << 1;
            this.mask = slots - 1;
            this.intendedNs = new long[slots];
            this.sentNs = new long[slots];
            this.recordFromNs = recordFromNs;
            this.tally = tally;
            this.index = index;
            this.wakeBatch = Math.max(1, capacity / 4);
        }

        /**
         * Producer: wait until fewer than {@link #capacity} commands are unanswered.
         *
         * @return false when the run's give-up time passed first.
         */
        boolean awaitRoom(final long giveUpNs)
        {
            for (int i = 0; i < SPINS; i++)
            {
                if (submitted - answered < capacity)
                {
                    return true;
                }
                Thread.onSpinWait();
            }
            while (true)
            {
                // Set before the last look: an answer after it sees it (both volatile).
                wakeAt = submitted - capacity + wakeBatch;
                if (submitted - answered < capacity)
                {
                    wakeAt = NOT_WAITING;
                    return true;
                }
                if (System.nanoTime() > giveUpNs)
                {
                    wakeAt = NOT_WAITING;
                    return false;
                }
                LockSupport.parkNanos(this, PARK_NS_MAX);
            }
        }

        /**
         * Producer: the next command is about to be submitted.
         */
        void sending(final long intended, final long sent)
        {
            final int slot = (int)submitted & mask;
            intendedNs[slot] = intended;
            sentNs[slot] = sent;
        }

        /**
         * Producer: the target took the command {@link #sending} described; its answer will come.
         */
        void sent()
        {
            submitted++;
        }

        /**
         * Producer: wait until every command it sent is answered, or until {@code deadlineNs}; what is still
         * unanswered then is counted as such.
         */
        void awaitAnswers(final long deadlineNs)
        {
            while (answered < submitted && System.nanoTime() <= deadlineNs)
            {
                wakeAt = submitted;
                if (answered < submitted)
                {
                    LockSupport.parkNanos(this, PARK_NS_MAX);
                }
                wakeAt = NOT_WAITING;
            }
            synchronized (this)
            {
                closed = true;
                tally.unanswered[index] = submitted - answered;
            }
        }

        /**
         * Producer: the target refused the command {@link #sending} described, before sequencing it: a rejection,
         * answered at once.
         */
        synchronized void refused(final long intended, final long sent, final long doneNs)
        {
            tally.record(index, recordFromNs, intended, sent, doneNs, false);
        }

        @Override
        public synchronized void answered(final boolean accepted)
        {
            if (closed)
            {
                return;
            }
            final long n = answered;
            final int slot = (int)n & mask;
            tally.record(index, recordFromNs, intendedNs[slot], sentNs[slot], System.nanoTime(), accepted);
            answered = n + 1;
            if (n + 1 >= wakeAt)
            {
                wakeAt = NOT_WAITING;
                LockSupport.unpark(producer);
            }
        }
    }

    /**
     * What the producers recorded, one slot per producer: each producer writes only its own (or, when it pipelines,
     * its {@link Window}'s answering thread does), and the run reads them all once every producer has been joined.
     */
    private static final class Tally
    {
        final Histogram[] latencyNs;
        final Histogram[] serviceNs;
        final long[] accepted;
        final long[] rejected;
        final long[] unsent;
        final long[] answeredOfWindow;
        final long[] lastDoneNs;
        final long[] unanswered;

        Tally(final int producers)
        {
            unanswered = new long[producers];
            latencyNs = new Histogram[producers];
            serviceNs = new Histogram[producers];
            accepted = new long[producers];
            rejected = new long[producers];
            unsent = new long[producers];
            answeredOfWindow = new long[producers];
            lastDoneNs = new long[producers];
            for (int p = 0; p < producers; p++)
            {
                latencyNs[p] = new Histogram(LATENCY_NS_MAX, 3);
                serviceNs[p] = new Histogram(LATENCY_NS_MAX, 3);
            }
        }

        /**
         * One answered command of a producer's, by whichever thread records for it: counted, and in the percentiles,
         * when it was due in the recorded window. A warm-up command answered in the window is not counted: the
         * backlog of a warm-up that fell behind would otherwise show as more throughput than was offered.
         */
        void record(final int producer, final long recordFromNs, final long intendedNs, final long sentNs,
            final long doneNs, final boolean accepted)
        {
            if (intendedNs >= recordFromNs)
            {
                answeredOfWindow[producer]++;
                lastDoneNs[producer] = Math.max(lastDoneNs[producer], doneNs);
                latencyNs[producer].recordValue(Math.min(doneNs - intendedNs, LATENCY_NS_MAX));
                serviceNs[producer].recordValue(Math.min(doneNs - sentNs, LATENCY_NS_MAX));
                if (accepted)
                {
                    this.accepted[producer]++;
                }
                else
                {
                    rejected[producer]++;
                }
            }
        }

        long unanswered()
        {
            long total = 0;
            for (final long count : unanswered)
            {
                total += count;
            }
            return total;
        }

        /**
         * Merge every producer's figures into the run's result.
         */
        Result result(
            final LoadTarget target, final String label, final double rate, final long recordFromNs,
            final long gcCount, final long gcMillis)
        {
            final int producers = accepted.length;
            final Histogram merged = new Histogram(LATENCY_NS_MAX, 3);
            final Histogram mergedService = new Histogram(LATENCY_NS_MAX, 3);
            long acceptedTotal = 0;
            long rejectedTotal = 0;
            long unsentTotal = 0;
            long answeredTotal = 0;
            long lastNs = 0;
            for (int p = 0; p < producers; p++)
            {
                merged.add(latencyNs[p]);
                mergedService.add(serviceNs[p]);
                acceptedTotal += accepted[p];
                rejectedTotal += rejected[p];
                unsentTotal += unsent[p];
                answeredTotal += answeredOfWindow[p];
                lastNs = Math.max(lastNs, lastDoneNs[p]);
            }
            final double measuredSeconds = lastNs == 0 ? 0 : (lastNs - recordFromNs) / 1e9;
            return new Result(target.name(), label, producers, rate, merged, mergedService, acceptedTotal,
                rejectedTotal, unsentTotal, answeredTotal, measuredSeconds, gcCount, gcMillis);
        }
    }

    /**
     * Record every command of the recorded window this producer will not send, with the lower bound of its latency.
     */
    private static void giveUp(final Histogram histogram, final long[] unsent, final int producer, final int producers,
        final long first, final long startNs, final double intervalNs, final long recordFromNs, final long endNs,
        final long nowNs)
    {
        for (long i = first; ; i += producers)
        {
            final long intendedNs = startNs + (long)(i * intervalNs);
            if (intendedNs >= endNs)
            {
                return;
            }
            if (intendedNs >= recordFromNs)
            {
                histogram.recordValue(Math.min(nowNs - intendedNs, LATENCY_NS_MAX));
                unsent[producer]++;
            }
        }
    }

    private static long gcCount()
    {
        long count = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            count += Math.max(0, gc.getCollectionCount());
        }
        return count;
    }

    private static long gcMillis()
    {
        long millis = 0;
        for (final GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans())
        {
            millis += Math.max(0, gc.getCollectionTime());
        }
        return millis;
    }
}
