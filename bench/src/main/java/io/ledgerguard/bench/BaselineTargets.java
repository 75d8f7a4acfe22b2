package io.ledgerguard.bench;

import java.util.function.Predicate;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.pipeline.Journal;

/**
 * The baselines that are not the ring: each is funded with the workload's own setup commands, and fed its commands in
 * the workload's order.
 */
final class BaselineTargets
{
    private BaselineTargets()
    {
    }

    /**
     * Baseline 0 ({@link BareLedger}) on the caller's thread.
     */
    static final class Bare implements LoadTarget
    {
        private final long seed;
        private ExchangeWorkload workload;
        private GuardEngine reference;
        private BareLedger ledger;

        Bare(final long seed)
        {
            this.seed = seed;
        }

        @Override
        public String name()
        {
            return "bare";
        }

        @Override
        public String description()
        {
            return "baseline 0: the same table lookups and counter updates, no rule, no check, caller's thread";
        }

        @Override
        public int producersMax()
        {
            return 1;
        }

        @Override
        public void start(final int producers, final long txIdsMax)
        {
            ledger = new BareLedger(ExchangeWorkload.POSITIONS + 100_000, 200_000, txIdsMax);
            workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
            reference = fund(workload, ledger::apply);
        }

        @Override
        public boolean next(final int producer)
        {
            return ledger.apply(workload.next(reference));
        }

        @Override
        public void close()
        {
            ledger = null;
            reference = null;
            workload = null;
        }
    }

    /**
     * Baseline 2 ({@link LockedLedger}), called directly from the producer threads: each takes its command under the
     * workload's lock and applies it outside it, so applications overlap as they would in such a service.
     */
    static final class Locked implements LoadTarget
    {
        private final long seed;
        private final Object sequencing = new Object();
        private ExchangeWorkload workload;
        private GuardEngine reference;
        private LockedLedger ledger;
        private Command[] scratch;

        Locked(final long seed)
        {
            this.seed = seed;
        }

        @Override
        public String name()
        {
            return "locks";
        }

        @Override
        public String description()
        {
            return "baseline 2: the rules with ConcurrentHashMap and synchronized, called from the producer threads";
        }

        @Override
        public int producersMax()
        {
            return 64;
        }

        @Override
        public void start(final int producers, final long txIdsMax)
        {
            ledger = new LockedLedger();
            workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
            reference = fund(workload, ledger::apply);
            scratch = new Command[producers];
            for (int i = 0; i < producers; i++)
            {
                scratch[i] = new Command();
            }
        }

        @Override
        public boolean next(final int producer)
        {
            final Command command = scratch[producer];
            synchronized (sequencing)
            {
                command.copyFrom(workload.next(reference));
            }
            return ledger.apply(command);
        }

        @Override
        public void close()
        {
            ledger = null;
            reference = null;
            workload = null;
        }
    }

    /**
     * Fund a reference engine with the workload's setup, passing every setup command on to a baseline.
     *
     * @return the reference engine, which the workload reads a wallet's balance from when it attests.
     */
    private static GuardEngine fund(final ExchangeWorkload workload, final Predicate<Command> baseline)
    {
        final GuardEngine reference = new GuardEngine(LoadHarness.config(LoadHarness.SETUP_TX_IDS));
        workload.fund(reference, new Journal()
        {
            @Override
            public void append(final Command command, final Decision decision)
            {
                if (!baseline.test(command))
                {
                    throw new IllegalStateException("a baseline rejected a setup command: " + command);
                }
            }

            @Override
            public void close()
            {
            }
        });
        return reference;
    }
}
