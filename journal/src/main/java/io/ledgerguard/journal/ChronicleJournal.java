package io.ledgerguard.journal;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.bytes.BytesStore;
import net.openhft.chronicle.bytes.MappedBytesStore;
import net.openhft.chronicle.bytes.SyncMode;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptAppender;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueueBuilder;
import net.openhft.chronicle.wire.DocumentContext;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;
import io.ledgerguard.core.pipeline.Journal;

import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_LENGTH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BYTE_ORDER;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHAIN_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.ENTRY_LENGTH_MAX;
import static io.ledgerguard.journal.JournalEntryDescriptor.FORMAT_VERSION;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_BODY_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_BODY_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_CHAIN_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_ENTRY_INDEX_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_QUEUE_INDEX_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_SNAPSHOT_DIGEST_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_STATE_HASH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_CODEC_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_DECISION_CODEC_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_CHECKPOINT;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_FORMAT_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_MAGIC_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_COMMAND;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_HEADER;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.MAGIC;
import static io.ledgerguard.journal.JournalEntryDescriptor.SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.TIMESTAMP_OFFSET;

/**
 * The journal stage's store in a Chronicle Queue (SPEC §8): each sequenced command is one excerpt laid out as
 * {@link JournalEntryDescriptor} says, sealed by the SHA-256 chain. Called on the journal thread only.
 * <p>
 * Opening a directory that already holds a journal reads it through once, verifying the header and the whole chain,
 * so that appending continues the chain where it ended; a directory holding anything else is refused with a
 * {@link JournalFormatException}, a broken chain with a {@link JournalCorruptException}. Appending allocates
 * nothing: the entry is built in a buffer allocated once, hashed with a digest allocated once, and copied into
 * the excerpt.
 * <p>
 * Durability ({@link JournalDurability}): in {@code process} mode the excerpt is in the memory-mapped file when
 * {@link #append(Command, Decision)} returns and {@link #flush()} does nothing (Chronicle's default sync mode applies
 * when a mapping is released); in {@code os} mode the queue's mapped files use
 * {@link SyncMode#SYNC} and {@link #flush()} calls {@link ExcerptAppender#sync()}, which {@code msync}s with
 * {@code MS_SYNC} the pages of the appender's current mapping written since its last sync; the journal also syncs a
 * previous mapping to its end when entries move to the next chunk, and the directory when a new queue file appears.
 */
public final class ChronicleJournal implements Journal
{
    private final String directory;
    private final JournalDurability durability;
    private final SingleChronicleQueue queue;
    private final ExcerptAppender appender;
    private final HashChain chain;
    private final byte[] entry = new byte[ENTRY_LENGTH_MAX];
    private final UnsafeBuffer entryBuffer = new UnsafeBuffer(entry);
    private long commands;
    private long lastSeq;
    /** The sequence an anchor entry begins the evidence after; 0 when the journal begins at its first command. */
    private long anchoredAt;
    private boolean closed;
    /** The mapped chunk the last entry went to: see {@link #syncWhenMappingChanged(BytesStore)}. */
    private BytesStore<?, ?> mapping;
    private final byte[] snapshotChainHead = new byte[CHAIN_LENGTH];
    private final byte[] nextSnapshotChainHead = new byte[CHAIN_LENGTH];
    private final byte[] headBeforeWrite = new byte[CHAIN_LENGTH];
    private final PublishedChainHead publishedHead = new PublishedChainHead();
    /** Set when a write failed: the journal refuses everything after, so that nothing follows a bad entry. */
    private boolean failed;
    private volatile long lastCheckpointSeq;
    private long snapshotChainSeq = -1;
    private long snapshotQueueIndex;
    private long snapshotEntryIndex;
    /** Entries in the journal, header and checkpoints included: the next entry's index. */
    private long entries;
    private final AtomicReference<PendingCheckpoint> pendingCheckpoint = new AtomicReference<>();
    private long checkpointsWritten;
    private final List<JournalReader.Checkpoint> checkpointsFound;
    /** The queue file synced last: a new one needs its directory entry synced too. */
    private File syncedFile;
    /** Set when entries moved to another mapped chunk (or none was written yet): the file may be new. */
    private boolean mappingChanged = true;
    private long mappingSyncs;
    private long directorySyncs;
    /** Whether {@link #force()} synced every queue file since opening: later forces sync those written since. */
    private boolean forcedOnce;
    /** The queue files entries went to since the last force: noted once a file, when an entry starts it. */
    private final List<File> writtenSinceForce = new ArrayList<>();
    /** The names of the files the last force synced (for tests). */
    private final List<String> forced = new ArrayList<>();
    private volatile long forces;
    /** Allocates the disk after the last entry before Chronicle's mapped writes reach it. */
    private final DiskRunway runway;
    /** Where the last entry written ends, in its cycle file. */
    private long lastEnd;
    /** The cycle of the file the last entry went to; {@link #NO_CYCLE} before the first since opening. */
    private int lastCycle = NO_CYCLE;
    private boolean failureLogged;
    /** The sequence of the checkpoint the chain was verified from on opening; 0 when verified whole. */
    private long verifiedFromSeq;
    private long excerptsReadOnOpening;

