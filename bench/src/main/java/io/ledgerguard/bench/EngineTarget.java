package io.ledgerguard.bench;

import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;

/**
 * The guard linked into the caller: {@link GuardEngine#apply} on the producer's own thread, no ring.
 */
final class EngineTarget implements LoadTarget
{
    private final long seed;
    private final Decision decision = new Decision();
    private ExchangeWorkload workload;
    private GuardEngine engine;

    EngineTarget(final long seed)
    {
        this.seed = seed;
    }

    @Override
    public String name()
    {
        return "engine";
    }

    @Override
    public String description()
    {
        return "GuardEngine.apply on the caller's thread: every rule, no ring";
    }

    @Override
    public int producersMax()
    {
        return 1;
    }

    @Override
    public void start(final int producers, final long txIdsMax)
    {
        workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
        engine = new GuardEngine(LoadHarness.config(txIdsMax));
        workload.fund(engine);
    }

    @Override
    public boolean next(final int producer)
    {
        engine.apply(workload.next(engine), decision);
        return decision.accepted();
    }

    @Override
    public void close()
    {
        engine = null;
        workload = null;
    }
}
