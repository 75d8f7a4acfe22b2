package io.ledgerguard.bench;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.LockSupport;

import org.HdrHistogram.Histogram;

/**
 * One open-loop run at a fixed offered rate: every command has an intended send time on a fixed schedule, and its
 * latency is measured from that time to its decision, so a stall delays every command scheduled behind it and shows
 * in the percentiles (no coordinated omission). Producers share the schedule round robin: producer {@code p} sends
 * commands {@code p, p + P, p + 2P, ...}. A producer that is behind sends at once; one that is ahead parks until the
 * intended time. Nothing before the end of the warm-up is recorded.
 */
final class OpenLoop
{
    /** Longest latency recorded exactly; longer ones are recorded as this. */
    static final long LATENCY_NS_MAX = TimeUnit.SECONDS.toNanos(60);

    private OpenLoop()
    {
    }

    /**
     * The outcome of a run.
     */
    static final class Result
    {
        final String target;
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

        Result(final String target, final int producers, final double offeredPerSecond, final Histogram latencyNs,
            final Histogram serviceNs, final long accepted, final long rejected, final long unsent,
            final double measuredSeconds)
        {
            this.serviceNs = serviceNs;
            this.target = target;
            this.producers = producers;
            this.offeredPerSecond = offeredPerSecond;
            this.latencyNs = latencyNs;
            this.recorded = latencyNs.getTotalCount();
            this.accepted = accepted;
            this.rejected = rejected;
            this.unsent = unsent;
            this.measuredSeconds = measuredSeconds;
            this.achievedPerSecond = measuredSeconds > 0 ? recorded / measuredSeconds : 0;
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
    }

    /**
     * @param target     started with {@code producers}.
     * @param producers  producer threads.
     * @param rate       offered commands per second, all producers together.
     * @param warmupNs   length of the unrecorded warm-up.
     * @param durationNs length of the recorded part of the schedule.
     * @return what happened.
     * @throws InterruptedException if interrupted while waiting for the producers.
     */
    static Result run(
        final LoadTarget target, final int producers, final double rate, final long warmupNs, final long durationNs)
        throws InterruptedException
    {
        final double intervalNs = 1e9 / rate;
        final Histogram[] histograms = new Histogram[producers];
        final Histogram[] services = new Histogram[producers];
        final long[] accepted = new long[producers];
        final long[] rejected = new long[producers];
        final long[] unsent = new long[producers];
        final long[] lastDoneNs = new long[producers];
        final CountDownLatch ready = new CountDownLatch(producers);
        final CountDownLatch go = new CountDownLatch(1);
        final long[] origin = new long[1];
        final AtomicReference<Throwable> failure = new AtomicReference<>();
        final Thread[] threads = new Thread[producers];
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
                    // A run never lasts more than twice its schedule: what is still unsent then is counted, not sent.
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
                            unsent[producer] += (endNs - intendedNs) / (long)(intervalNs * producers) + 1;
                            break;
                        }
                        while (nowNs < intendedNs)
                        {
                            LockSupport.parkNanos(intendedNs - nowNs);
                            nowNs = System.nanoTime();
                        }
                        final long sentNs = System.nanoTime();
                        final boolean ok = target.next(producer);
                        final long doneNs = System.nanoTime();
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
                            lastDoneNs[producer] = doneNs;
                        }
                    }
                }
                catch (final Throwable ex)
                {
                    failure.compareAndSet(null, ex);
                }
            }, "load-producer-" + p);
            if (target instanceof PipelineTarget)
            {
                ((PipelineTarget)target).bind(p, threads[p]);
            }
            else if (target instanceof RingTarget)
            {
                ((RingTarget)target).bind(p, threads[p]);
            }
            threads[p].start();
        }
        ready.await();
        origin[0] = System.nanoTime() + 1_000_000;
        go.countDown();
        for (final Thread thread : threads)
        {
            thread.join();
        }
        if (failure.get() != null)
        {
            throw new IllegalStateException("a producer failed: " + failure.get(), failure.get());
        }
        final Histogram merged = new Histogram(LATENCY_NS_MAX, 3);
        final Histogram mergedService = new Histogram(LATENCY_NS_MAX, 3);
        long acceptedTotal = 0;
        long rejectedTotal = 0;
        long unsentTotal = 0;
        long lastNs = 0;
        for (int p = 0; p < producers; p++)
        {
            merged.add(histograms[p]);
            mergedService.add(services[p]);
            acceptedTotal += accepted[p];
            rejectedTotal += rejected[p];
            unsentTotal += unsent[p];
            lastNs = Math.max(lastNs, lastDoneNs[p]);
        }
        final double measuredSeconds = lastNs == 0 ? 0 : (lastNs - (origin[0] + warmupNs)) / 1e9;
        return new Result(target.name(), producers, rate, merged, mergedService, acceptedTotal, rejectedTotal,
            unsentTotal, measuredSeconds);
    }
}