    private static final int NO_CYCLE = Integer.MIN_VALUE;
    private static final System.Logger LOG = System.getLogger(ChronicleJournal.class.getName());

    /**
     * Open or create a journal.
     *
     * @param context where and how; concluded here.
     * @throws JournalFormatException  when the directory holds something that is not a journal of this version, or a
     *                                 queue file that is not a Chronicle Queue file.
     * @throws JournalCorruptException when the existing journal's chain does not verify, or a queue file is damaged
     *                                 ({@link QueueFileCheck}: cut, empty, never completed): the message names the
     *                                 file, the last whole entry and what to do.
     */
    public ChronicleJournal(final ChronicleJournalContext context)
    {
        context.conclude();
        final Path path = context.directory();
        this.directory = path.toString();
        this.durability = context.durability();
        JournalDirectory.checkOnlyQueueFiles(path);
        if (java.nio.file.Files.isDirectory(path))
        {
            final QueueFileCheck.Damage damage = QueueFileCheck.check(path);
            if (damage != null)
            {
                // Before Chronicle Queue opens anything: it would wait on, rename, rewrite or misread the file.
                throw damage.exception(directory);
            }
        }
        runway = new DiskRunway(path, context.diskFreeBytesMin(), context.diskSpaceProbe());
        runway.requireFreeToOpen(existingAncestor(path));
        final MonotonicClock clock = new MonotonicClock(context.clock());
        final SingleChronicleQueueBuilder builder = ChronicleQueue.singleBuilder(path).rollCycle(context.rollCycle())
            .timeProvider(clock);
        if (context.blockSizeBytes() > 0)
        {
            builder.blockSize(context.blockSizeBytes());
        }
        if (durability == JournalDurability.OS)
        {
            // Makes ExcerptAppender.sync(), and the msync Chronicle does when it releases a mapping, MS_SYNC.
            builder.syncMode(SyncMode.SYNC);
        }
        queue = builder.build();
        if (queue.lastCycle() >= 0)
        {
            // The clock may have stepped back while no process wrote: go on in the newest file, never before it.
            final long cycleMs = queue.rollCycle().lengthInMillis();
            final long newestCycleStartMs = queue.epoch() + (long)queue.lastCycle() * cycleMs;
            clock.notBefore(newestCycleStartMs);
            final long behindMs = newestCycleStartMs - context.clock().currentTimeMillis();
            if (behindMs > cycleMs)
            {
                LOG.log(System.Logger.Level.WARNING, "the clock is " + behindMs / 1000 + " s behind the start of the " +
                    "journal's newest file, in " + directory + ": entries go on in that file, with no roll, until " +
                    "the clock catches up (was it once set ahead?)");
            }
        }
        try
        {
            final JournalReader reader = readFromNewestCheckpoint();
            try
            {
                reader.verifyAll();
                excerptsReadOnOpening = reader.excerptsRead();
                chain = reader.chain();
                // From a checkpoint on, the commands before it are not counted; sequences start at 1 without gaps.
                commands = verifiedFromSeq == 0 ? reader.commands() : reader.lastSeq();
                lastSeq = reader.lastSeq();
                anchoredAt = reader.anchor() == null ? 0 : reader.anchor().seq();
                chain.head(headBeforeWrite);
                publishedHead.publish(headBeforeWrite, 0, lastSeq);
                checkpointsFound = List.copyOf(reader.checkpoints());
                entries = reader.entries();
                for (final JournalReader.Checkpoint checkpoint : checkpointsFound)
                {
                    lastCheckpointSeq = Math.max(lastCheckpointSeq, checkpoint.seq());
                }
                final boolean headerPresent = reader.headerRead();
                appender = queue.createAppender();
                if (!headerPresent)
                {
                    writeHeader();
                    writeGenesis(context.genesisRules());
                }
                else if (entries == 1 && context.genesisRules() != null)
                {
                    // The header alone: the process stopped between the header and the genesis. Nothing was decided
                    // yet, so the genesis is written now rather than the journal read as one begun before rules.
                    writeGenesis(context.genesisRules());
                }
                // Chronicle appenders check they are used by one thread only; this one was used by the opening
                // thread and is handed to the journal stage's thread now.
                appender.singleThreadedCheckReset();
            }
            finally
            {
                reader.close();
            }
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw ex;
        }
    }

