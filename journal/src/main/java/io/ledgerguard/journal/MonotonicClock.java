package io.ledgerguard.journal;

import java.util.concurrent.atomic.AtomicLong;

import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The wall clock as a journal's Chronicle Queue reads it to pick each entry's cycle file: never earlier than it read
 * before, nor than the start of the newest cycle the queue already holds. Chronicle Queue puts an entry in the file of
 * the cycle the clock says; a clock stepped back past a roll (an NTP correction of a clock that ran ahead, before or
 * across a restart) would have it start an earlier cycle's file after a later one, which readers take first: the chain
 * would break there and the journal could not be opened again. Held back instead, the entries go on into the newest
 * file until the clock catches up. Lock-free and allocation-free: a read and, when the clock moved on, a CAS.
 */
final class MonotonicClock implements TimeProvider
{
    private static final long NANOS_PER_MILLI = 1_000_000L;
    private static final long NANOS_PER_MICRO = 1_000L;

    private final TimeProvider clock;
    private final AtomicLong latestNanos = new AtomicLong(Long.MIN_VALUE);

    /**
     * @param clock the wall clock.
     */
    MonotonicClock(final TimeProvider clock)
    {
        this.clock = clock;
    }

    /**
     * Never read earlier than this again: the start of the newest cycle a queue holds.
     *
     * @param epochMillis the time, epoch milliseconds.
     */
    void notBefore(final long epochMillis)
    {
        advanceTo(epochMillis * NANOS_PER_MILLI);
    }

    @Override
    public long currentTimeMillis()
    {
        return currentTimeNanos() / NANOS_PER_MILLI;
    }

    @Override
    public long currentTimeMicros()
    {
        return currentTimeNanos() / NANOS_PER_MICRO;
    }

    @Override
    public long currentTimeNanos()
    {
        return advanceTo(clock.currentTimeNanos());
    }

    private long advanceTo(final long nanos)
    {
        long latest = latestNanos.get();
        while (nanos > latest)
        {
            if (latestNanos.compareAndSet(latest, nanos))
            {
                return nanos;
            }
            latest = latestNanos.get();
        }
        return latest;
    }
}
