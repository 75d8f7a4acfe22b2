package io.ledgerguard.core.engine;

import java.nio.charset.StandardCharsets;
import java.util.List;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.Rules;
import io.ledgerguard.core.RulesInForce;

/**
 * The rules in force (SPEC §13): the genesis the engine was built with, then every {@code CONFIGURE} command the
 * guard accepted. A change is checked whole before anything is written ({@link Rules#change}, then the state: a wallet
 * is retired only once it holds nothing), then installed in the rooms that read rules (assets' limits, wallets'
 * tolerances and retirements, approvals), so that it is applied completely or not at all.
 * <p>
 * Unlike every other command, a change allocates: it builds the new rules. It is rare, approved by several people and
 * not on the path of trades, and the allocation is what makes it whole; the rooms it installs into keep their arrays.
 * <p>
 * Part of the state: the snapshot and the state hash hold the rules once a change was accepted, as the
 * {@link #record() record} {@code changeSeq | approversSeq | changes | textLength | text}, in 8-byte words. Before the
 * first change the rules are the journal's genesis, which the journal's own chain seals.
 */
public final class Configuration
{
    /** Words before the text in the record. */
    public static final int RECORD_HEADER_WORDS = 4;

    private final EngineParts parts;
    private final GuardConfig genesis;
    /**
     * The rules in force and their sequences, published whole, so that a reader on another thread sees the rules and
     * their sequences of one moment. Read on the guard thread only by rule changes and snapshots, never by the apply
     * path of other commands.
     */
    private volatile RulesInForce inForce;
    private UnsafeBuffer record;

    Configuration(final EngineParts parts, final GuardConfig genesis)
    {
        this.parts = parts;
        this.genesis = genesis;
        record = record(genesis, 0, 0, 0);
        inForce = new RulesInForce(genesis, 0, 0, 0);
    }

    /**
     * @return the rules this engine was built with: a journal's genesis, before any change.
     */
    public GuardConfig genesis()
    {
        return genesis;
    }

    /**
     * @return the rules in force.
     */
    public GuardConfig rules()
    {
        return inForce.rules;
    }

    /**
     * @return the rules in force with the sequences that go with them; readable from any thread.
     */
    public RulesInForce inForce()
    {
        return inForce;
    }

    /**
     * @return the sequence of the last change accepted; 0 when the rules are the genesis.
     */
    public long changeSeq()
    {
        return inForce.changeSeq;
    }

    /**
     * @return how many changes were accepted: the version of the rules in force, 0 for the genesis.
     */
    public long changes()
    {
        return inForce.changes;
    }

    /**
     * @return the sequence of the change that set the approvers in force; 0 for the genesis.
     */
    public long approversSeq()
    {
        return inForce.approversSeq;
    }

    /**
     * Apply a {@code CONFIGURE} command whose approvals were accepted.
     *
     * @param command the command, with its settings.
     * @return {@link Reason#OK}, or why the change was refused (nothing was changed then).
     */
    public Reason configure(final Command command)
    {
        if (command.settingsLength() == 0)
        {
            return Reason.CONFIGURATION_INVALID;
        }
        final RulesInForce now = inForce;
        final GuardConfig next;
        try
        {
            next = Rules.change(now.rules, Rules.parse(command.settingsBuffer(), command.settingsLength()));
        }
        catch (final ConfigurationException ex)
        {
            return Reason.CONFIGURATION_INVALID;
        }
        final Reason refused = refusal(now.rules, next);
        if (refused != Reason.OK)
        {
            return refused;
        }
        final int assetsBefore = parts.assets.count();
        final int walletsBefore = parts.wallets.count();
        final boolean approversChanged = !Rules.sameApprovers(now.rules, next);
        install(next, command.seq, approversChanged ? command.seq : now.approversSeq, now.changes + 1);
        for (int a = assetsBefore; a < parts.assets.count(); a++)
        {
            parts.assets.clear(a);
            parts.windows.clearAsset(a);
        }
        for (int w = walletsBefore; w < parts.wallets.count(); w++)
        {
            parts.wallets.clear(w, parts.context.nowMs());
            parts.windows.clearWallet(w);
        }
        final List<GuardConfig.WalletConfig> before = now.rules.wallets();
        final List<GuardConfig.WalletConfig> after = next.wallets();
        for (int w = 0; w < after.size(); w++)
        {
            if (w >= walletsBefore || (after.get(w).retired && !before.get(w).retired))
            {
                // A retired wallet's attestation no longer keeps its asset fresh or stale, an added one's does (I5).
                parts.custody.recomputeAttestedOldest(parts.wallets.assetIndex(w));
            }
        }
        for (int a = assetsBefore; a < parts.assets.count(); a++)
        {
            // An asset listed without wallets is never stale, like one configured so.
            parts.custody.recomputeAttestedOldest(a);
        }
        return Reason.OK;
    }