    /**
     * A reader positioned to verify the journal from its newest checkpoint's command entry to the end, so that opening
     * costs the entries after the last snapshot, not the journal's length (the whole chain is {@code audit verify}'s
     * to check). Without a checkpoint, or with one that does not lead to its entry (a journal written into a new
     * directory by {@code audit repair} keeps its checkpoints' queue indexes), the whole journal is verified.
     */
    private JournalReader readFromNewestCheckpoint()
    {
        // A cluster node's journal may begin at an anchor: it is appended to like any other.
        final JournalReader reader = new JournalReader(directory, queue, false).allowingAnchor();
        final JournalReader.Checkpoint newest;
        try
        {
            newest = reader.newestCheckpoint();
            if (newest == null)
            {
                return reader;
            }
            reader.startAfter(newest);
            verifiedFromSeq = newest.seq();
            return reader;
        }
        catch (final JournalCorruptException ex)
        {
            final long scanned = reader.excerptsRead();
            reader.close();
            LOG.log(System.Logger.Level.WARNING, "journal " + directory + ": verifying the whole chain: the newest " +
                "checkpoint does not lead to its entry: " + ex.getMessage());
            final JournalReader whole = new JournalReader(directory, queue, false).allowingAnchor();
            whole.excerptsReadBefore(scanned);
            return whole;
        }
        catch (final RuntimeException ex)
        {
            reader.close();
            throw ex;
        }
    }

    /**
     * @return the sequence of the checkpoint the chain was verified from on opening, 0 when it was verified whole.
     */
    public long verifiedFromSeq()
    {
        return verifiedFromSeq;
    }

    /**
     * @return excerpts read to open the journal: what opening cost, for tests that it does not grow with the journal.
     */
    long excerptsReadOnOpening()
    {
        return excerptsReadOnOpening;
    }

    /**
     * Append a sequenced command. Its sequence must follow the last one in the journal.
     *
     * @param command the command, sequenced.
     * @throws IllegalStateException when the sequence does not follow: two pipelines, or a recovery that started at
     *                               the wrong sequence, would otherwise corrupt the evidence.
     */
    @Override
    public void append(final Command command, final Decision decision)
    {
        try
        {
            appendEntry(command, decision);
        }
        catch (final RuntimeException | Error ex)
        {
            throw failedLoudly(ex);
        }
    }

    private void appendEntry(final Command command, final Decision decision)
    {
        final long seq = command.seq;
        if (closed || failed)
        {
            throw new IllegalStateException("journal " + (closed ? "closed" : "failed on an earlier write") +
                ": directory=" + directory + ", seq=" + seq);
        }
        if (seq < 1 || ((commands > 0 || anchoredAt > 0) && seq != lastSeq + 1))
        {
            throw new IllegalStateException("journal sequence gap: directory=" + directory + ", seq=" + seq +
                ", lastSeq=" + lastSeq + ", commands=" + commands);
        }
        assert decision.seq == seq : "decision.seq=" + decision.seq + ", seq=" + seq;
        final int commandLength = CommandCodec.encode(command, entryBuffer, BODY_OFFSET);
        assert commandLength >= CommandCodec.HEADER_LENGTH : "commandLength=" + commandLength;
        assert commandLength <= CommandCodec.ENCODED_LENGTH_MAX : "commandLength=" + commandLength;
        final int decisionLength = DecisionCodec.encode(decision, entryBuffer, BODY_OFFSET + commandLength);
        write(KIND_COMMAND, seq, command.timestampNs, commandLength + decisionLength);
        lastSeq = seq;
        commands++;
    }

