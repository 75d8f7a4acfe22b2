package io.ledgerguard.core.approval;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import io.ledgerguard.core.ApprovalClass;
import io.ledgerguard.core.ApprovalFault;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.RulesInForce;
import io.ledgerguard.core.GuardConfig.ApprovalRule;
import io.ledgerguard.core.GuardConfig.KeyConfig;

/**
 * Counts the valid approvals of a privileged command before it is sequenced (SPEC §6): distinct approvers of the
 * command's class whose Ed25519 signature verifies over its {@link SigningPayload canonical bytes}. The count and the
 * first fault found go into the command ({@link Command#approvalsVerified}, {@link Command#approvalFault}); the guard
 * then compares the count with what the class requires and checks the expiry against the sequenced time, so that the
 * decision is deterministic and replayable without the keys.
 * <p>
 * Every adapter that takes commands from outside the process runs each command through {@link #verify(Command)}
 * before submitting it: it overwrites whatever the two fields held, so a command cannot vouch for itself. Code linked
 * into the process is trusted as the process is.
 * <p>
 * Thread-safe: it holds only the keys. Verifying costs tens of microseconds a signature, on the caller's thread.
 */
public final class ApprovalVerifier
{
    private static final String ALGORITHM = "Ed25519";

    /** The rules in force that name the approvers, as they change; {@code null} for fixed rules. */
    private final Supplier<RulesInForce> inForce;
    private volatile Approvers approvers;

    /**
     * Verify against fixed rules: for tools that sign or check offline, and tests.
     *
     * @param config a concluded configuration, naming the keys and the approvers of each class.
     */
    public ApprovalVerifier(final GuardConfig config)
    {
        inForce = null;
        approvers = new Approvers(config.conclude(), 0, null);
    }

    /**
     * Verify against the rules in force in an engine, as they change (SPEC §13): each command is counted against the
     * approvers of one moment and stamped with the sequence of the change that set them
     * ({@link Command#approversSeq}), which the guard compares with the approvers in force at the command's own
     * sequence.
     *
     * @param inForce the guard's rules in force, readable from the verifying threads
     *                ({@link GuardEngine#rulesInForce}, {@code LedgerGuard.rulesInForce}).
     */
    public ApprovalVerifier(final Supplier<RulesInForce> inForce)
    {
        this.inForce = inForce;
        final RulesInForce now = inForce.get();
        approvers = new Approvers(now.rules, now.approversSeq, now);
    }

    private Approvers approvers()
    {
        final Approvers known = approvers;
        if (inForce == null)
        {
            return known;
        }
        final RulesInForce now = inForce.get();
        if (known.inForce == now)
        {
            return known;
        }
        final Approvers fresh = new Approvers(now.rules, now.approversSeq, now);
        approvers = fresh;
        return fresh;
    }

    /**
     * Count the command's valid approvals. Commands that are not privileged, or whose class is open, are left with
     * a count of zero, which the guard does not look at.
     *
     * @param command a top-level command, before sequencing.
     */
    public void verify(final Command command)
    {
        verifyAs(command, ApprovalClass.of(command.type));
    }

