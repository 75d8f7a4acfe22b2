package io.ledgerguard.core.pipeline;

import java.util.function.BooleanSupplier;

/**
 * An event loop that runs on the guard's own thread while the ring is empty, in place of that thread's sleep: the
 * sidecar gateway's socket loop (issue 15). A request read by a turn is submitted into the ring and applied, journaled
 * and answered by the same thread as soon as the turn returns; the next turn writes the answer. Client, socket, guard
 * and socket again: a request wakes one thread of the guard's process, not three.
 * <p>
 * A turn must never wait for the guard (it runs on the thread that would answer): it submits without waiting
 * ({@link GuardPort#submitAsync}) and is refused at once when the ring is full. See {@link StageHost} for how a loop is
 * attached to a pipeline.
 */
public interface StageLoop
{
    /**
     * One turn of the loop on the guard's thread: wait for the loop's own events (sockets ready, work queued by other
     * threads) for at most the loop's own timeout, then handle what is ready. It does not wait when
     * {@code commandsWaiting} is true: it is read after the loop says it sleeps ({@link #wake()} then ends the sleep),
     * so a command published at any time is never left waiting for the timeout.
     *
     * @param commandsWaiting true while commands wait in the ring for the guard.
     */
    void turn(BooleanSupplier commandsWaiting);

    /**
     * End a turn's wait, if it waits: called by any thread after it publishes a command. Cheap when the loop is awake.
     */
    void wake();
}
