package io.ledgerguard.core.pipeline;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import org.agrona.concurrent.EpochNanoClock;
import org.agrona.concurrent.OffsetEpochNanoClock;

import io.ledgerguard.core.ConfigurationException;

/**
 * How a {@link LedgerGuard} pipeline is built; {@link #conclude()} checks it. Defaults suit a small shared machine.
 */
public final class PipelineContext
{
    /** Ring slots by default: a power of two. Each slot holds a command with room for a full linked batch. */
    public static final int RING_SIZE_DEFAULT = 1024;
    /** Largest ring allowed. */
    public static final int RING_SIZE_MAX = 1 << 20;
    /** Times a synchronous caller spins before parking while it waits for its decision. */
    public static final int REPLY_SPINS_DEFAULT = 100;

    private int ringSize = RING_SIZE_DEFAULT;
    private WaitStrategyKind waitStrategy = WaitStrategyKind.BLOCKING;
    private BackPressure backPressure = BackPressure.BLOCK;
    private int replySpins = REPLY_SPINS_DEFAULT;
    /** System.nanoTime() plus a calibrated epoch offset: reading it allocates nothing, unlike Instant-based clocks. */
    private EpochNanoClock clock = new OffsetEpochNanoClock();
    private Journal journal;
    private AlertListener alertListener;
    private long firstSeq = 1;
    private SnapshotTrigger snapshotTrigger;
    private ThreadFactory threadFactory;
    private Boolean fuseStages;
    private StageHost stageHost;

    /**
     * @param ringSize ring slots, a power of two.
     * @return this for a fluent style.
     */
    public PipelineContext ringSize(final int ringSize)
    {
        this.ringSize = ringSize;
        return this;
    }

    /**
     * @return ring slots.
     */
    public int ringSize()
    {
        return ringSize;
    }

    /**
     * @param waitStrategy how stages wait.
     * @return this for a fluent style.
     */
    public PipelineContext waitStrategy(final WaitStrategyKind waitStrategy)
    {
        this.waitStrategy = waitStrategy;
        return this;
    }

    /**
     * @return how stages wait.
     */
    public WaitStrategyKind waitStrategy()
    {
        return waitStrategy;
    }

    /**
     * @param backPressure what a producer does when the ring is full.
     * @return this for a fluent style.
     */
    public PipelineContext backPressure(final BackPressure backPressure)
    {
        this.backPressure = backPressure;
        return this;
    }

    /**
     * @return what a producer does when the ring is full.
     */
    public BackPressure backPressure()
    {
        return backPressure;
    }

    /**
     * @param replySpins how often a synchronous caller checks for its decision, spinning, before it yields its core
     *                   (a few dozen times) and then parks.
     * @return this for a fluent style.
     */
    public PipelineContext replySpins(final int replySpins)
    {
        this.replySpins = replySpins;
        return this;
    }

    /**
     * @return how often a synchronous caller checks for its decision before parking.
     */
    public int replySpins()
    {
        return replySpins;
    }

    /**
     * @param clock stamps each command's sequencing time (epoch nanoseconds) on the producer's thread.
     * @return this for a fluent style.
     */
    public PipelineContext clock(final EpochNanoClock clock)
    {
        this.clock = clock;
        return this;
    }

    /**
     * @return the sequencing clock.
     */
    public EpochNanoClock clock()
    {
        return clock;
    }

    /**
     * @param journal records every sequenced command before its decision is released.
     * @return this for a fluent style.
     */
    public PipelineContext journal(final Journal journal)
    {
        this.journal = journal;
        return this;
    }

    /**
     * @return the journal.
     */
    public Journal journal()
    {
        return journal;
    }

    /**
     * @param fuse true to run the guard, journal and release stages on one thread, each event through all three (two
     *             wake-ups a synchronous submit instead of four); false for three threads, which overlap their work and
     *             let a journal that syncs at the end of a batch commit a group. By default they are fused exactly
     *             when the journal is {@link Journal#durableOnAppend() durable on append}.
     * @return this for a fluent style.
     */
    public PipelineContext fuseStages(final boolean fuse)
    {
        this.fuseStages = fuse;
        return this;
    }