    /**
     * Count the command's valid approvals by the approvers of a given class: for a channel that asks approvals of
     * commands the guard takes unsigned (a {@code FREEZE} or {@code HALT} over HTTP, approved by the {@code LIFT}
     * approvers).
     *
     * @param command       a top-level command, before sequencing.
     * @param approvalClass whose approvers count; {@code null} counts none.
     */
    public void verifyAs(final Command command, final ApprovalClass approvalClass)
    {
        command.approvalsVerified = 0;
        command.approvalFault = 0;
        if (!command.canHoldBatch())
        {
            return;
        }
        final Approvers approvers = approvers();
        final GuardConfig config = approvers.config;
        command.approversSeq = 0;
        if (approvalClass == null || config.approvalsRequired(approvalClass) == 0)
        {
            return;
        }
        // Stamped on what needs approvals only: every other command is journaled as before (CommandCodec version 4).
        command.approversSeq = approvers.approversSeq;
        final int count = command.approvalCount;
        if (count <= 0 || count > Command.APPROVALS_MAX)
        {
            command.approvalFault = count == 0 ? ApprovalFault.MISSING.code() : ApprovalFault.TOO_FEW.code();
            return;
        }
        final byte[] payload = SigningPayload.of(command, config);
        if (payload == null)
        {
            command.approvalFault = ApprovalFault.NOT_SIGNABLE.code();
            return;
        }
        final Set<String> classApprovers = approvers.byClass.get(approvalClass);
        final Map<String, PublicKey> keys = approvers.keys;
        final Set<String> counted = new HashSet<>();
        ApprovalFault fault = ApprovalFault.NONE;
        for (int i = 0; i < count; i++)
        {
            final String keyId = command.approvalKeyId(i);
            final PublicKey key = keys.get(keyId);
            final ApprovalFault found;
            if (key == null)
            {
                found = ApprovalFault.UNKNOWN_KEY;
            }
            else if (!classApprovers.contains(keyId))
            {
                found = ApprovalFault.KEY_NOT_IN_CLASS;
            }
            else if (counted.contains(keyId))
            {
                found = ApprovalFault.DUPLICATE_APPROVER;
            }
            else if (!verifies(key, payload, command.approvalSignature(i)))
            {
                found = ApprovalFault.BAD_SIGNATURE;
            }
            else
            {
                counted.add(keyId);
                found = ApprovalFault.NONE;
            }
            if (fault == ApprovalFault.NONE)
            {
                fault = found;
            }
        }
        command.approvalsVerified = counted.size();
        command.approvalFault = fault.code();
    }

    /**
     * Sign a command's canonical bytes.
     *
     * @param command    a top-level privileged command, its expiry set.
     * @param config     the configuration, for asset codes.
     * @param privateKey the approver's Ed25519 private key.
     * @return the 64-byte signature.
     * @throws IllegalArgumentException when the command has no canonical form.
     */
    public static byte[] sign(final Command command, final GuardConfig config, final PrivateKey privateKey)
    {
        final byte[] payload = SigningPayload.of(command, config);
        if (payload == null)
        {
            throw new IllegalArgumentException(ApprovalClass.of(command.type) == null ?
                command.type + " is not a privileged command: it takes no approvals" :
                "the command cannot be signed: its asset is unknown, or its memo or chain reference holds a control " +
                    "character or bytes that are not UTF-8");
        }
        try
        {
            final Signature signature = Signature.getInstance(ALGORITHM);
            signature.initSign(privateKey);
            signature.update(payload);
            return signature.sign();
        }
        catch (final GeneralSecurityException ex)
        {
            throw new IllegalArgumentException("cannot sign with this key: " + ex.getMessage(), ex);
        }
    }

    private static boolean verifies(final PublicKey key, final byte[] payload, final byte[] signatureBytes)
    {
        try
        {
            final Signature signature = Signature.getInstance(ALGORITHM);
            signature.initVerify(key);
            signature.update(payload);
            return signature.verify(signatureBytes);
        }
        catch (final GeneralSecurityException ex)
        {
            // A malformed signature is a bad signature, not an error of the verifier.
            return false;
        }
    }

    @Override
    public String toString()
    {
        return "ApprovalVerifier{keys=" + Arrays.toString(approvers.keys.keySet().toArray()) + "}";
    }

    /**
     * The keys and approvers of one set of rules, prepared for lookups.
     */
    private static final class Approvers
    {
        final GuardConfig config;
        final long approversSeq;
        final RulesInForce inForce;
        final Map<String, PublicKey> keys = new HashMap<>();
        final Map<ApprovalClass, Set<String>> byClass = new HashMap<>();

        Approvers(final GuardConfig config, final long approversSeq, final RulesInForce inForce)
        {
            this.config = config;
            this.approversSeq = approversSeq;
            this.inForce = inForce;
            for (final KeyConfig key : config.keys())
            {
                keys.put(key.id, key.publicKey);
            }
            for (final ApprovalClass approvalClass : ApprovalClass.values())
            {
                final ApprovalRule rule = config.approvalRule(approvalClass);
                if (rule != null)
                {
                    byClass.put(approvalClass, Set.copyOf(rule.keys));
                }
            }
        }
    }
}
