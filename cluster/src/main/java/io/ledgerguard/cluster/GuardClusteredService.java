package io.ledgerguard.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;

import io.aeron.ExclusivePublication;
import io.aeron.Image;
import io.aeron.Publication;
import io.aeron.cluster.codecs.CloseReason;
import io.aeron.cluster.service.ClientSession;
import io.aeron.cluster.service.Cluster;
import io.aeron.cluster.service.ClusteredService;
import io.aeron.logbuffer.Header;
import org.agrona.DirectBuffer;
import org.agrona.ExpandableArrayBuffer;
import org.agrona.concurrent.AgentTerminationException;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.approval.ApprovalVerifier;
import io.ledgerguard.core.pipeline.AlertListener;
import io.ledgerguard.journal.ChronicleJournal;
import io.ledgerguard.journal.ChronicleJournalContext;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalDurability;
import io.ledgerguard.journal.SnapshotStore;
import io.ledgerguard.protocol.CommandMessages;
import io.ledgerguard.protocol.DecisionMessages;
import io.ledgerguard.protocol.ProtocolException;

/**
 * The guard as an Aeron Cluster clustered service (issue 16, SPEC §10): every node applies the cluster's log, each
 * ingress message one command in the sidecar protocol's encoding, with the cluster's timestamp as the command's time
 * and the log's order as its sequence, and answers the client's session with the decision in the protocol's
 * encoding (only the leader's answer leaves the node). Nothing is read from a clock, a random source or a hash map's
 * order: the same log makes the same state on every node. A snapshot is the journal's snapshot file, streamed into
 * the cluster's snapshot publication; a node starting from one reads it back in {@link #onStart}.
 * <p>
 * Evidence on every node: each keeps the hash-chained journal of what it applied, in the format of a single guard's
 * journal (its header, genesis and command entries; no checkpoints, whose queue indexes differ from node to node), so
 * that every {@code audit} tool reads any node's. A node that starts again replays the cluster's log from its last
 * snapshot; what its journal already holds is not written twice. Every {@code checkEvery} commands the nodes compare
 * their chain heads and snapshot state hashes with the leader's through the log. Alerts are raised on every node and
 * handed to the listener by the leader only; a node's divergence by that node.
 * <p>
 * Runs on the clustered service container's thread; {@link #applied()}, {@link #status()} and
 * {@link #stateHashHex()} may be read from any thread, the last only while no command is applied (a test's quiet
 * moment). {@link #status()} is what the service published when it was last quiet: the state hash and chain head at
 * one sequence, which every node reaches.
 */
public final class GuardClusteredService implements ClusteredService
{
    /** Offers of one answer to a leader's session that pushes back, before the answer is dropped. */
    private static final int ANSWER_ATTEMPTS = 10_000;

    /** A node publishes its status once nothing was applied for this long: the moment every node is at one seq. */
    private static final long QUIET_NS = 20_000_000L;
    private static final HexFormat HEX = HexFormat.of();
    /** Commands between two evidence checks, unless the node is told otherwise. */
    public static final int CHECK_EVERY_DEFAULT = 1024;
    /** An evidence check in the log: "LGCK", then seq, chain head, snapshot seq, state hash, the leader's id. */
    private static final int CHECK_MAGIC = 0x4C47434B;
    private static final int CHECK_SEQ_OFFSET = Integer.BYTES;
    private static final int CHECK_HEAD_OFFSET = CHECK_SEQ_OFFSET + Long.BYTES;
    private static final int CHECK_SNAPSHOT_SEQ_OFFSET = CHECK_HEAD_OFFSET + 32;
    private static final int CHECK_SNAPSHOT_HASH_OFFSET = CHECK_SNAPSHOT_SEQ_OFFSET + Long.BYTES;
    private static final int CHECK_LEADER_OFFSET = CHECK_SNAPSHOT_HASH_OFFSET + 32;
    private static final int CHECK_LENGTH = CHECK_LEADER_OFFSET + Integer.BYTES;
    private static final int CHAIN_HEAD_LENGTH = 32;
    /** A snapshot's first chunk: its seq and length, then (since nodes are seeded) the chain value at its seq. */
    private static final int SNAPSHOT_HEADER_WITH_CHAIN = 2 * Long.BYTES + CHAIN_HEAD_LENGTH;
    private static final System.Logger LOG = System.getLogger(GuardClusteredService.class.getName());

