package io.ledgerguard.core.pipeline;

import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import org.agrona.BitUtil;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertType;

/**
 * Hands alerts from the release thread to sinks on a thread of its own, so that a slow or failing sink never slows or
 * stops the guard (SPEC §7). The release thread copies each alert into a bounded ring of preallocated alerts and
 * returns; when the ring is full the alert is dropped and counted, and the dispatcher then tells the sinks how many
 * with an {@link AlertType#ALERTS_DROPPED} alert of its own. A sink that throws is counted and the others still get
 * the alert. Offering allocates nothing and takes no lock.
 * <p>
 * Single producer: use one dispatcher per pipeline, as its {@link PipelineContext#alertListener(AlertListener)}.
 */
public final class AlertDispatcher implements AlertListener, AutoCloseable
{
    /** The JDK's platform log: guard-core depends on no logging library (see {@code Stages.FailStopHandler}). */
    private static final System.Logger LOGGER = System.getLogger(AlertDispatcher.class.getName());
    /** How long the dispatcher thread parks when the ring is empty. */
    static final long IDLE_PARK_NS = TimeUnit.MICROSECONDS.toNanos(200);

    private final Alert[] ring;
    private final int mask;
    private final List<AlertListener> sinks;
    private final Thread thread;
    private final AtomicLong tail = new AtomicLong();
    private final AtomicLong head = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final AtomicLong sinkFailures = new AtomicLong();
    private final Alert droppedAlert = new Alert();
    private long droppedReported;
    private long lastSeq;
    private long lastTimestampNs;
    private int lastNode = Alert.NO_NODE;
    private long lastTerm = Alert.NO_TERM;
    private volatile boolean closing;

    /**
     * @param capacity alerts the ring holds; rounded up to a power of two.
     * @param sinks    receive every alert, in order, on the dispatcher's thread.
     */
    public AlertDispatcher(final int capacity, final List<AlertListener> sinks)
    {
        if (capacity < 1 || capacity > 1 << 24)
        {
            throw new IllegalArgumentException("alert ring capacity must be 1..16777216, was " + capacity);
        }
        final int size = BitUtil.findNextPositivePowerOfTwo(capacity);
        ring = new Alert[size];
        for (int i = 0; i < size; i++)
        {
            ring[i] = new Alert();
        }
        mask = size - 1;
        this.sinks = List.copyOf(sinks);
        thread = new Thread(this::run, "ledger-guard-alerts");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Release thread: copy the alert into the ring, or count it dropped when the ring is full.
     */
    @Override
    public void onAlert(final Alert alert)
    {
        final long t = tail.get();
        if (t - head.get() > mask)
        {
            dropped.incrementAndGet();
            return;
        }
        ring[(int)t & mask].copyFrom(alert);
        tail.lazySet(t + 1);
        if (t == head.get())
        {
            LockSupport.unpark(thread);
        }
    }

    /**
     * @return alerts dropped because the ring was full.
     */
    public long dropped()
    {
        return dropped.get();
    }

    /**
     * @return alerts handed to the sinks.
     */
    public long delivered()
    {
        return delivered.get();
    }

    /**
     * @return how often a sink threw.
     */
    public long sinkFailures()
    {
        return sinkFailures.get();
    }

    /**
     * Deliver what is in the ring, then stop. Call after the guard stopped.
     */
    @Override
    public void close()
    {
        closing = true;
        LockSupport.unpark(thread);
        try
        {
            thread.join(TimeUnit.SECONDS.toMillis(30));
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
        }
        if (thread.isAlive())
        {
            LOGGER.log(System.Logger.Level.WARNING, "alert sinks still busy 30 s after close: delivered=" +
                delivered.get() + ", offered=" + tail.get() + ", dropped=" + dropped.get());
        }
    }

    private void run()
    {
        while (true)
        {
            // Read before the tail: once closing is seen, every alert offered before close() is in the tail read next.
            final boolean stop = closing;
            final long h = head.get();
            final long t = tail.get();
            if (h == t)
            {
                reportDrops();
                if (stop)
                {
                    return;
                }
                LockSupport.parkNanos(IDLE_PARK_NS);
                continue;
            }
            for (long i = h; i < t; i++)
            {
                final Alert alert = ring[(int)i & mask];
                lastSeq = alert.seq;
                lastTimestampNs = alert.timestampNs;
                lastNode = alert.node;
                lastTerm = alert.term;
                deliver(alert);
                head.lazySet(i + 1);
            }
            // Under sustained overload the ring may never empty: report drops after every batch too.
            reportDrops();
        }
    }

    private void reportDrops()
    {
        final long total = dropped.get();
        if (total == droppedReported)
        {
            return;
        }
        droppedAlert.dropped(lastSeq, lastTimestampNs, total - droppedReported, total);
        if (lastNode != Alert.NO_NODE)
        {
            // A cluster node's dispatcher: its report names the node, and term, of the last alert it delivered.
            droppedAlert.raisedBy(lastNode, lastTerm);
        }
        droppedReported = total;
        deliver(droppedAlert);
    }

    private void deliver(final Alert alert)
    {
        for (int i = 0; i < sinks.size(); i++)
        {
            try
            {
                sinks.get(i).onAlert(alert);
            }
            catch (final RuntimeException | Error ex)
            {
                // A sink's failure, even an Error, must not stop the others or this thread.
                sinkFailures.incrementAndGet();
            }
        }
        delivered.incrementAndGet();
    }
}
