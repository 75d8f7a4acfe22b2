package io.ledgerguard.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

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
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
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
 * Runs on the clustered service container's thread; {@link #applied()} and {@link #stateHashHex()} may be read from
 * any thread, the hash only while no command is applied (a test's quiet moment).
 */
public final class GuardClusteredService implements ClusteredService
{
    /** Offers of one answer to a leader's session that pushes back, before the answer is dropped. */
    private static final int ANSWER_ATTEMPTS = 10_000;

    private final GuardEngine engine;
    private final Path scratch;
    private final CommandMessages commands = new CommandMessages();
    private final DecisionMessages decisions = new DecisionMessages();
    private final Command command = new Command();
    private final Decision decision = new Decision();
    private final ExpandableArrayBuffer egress = new ExpandableArrayBuffer(4096);
    private Cluster cluster;
    private long seq;
    private volatile long applied;
    private volatile long malformed;
    private volatile long answersDropped;
    private volatile Cluster.Role role = Cluster.Role.FOLLOWER;
    private volatile long snapshotsTaken;
    private volatile long snapshotsLoaded;

    /**
     * @param config  the rules every node runs with: the same on every node.
     * @param scratch a directory of this node's for the snapshot files it writes and reads back.
     */
    public GuardClusteredService(final GuardConfig config, final Path scratch)
    {
        this.engine = new GuardEngine(config);
        this.scratch = scratch;
    }

    @Override
    public void onStart(final Cluster cluster, final Image snapshotImage)
    {
        this.cluster = cluster;
        if (snapshotImage != null)
        {
            loadSnapshot(snapshotImage);
        }
    }

    @Override
    public void onSessionOpen(final ClientSession session, final long timestamp)
    {
    }

    @Override
    public void onSessionClose(final ClientSession session, final long timestamp, final CloseReason closeReason)
    {
    }

    @Override
    public void onSessionMessage(final ClientSession session, final long timestamp, final DirectBuffer buffer,
        final int offset, final int length, final Header header)
    {
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
        command.seq = ++seq;
        command.timestampNs = cluster.timeUnit().toNanos(timestamp);
        engine.apply(command, decision);
        applied = seq;
        answer(session, correlationId);
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
        try
        {
            Files.createDirectories(scratch);
            final Path file = new SnapshotStore(scratch).write(engine, seq, engine.stateHash().hex());
            final byte[] bytes = Files.readAllBytes(file);
            Files.delete(file);
            // Chunks of one frame each, so that reading them back needs no reassembly.
            final int chunkLength = snapshotPublication.maxPayloadLength();
            final UnsafeBuffer chunk = new UnsafeBuffer(new byte[chunkLength]);
            chunk.putLong(0, seq);
            chunk.putLong(Long.BYTES, bytes.length);
            offer(snapshotPublication, chunk, 2 * Long.BYTES);
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
            SnapshotStore.load(file, engine);
            Files.delete(file);
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot read the guard's snapshot back under " + scratch, ex);
        }
        seq = reader.seq;
        applied = seq;
        snapshotsLoaded++;
    }

    @Override
    public void onRoleChange(final Cluster.Role newRole)
    {
        role = newRole;
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
     * @return messages refused before the guard, undecodable.
     */
    public long malformed()
    {
        return malformed;
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

        @Override
        public void onFragment(final DirectBuffer buffer, final int offset, final int length, final Header header)
        {
            if (bytes == null)
            {
                seq = buffer.getLong(offset);
                total = buffer.getLong(offset + Long.BYTES);
                bytes = new byte[Math.toIntExact(total)];
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