    /**
     * What the state forbids of a valid change: retiring a wallet that holds funds or has withdrawals pending, or an
     * asset that still has obligations or holds.
     */
    private Reason refusal(final GuardConfig now, final GuardConfig next)
    {
        final List<GuardConfig.WalletConfig> before = now.wallets();
        for (int w = 0; w < before.size(); w++)
        {
            if (next.wallets().get(w).retired && !before.get(w).retired &&
                (parts.wallets.get(w, WalletDescriptor.EXPECTED) != 0 ||
                parts.wallets.get(w, WalletDescriptor.PENDING) != 0))
            {
                return Reason.WALLET_NOT_EMPTY;
            }
        }
        final List<GuardConfig.AssetConfig> assets = now.assets();
        for (int a = 0; a < assets.size(); a++)
        {
            if (next.assets().get(a).retired && !assets.get(a).retired &&
                (parts.assets.get(a, AssetDescriptor.OBLIGATIONS) != 0 ||
                parts.assets.get(a, AssetDescriptor.HELD) != 0 ||
                parts.assets.get(a, AssetDescriptor.HOLDINGS) != 0))
            {
                return Reason.ASSET_NOT_EMPTY;
            }
        }
        return Reason.OK;
    }

    private void install(final GuardConfig next, final long seq, final long approversSeq, final long changes)
    {
        parts.assets.rules(next);
        parts.wallets.rules(next);
        parts.approvals.update(next, approversSeq);
        record = record(next, seq, approversSeq, changes);
        inForce = new RulesInForce(next, seq, approversSeq, changes);
    }

    /**
     * @return the rules in force as a record of 8-byte words, for the snapshot and the state hash.
     */
    public UnsafeBuffer record()
    {
        return record;
    }

    /**
     * Take the rules in force of another engine of the same genesis, without reading them again: copying the state
     * for a snapshot. Allocates only when they differ from this engine's.
     *
     * @param from the other engine's configuration.
     */
    public void copyFrom(final Configuration from)
    {
        final RulesInForce theirs = from.inForce;
        final RulesInForce ours = inForce;
        if (theirs.rules != ours.rules || theirs.changes != ours.changes || theirs.changeSeq != ours.changeSeq ||
            theirs.approversSeq != ours.approversSeq)
        {
            install(theirs.rules, theirs.changeSeq, theirs.approversSeq, theirs.changes);
        }
    }

    /**
     * Take the rules a snapshot or another engine holds: restoring, or copying the state for a snapshot.
     *
     * @param from a record as {@link #record()} gives it.
     */
    public void restore(final UnsafeBuffer from)
    {
        final long seq = from.getLong(0);
        final long approvers = from.getLong(8);
        final long count = from.getLong(16);
        final int length = (int)from.getLong(24);
        final RulesInForce now = inForce;
        if (count == now.changes && seq == now.changeSeq && approvers == now.approversSeq &&
            from.capacity() == record.capacity() && from.compareTo(record) == 0)
        {
            return;
        }
        if (count == 0)
        {
            // No change was accepted: the rules are this engine's genesis, whatever text the record holds (a
            // journal begun before rules were journaled is decided under the file it is read with, as ever).
            if (now.rules != genesis || now.changes != 0)
            {
                install(genesis, 0, 0, 0);
            }
            return;
        }
        if (length < 0 || RECORD_HEADER_WORDS * 8L + length > from.capacity())
        {
            throw new IllegalStateException("a rules record of " + from.capacity() + " bytes cannot hold " + length +
                " bytes of text");
        }
        final byte[] text = new byte[length];
        from.getBytes(RECORD_HEADER_WORDS * 8, text);
        final GuardConfig next;
        try
        {
            next = Rules.build(Rules.parse(new String(text, StandardCharsets.UTF_8)), now.rules.limits());
        }
        catch (final ConfigurationException ex)
        {
            throw new IllegalStateException("a rules record that is not valid rules: " + ex.getMessage(), ex);
        }
        requireGenesisFirst(next);
        install(next, seq, approvers, count);
    }

    /**
     * A change only appends assets and wallets: rules that do not begin with this engine's genesis's would
     * mis-address the state.
     */
    private void requireGenesisFirst(final GuardConfig next)
    {
        final List<GuardConfig.AssetConfig> assets = genesis.assets();
        final List<GuardConfig.WalletConfig> wallets = genesis.wallets();
        boolean same = next.assets().size() >= assets.size() && next.wallets().size() >= wallets.size();
        for (int i = 0; same && i < assets.size(); i++)
        {
            same = next.assets().get(i).id == assets.get(i).id && next.assets().get(i).code.equals(assets.get(i).code);
        }
        for (int i = 0; same && i < wallets.size(); i++)
        {
            same = next.wallets().get(i).id == wallets.get(i).id &&
                next.wallets().get(i).asset.equals(wallets.get(i).asset);
        }
        if (!same)
        {
            throw new IllegalStateException("a rules record of other assets or wallets than this engine's genesis: " +
                "assets " + Rules.settings(next).get("assets") + ", wallets " + Rules.settings(next).get("wallets"));
        }
    }

    private static UnsafeBuffer record(final GuardConfig config, final long seq, final long approvers,
        final long changes)
    {
        final byte[] text = Rules.text(config).getBytes(StandardCharsets.UTF_8);
        final int words = RECORD_HEADER_WORDS + (text.length + 7) / 8;
        // On the heap: a few kilobytes, outside the off-heap tables the memory budget counts.
        final UnsafeBuffer buffer = new UnsafeBuffer(new byte[words * 8]);
        buffer.putLong(0, seq);
        buffer.putLong(8, approvers);
        buffer.putLong(16, changes);
        buffer.putLong(24, text.length);
        buffer.putBytes(RECORD_HEADER_WORDS * 8, text);
        return buffer;
    }
}
