package io.ledgerguard.journal;

import java.util.concurrent.atomic.AtomicLong;

import net.openhft.chronicle.core.time.TimeProvider;

/**
 * The wall clock as a journal's Chronicle Queue reads it to pick each entry's cycle file: never earlier than it read
 * before, nor than the start of the newest cycle the queue already holds. Chronicle Queue puts an entry in the file of
 * the cycle the clock says; a clock stepped back past a roll (an NTP correction of a clock that ran ahead, before or
 * across a restart) would have it start an earlier cycle's file after a later one, which readers take first: the chain
 * would break there and the journal could not be opened again. Held back instead, the entries go on into the newest
 * file until the clock catches up. Lock-free and allocation-free: a read and, at most once a millisecond, a CAS.
 */
final class MonotonicClock implements TimeProvider
{
    private static final long MICROS_PER_MILLI = 1_000L;
    private static final long NANOS_PER_MILLI = 1_000_000L;

    private final TimeProvider clock;
    private final AtomicLong latestMillis = new AtomicLong(Long.MIN_VALUE);

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
        advanceTo(epochMillis);
    }

    /** Chronicle Queue reads only this: a cycle is a whole number of milliseconds, and so is the hold. */
    @Override
    public long currentTimeMillis()
    {
        return advanceTo(clock.currentTimeMillis());
    }

    @Override
    public long currentTimeMicros()
    {
        return currentTimeMillis() * MICROS_PER_MILLI;
    }

    @Override
    public long currentTimeNanos()
    {
        return currentTimeMillis() * NANOS_PER_MILLI;
    }

    private long advanceTo(final long millis)
    {
        long latest = latestMillis.get();
        while (millis > latest)
        {
            if (latestMillis.compareAndSet(latest, millis))
            {
                return millis;
            }
            latest = latestMillis.get();
        }
        return latest;
    }
}