    /**
     * Begin the evidence of a journal that holds no command yet at a sequence other journals reached: a cluster node
     * that started from the cluster's snapshot at {@code seq} rather than from the first command. Writes an anchor
     * entry ({@link JournalEntryDescriptor#KIND_ANCHOR}); the command appended next is {@code seq + 1}, chained on
     * {@code chainValue} as in the other nodes' journals. Synced to the device with the journal's durability.
     *
     * @param seq          the sequence of the snapshot.
     * @param chainValue   the chain value of the entry at {@code seq} in the other nodes' journals.
     * @param stateHashHex the snapshot's state hash.
     * @throws IllegalStateException when the journal holds a command or an anchor already.
     */
    public void anchor(final long seq, final byte[] chainValue, final String stateHashHex)
    {
        if (closed || failed)
        {
            throw new IllegalStateException("journal " + (closed ? "closed" : "failed on an earlier write") +
                ": directory=" + directory + ", anchor at seq=" + seq);
        }
        if (commands > 0 || lastSeq != 0)
        {
            throw new IllegalStateException("journal " + directory + " holds evidence up to seq=" + lastSeq +
                ": only a journal with no command and no anchor begins at an anchor (seq=" + seq + ")");
        }
        if (seq < 1)
        {
            throw new IllegalArgumentException("anchor seq=" + seq + " must be >= 1");
        }
        assert chainValue.length == CHAIN_LENGTH : "chainValue.length=" + chainValue.length;
        assert stateHashHex.length() == 2 * CHAIN_LENGTH : "stateHashHex=" + stateHashHex;
        entryBuffer.putBytes(BODY_OFFSET + JournalEntryDescriptor.ANCHOR_CHAIN_OFFSET,
            Sha256.hex(chainValue, 0, CHAIN_LENGTH).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        entryBuffer.putBytes(BODY_OFFSET + JournalEntryDescriptor.ANCHOR_STATE_HASH_OFFSET,
            stateHashHex.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        write(JournalEntryDescriptor.KIND_ANCHOR, seq, 0, JournalEntryDescriptor.ANCHOR_BODY_LENGTH);
        chain.reset(chainValue, 0);
        chain.head(headBeforeWrite);
        lastSeq = seq;
        anchoredAt = seq;
        publishedHead.publish(chainValue, 0, seq);
        flush();
    }

    /**
     * @return the sequence the journal's anchor begins its evidence after; 0 when it begins at the first command.
     */
    public long anchoredAt()
    {
        return anchoredAt;
    }

    /**
     * Note the chain value of the entry just appended: the guard copied its state after it, and the checkpoint that
     * {@link #postCheckpoint(long, String)} later asks for names it.
     */
    @Override
    public void snapshotTaken(final long seq)
    {
        assert seq == lastSeq : "seq=" + seq + ", lastSeq=" + lastSeq;
        // Where this command's entry stands, taken before anything else is written.
        chain.head(nextSnapshotChainHead);
        final long queueIndex = appender.lastIndexAppended();
        final long entryIndex = entries - 1;
        // A checkpoint still waiting for the previous snapshot goes first, with that snapshot's own values.
        writePendingCheckpoint();
        System.arraycopy(nextSnapshotChainHead, 0, snapshotChainHead, 0, CHAIN_LENGTH);
        snapshotChainSeq = seq;
        snapshotQueueIndex = queueIndex;
        snapshotEntryIndex = entryIndex;
    }

    /**
     * Ask for a checkpoint entry: the state hash at {@code seq}, with the chain value of that sequence's entry. Any
     * thread; the journal thread writes it at the end of its next batch (once it has appended {@code seq}), or on
     * close.
     *
     * @param seq          a sequence the guard copied its state after ({@link #snapshotTaken(long)}).
     * @param stateHashHex the state hash at that sequence, 64 hex digits.
     */
    public void postCheckpoint(final long seq, final String stateHashHex)
    {
        postCheckpoint(seq, stateHashHex, NO_SNAPSHOT_DIGEST);
    }

    /**
     * As {@link #postCheckpoint(long, String)}, for a snapshot file written at that sequence: the checkpoint also
     * records the file's SHA-256, so that recovery loads only the bytes the journal vouches for.
     *
     * @param seq               a sequence the guard copied its state after.
     * @param stateHashHex      the state hash at that sequence, 64 hex digits.
     * @param snapshotDigestHex the SHA-256 of the snapshot file, 64 hex digits.
     */
    public void postCheckpoint(final long seq, final String stateHashHex, final String snapshotDigestHex)
    {
        if (stateHashHex.length() != CHAIN_LENGTH * 2 || snapshotDigestHex.length() != CHAIN_LENGTH * 2)
        {
            throw new IllegalArgumentException("checkpoint for seq=" + seq + " in journal " + directory +
                ": stateHashHex and snapshotDigestHex must be 64 hex digits, were " + stateHashHex + " and " +
                snapshotDigestHex);
        }
        pendingCheckpoint.set(new PendingCheckpoint(seq, stateHashHex.getBytes(StandardCharsets.US_ASCII),
            snapshotDigestHex.getBytes(StandardCharsets.US_ASCII)));
    }

    /**
     * As {@link #postCheckpoint(long, String, String)}, for a snapshot taken by a reader that follows this journal
     * ({@link JournalFollower}) rather than by the guard thread: the reader gives where the entry of {@code seq}
     * stands, read back from the journal itself. Any thread; written at the end of the journal's next batch.
     *
     * @param seq               a sequence the journal holds.
     * @param stateHashHex      the state hash after it, 64 hex digits.
     * @param snapshotDigestHex the SHA-256 of the snapshot file, 64 hex digits.
     * @param chainHeadHex      the chain value of that sequence's entry, 64 hex digits.
     * @param queueIndex        the entry's queue index.
     * @param entryIndex        the entry's index in the journal, from 0 (the header).
     */
    public void postCheckpoint(
        final long seq, final String stateHashHex, final String snapshotDigestHex, final String chainHeadHex,
        final long queueIndex, final long entryIndex)
    {
        if (stateHashHex.length() != CHAIN_LENGTH * 2 || snapshotDigestHex.length() != CHAIN_LENGTH * 2 ||
            chainHeadHex.length() != CHAIN_LENGTH * 2)
        {
            throw new IllegalArgumentException("checkpoint for seq=" + seq + " in journal " + directory +
                ": stateHashHex, snapshotDigestHex and chainHeadHex must be 64 hex digits, were " + stateHashHex +
                ", " + snapshotDigestHex + " and " + chainHeadHex);
        }
        pendingCheckpoint.set(new PendingCheckpoint(seq, stateHashHex.getBytes(StandardCharsets.US_ASCII),
            snapshotDigestHex.getBytes(StandardCharsets.US_ASCII), chainHeadHex.getBytes(StandardCharsets.US_ASCII),
            queueIndex, entryIndex));
    }

    /**
     * @return the queue, for a reader that follows the journal in this process.
     */
    SingleChronicleQueue queue()
    {
        return queue;
    }

    /** The snapshot digest of a checkpoint that has no snapshot file. */
    public static final String NO_SNAPSHOT_DIGEST = "0".repeat(CHAIN_LENGTH * 2);

    /**
     * @return the checkpoint entries the journal held when it was opened, in journal order.
     */
    public List<JournalReader.Checkpoint> checkpointsFound()
    {
        return checkpointsFound;
    }

    /**
     * @return the sequence of the last checkpoint written (by this journal or found on opening), 0 when none: a
     *         snapshot at or before it is vouched for.
     */
    public long lastCheckpointSeq()
    {
        return lastCheckpointSeq;
    }

    /**
     * @return checkpoint entries written by this journal since it was opened.
     */
    public long checkpointsWritten()
    {
        return checkpointsWritten;
    }

    private void writePendingCheckpoint()
    {
        final PendingCheckpoint pending = pendingCheckpoint.get();
        final boolean placed = pending != null && pending.chainHeadHex != null;
        if (pending == null || (placed ? pending.seq > lastSeq : pending.seq != snapshotChainSeq) ||
            !pendingCheckpoint.compareAndSet(pending, null))
        {
            return;
        }
        entryBuffer.putBytes(BODY_OFFSET + CHECKPOINT_STATE_HASH_OFFSET, pending.stateHashHex);
        if (placed)
        {
            entryBuffer.putBytes(BODY_OFFSET + CHECKPOINT_CHAIN_OFFSET, pending.chainHeadHex);
            entryBuffer.putLong(BODY_OFFSET + CHECKPOINT_QUEUE_INDEX_OFFSET, pending.queueIndex, BYTE_ORDER);
            entryBuffer.putLong(BODY_OFFSET + CHECKPOINT_ENTRY_INDEX_OFFSET, pending.entryIndex, BYTE_ORDER);
        }
        else
        {
            Sha256.writeHex(snapshotChainHead, 0, CHAIN_LENGTH, entry, BODY_OFFSET + CHECKPOINT_CHAIN_OFFSET);
            entryBuffer.putLong(BODY_OFFSET + CHECKPOINT_QUEUE_INDEX_OFFSET, snapshotQueueIndex, BYTE_ORDER);
            entryBuffer.putLong(BODY_OFFSET + CHECKPOINT_ENTRY_INDEX_OFFSET, snapshotEntryIndex, BYTE_ORDER);
        }
        entryBuffer.putBytes(BODY_OFFSET + CHECKPOINT_SNAPSHOT_DIGEST_OFFSET, pending.snapshotDigestHex);
        write(KIND_CHECKPOINT, pending.seq, 0, CHECKPOINT_BODY_LENGTH);
        checkpointsWritten++;
        lastCheckpointSeq = pending.seq;
    }

    private static final class PendingCheckpoint
    {
        final long seq;
        final byte[] stateHashHex;
        final byte[] snapshotDigestHex;
        /** Where the entry of {@link #seq} stands, when a follower gave it; {@code null} for the guard's snapshot. */
        final byte[] chainHeadHex;
        final long queueIndex;
        final long entryIndex;

        PendingCheckpoint(final long seq, final byte[] stateHashHex, final byte[] snapshotDigestHex)
        {
            this(seq, stateHashHex, snapshotDigestHex, null, 0, 0);
        }

        PendingCheckpoint(
            final long seq, final byte[] stateHashHex, final byte[] snapshotDigestHex, final byte[] chainHeadHex,
            final long queueIndex, final long entryIndex)
        {
            this.seq = seq;
            this.stateHashHex = stateHashHex;
            this.snapshotDigestHex = snapshotDigestHex;
            this.chainHeadHex = chainHeadHex;
            this.queueIndex = queueIndex;
            this.entryIndex = entryIndex;
        }
    }

    /**
     * In {@code os} mode, sync to the device what was appended since the last flush; in {@code process} mode nothing.
     */
    @Override
    public void flush()
    {
        if (failed)
        {
            return;
        }
        try
        {
            flushEntries();
        }
        catch (final RuntimeException | Error ex)
        {
            failed = true;
            throw failedLoudly(ex);
        }
    }

    /**
     * Sync to the device every entry appended so far, whatever the durability: for what others keep that must never
     * be ahead of this journal on the device, such as a cluster node's snapshot (under {@code process} durability a
     * power loss could otherwise keep the snapshot and lose journal entries before it). In {@code process} mode the
     * first force since opening syncs every queue file (what an earlier process left to the kernel may not be on the
     * device yet), a later one each file entries went to since the force before; then the directory. In {@code os}
     * mode it is {@link #flush()}. Not for the hot path: it lists the directory, or opens files.
     *
     * @throws IllegalStateException when the journal failed or was closed: nothing more can be made durable.
     * @throws UncheckedIOException  naming the file that could not be synced; the journal then refuses every append,
     *                               as after a failed flush.
     */
    public void force()
    {
        if (failed || closed)
        {
            throw new IllegalStateException("the journal " + (closed ? "is closed" : "failed") + ": nothing more can " +
                "be synced: directory=" + directory + ", lastSeq=" + lastSeq);
        }
        try
        {
            flushEntries();
            if (durability == JournalDurability.PROCESS)
            {
                forceQueueFiles();
            }
            forces++;
        }
        catch (final RuntimeException | Error ex)
        {
            failed = true;
            throw failedLoudly(ex);
        }
    }

    private void forceQueueFiles()
    {
        final Path path = Path.of(directory);
        final List<Path> files = new ArrayList<>();
        if (forcedOnce)
        {
            for (final File file : writtenSinceForce)
            {
                files.add(file.toPath());
            }
        }
        else
        {
            try (DirectoryStream<Path> stream = Files.newDirectoryStream(path, "*" + SingleChronicleQueue.SUFFIX))
            {
                stream.forEach(files::add);
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot list the journal's queue files: directory=" + directory, ex);
            }
        }
        final File current = appender.currentFile();
        forced.clear();
        for (final Path file : files)
        {
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ))
            {
                // fsync writes back the file's dirty pages, those written through the queue's mapping too.
                channel.force(true);
                forced.add(file.getFileName().toString());
            }
            catch (final java.nio.file.NoSuchFileException ex)
            {
                // An older cycle's file an operator archived meanwhile is no longer this journal's to sync.
                if (current != null && file.equals(current.toPath()))
                {
                    throw new UncheckedIOException("cannot sync a journal file: file=" + file, ex);
                }
            }
            catch (final IOException ex)
            {
                throw new UncheckedIOException("cannot sync a journal file: file=" + file, ex);
            }
        }
        forceDirectory(path);
        forcedOnce = true;
        writtenSinceForce.clear();
        if (current != null)
        {
            // Entries after this force may go on in the same file.
            writtenSinceForce.add(current);
        }
    }