    private final GuardEngine engine;
    private final Path scratch;
    private final ChronicleJournal journal;
    private final SnapshotStore store;
    private final AlertListener alerts;
    private final byte[] chainHead = new byte[32];
    private final int checkEvery;
    private final UnsafeBuffer check = new UnsafeBuffer(new byte[CHECK_LENGTH]);
    /** This node's chain head at the last sequence it checks at; the leader's check for it follows in the log. */
    private long checkedSeq = -1;
    private final byte[] checkedHead = new byte[32];
    private final byte[] received = new byte[32];
    /** This node's state hash at its last snapshot, taken at the same log position on every node. */
    private long snapshotSeq = -1;
    /** The snapshot loaded on start, kept until the journal is anchored on it: a node seeded from the cluster's. */
    private SnapshotReader loadedSnapshot;
    /** The mark {@link ClusterSeed} left in this node's directory; {@code null} when none. */
    private Path seedMark;
    private final byte[] snapshotHash = new byte[32];
    private final Alert divergence = new Alert();
    /** Counts a privileged command's approvals against the rules in force at its place in the log, on every node. */
    private final ApprovalVerifier verifier;
    /** The journal's last sequence when the node started: the log's commands up to it are already in it. */
    private long journaledBefore;
    private final CommandMessages commands = new CommandMessages();
    private final DecisionMessages decisions = new DecisionMessages();
    private final Command command = new Command();
    private final Decision decision = new Decision();
    private final ExpandableArrayBuffer egress = new ExpandableArrayBuffer(4096);
    private Cluster cluster;
    private long seq;
    private volatile long applied;
    private volatile long malformed;
    private volatile long refusedByRole;
    /** Sessions the leader owes the rules in force: their egress pushed back when it told them. */
    private final org.agrona.collections.LongHashSet rulesOwed = new org.agrona.collections.LongHashSet();
    private final io.ledgerguard.protocol.RulesMessages rulesMessages = new io.ledgerguard.protocol.RulesMessages();
    private final ExpandableArrayBuffer rulesOut = new ExpandableArrayBuffer(4096);
    private final java.util.function.Consumer<ClientSession> tellRules = this::tellRules;
    /** The rules' version the sessions were last told: a change is told to every session. */
    private long rulesChanges = -1;
    private long rulesUntold;
    /** Sessions the consensus module's authenticator refused on this node, as leader. */
    private java.util.function.LongSupplier sessionsRefused = () -> 0;
    /** Who may send what: the rules' clients and their roles' command types. */
    private final ClientRoles roles = new ClientRoles();
    private volatile long answersDropped;
    private volatile Cluster.Role role = Cluster.Role.FOLLOWER;
    private volatile long snapshotsTaken;
    private volatile long snapshotsLoaded;
    private volatile long leadershipTermId = -1;
    private volatile long divergences;
    private volatile Throwable failure;
    private Runnable onFailure = () -> { };
    private volatile Published published;
    private volatile int memberId = -1;
    private long lastSeenApplied = -1;
    private long lastChangeNs;

    /**
     * A node without an evidence journal: its state only (tests of the replication itself).
     *
     * @param config  the rules every node runs with: the same on every node.
     * @param scratch a directory of this node's for the snapshot files it writes and reads back.
     */
    public GuardClusteredService(final GuardConfig config, final Path scratch)
    {
        this(new GuardEngine(config), 0, scratch);
    }

    /**
     * A node without an evidence journal that starts from a state already built, the same on every node, as if each
     * had loaded one shared snapshot: a benchmark's funded book. The log's first command follows {@code seq}.
     *
     * @param engine  the state; this service applies to it from now on.
     * @param seq     the sequence of the last command applied to it.
     * @param scratch a directory of this node's for the snapshot files it writes and reads back.
     */
    public GuardClusteredService(final GuardEngine engine, final long seq, final Path scratch)
    {
        this.engine = engine;
        this.scratch = scratch;
        this.journal = null;
        this.store = new SnapshotStore(scratch);
        this.alerts = alert -> { };
        this.checkEvery = CHECK_EVERY_DEFAULT;
        this.verifier = new ApprovalVerifier(engine::rulesInForce);
        this.seq = seq;
        this.applied = seq;
    }

