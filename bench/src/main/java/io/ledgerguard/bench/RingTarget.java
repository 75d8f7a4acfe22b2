package io.ledgerguard.bench;

import java.util.concurrent.ThreadFactory;

import com.lmax.disruptor.EventHandler;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.PipelineContext;
import io.ledgerguard.core.pipeline.WaitStrategyKind;

/**
 * Baseline 1, the ceiling the ring allows: the pipeline's shape (a multi-producer ring of the pipeline's size, three
 * chained stages, the same wait strategy, the command copied into the slot, the producer woken by the last stage)
 * with handlers that do nothing else.
 */
final class RingTarget implements LoadTarget
{
    private final long seed;
    private final WaitStrategyKind waitStrategy;
    private final Object sequencing = new Object();
    private ExchangeWorkload workload;
    private GuardEngine reference;
    private Disruptor<Slot> disruptor;
    private RingBuffer<Slot> ring;
    private Completion[] completions;

    RingTarget(final long seed, final WaitStrategyKind waitStrategy)
    {
        this.seed = seed;
        this.waitStrategy = waitStrategy;
    }

    static final class Slot
    {
        final Command command = new Command();
        int producer;
    }

    @Override
    public String name()
    {
        return "ring";
    }

    @Override
    public String description()
    {
        return "baseline 1: the pipeline's ring and three stages with empty handlers, " + waitStrategy +
            " wait strategy";
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
        // The workload reads a wallet's expected balance when it attests; a funded engine answers, never applied to.
        reference = new GuardEngine(LoadHarness.config(LoadHarness.SETUP_TX_IDS));
        workload.fund(reference);
        completions = new Completion[producers];
        final ThreadFactory threads = runnable ->
        {
            final Thread thread = new Thread(runnable, "ring-baseline");
            thread.setDaemon(true);
            return thread;
        };
        disruptor = new Disruptor<>(Slot::new, PipelineContext.RING_SIZE_DEFAULT, threads, ProducerType.MULTI,
            waitStrategy.create());
        // Distinct instances: the Disruptor keys its stages by handler.
        final EventHandler<Slot> guardStage = (slot, sequence, endOfBatch) -> { };
        final EventHandler<Slot> journalStage = (slot, sequence, endOfBatch) -> { };
        final EventHandler<Slot> release = (slot, sequence, endOfBatch) -> completions[slot.producer].signal(true);
        disruptor.handleEventsWith(guardStage).then(journalStage).then(release);
        ring = disruptor.start();
    }

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
        synchronized (sequencing)
        {
            final Command command = workload.next(reference);
            final long sequence = ring.next();
            final Slot slot = ring.get(sequence);
            slot.command.copyFrom(command);
            slot.producer = producer;
            ring.publish(sequence);
        }
        return completion.await();
    }

    @Override
    public void close()
    {
        if (disruptor != null)
        {
            disruptor.halt();
        }
        disruptor = null;
        reference = null;
        workload = null;
    }
}