    /**
     * The journal stops: say why, once, on the log, where an operator looks; the pipeline then answers every command
     * {@code GUARD_FAILED} with this failure.
     */
    private RuntimeException failedLoudly(final Throwable ex)
    {
        if (!failureLogged && (failed || closed || ex instanceof JournalStoppedException))
        {
            failureLogged = true;
            if (ex instanceof JournalStoppedException)
            {
                // An operating error, said in full by its message.
                LOG.log(System.Logger.Level.ERROR, ex.getMessage());
            }
            else
            {
                LOG.log(System.Logger.Level.ERROR, "journal stopped accepting: directory=" + directory +
                    ", lastSeq=" + lastSeq + ": " + ex, ex);
            }
        }
        if (ex instanceof Error)
        {
            throw (Error)ex;
        }
        return (RuntimeException)ex;
    }

    private void flushEntries()
    {
        if (pendingCheckpoint.get() != null)
        {
            writePendingCheckpoint();
        }
        if (durability == JournalDurability.OS)
        {
            appender.sync();
            if (!mappingChanged)
            {
                return;
            }
            mappingChanged = false;
            // Asked only when entries moved to another mapped chunk: currentFile() makes a new File each call.
            final File file = appender.currentFile();
            if (!java.util.Objects.equals(file, syncedFile))
            {
                // A new cycle file (or the first flush since opening): its directory entry must reach the device
                // too, or the file could vanish with the power even though its pages were synced. Rare: once a
                // roll cycle.
                forceDirectory(file == null ? Path.of(directory) : file.toPath().toAbsolutePath().getParent());
                syncedFile = file;
            }
        }
    }