    /**
     * A node with its evidence journal, opened (and its chain verified) here, on the caller's thread.
     *
     * @param config     the rules every node runs with: the same on every node. A journal that exists is decided
     *                   under its own genesis (SPEC §13), as a single guard's is.
     * @param journalDir the node's journal directory.
     * @param durability how durable an entry is once appended.
     * @param scratch    a directory of this node's where a snapshot from the cluster is read back.
     * @param alerts     hears the alerts this node raises while it leads, and its own divergence from the leader;
     *                   called on the service's thread, so it must not block (an
     *                   {@link io.ledgerguard.core.pipeline.AlertDispatcher}).
     * @param checkEvery commands between two evidence checks: at each multiple of it the leader puts its chain head
     *                   (and its state hash at its last snapshot) in the log, and every node compares its own.
     */
    public GuardClusteredService(final GuardConfig config, final Path journalDir, final JournalDurability durability,
        final Path scratch, final AlertListener alerts, final int checkEvery)
    {
        if (checkEvery < 1)
        {
            throw new IllegalArgumentException("checkEvery must be >= 1, was " + checkEvery);
        }
        this.checkEvery = checkEvery;
        final Genesis genesis = Genesis.of(journalDir, config);
        this.engine = new GuardEngine(genesis.rules());
        this.scratch = scratch;
        this.journal = new ChronicleJournal(new ChronicleJournalContext().directory(journalDir)
            .durability(durability).genesisRules(genesis.toRecord()));
        this.store = new SnapshotStore(scratch);
        this.alerts = alerts;
        this.journaledBefore = journal.lastSeq();
        this.verifier = new ApprovalVerifier(engine::rulesInForce);
    }

