package io.ledgerguard.core.pipeline;

import java.util.concurrent.TimeUnit;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.BusySpinWaitStrategy;
import com.lmax.disruptor.SleepingWaitStrategy;
import com.lmax.disruptor.WaitStrategy;
import com.lmax.disruptor.YieldingWaitStrategy;
import com.lmax.disruptor.LiteTimeoutBlockingWaitStrategy;

/**
 * How the pipeline's stages wait for work. Busy spinning gives the lowest latency only with a core per stage;
 * on a small machine it starves the producers, so blocking is the default.
 */
public enum WaitStrategyKind
{
    /**
     * Lock and condition while the ring is empty, back-off (spin, yield, park) while an upstream stage is busy: no
     * CPU while idle and no spinning against the stage it waits for. The default.
     */
    BLOCKING,
    /** Disruptor's own blocking strategy, which busy-spins on upstream stages: for comparison. */
    DISRUPTOR_BLOCKING,
    /** Lock and condition with a timeout, so stages notice shutdown even without events. */
    TIMEOUT_BLOCKING,
    /** Spin, then yield, then sleep: low CPU, moderate latency. */
    SLEEPING,
    /** Spin, then yield: low latency, one busy core per stage. */
    YIELDING,
    /** Spin only: lowest latency, one dedicated core per stage. */
    BUSY_SPIN;

    /**
     * @return a new Disruptor wait strategy of this kind (one per ring): the pipeline's, and a baseline's that must
     *     wait as the pipeline does.
     */
    public WaitStrategy create()
    {
        switch (this)
        {
            case BLOCKING: return new BlockingBackoffWaitStrategy();
            case DISRUPTOR_BLOCKING: return new BlockingWaitStrategy();
            case TIMEOUT_BLOCKING: return new LiteTimeoutBlockingWaitStrategy(1, TimeUnit.MILLISECONDS);
            case SLEEPING: return new SleepingWaitStrategy();
            case YIELDING: return new YieldingWaitStrategy();
            case BUSY_SPIN: return new BusySpinWaitStrategy();
            default: throw new IllegalStateException(name());
        }
    }
}