    @Override
    public long chainHead(final byte[] into)
    {
        return publishedHead.read(into);
    }

    /**
     * @return commands in the journal, those found on opening included.
     */
    public long commands()
    {
        return commands;
    }

    /**
     * @return the sequence of the last command in the journal, 0 when none: a pipeline resumes at the next one.
     */
    public long lastSeq()
    {
        return lastSeq;
    }

    /**
     * @return the journal's directory.
     */
    public String directory()
    {
        return directory;
    }

    /**
     * @return what {@link #flush()} promises.
     */
    public JournalDurability durability()
    {
        return durability;
    }

    /**
     * @return true with {@code process} durability: a written entry survives the process at once; with {@code os} a
     *     flush syncs it to the device.
     */
    @Override
    public boolean durableOnAppend()
    {
        return durability == JournalDurability.PROCESS;
    }

    /**
     * The calling thread appends from now on (a linked guard's, after the journal was opened and recovered on another).
     */
    @Override
    public void handOver()
    {
        appender.singleThreadedCheckReset();
    }

    @Override
    public void close()
    {
        if (closed)
        {
            return;
        }
        closed = true;
        // The pipeline closes its journal from the thread that closes the guard, after the stages stopped.
        appender.singleThreadedCheckReset();
        try
        {
            flush();
        }
        finally
        {
            appender.close();
            queue.close();
            runway.close();
        }
    }