    @Override
    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        try
        {
            start(cluster, snapshotImage);
        }
        catch (final RuntimeException ex)
        {
            // Thrown on the container's thread, where no one who started the node would hear of it: kept and told.
            throw stop(ex);
        }
    }

    private void start(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        if (snapshotImage != null)
        {
            loadSnapshot(snapshotImage);
        }
        rulesChanges = engine.rulesInForce().changes;
        if (journal != null)
        {
            journal.handOver();
            final long marked = seedMarkPosition();
            if (journaledBefore == 0 && seq > 0)
            {
                anchorOrRefuse(marked);
            }
            loadedSnapshot = null;
            if (journaledBefore < seq)
            {
                // The journal lost entries the cluster's snapshot has (a power loss under process durability): the
                // evidence would have a gap. Refused rather than written around.
                throw new IllegalStateException("the evidence journal " + journal.directory() + " ends at seq " +
                    journaledBefore + " but the cluster's snapshot is at seq " + seq + ": move the node's whole " +
                    "directory aside (its journal keeps the evidence up to " + journaledBefore + ") and start it " +
                    "again, to replay the cluster's log");
            }
            // Every check passed: the mark is spent (a start refused above keeps it, for the next try).
            removeSeedMark();
        }
        publishStatus();
    }

    /**
     * The journal is empty while the node starts from a snapshot. Seeded from the cluster's snapshot
     * ({@link ClusterSeed}), the journal begins its evidence there, on the chain value the snapshot carries, and keeps
     * the snapshot beside it for {@code audit verify} to replay from. Otherwise the journal is gone while the cluster
     * directory kept a snapshot: the evidence would start after it, chained from nothing, and the loss go unsaid; the
     * node refuses.
     */
    private void anchorOrRefuse(final long marked)
    {
        if (marked != cluster.logPosition())
        {
            throw new IllegalStateException("the evidence journal " + journal.directory() + " is empty but the " +
                "cluster's snapshot is at seq " + seq + (marked < 0 ? "" : " (log position " + cluster.logPosition() +
                ", where the seed's mark names " + marked + ")") + ": a node's journal and its cluster directory go " +
                "together; to rejoin, move the node's whole directory aside and start it again (it replays the " +
                "cluster's log), or seed the empty directory from the cluster's snapshot with cluster seed first");
        }
        if (loadedSnapshot.chainHead == null)
        {
            throw new IllegalStateException("the cluster's snapshot at seq " + seq + " carries no evidence chain " +
                "value (taken by an older build, or by a node whose journal was ahead of its log while it replayed), " +
                "so the journal " + journal.directory() + " cannot begin there: move the node's directory aside " +
                "and start it again without a seed (it replays the cluster's log), or seed it after the cluster " +
                "takes a new snapshot (cluster snapshot)");
        }
        final String stateHash = HEX.formatHex(snapshotHash);
        // On the device before the anchor that names it: audit verify replays from it.
        SnapshotStore.inJournal(Path.of(journal.directory())).keep(loadedSnapshot.bytes, seq);
        journal.anchor(seq, loadedSnapshot.chainHead, stateHash);
        journaledBefore = seq;
        LOG.log(System.Logger.Level.INFO, "node " + memberId + ": seeded from the cluster's snapshot at seq " + seq +
            "; its journal begins there, chained on " + HEX.formatHex(loadedSnapshot.chainHead));
        loadedSnapshot = null;
    }

    /**
     * @return the log position of the snapshot {@link ClusterSeed} marked this node's directory as seeded from, -1
     *     without a mark. Only a mark naming the snapshot the node starts from now lets an empty journal begin at an
     *     anchor (not one naming another: the node has snapshots of its own since).
     */
    private long seedMarkPosition()
    {
        if (seedMark == null || !Files.exists(seedMark))
        {
            return -1;
        }
        try
        {
            return ClusterSeed.markedPosition(Files.readString(seedMark));
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the seed's mark " + seedMark, ex);
        }
    }

    /** The seed's mark is used by the first start after the seed, and never again: removed at every start. */
    private void removeSeedMark()
    {
        if (seedMark == null)
        {
            return;
        }
        try
        {
            Files.deleteIfExists(seedMark);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot remove the seed's mark " + seedMark, ex);
        }
    }

    /**
     * @param mark where {@link ClusterSeed} marks a node directory it seeded from the cluster's snapshot: while it is
     *             there, an empty journal begins at that snapshot. Set before the node starts.
     */
    void seedMark(final Path mark)
    {
        this.seedMark = mark;
    }

    /**
     * The guard cannot start or go on on this node: kept, told to whoever runs the node (which closes it, so that
     * leadership moves), and the service's agent stopped.
     *
     * @return the exception that stops the service's agent, to throw.
     */
    private AgentTerminationException stop(final Throwable cause)
    {
        failure = cause;
        onFailure.run();
        return new AgentTerminationException(cause);
    }

    /**
     * @param refused sessions this node's authenticator refused, for its status: any thread.
     */
    void sessionsRefused(final java.util.function.LongSupplier refused)
    {
        this.sessionsRefused = refused;
    }

    /**
     * @param action run once, on the service's thread, when the guard cannot start or cannot go on (its journal and
     *               the cluster's snapshot disagree; a journal append failed).
     */
    void onFailure(final Runnable action)
    {
        this.onFailure = action;
    }

    /**
     * @return why the guard could not start or go on on this node; {@code null} while it runs.
     */
    Throwable failure()
    {
        return failure;
    }

    @Override
    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
    }

    @Override
    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
        rulesOwed.remove(session.id());
    }

    @Override
    public void onSessionMessage(final ClientSession session, final long timestamp, final DirectBuffer buffer,
        final int offset, final int length, final Header header)
    {
        if (session == null)
        {
            // From the service itself: the leader's evidence check.
            onCheck(buffer, offset, length, timestamp);
            return;
        }
        if (rulesMessages.isRules(buffer, offset, length))
        {
            // A client asks for the rules in force (a gateway, on connecting and after a new leader): the leader
            // tells it. Nothing is applied, on any node.
            tellRules(session);
            return;
        }
        if (!rulesOwed.isEmpty() && rulesOwed.contains(session.id()))
        {
            // Told before the answer, when an earlier telling was pushed back.
            tellRules(session);
        }
        final long correlationId;
        try
        {
            correlationId = commands.decode(buffer, offset, length, command);
        }
        catch (final ProtocolException ex)
        {
            // Nothing reached the guard: the client learns that its message was refused, on every node alike.
            malformed++;
            // Its correlation id may be what could not be read: answered under 0, which the client may not match.
            decision.reset(0, 0, cluster.timeUnit().toNanos(timestamp));
            decision.reason = Reason.MALFORMED_COMMAND;
            answer(session, 0);
            return;
        }
        // Who sent it (SPEC §12): the session's principal, which the leader admitted by its key when the rules name
        // clients. What its role does not allow is refused before the guard, on every node alike (the principal and
        // the rules are the log's), and is neither sequenced nor journaled.
        final byte[] principal = session.encodedPrincipal();
        if (roles.refuses(engine.rulesInForce().rules, principal, command))
        {
            refusedByRole++;
            decision.reset(0, command.txId, cluster.timeUnit().toNanos(timestamp));
            decision.reason = Reason.NOT_IN_ROLE;
            answer(session, correlationId);
            return;
        }
        command.clientId(principal, principal.length);
        // Commands come from outside the process: whatever approvals they carry are counted here (SPEC §6), against
        // the rules in force at this place in the log, the same on every node, so that the decision is replayable.
        verifier.verify(command);
        command.seq = ++seq;
        command.timestampNs = cluster.timeUnit().toNanos(timestamp);
        try
        {
            engine.apply(command, decision);
            if (journal != null && seq > journaledBefore)
            {
                journal.append(command, decision);
                journal.flush();
            }
        }
        catch (final RuntimeException | AssertionError ex)
        {
            // Aeron would skip the message and go on: this node's state and evidence would be behind the log while it
            // went on leading, answering nothing. It stops instead, so that leadership moves (a full disk, a journal
            // that failed); the process says why and exits.
            throw stop(ex);
        }
        if (engine.rulesInForce().changes != rulesChanges)
        {
            // A rule change: every session is told the new rules (a gateway follows them).
            rulesChanges = engine.rulesInForce().changes;
            cluster.forEachClientSession(tellRules);
        }
        applied = seq;
        if (seq % checkEvery == 0)
        {
            try
            {
                offerCheck();
            }
            catch (final RuntimeException ex)
            {
                // The consensus module is gone (Aeron throws for a closed channel): a skipped check would leave this
                // node's count of service messages out of step, so it stops as for any failure on this path.
                throw stop(ex);
            }
        }
        if (decision.alertCount > 0 && role == Cluster.Role.LEADER)
        {
            for (int i = 0; i < decision.alertCount; i++)
            {
                final Alert alert = decision.alert(i);
                alert.raisedBy(memberId, leadershipTermId);
                alerts.onAlert(alert);
            }
        }
        answer(session, correlationId);
    }

    /**
     * At a sequence every node reaches in the same place of the log, each notes its chain head and offers its check.
     * Every node offers, always, and until the offer is taken: Aeron numbers a service's messages by the offers each
     * node made, and a follower's copies are dropped by that number when the leader's reach the log, so one node that
     * skipped an offer would be out of step for good (its next snapshot unloadable). A node whose journal does not
     * stand at this sequence (a command the log replayed and the journal already held) offers an empty head, and
     * compares nothing when the leader's check arrives.
     */
    private void offerCheck()
    {
        if (journal != null && journal.chainHead(checkedHead) == seq)
        {
            checkedSeq = seq;
        }
        else
        {
            checkedSeq = -1;
            java.util.Arrays.fill(checkedHead, (byte)0);
        }
        check.putInt(0, CHECK_MAGIC);
        check.putLong(CHECK_SEQ_OFFSET, checkedSeq);
        check.putBytes(CHECK_HEAD_OFFSET, checkedHead);
        check.putLong(CHECK_SNAPSHOT_SEQ_OFFSET, snapshotSeq);
        check.putBytes(CHECK_SNAPSHOT_HASH_OFFSET, snapshotHash);
        check.putInt(CHECK_LEADER_OFFSET, memberId);
        while (cluster.offer(check, 0, CHECK_LENGTH) < 0)
        {
            cluster.idleStrategy().idle();
        }
    }

    private void onCheck(final DirectBuffer buffer, final int offset, final int length, final long timestamp)
    {
        if (length != CHECK_LENGTH || buffer.getInt(offset) != CHECK_MAGIC)
        {
            malformed++;
            return;
        }
        final long checkSeq = buffer.getLong(offset + CHECK_SEQ_OFFSET);
        final int leader = buffer.getInt(offset + CHECK_LEADER_OFFSET);
        buffer.getBytes(offset + CHECK_HEAD_OFFSET, received);
        if (checkSeq >= 0 && checkSeq == checkedSeq && !java.util.Arrays.equals(received, checkedHead))
        {
            diverged(1, checkSeq, leader, checkedHead, timestamp);
        }
        final long leaderSnapshotSeq = buffer.getLong(offset + CHECK_SNAPSHOT_SEQ_OFFSET);
        buffer.getBytes(offset + CHECK_SNAPSHOT_HASH_OFFSET, received);
        if (leaderSnapshotSeq >= 0 && leaderSnapshotSeq == snapshotSeq &&
            !java.util.Arrays.equals(received, snapshotHash))
        {
            diverged(2, leaderSnapshotSeq, leader, snapshotHash, timestamp);
        }
    }

    /**
     * This node's evidence differs from the leader's: counted at every check, said (to the log and as an alert) the
     * first time, since a chain that differed once differs from then on.
     */
    private void diverged(final int what, final long atSeq, final int leader, final byte[] own, final long timestamp)
    {
        if (divergences++ > 0)
        {
            return;
        }
        LOG.log(System.Logger.Level.ERROR, "node " + memberId + " DIVERGED from the leader, node " + leader +
            ", at seq " + atSeq + ": its " + (what == 1 ? "evidence chain head" : "state hash at its snapshot") +
            " is " + HEX.formatHex(own) + ", the leader's " + HEX.formatHex(received) + "; rebuild this node from " +
            "the others (docs/cluster.md)");
        divergence.set(atSeq, cluster.timeUnit().toNanos(timestamp), 0, AlertType.NODE_DIVERGED, AlertScope.ALL, 0,
            0, 0);
        divergence.figure(0, what);
        divergence.figure(1, memberId);
        divergence.figure(2, leader);
        divergence.raisedBy(memberId, leadershipTermId);
        alerts.onAlert(divergence);
    }

    /**
     * A follower's session, and every session during replay, is a stand-in that takes everything. The leader's may
     * push back for a moment (retried a bounded number of times) or be gone (a client that crashed): the answer is
     * then dropped and counted, never waited for, since one client must not stop the cluster; the client resubmits
     * with the same txId and is answered as before.
     */
    private void answer(final ClientSession session, final long correlationId)
    {
        final int length = decisions.encode(correlationId, decision, egress, 0);
        for (int attempt = 0; attempt < ANSWER_ATTEMPTS; attempt++)
        {
            final long result = session.offer(egress, 0, length);
            if (result > 0)
            {
                return;
            }
            if (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION)
            {
                break;
            }
            cluster.idleStrategy().idle();
        }
        answersDropped++;
    }

    @Override
    public void onTimerEvent(final long correlationId, final long timestamp)
    {
    }

    @Override
    public void onTakeSnapshot(final ExclusivePublication snapshotPublication)
    {
        if (journal != null)
        {
            try
            {
                // On the device before the snapshot exists: a power loss may cost this journal entries the log still
                // holds (the node writes them again), never entries before a snapshot it would start from.
                journal.force();
            }
            catch (final RuntimeException | Error ex)
            {
                throw stop(ex);
            }
        }
        try
        {
            final String stateHash = engine.stateHash().hex();
            snapshotSeq = seq;
            System.arraycopy(HEX.parseHex(stateHash), 0, snapshotHash, 0, snapshotHash.length);
            // No checkpoint in the node's journal: a checkpoint names its queue index, which depends on the day and the
            // moment the node wrote it, and would make the nodes' chain heads differ. The snapshot lives in the
            // cluster's archive; the journal holds the commands and decisions, which every node writes alike.
            final Path file = store.write(engine, seq, stateHash);
            final byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            publishStatus(stateHash);
            // Chunks of one frame each, so that reading them back needs no reassembly.
            final int chunkLength = snapshotPublication.maxPayloadLength();
            final UnsafeBuffer chunk = new UnsafeBuffer(new byte[chunkLength]);
            chunk.putLong(0, seq);
            chunk.putLong(Long.BYTES, bytes.length);
            // With this node's evidence chain value at seq, when its journal stands there: a node started from this
            // snapshot (seeded after a wiped disk) begins its journal on it, its chain values the others' after it.
            final boolean withChain = journal != null && journal.chainHead(chainHead) == seq;
            if (withChain)
            {
                chunk.putBytes(2 * Long.BYTES, chainHead);
            }
            offer(snapshotPublication, chunk, withChain ? SNAPSHOT_HEADER_WITH_CHAIN : 2 * Long.BYTES);
            for (int at = 0; at < bytes.length; at += chunkLength)
            {
                final int part = Math.min(chunkLength, bytes.length - at);
                chunk.putBytes(0, bytes, at, part);
                offer(snapshotPublication, chunk, part);
            }
            snapshotsTaken++;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot write the guard's snapshot under " + scratch, ex);
        }
    }

    /** As Aeron's own snapshot taker: pushed back, wait; the publication gone, fail the snapshot. */
    private void offer(final ExclusivePublication publication, final UnsafeBuffer buffer, final int length)
    {
        long result;
        while ((result = publication.offer(buffer, 0, length)) < 0)
        {
            if (result == Publication.CLOSED || result == Publication.NOT_CONNECTED ||
                result == Publication.MAX_POSITION_EXCEEDED)
            {
                throw new IllegalStateException("the snapshot publication refused a chunk: " +
                    Publication.errorString(result));
            }
            cluster.idleStrategy().idle();
        }
    }

    private void loadSnapshot(final Image image)
    {
        final SnapshotReader reader = new SnapshotReader();
        while (!reader.done())
        {
            if (image.poll(reader, 16) == 0)
            {
                if (image.isEndOfStream() || image.isClosed())
                {
                    throw new IllegalStateException("the guard's snapshot ended after " + reader.read + " of " +
                        reader.total + " bytes");
                }
                cluster.idleStrategy().idle();
            }
        }
        try
        {
            Files.createDirectories(scratch);
            final Path file = scratch.resolve(SnapshotStore.fileName(reader.seq));
            Files.write(file, reader.bytes);
            final SnapshotStore.Loaded loaded = SnapshotStore.load(file, engine);
            Files.delete(file);
            snapshotSeq = loaded.seq();
            System.arraycopy(HEX.parseHex(loaded.stateHashHex()), 0, snapshotHash, 0, snapshotHash.length);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the guard's snapshot back under " + scratch, ex);
        }
        seq = reader.seq;
        applied = seq;
        snapshotsLoaded++;
        loadedSnapshot = reader;
    }

    @Override
    public void onRoleChange(final Cluster.Role newRole)
    {
        role = newRole;
        rulesOwed.clear();
    }

    @Override
    public void onNewLeadershipTermEvent(final long leadershipTermId, final long logPosition, final long timestamp,
        final long termBaseLogPosition, final int leaderMemberId, final int logSessionId,
        final java.util.concurrent.TimeUnit timeUnit, final int appVersion)
    {
        this.leadershipTermId = leadershipTermId;
    }

    /**
     * Between log messages: once nothing was applied for {@link #QUIET_NS}, publish the state hash and chain head at
     * the last sequence. Every node stops at the same sequence when the log pauses, so their statuses compare; the
     * hash costs a pass over the state, paid only when the node is idle.
     */
    @Override
    public int doBackgroundWork(final long nowNs)
    {
        final long seen = applied;
        if (seen != lastSeenApplied)
        {
            lastSeenApplied = seen;
            lastChangeNs = nowNs;
            return 0;
        }
        final Published last = published;
        if ((last == null || last.seq != seen) && nowNs - lastChangeNs >= QUIET_NS)
        {
            publishStatus();
            return 1;
        }
        return 0;
    }

    /**
     * The leader tells a session the rules in force (Aeron lets a service send only while it handles the log, never
     * from its background work), offered again while the egress pushes back, as an answer is; a session it still
     * could not tell is told before its next answer, and a gateway that waits asks again. Followers tell nothing and
     * owe nothing: a gateway asks each new leader again.
     *
     * @return true when told, or when there is nothing to tell on this node.
     */
    private boolean tellRules(final ClientSession session)
    {
        if (role != Cluster.Role.LEADER)
        {
            return true;
        }
        final int length;
        try
        {
            length = rulesMessages.encode(engine.rulesInForce(), rulesOut, 0);
        }
        catch (final RuntimeException ex)
        {
            // Rules beyond what the message holds: the gateway keeps what it follows. Never thrown on the leader's
            // path alone, which would put it out of step with the followers.
            if (rulesUntold++ == 0)
            {
                LOG.log(System.Logger.Level.ERROR, "the rules in force cannot be told to the cluster's clients: " +
                    ex.getMessage());
            }
            return true;
        }
        for (int attempt = 0; attempt < ANSWER_ATTEMPTS; attempt++)
        {
            final long result = session.offer(rulesOut, 0, length);
            if (result > 0)
            {
                rulesOwed.remove(session.id());
                return true;
            }
            if (result != Publication.BACK_PRESSURED && result != Publication.ADMIN_ACTION)
            {
                break;
            }
            cluster.idleStrategy().idle();
        }
        rulesOwed.add(session.id());
        return false;
    }

    private void publishStatus()
    {
        publishStatus(engine.stateHash().hex());
    }

    private void publishStatus(final String stateHash)
    {
        String chain = null;
        if (journal != null)
        {
            final long chainSeq = journal.chainHead(chainHead);
            chain = chainSeq == seq ? HEX.formatHex(chainHead) : null;
        }
        published = new Published(seq, stateHash, chain);
    }

    /**
     * @return this node's status: its role, term and counters now, with the state hash and chain head it published
     *     when it was last quiet or took a snapshot; {@code null} before it started.
     */
    public NodeStatus status()
    {
        final Published last = published;
        if (last == null)
        {
            return null;
        }
        return new NodeStatus(memberId, role.name(), leadershipTermId, last.seq, last.stateHashHex, last.chainHeadHex,
            snapshotsTaken, snapshotsLoaded, answersDropped, malformed, refusedByRole, sessionsRefused.getAsLong(),
            divergences);
    }

    /** What the service thread published: one sequence's state hash and chain head, read together. */
    private record Published(long seq, String stateHashHex, String chainHeadHex)
    {
    }

    /**
     * @param memberId the member id of the node this service runs on, for its status (the cluster tells the service
     *                 only once the node joins the log).
     */
    void memberId(final int memberId)
    {
        this.memberId = memberId;
    }

    /**
     * @return how many times the node's journal was synced to the device for a snapshot; 0 without a journal.
     */
    long journalForces()
    {
        return journal == null ? 0 : journal.forces();
    }

    /**
     * @return the leadership term this node last heard of, -1 before any.
     */
    public long leadershipTermId()
    {
        return leadershipTermId;
    }

    /**
     * Close the evidence journal: after the service's thread stopped.
     */
    void closeJournal()
    {
        if (journal != null)
        {
            journal.close();
        }
    }

    /**
     * @return this node's role, as last told.
     */
    public Cluster.Role role()
    {
        return role;
    }

    @Override
    public void onTerminate(final Cluster cluster)
    {
    }

    /**
     * @return commands applied: the sequence of the last.
     */
    public long applied()
    {
        return applied;
    }

    /**
     * @return snapshots this node wrote since it started.
     */
    public long snapshotsTaken()
    {
        return snapshotsTaken;
    }

    /**
     * @return snapshots this node started from (0 or 1).
     */
    public long snapshotsLoaded()
    {
        return snapshotsLoaded;
    }

    /**
     * @return answers the leader could not give: the client's session was gone or pushed back too long.
     */
    public long answersDropped()
    {
        return answersDropped;
    }

    /**
     * @return commands refused before the guard because the role of the client whose session sent them does not allow
     *     them ({@link Reason#NOT_IN_ROLE}), or because the rules name clients and the session proved none.
     */
    public long refusedByRole()
    {
        return refusedByRole;
    }

    /**
     * @return messages refused before the guard, undecodable.
     */
    public long malformed()
    {
        return malformed;
    }

    /**
     * @return the guard this node runs: for a reader in the same process that reads only what may be read while it
     *     applies (its asset counters), or reads the rest while the log is quiet.
     */
    public GuardEngine engine()
    {
        return engine;
    }

    /**
     * @return the engine's state hash; consistent only while no command is being applied.
     */
    public String stateHashHex()
    {
        return engine.stateHash().hex();
    }

    /** Reassembles the snapshot's chunks: a header with the sequence and length, then the file's bytes. */
    private static final class SnapshotReader implements io.aeron.logbuffer.FragmentHandler
    {
        long seq = -1;
        long total = -1;
        int read;
        byte[] bytes;
        /** The evidence chain value at {@link #seq}; {@code null} in a snapshot taken without it. */
        byte[] chainHead;

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            if (bytes == null)
            {
                seq = buffer.getLong(offset);
                total = buffer.getLong(offset + Long.BYTES);
                bytes = new byte[Math.toIntExact(total)];
                if (length >= SNAPSHOT_HEADER_WITH_CHAIN)
                {
                    chainHead = new byte[CHAIN_HEAD_LENGTH];
                    buffer.getBytes(offset + 2 * Long.BYTES, chainHead);
                }
                return;
            }
            buffer.getBytes(offset, bytes, read, length);
            read += length;
        }

        boolean done()
        {
            return bytes != null && read == total;
        }
    }
}
