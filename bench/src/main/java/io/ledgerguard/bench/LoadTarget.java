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
     * @param target   a target's name in {@code --targets}.
     * @param inFlight the commands each of its producers keeps in flight.
     * @return the name of its runs: {@code target} alone for one in flight, else {@code target-xN}.
     */
    static String name(final String target, final int inFlight)
    {
        return inFlight == 1 ? target : target + "-x" + inFlight;
    }

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
     * @return the commands each producer keeps in flight: 1 for a target whose producers wait for every answer
     *     ({@link #next(int)}); more for one that submits without waiting ({@link #submit(int)}).
     */
    default int inFlight()
    {
        return 1;
    }

    /**
     * Where a producer's answers go, for a target with {@link #inFlight()} above 1: called from the producer's thread
     * before its first {@link #submit(int)}.
     *
     * @param producer a producer index.
     * @param answers  takes every decision on this producer's commands.
     */
    default void answersTo(final int producer, final Answers answers)
    {
        throw new UnsupportedOperationException(name() + " has one command in flight per producer");
    }

    /**
     * Submit the next command of the workload without waiting for its decision, which reaches the producer's
     * {@link Answers}: for a target with {@link #inFlight()} above 1. The caller keeps at most that many unanswered.
     *
     * @param producer the calling producer, 0..producers-1.
     * @return false when the command was refused before it was sequenced: no answer will come for it.
     */
    default boolean submit(final int producer)
    {
        throw new UnsupportedOperationException(name() + " has one command in flight per producer");
    }

    /**
     * Takes the decisions on one producer's commands, in the order they were submitted, all on one thread of the
     * target's (the pipeline's release thread, a client connection's reader).
     */
    interface Answers
    {
        /**
         * @param accepted whether the command was accepted.
         */
        void answered(boolean accepted);
    }

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
