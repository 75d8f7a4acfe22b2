package io.ledgerguard.json;

import io.ledgerguard.core.Command;

/**
 * A {@code BATCH} line with more than {@link Command#BATCH_COMMANDS_MAX} inner commands. A {@link Command} cannot
 * hold it, so the guard never sees it: the replay answers it, unsequenced, with the engine's own reason
 * {@code BATCH_TOO_LARGE} and the batch's txId.
 */
public final class BatchTooLargeException extends MalformedCommandException
{
    private static final long serialVersionUID = 1L;

    private final long txId;
    private final int count;

    /**
     * @param txId  the batch's transaction id.
     * @param count how many inner commands it has.
     */
    public BatchTooLargeException(final long txId, final int count)
    {
        super("field 'commands': too many inner commands: count=" + count + ", max=" + Command.BATCH_COMMANDS_MAX);
        this.txId = txId;
        this.count = count;
    }

    /**
     * @return the batch's transaction id.
     */
    public long txId()
    {
        return txId;
    }

    /**
     * @return how many inner commands the batch has.
     */
    public int count()
    {
        return count;
    }
}
