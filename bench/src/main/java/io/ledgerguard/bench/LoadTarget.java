package io.ledgerguard.bench;

/**
 * What the load harness drives: the guard in one of its uses, or a baseline. The target owns its copy of the
 * exchange workload and hands producer threads its commands in the workload's order.
 */
interface LoadTarget extends AutoCloseable
{
    /**
     * @return the short name used in options and file names.
     */
    String name();

    /**
     * @return one line on what is measured.
     */
    String description();

    /**
     * @return the most producer threads it takes; 1 for what runs on the caller's thread.
     */
    int producersMax();

    /**
     * Build and fund the state; not measured.
     *
     * @param producers the producer threads that will call {@link #next(int)}.
     * @param txIdsMax  the most commands (inner ones included) the runs will submit, for the txId table.
     */
    void start(int producers, long txIdsMax);

    /**
     * Submit the next command of the workload and wait for its decision.
     *
     * @param producer the calling producer, 0..producers-1.
     * @return true when it was accepted.
     */
    boolean next(int producer);

    /**
     * @param producer a producer index.
     * @param thread   the thread that will call {@link #next(int)} for it in the coming run.
     */
    default void bind(final int producer, final Thread thread)
    {
    }

    /**
     * @return {@code null} when the target answered every command as it should, else what went wrong (a failed
     *     guard, refused commands): the run's figures are then not a measurement of it.
     */
    default String problem()
    {
        return null;
    }

    @Override
    void close();
}