    /**
     * @return true when the stages run fused on one thread; as set, or else as the journal suits.
     */
    public boolean fuseStages()
    {
        return fuseStages != null ? fuseStages : journal != null && journal.durableOnAppend();
    }

    /**
     * @param alertListener receives every alert on the release thread; may be {@code null}.
     * @return this for a fluent style.
     */
    public PipelineContext alertListener(final AlertListener alertListener)
    {
        this.alertListener = alertListener;
        return this;
    }

    /**
     * @return the alert listener, or {@code null}.
     */
    public AlertListener alertListener()
    {
        return alertListener;
    }

    /**
     * @param firstSeq the sequence of the first command, after a recovery the one after the journal's last.
     * @return this for a fluent style.
     */
    public PipelineContext firstSeq(final long firstSeq)
    {
        this.firstSeq = firstSeq;
        return this;
    }

    /**
     * @return the sequence of the first command.
     */
    public long firstSeq()
    {
        return firstSeq;
    }

    /**
     * @param snapshotTrigger copies the state for snapshots on the guard thread; may be {@code null} for none.
     * @return this for a fluent style.
     */
    public PipelineContext snapshotTrigger(final SnapshotTrigger snapshotTrigger)
    {
        this.snapshotTrigger = snapshotTrigger;
        return this;
    }

    /**
     * @return the snapshot trigger, or {@code null}.
     */
    public SnapshotTrigger snapshotTrigger()
    {
        return snapshotTrigger;
    }

    /**
     * @param stageHost where a loop (the sidecar gateway's) is attached to run on the guard's thread while the ring is
     *                  empty; it is {@link StageHost#hosting() hosting} once the pipeline starts if the stages are
     *                  fused and the wait strategy is {@link WaitStrategyKind#BLOCKING}. {@code null} (the default) for
     *                  none.
     * @return this for a fluent style.
     */
    public PipelineContext stageHost(final StageHost stageHost)
    {
        this.stageHost = stageHost;
        return this;
    }

    /**
     * @return where a loop is attached to the guard's thread, or {@code null}.
     */
    public StageHost stageHost()
    {
        return stageHost;
    }

    /**
     * @param threadFactory makes the stage threads.
     * @return this for a fluent style.
     */
    public PipelineContext threadFactory(final ThreadFactory threadFactory)
    {
        this.threadFactory = threadFactory;
        return this;
    }

    /**
     * @return the thread factory.
     */
    public ThreadFactory threadFactory()
    {
        return threadFactory;
    }

    /**
     * Check every setting and fill in defaults.
     *
     * @return this.
     * @throws ConfigurationException naming the setting at fault.
     */
    public PipelineContext conclude()
    {
        if (ringSize < 2 || ringSize > RING_SIZE_MAX || Integer.bitCount(ringSize) != 1)
        {
            throw new ConfigurationException("pipeline.ringSize", "must be a power of two 2.." + RING_SIZE_MAX +
                ", was " + ringSize);
        }
        if (replySpins < 0)
        {
            throw new ConfigurationException("pipeline.replySpins", "must be >= 0, was " + replySpins);
        }
        if (firstSeq < 1)
        {
            throw new ConfigurationException("pipeline.firstSeq", "must be >= 1, was " + firstSeq);
        }
        if (waitStrategy == null)
        {
            throw new ConfigurationException("pipeline.waitStrategy", "is required");
        }
        if (backPressure == null)
        {
            throw new ConfigurationException("pipeline.backPressure", "is required");
        }
        if (clock == null)
        {
            throw new ConfigurationException("pipeline.clock", "is required");
        }
        if (journal == null)
        {
            throw new ConfigurationException("pipeline.journal", "is required (use InMemoryJournal for tests)");
        }
        if (threadFactory == null)
        {
            final AtomicInteger counter = new AtomicInteger();
            threadFactory = runnable ->
            {
                final Thread thread = new Thread(runnable, "ledger-guard-" + counter.incrementAndGet());
                thread.setDaemon(true);
                return thread;
            };
        }
        return this;
    }
}
