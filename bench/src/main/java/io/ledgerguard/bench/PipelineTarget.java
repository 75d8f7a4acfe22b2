package io.ledgerguard.bench;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.BackPressure;
import io.ledgerguard.core.pipeline.DecisionListener;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.StageHost;
import io.ledgerguard.core.pipeline.WaitStrategyKind;

/**
 * The embedded pipeline: producer threads submit through the ring (guard, journal encoding, release) and wait for
 * their decision. Producers take commands from the one workload under a lock and publish inside it, so the ring sees
 * the workload's order (a hold before its release); they wait for their answers outside it, so several are in flight.
 * With {@code --in-flight N} above 1 ({@code pipeline-xN}) each producer submits asynchronously and keeps up to N
 * unanswered, its answers recorded on the release thread.
 */
final class PipelineTarget implements LoadTarget
{
    private final long seed;
    private final WaitStrategyKind waitStrategy;
    private final int inFlight;
    private final Object sequencing = new Object();
    private ExchangeWorkload workload;
    private GuardEngine engine;
    private LedgerGuard guard;
    private Completion[] completions;
    private DecisionListener[] answers;
    private final java.util.concurrent.atomic.AtomicLong refused = new java.util.concurrent.atomic.AtomicLong();

    PipelineTarget(final long seed, final WaitStrategyKind waitStrategy, final int inFlight)
    {
        assert inFlight > 0;
        this.seed = seed;
        this.waitStrategy = waitStrategy;
        this.inFlight = inFlight;
    }

    @Override
    public String name()
    {
        return LoadTarget.name("pipeline", inFlight);
    }

    @Override
    public String description()
    {
        return "LedgerGuard: producers -> ring -> guard -> journal (encoding only) -> release, " + waitStrategy +
            " wait strategy" + (inFlight == 1 ? "" : "; asynchronous, up to " + inFlight + " in flight per producer");
    }

    @Override
    public int inFlight()
    {
        return inFlight;
    }

    @Override
    public int producersMax()
    {
        return 64;
    }

    @Override
    public void start(final int producers, final long txIdsMax)
    {
        workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
        engine = new GuardEngine(LoadHarness.config(txIdsMax));
        workload.fund(engine);
        guard = pipeline(workload, engine, waitStrategy, BackPressure.BLOCK);
        completions = new Completion[producers];
        answers = new DecisionListener[producers];
    }

    /**
     * The load runs' pipeline around a funded engine: the journal stage encodes without storing, and the clock is the
     * workload's, moving at the real pace from the end of setup.
     */
    static LedgerGuard pipeline(final ExchangeWorkload workload, final GuardEngine engine,
        final WaitStrategyKind waitStrategy, final BackPressure backPressure)
    {
        return pipeline(workload, engine, waitStrategy, backPressure, null);
    }

    /**
     * As {@link #pipeline(ExchangeWorkload, GuardEngine, WaitStrategyKind, BackPressure)}, hosting a loop on the
     * guard's thread when {@code host} is given (the sidecar's gateway).
     */
    static LedgerGuard pipeline(final ExchangeWorkload workload, final GuardEngine engine,
        final WaitStrategyKind waitStrategy, final BackPressure backPressure, final StageHost host)
    {
        final long startNs = ExchangeWorkload.START_NS + workload.seq() * ExchangeWorkload.COMMAND_INTERVAL_NS;
        final long originNs = System.nanoTime();
        return new LedgerGuard(engine, new PipelineContext()
            .stageHost(host)
            .waitStrategy(waitStrategy)
            .journal(new EncodingJournal())
            .firstSeq(workload.seq() + 1)
            .backPressure(backPressure)
            .clock(() -> startNs + (System.nanoTime() - originNs)));
    }

    /**
     * @param producer a producer index.
     * @param thread   the thread that will call {@link #next(int)} for it.
     */
    @Override
    public void bind(final int producer, final Thread thread)
    {
        completions[producer] = new Completion(thread);
    }

    @Override
    public boolean next(final int producer)
    {
        final Completion completion = completions[producer];
        completion.arm();
        final long seq;
        synchronized (sequencing)
        {
            final Command command = workload.next(engine);
            seq = guard.submitAsync(command, completion);
        }
        if (seq < 0)
        {
            refused.incrementAndGet();
            return false;
        }
        return completion.await();
    }

    @Override
    public void answersTo(final int producer, final Answers to)
    {
        answers[producer] = (command, decision) -> to.answered(decision.accepted());
    }

    @Override
    public boolean submit(final int producer)
    {
        final long seq;
        synchronized (sequencing)
        {
            seq = guard.submitAsync(workload.next(engine), answers[producer]);
        }
        if (seq < 0)
        {
            refused.incrementAndGet();
            return false;
        }
        return true;
    }

    @Override
    public String problem()
    {
        return problem(guard, refused.getAndSet(0), "commands refused unsequenced (ring full or guard closed)");
    }

    /**
     * @param guard    the target's pipeline.
     * @param count    answers that were not decisions in the run.
     * @param what     what those answers were.
     * @return {@code null} when the run measured the target, else what went wrong.
     */
    static String problem(final LedgerGuard guard, final long count, final String what)
    {
        if (guard.failure() != null)
        {
            return "the guard failed: " + guard.failure();
        }
        return count == 0 ? null : count + " " + what;
    }

    @Override
    public void close()
    {
        if (guard != null)
        {
            guard.close();
        }
        guard = null;
        engine = null;
        workload = null;
    }
}