    private void writeHeader()
    {
        entryBuffer.putBytes(BODY_OFFSET + HEADER_MAGIC_OFFSET, MAGIC);
        entryBuffer.putInt(BODY_OFFSET + HEADER_FORMAT_VERSION_OFFSET, FORMAT_VERSION, BYTE_ORDER);
        entryBuffer.putByte(BODY_OFFSET + HEADER_CODEC_VERSION_OFFSET, CommandCodec.VERSION);
        entryBuffer.putByte(BODY_OFFSET + HEADER_DECISION_CODEC_VERSION_OFFSET, DecisionCodec.VERSION);
        write(KIND_HEADER, 0, 0, HEADER_BODY_LENGTH);
        flush();
    }

    private void writeGenesis(final String rules)
    {
        if (rules == null)
        {
            return;
        }
        final byte[] text = rules.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        if (text.length > JournalEntryDescriptor.RULES_LENGTH_MAX)
        {
            throw new IllegalArgumentException("genesis rules of " + text.length + " bytes, max=" +
                JournalEntryDescriptor.RULES_LENGTH_MAX);
        }
        final int partMax = JournalEntryDescriptor.BODY_LENGTH_MAX - JournalEntryDescriptor.RULES_PART_OFFSET;
        int offset = 0;
        do
        {
            final int part = Math.min(partMax, text.length - offset);
            entryBuffer.putInt(BODY_OFFSET + JournalEntryDescriptor.RULES_TOTAL_LENGTH_OFFSET, text.length, BYTE_ORDER);
            entryBuffer.putInt(BODY_OFFSET + JournalEntryDescriptor.RULES_PART_OFFSET_OFFSET, offset, BYTE_ORDER);
            entryBuffer.putBytes(BODY_OFFSET + JournalEntryDescriptor.RULES_PART_OFFSET, text, offset, part);
            write(JournalEntryDescriptor.KIND_RULES, 0, 0, JournalEntryDescriptor.RULES_PART_OFFSET + part);
            offset += part;
        }
        while (offset < text.length);
        flush();
    }

