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
 * {@code submit} does). A producer that is behind sends at once; one that is ahead waits until the intended time:
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
        final double achievedPerSecond;
        final double measuredSeconds;
        final long gcCount;
        final long gcMillis;
        String problem;

        Result(final String target, final String label, final int producers, final double offeredPerSecond,
            final Histogram latencyNs, final Histogram serviceNs, final long accepted, final long rejected,
            final long unsent, final long completedInWindow, final double measuredSeconds, final long gcCount,
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
            this.achievedPerSecond = measuredSeconds > 0 ? completedInWindow / measuredSeconds : 0;
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
        final Histogram[] histograms = new Histogram[producers];
        final Histogram[] services = new Histogram[producers];
        final long[] accepted = new long[producers];
        final long[] rejected = new long[producers];
        final long[] unsent = new long[producers];
        final long[] completedInWindow = new long[producers];
        final long[] lastDoneNs = new long[producers];
        final CountDownLatch ready = new CountDownLatch(producers);
        final CountDownLatch go = new CountDownLatch(1);
        final long[] origin = new long[1];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[producers];
        final boolean spinLast = producers == 1;
        for (int p = 0; p < producers; p++)
        {
            final int producer = p;
            histograms[p] = new Histogram(LATENCY_NS_MAX, 3);
            services[p] = new Histogram(LATENCY_NS_MAX, 3);
            threads[p] = new Thread(() ->
            {
                try
                {
                    ready.countDown();
                    go.await();
                    final long startNs = origin[0];
                    final long recordFromNs = startNs + warmupNs;
                    final long endNs = recordFromNs + durationNs;
                    final long giveUpNs = startNs + 2 * (warmupNs + durationNs);
                    final Histogram histogram = histograms[producer];
                    for (long i = producer; ; i += producers)
                    {
                        final long intendedNs = startNs + (long)(i * intervalNs);
                        if (intendedNs >= endNs)
                        {
                            break;
                        }
                        long nowNs = System.nanoTime();
                        if (nowNs > giveUpNs)
                        {
                            giveUp(histogram, unsent, producer, producers, i, startNs, intervalNs, recordFromNs,
                                endNs, nowNs);
                            break;
                        }
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
                        final long sentNs = System.nanoTime();
                        final boolean ok = target.next(producer);
                        final long doneNs = System.nanoTime();
                        if (doneNs >= recordFromNs)
                        {
                            completedInWindow[producer]++;
                            lastDoneNs[producer] = doneNs;
                        }
                        if (intendedNs >= recordFromNs)
                        {
                            histogram.recordValue(Math.min(doneNs - intendedNs, LATENCY_NS_MAX));
                            services[producer].recordValue(Math.min(doneNs - sentNs, LATENCY_NS_MAX));
                            if (ok)
                            {
                                accepted[producer]++;
                            }
                            else
                            {
                                rejected[producer]++;
                            }
                        }
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
        final Histogram merged = new Histogram(LATENCY_NS_MAX, 3);
        final Histogram mergedService = new Histogram(LATENCY_NS_MAX, 3);
        long acceptedTotal = 0;
        long rejectedTotal = 0;
        long unsentTotal = 0;
        long completedTotal = 0;
        long lastNs = 0;
        for (int p = 0; p < producers; p++)
        {
            merged.add(histograms[p]);
            mergedService.add(services[p]);
            acceptedTotal += accepted[p];
            rejectedTotal += rejected[p];
            unsentTotal += unsent[p];
            completedTotal += completedInWindow[p];
            lastNs = Math.max(lastNs, lastDoneNs[p]);
        }
        final double measuredSeconds = lastNs == 0 ? 0 : (lastNs - (origin[0] + warmupNs)) / 1e9;
        final Result result = new Result(target.name(), label, producers, rate, merged, mergedService, acceptedTotal,
            rejectedTotal, unsentTotal, completedTotal, measuredSeconds, gcCountDuring, gcMillisDuring);
        result.problem = target.problem();
        return result;
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
