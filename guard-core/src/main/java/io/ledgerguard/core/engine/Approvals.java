package io.ledgerguard.core.engine;

import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.ApprovalFault;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;

/**
 * SPEC §6 on the guard thread: the verifier counted the valid signatures before sequencing; here the count meets the
 * requirement of the command's class, and the expiry meets the sequenced time. A privileged command is never part of
 * a batch. A refusal raises {@link io.ledgerguard.core.AlertType#UNAUTHORIZED} and changes nothing, not even the
 * record of the txId.
 */
public final class Approvals
{
    private final CommandContext context;
    private final Alerts alerts;
    /** Approvers required per {@link ApprovalClass} ordinal; 0 for an open class. */
    private final int[] required = new int[ApprovalClass.values().length];
    private long validityMsMax;
    /** The sequence of the rule change that set the approvers in force; 0 for the journal's genesis. */
    private long approversSeq;

    public Approvals(final GuardConfig config, final CommandContext context, final Alerts alerts)
    {
        this.context = context;
        this.alerts = alerts;
        update(config, 0);
        // Loaded here, not on the guard thread at the first unauthorised command.
        final ApprovalFault preloaded = ApprovalFault.fromCode(ApprovalFault.NONE.code());
        assert preloaded == ApprovalFault.NONE;
    }

    /**
     * Take the approval rules of a configuration: at construction, and when a rule change is installed.
     *
     * @param config       the rules in force from now on.
     * @param approversSeq the sequence of the change that set its approvers (0: the genesis).
     */
    void update(final GuardConfig config, final long approversSeq)
    {
        for (final ApprovalClass approvalClass : ApprovalClass.values())
        {
            required[approvalClass.ordinal()] = config.approvalsRequired(approvalClass);
        }
        validityMsMax = config.approvalValidityMsMax();
        this.approversSeq = approversSeq;
    }

    /**
     * @return the sequence of the rule change that set the approvers in force; 0 for the genesis.
     */
    public long approversSeq()
    {
        return approversSeq;
    }

    /**
     * @return true when the command may be applied; false when it was refused (and alerted).
     */
    public boolean authorized(final Command command, final Decision decision)
    {
        if (command.type == CommandType.BATCH)
        {
            return batchAuthorized(command, decision);
        }
        final ApprovalClass approvalClass = ApprovalClass.of(command.type);
        final int needed = approvalClass == null ? 0 : required[approvalClass.ordinal()];
        if (needed == 0)
        {
            if (approvalClass != ApprovalClass.CONFIGURE)
            {
                return true;
            }
            // SPEC §13: the rules never change without approvers.
            alerts.unauthorized(command, ApprovalFault.NO_APPROVERS, 0);
            return false;
        }
        final ApprovalFault fault;
        final long expiresAtMs = command.expiresAtMs;
        final long nowMs = context.nowMs();
        if (expiresAtMs == 0)
        {
            fault = ApprovalFault.EXPIRY_MISSING;
        }
        else if (nowMs > expiresAtMs)
        {
            fault = ApprovalFault.EXPIRED;
        }
        else if (expiresAtMs - nowMs > validityMsMax)
        {
            fault = ApprovalFault.EXPIRY_TOO_FAR;
        }
        else if (command.approvalsVerified >= needed && command.approversSeq == approversSeq)
        {
            return true;
        }
        else if (command.approvalsVerified >= needed)
        {
            // Counted against approvers replaced since (SPEC §13): a rotated-out key approves nothing after the change.
            fault = ApprovalFault.APPROVERS_CHANGED;
        }
        else if (command.approvalFault != 0 && ApprovalFault.fromCode(command.approvalFault) != null)
        {
            fault = ApprovalFault.fromCode(command.approvalFault);
        }
        else
        {
            fault = command.approvalCount == 0 ? ApprovalFault.MISSING : ApprovalFault.TOO_FEW;
        }
        alerts.unauthorized(command, fault, needed);
        return false;
    }

    private boolean batchAuthorized(final Command command, final Decision decision)
    {
        for (int i = 0, n = command.batchCount; i < n; i++)
        {
            final Command inner = command.inner(i);
            final ApprovalClass innerClass = ApprovalClass.of(inner.type);
            if (innerClass != null && (required[innerClass.ordinal()] > 0 || innerClass == ApprovalClass.CONFIGURE))
            {
                decision.linkedCount = n;
                for (int j = 0; j < n; j++)
                {
                    decision.linkedTxIds[j] = command.inner(j).txId;
                    decision.linkedReasons[j] = j == i ? Reason.UNAUTHORIZED : Reason.LINKED_COMMAND_FAILED;
                }
                alerts.unauthorized(inner, ApprovalFault.PRIVILEGED_IN_BATCH, required[innerClass.ordinal()]);
                return false;
            }
        }
        return true;
    }
}