    private void write(final byte kind, final long seq, final long timestampNs, final int bodyLength)
    {
        final byte[] entry = this.entry;
        final UnsafeBuffer buffer = entryBuffer;
        buffer.putByte(KIND_OFFSET, kind);
        buffer.putByte(KIND_OFFSET + 1, (byte)0);
        buffer.putShort(KIND_OFFSET + 2, (short)0);
        buffer.putInt(BODY_LENGTH_OFFSET, bodyLength, BYTE_ORDER);
        buffer.putLong(SEQ_OFFSET, seq, BYTE_ORDER);
        buffer.putLong(TIMESTAMP_OFFSET, timestampNs, BYTE_ORDER);
        final int sealedLength = BODY_OFFSET + bodyLength;
        try
        {
            ensureRunway();
        }
        catch (final RuntimeException ex)
        {
            // Nothing was written: the journal ends with its last whole entry, and refuses everything after.
            failed = true;
            throw ex;
        }
        chain.head(headBeforeWrite);
        chain.seal(entry, sealedLength);
        boolean written = false;
        try (DocumentContext context = appender.writingDocument())
        {
            try
            {
                final Bytes<?> bytes = context.wire().bytes();
                bytes.write(entry, 0, sealedLength + CHAIN_LENGTH);
                // The mapped bytes' positions are the cycle file's offsets.
                lastEnd = bytes.writePosition();
                if (durability == JournalDurability.OS)
                {
                    syncWhenMappingChanged(bytes.bytesStore());
                }
                written = true;
            }
            finally
            {
                if (!written)
                {
                    // A partial excerpt must not be committed (disk full, a mapping that failed): roll it back, put
                    // the chain back where it was, and refuse everything after, so that the journal on disk ends with
                    // the last whole entry.
                    context.rollbackOnClose();
                    chain.reset(headBeforeWrite, 0);
                    failed = true;
                }
            }
        }
        final int cycle = appender.cycle();
        if (cycle != lastCycle && forcedOnce)
        {
            // A file started: noted for the next force (the first lists the directory). Once a roll cycle.
            final File file = appender.currentFile();
            if (file != null && !writtenSinceForce.contains(file))
            {
                writtenSinceForce.add(file);
            }
        }
        lastCycle = cycle;
        entries++;
        // The chain value follows the sealed bytes; a header or checkpoint entry moves the head past the last command.
        publishedHead.publish(entry, sealedLength, kind == KIND_COMMAND ? seq : lastSeq);
    }

    /**
     * Before an entry is written: the bytes it will go to must be allocated on the device, or the file system must
     * have room for the new cycle file it may start ({@link DiskRunway}). Costs a comparison or two per entry, and a
     * {@code statvfs} and a write of zeros per {@value DiskRunway#RUNWAY_BYTES} bytes of journal.
     */
    private void ensureRunway()
    {
        if (queue.cycle() != lastCycle)
        {
            // The first entry since opening, or one that starts a new cycle file: Chronicle creates or maps it.
            runway.beforeNewFile(lastSeq);
        }
        else if (runway.lowAfter(lastEnd))
        {
            runway.extend(appender.currentFile(), lastEnd, lastSeq);
        }
    }

    /**
     * @return the directory, or its nearest existing parent when it does not exist yet: where free space is asked.
     */
    private static Path existingAncestor(final Path directory)
    {
        Path existing = directory.toAbsolutePath();
        while (existing != null && !java.nio.file.Files.exists(existing))
        {
            existing = existing.getParent();
        }
        return existing == null ? directory.toAbsolutePath().getRoot() : existing;
    }

    /**
     * @return where the last entry written ends in its cycle file (for tests).
     */
    long lastEnd()
    {
        return lastEnd;
    }

    /**
     * {@link ExcerptAppender#sync()} syncs only the chunk the appender writes to now, from where it last synced
     * that chunk ({@code MappedBytesStore.syncUpTo}). When an entry moves the appender to the next chunk, what the
     * batch wrote at the end of the previous chunk would wait for Chronicle to release that chunk, at an unknown
     * time; sync the previous chunk to its end now instead. Rare: once per chunk (64 MiB by default).
     */
    private void syncWhenMappingChanged(final BytesStore<?, ?> current)
    {
        final BytesStore<?, ?> previous = mapping;
        if (current == previous)
        {
            return;
        }
        mapping = current;
        mappingChanged = true;
        if (previous instanceof MappedBytesStore)
        {
            // A chunk Chronicle already released was synced then (MappedBytesStore.performRelease msyncs with the
            // queue's sync mode, SYNC here); syncUpTo does nothing for it.
            ((MappedBytesStore)previous).syncUpTo(Long.MAX_VALUE, SyncMode.SYNC);
            mappingSyncs++;
        }
    }

    private void forceDirectory(final Path directoryPath)
    {
        // Linux lets a directory be opened for reading and fsync'd; that is how a new file's entry is made durable.
        try (FileChannel channel = FileChannel.open(directoryPath, StandardOpenOption.READ))
        {
            channel.force(true);
            directorySyncs++;
        }
        catch (final IOException ex)
        {
            throw new UncheckedIOException("cannot sync journal directory: directory=" + directoryPath, ex);
        }
    }

    /**
     * @return how often a previous mapped chunk was synced to its end because entries moved to the next (os mode).
     */
    long mappingSyncs()
    {
        return mappingSyncs;
    }

    /**
     * @return how often the journal directory was synced for a new queue file (os mode).
     */
    long directorySyncs()
    {
        return directorySyncs;
    }

    /**
     * @return how many times {@link #force()} synced the journal since opening; read from any thread.
     */
    public long forces()
    {
        return forces;
    }

    /**
     * @return the names of the queue files the last {@link #force()} synced in {@code process} mode.
     */
    List<String> filesForced()
    {
        return List.copyOf(forced);
    }
}
