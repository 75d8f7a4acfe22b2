package io.ledgerguard.journal;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import net.openhft.chronicle.bytes.Bytes;
import net.openhft.chronicle.queue.ChronicleQueue;
import net.openhft.chronicle.queue.ExcerptTailer;
import net.openhft.chronicle.queue.RollCycle;
import net.openhft.chronicle.queue.TailerDirection;
import net.openhft.chronicle.queue.impl.single.SingleChronicleQueue;
import net.openhft.chronicle.wire.DocumentContext;

import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.DecisionCodec;

import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_LENGTH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BODY_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.BYTE_ORDER;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHAIN_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_BODY_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_CHAIN_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_ENTRY_INDEX_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_QUEUE_INDEX_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_SNAPSHOT_DIGEST_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CHECKPOINT_STATE_HASH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.ENTRY_LENGTH_MAX;
import static io.ledgerguard.journal.JournalEntryDescriptor.FORMAT_VERSION;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_CODEC_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_DECISION_CODEC_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_FORMAT_VERSION_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.HEADER_MAGIC_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.ANCHOR_BODY_LENGTH;
import static io.ledgerguard.journal.JournalEntryDescriptor.ANCHOR_CHAIN_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.ANCHOR_STATE_HASH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_ANCHOR;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_CHECKPOINT;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_COMMAND;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_CUT;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_CHAIN_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_DROPPED_ENTRIES_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_DROPPED_FIRST_SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_DROPPED_LAST_SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_LAST_ENTRY_INDEX_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_NOTE_LENGTH_MAX;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_NOTE_LENGTH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.CUT_NOTE_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_HEADER;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.KIND_RULES;
import static io.ledgerguard.journal.JournalEntryDescriptor.RULES_LENGTH_MAX;
import static io.ledgerguard.journal.JournalEntryDescriptor.RULES_PART_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.RULES_PART_OFFSET_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.RULES_TOTAL_LENGTH_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.MAGIC;
import static io.ledgerguard.journal.JournalEntryDescriptor.SEQ_OFFSET;
import static io.ledgerguard.journal.JournalEntryDescriptor.TIMESTAMP_OFFSET;

/**
 * Reads a journal's entries in order and verifies them as it goes: the header first (a directory that is not ours,
 * or of another version, is refused with a {@link JournalFormatException}), then for every entry the hash chain, the
 * layout and the sequence (the first entry that fails throws a {@link JournalCorruptException} naming its index and
 * the problem). Reading allocates nothing per entry.
 */
public final class JournalReader implements AutoCloseable
{
    private final String directory;
    private final ChronicleQueue queue;
    private final boolean ownsQueue;
    private final ExcerptTailer tailer;
    private final HashChain chain = new HashChain();
    private final byte[] entry = new byte[ENTRY_LENGTH_MAX];
    private final UnsafeBuffer entryBuffer = new UnsafeBuffer(entry);
    private final byte[] computed = new byte[CHAIN_LENGTH];
    private long entries;
    private long commands;
    private long lastSeq;
    private long lastTimestampNs;
    private boolean headerRead;
    /** The command codec version the journal's header names (older entries may be of it; new ones are this build's). */
    private byte headerCodecVersion = CommandCodec.VERSION;
    private final Decision scratchDecision = new Decision();
    private final List<Checkpoint> checkpoints = new ArrayList<>();
    private Checkpoint lastCheckpoint;
    /** The queue index of the last entry read through {@link #tailer}. */
    private long lastQueueIndex = -1;
    /** Damage {@link QueueFileCheck} found in the queue files: reading stops with it before its entry. */
    private QueueFileCheck.Damage damage;
    /** Excerpts read, by this reader and its scans for a checkpoint: what opening a journal costs. */
    private long excerptsRead;
    /** Set when the search for the newest checkpoint met a cut entry ({@link JournalRepair}). */
    private boolean cutFound;
    /** Reads the queue files without Chronicle Queue instead of {@link #tailer}: see {@link #openFiles(Path)}. */
    private final QueueFileWalker walker;
    private final byte[] previousHead = new byte[CHAIN_LENGTH];
    /** The genesis rules as read so far (SPEC §13); {@code null} when none. */
    private byte[] genesis;
    private int genesisRead;
    private int genesisEntries;
    private int lastLength;
    private final List<Cut> cuts = new ArrayList<>();
    /** The journal's anchor ({@link JournalEntryDescriptor#KIND_ANCHOR}) once read; {@code null} when it has none. */
    private Anchor anchor;
    /** Whether the caller reads a journal that begins at an anchor; else such a journal is refused at its anchor. */
    private boolean anchorAllowed;

    /** The first stretch of entries, counted back from the end, searched for the newest checkpoint. */
    static final long CHECKPOINT_SCAN_MIN = 4_096;

    JournalReader(final String directory, final ChronicleQueue queue, final boolean ownsQueue)
    {
        this.directory = directory;
        this.queue = queue;
        this.ownsQueue = ownsQueue;
        this.tailer = queue.createTailer();
        this.walker = null;
    }

    private JournalReader(final String directory, final QueueFileWalker walker)
    {
        this.directory = directory;
        this.queue = null;
        this.ownsQueue = false;
        this.tailer = null;
        this.walker = walker;
    }

    /**
     * Read a journal's cycle files with plain reads ({@link QueueFileWalker}), without Chronicle Queue: for
     * {@code audit repair}, which must read up to a damaged file that Chronicle Queue would not open. Reading stops
     * at the first entry not whole in its file with the exception {@link QueueFileCheck} would throw for it.
     *
     * @param directory the journal.
     * @return a reader positioned before the first entry; {@link #startAfter(Checkpoint)} is not available.
     * @throws JournalFormatException when the directory is missing or holds anything but a journal's files.
     */
    static JournalReader openFiles(final Path directory)
    {
        if (!Files.isDirectory(directory))
        {
            throw new JournalFormatException("no journal: directory=" + directory + ", found=nothing");
        }
        JournalDirectory.checkOnlyQueueFiles(directory);
        return new JournalReader(directory.toString(), new QueueFileWalker(QueueFileCheck.cycleFiles(directory)));
    }

    /**
     * A reader of a journal this process is appending to, through the journal's own queue: it reads what the journal
     * has written and, at its end, reads on once more is written ({@link #nextEntry} returns -1 until then). Close it
     * before the journal.
     *
     * @param journal the journal.
     * @return a reader positioned before the first entry.
     */
    static JournalReader following(final ChronicleJournal journal)
    {
        return new JournalReader(journal.directory(), journal.queue(), false);
    }

    /**
     * @return the queue index of the last entry read, -1 before the first.
     */
    long lastQueueIndex()
    {
        return lastQueueIndex;
    }

    /**
     * Open a journal directory read-only. Its queue files are checked first ({@link QueueFileCheck}): a damaged file
     * that leaves no entry to read is refused here; otherwise reading stops with a {@link JournalCorruptException}
     * naming the damage when it reaches the first entry lost.
     *
     * @param directory the journal.
     * @return a reader positioned before the first entry.
     * @throws JournalFormatException  when the directory is missing or holds anything but a journal's files.
     * @throws JournalCorruptException when a damaged queue file leaves no entry to read.
     */
    public static JournalReader open(final Path directory)
    {
        if (!Files.isDirectory(directory))
        {
            throw new JournalFormatException("no journal: directory=" + directory + ", found=nothing");
        }
        JournalDirectory.checkOnlyQueueFiles(directory);
        final QueueFileCheck.Damage damage = QueueFileCheck.check(directory);
        if (damage != null && damage.entryIndex() == 0)
        {
            // Chronicle Queue would wait on the first file, or misread it: nothing before it can be read.
            throw damage.exception(directory.toString());
        }
        final ChronicleQueue queue = ChronicleQueue.singleBuilder(directory).readOnly(true).build();
        try
        {
            final JournalReader reader = new JournalReader(directory.toString(), queue, true);
            reader.damage = damage;
            return reader;
        }
        catch (final RuntimeException ex)
        {
            queue.close();
            throw ex;
        }
    }

    /**
     * Read, verify and decode the next command, skipping checkpoint entries (which {@link #checkpoints()} collects),
     * and reading and checking the journal header first when it has not been.
     *
     * @param command receives the command.
     * @return false at the end of the journal.
     * @throws JournalFormatException  when the first entry is not our header or is of another version.
     * @throws JournalCorruptException at the first entry that fails verification.
     */
    public boolean next(final Command command)
    {
        return next(command, scratchDecision);
    }

    /**
     * As {@link #next(Command)}, with the decision recorded for the command.
     *
     * @param command  receives the command.
     * @param decision receives the decision the guard recorded with it.
     * @return false at the end of the journal.
     */
    public boolean next(final Command command, final Decision decision)
    {
        while (true)
        {
            final int kind = nextEntry(command, decision);
            if (kind < 0)
            {
                return false;
            }
            if (kind == KIND_COMMAND)
            {
                return true;
            }
        }
    }

    /**
     * Read and verify the next entry of any kind after the header.
     *
     * @param command  receives the command of a {@link JournalEntryDescriptor#KIND_COMMAND} entry.
     * @param decision receives its decision.
     * @return the entry's kind, {@link JournalEntryDescriptor#KIND_COMMAND} or
     *         {@link JournalEntryDescriptor#KIND_CHECKPOINT} (then {@link #lastCheckpoint()} describes it), or -1 at
     *         the end of the journal.
     */
    public int nextEntry(final Command command, final Decision decision)
    {
        if (!headerRead)
        {
            final int length = readEntry();
            if (length < 0)
            {
                return -1;
            }
            checkHeader(length);
            headerRead = true;
        }
        final int length = readEntry();
        if (length < 0)
        {
            return -1;
        }
        final long index = entries - 1;
        chain.head(previousHead);
        if (!chain.verify(entry, length - CHAIN_LENGTH, computed))
        {
            throw corrupt(index, "chain mismatch: entry modified, or an entry before it inserted, deleted or moved");
        }
        final byte kind = entryBuffer.getByte(KIND_OFFSET);
        final int bodyLength = entryBuffer.getInt(BODY_LENGTH_OFFSET, BYTE_ORDER);
        if (JournalEntryDescriptor.entryLength(bodyLength) != length || bodyLength < 0)
        {
            throw corrupt(index, "bodyLength=" + bodyLength + " does not match excerptLength=" + length);
        }
        final long seq = entryBuffer.getLong(SEQ_OFFSET, BYTE_ORDER);
        final long timestampNs = entryBuffer.getLong(TIMESTAMP_OFFSET, BYTE_ORDER);
        if (kind != KIND_COMMAND)
        {
            return readOther(kind, index, seq, timestampNs, bodyLength);
        }
        if (genesis != null && genesisRead < genesis.length)
        {
            throw corrupt(index, "the genesis rules end after " + genesisRead + " of " + genesis.length + " bytes");
        }
        if ((commands > 0 || anchor != null) && seq != lastSeq + 1)
        {
            throw corrupt(index, "seq=" + seq + " does not follow previous seq=" + lastSeq);
        }
        if (seq < 1)
        {
            throw corrupt(index, "seq=" + seq + " must be >= 1");
        }
        final int commandLength;
        try
        {
            commandLength = CommandCodec.decode(entryBuffer, BODY_OFFSET, command);
            if (commandLength > bodyLength)
            {
                throw new IllegalArgumentException("command length=" + commandLength + " beyond bodyLength=" +
                    bodyLength);
            }
        }
        catch (final IllegalArgumentException | IndexOutOfBoundsException ex)
        {
            throw corrupt(index, "command does not decode: " + ex.getMessage());
        }
        if (command.seq != seq || command.timestampNs != timestampNs)
        {
            throw corrupt(index, "entry seq=" + seq + " timestampNs=" + timestampNs +
                " differ from the command's seq=" + command.seq + " timestampNs=" + command.timestampNs);
        }
        try
        {
            final int decisionLength = DecisionCodec.decode(
                entryBuffer, BODY_OFFSET + commandLength, bodyLength - commandLength, seq, decision);
            if (commandLength + decisionLength != bodyLength)
            {
                throw new IllegalArgumentException("command and decision take " + (commandLength + decisionLength) +
                    " bytes of bodyLength=" + bodyLength);
            }
        }
        catch (final IllegalArgumentException | IndexOutOfBoundsException ex)
        {
            throw corrupt(index, "decision does not decode: " + ex.getMessage());
        }
        lastSeq = seq;
        lastTimestampNs = timestampNs;
        commands++;
        return KIND_COMMAND;
    }

    private void readCheckpoint(final long index, final long seq, final int bodyLength)
    {
        if (bodyLength != CHECKPOINT_BODY_LENGTH)
        {
            throw corrupt(index, "checkpoint bodyLength=" + bodyLength + ", expected=" + CHECKPOINT_BODY_LENGTH);
        }
        if (seq < 1 || seq > lastSeq)
        {
            throw corrupt(index, "checkpoint seq=" + seq + " does not name an earlier command, lastSeq=" + lastSeq);
        }
        final String stateHash = hexField(index, BODY_OFFSET + CHECKPOINT_STATE_HASH_OFFSET, "checkpoint stateHash");
        final String chainHead = hexField(index, BODY_OFFSET + CHECKPOINT_CHAIN_OFFSET, "checkpoint chainHead");
        final long queueIndex = entryBuffer.getLong(BODY_OFFSET + CHECKPOINT_QUEUE_INDEX_OFFSET, BYTE_ORDER);
        final long seqEntryIndex = entryBuffer.getLong(BODY_OFFSET + CHECKPOINT_ENTRY_INDEX_OFFSET, BYTE_ORDER);
        if (seqEntryIndex < 1 || seqEntryIndex >= index)
        {
            throw corrupt(index, "checkpoint entry index of seq=" + seq + " is " + seqEntryIndex +
                ", not an earlier entry");
        }
        final String snapshotDigest =
            hexField(index, BODY_OFFSET + CHECKPOINT_SNAPSHOT_DIGEST_OFFSET, "checkpoint snapshotDigest");
        lastCheckpoint = new Checkpoint(seq, stateHash, chainHead, index, queueIndex, seqEntryIndex, snapshotDigest);
        checkpoints.add(lastCheckpoint);
    }

    private void readRules(final long index, final long seq, final int bodyLength)
    {
        final int total = bodyLength < RULES_PART_OFFSET ? -1 :
            entryBuffer.getInt(BODY_OFFSET + RULES_TOTAL_LENGTH_OFFSET, BYTE_ORDER);
        final int offset = bodyLength < RULES_PART_OFFSET ? -1 :
            entryBuffer.getInt(BODY_OFFSET + RULES_PART_OFFSET_OFFSET, BYTE_ORDER);
        if (seq != 0 || commands > 0 || index != genesisEntries + 1L)
        {
            throw corrupt(index, "genesis rules out of place: seq=" + seq + ", after " + commands + " commands");
        }
        if (total < 0 || total > RULES_LENGTH_MAX || (genesis != null && genesis.length != total) ||
            offset != genesisRead || offset + bodyLength - RULES_PART_OFFSET > total)
        {
            throw corrupt(index, "genesis rules part does not follow: total=" + total + ", offset=" + offset +
                ", bodyLength=" + bodyLength + ", read so far=" + genesisRead);
        }
        if (genesis == null)
        {
            genesis = new byte[total];
        }
        entryBuffer.getBytes(BODY_OFFSET + RULES_PART_OFFSET, genesis, offset, bodyLength - RULES_PART_OFFSET);
        genesisRead += bodyLength - RULES_PART_OFFSET;
        genesisEntries++;
    }

    /**
     * @return the journal's genesis rules (SPEC §13) once every entry of them was read, in the text form of
     *     {@link io.ledgerguard.core.Rules}; {@code null} before, or for a journal begun before rules were journaled.
     */
    public String genesisRules()
    {
        return genesis == null || genesisRead < genesis.length ? null :
            new String(genesis, StandardCharsets.UTF_8);
    }

    /**
     * @return true when some of the genesis rules were read and not all of them.
     */
    public boolean genesisPartial()
    {
        return genesis != null && genesisRead < genesis.length;
    }

    /**
     * Read a journal's genesis rules: its header and the entries right after it.
     *
     * @param directory a journal.
     * @return the genesis rules' text; {@code null} when the journal holds none (begun before rules were journaled,
     *     or empty).
     * @throws JournalFormatException  when the directory is not a journal.
     * @throws JournalCorruptException when the entries do not verify, or the genesis is incomplete.
     */
    public static String readGenesis(final Path directory)
    {
        // The genesis precedes an anchor: a tool that cannot read past the anchor says so itself, once it reads on.
        try (JournalReader reader = open(directory).allowingAnchor())
        {
            reader.readGenesisEntries(new Command(), new Decision());
            return reader.genesisRules();
        }
    }

    /**
     * Read the header and the genesis entries after it, and the entry that follows them if there is one.
     *
     * @param command  receives the command of the entry after the genesis, when it is one.
     * @param decision receives its decision.
     * @return the kind of the entry after the genesis, or -1 at the end of the journal.
     * @throws JournalCorruptException when an entry does not verify, or the genesis ends before its last part.
     */
    public int readGenesisEntries(final Command command, final Decision decision)
    {
        int kind;
        do
        {
            kind = nextEntry(command, decision);
        }
        while (kind == KIND_RULES);
        if (genesisPartial())
        {
            throw corrupt(entries, "the genesis rules end after " + genesisRead + " of " + genesis.length +
                " bytes: the journal was begun and not finished; it holds no command");
        }
        return kind;
    }

    /** An entry other than a command's, verified and read: its kind. */
    private int readOther(final byte kind, final long index, final long seq, final long timestampNs,
        final int bodyLength)
    {
        switch (kind)
        {
            case KIND_CHECKPOINT -> readCheckpoint(index, seq, bodyLength);
            case KIND_CUT -> readCut(index, seq, timestampNs, bodyLength);
            case KIND_RULES -> readRules(index, seq, bodyLength);
            case KIND_ANCHOR -> readAnchor(index, seq, bodyLength);
            default -> throw corrupt(index, "unexpected entry kind=" + kind + ", expected=" + KIND_COMMAND + ", " +
                KIND_CHECKPOINT + ", " + KIND_CUT + ", " + KIND_RULES + " or " + KIND_ANCHOR);
        }
        return kind;
    }

    /**
     * Read a journal that may begin at an anchor ({@link JournalEntryDescriptor#KIND_ANCHOR}): a cluster node's, seeded
     * from the cluster's snapshot. A reader that replays a journal from its first command into a fresh guard must not:
     * without this, such a journal is refused at its anchor ({@link JournalFormatException}), naming it.
     *
     * @return this reader.
     */
    public JournalReader allowingAnchor()
    {
        anchorAllowed = true;
        return this;
    }

    private void readAnchor(final long index, final long seq, final int bodyLength)
    {
        if (!anchorAllowed)
        {
            throw new JournalFormatException("journal " + directory + " begins at an anchor after seq=" + seq +
                " (entry " + index + "): a cluster node's journal, seeded from the cluster's snapshot, holds no " +
                "command before it and cannot be replayed from its start here; audit verify replays it from the " +
                "snapshot kept beside it, and another node's journal holds what came before");
        }
        if (bodyLength != ANCHOR_BODY_LENGTH)
        {
            throw corrupt(index, "anchor bodyLength=" + bodyLength + ", expected=" + ANCHOR_BODY_LENGTH);
        }
        if (commands > 0 || anchor != null || !cuts.isEmpty())
        {
            throw corrupt(index, "anchor out of place: after " + commands + " commands" +
                (anchor != null ? " and another anchor" : ""));
        }
        if (genesis != null && genesisRead < genesis.length)
        {
            throw corrupt(index, "the genesis rules end after " + genesisRead + " of " + genesis.length + " bytes");
        }
        if (seq < 1)
        {
            throw corrupt(index, "anchor seq=" + seq + " must be >= 1");
        }
        final String chainHex = hexField(index, BODY_OFFSET + ANCHOR_CHAIN_OFFSET, "anchor chain value");
        final String stateHash = hexField(index, BODY_OFFSET + ANCHOR_STATE_HASH_OFFSET, "anchor state hash");
        // The next entry chains on the value the anchor names, as the command after seq does in the other journals.
        chain.reset(java.util.HexFormat.of().parseHex(chainHex), 0);
        lastSeq = seq;
        anchor = new Anchor(index, seq, chainHex, stateHash);
    }

    /**
     * @return the journal's anchor once read: it begins its evidence at a sequence other journals reached; {@code null}
     *     when it has none (it begins at the first command).
     */
    public Anchor anchor()
    {
        return anchor;
    }

    /**
     * An anchor entry ({@link JournalEntryDescriptor#KIND_ANCHOR}): the journal begins its evidence after
     * {@code seq}, chained on the value other journals have there, from a state with that hash.
     *
     * @param entryIndex   the index of the anchor entry itself.
     * @param seq          the sequence it begins after.
     * @param chainHeadHex the chain value at {@code seq} it continues, 64 hex digits.
     * @param stateHashHex the state hash at {@code seq}, 64 hex digits.
     */
    public record Anchor(long entryIndex, long seq, String chainHeadHex, String stateHashHex)
    {
    }

    private void readCut(final long index, final long seq, final long timestampNs, final int bodyLength)
    {
        final int noteLength = bodyLength < CUT_NOTE_OFFSET ? -1 :
            entryBuffer.getShort(BODY_OFFSET + CUT_NOTE_LENGTH_OFFSET, BYTE_ORDER);
        if (noteLength < 0 || noteLength > CUT_NOTE_LENGTH_MAX || bodyLength != CUT_NOTE_OFFSET + noteLength)
        {
            throw corrupt(index, "cut bodyLength=" + bodyLength + " does not hold its note, noteLength=" + noteLength);
        }
        if (seq != lastSeq)
        {
            throw corrupt(index, "cut after seq=" + seq + " but the last command is seq=" + lastSeq);
        }
        final String chainHex = hexField(index, BODY_OFFSET + CUT_CHAIN_OFFSET, "cut chain value");
        final String previous = Sha256.hex(previousHead, 0, CHAIN_LENGTH);
        if (!chainHex.equals(previous))
        {
            throw corrupt(index, "cut records chain value " + chainHex + " but the entry before it has " + previous);
        }
        final long lastEntryIndex = entryBuffer.getLong(BODY_OFFSET + CUT_LAST_ENTRY_INDEX_OFFSET, BYTE_ORDER);
        if (lastEntryIndex != index - 1)
        {
            throw corrupt(index, "cut records the last entry kept as index " + lastEntryIndex + ", is " + (index - 1));
        }
        final long droppedEntries = entryBuffer.getLong(BODY_OFFSET + CUT_DROPPED_ENTRIES_OFFSET, BYTE_ORDER);
        final long droppedFirstSeq = entryBuffer.getLong(BODY_OFFSET + CUT_DROPPED_FIRST_SEQ_OFFSET, BYTE_ORDER);
        final long droppedLastSeq = entryBuffer.getLong(BODY_OFFSET + CUT_DROPPED_LAST_SEQ_OFFSET, BYTE_ORDER);
        if (droppedEntries < 0 || (droppedFirstSeq == 0) != (droppedLastSeq == 0) || droppedLastSeq < droppedFirstSeq)
        {
            throw corrupt(index, "cut records dropped entries=" + droppedEntries + " seq " + droppedFirstSeq + ".." +
                droppedLastSeq + " after seq=" + seq);
        }
        final String note = new String(entry, BODY_OFFSET + CUT_NOTE_OFFSET, noteLength, StandardCharsets.US_ASCII);
        cuts.add(new Cut(index, seq, timestampNs, chainHex, lastEntryIndex, droppedEntries, droppedFirstSeq,
            droppedLastSeq, note));
    }

    private String hexField(final long index, final int offset, final String name)
    {
        final String hex = new String(entry, offset, CHAIN_LENGTH * 2, StandardCharsets.US_ASCII);
        for (int i = 0; i < hex.length(); i++)
        {
            if (Character.digit(hex.charAt(i), 16) < 0 || Character.isUpperCase(hex.charAt(i)))
            {
                throw corrupt(index, name + " is not 64 lower-case hex digits: " + hex);
            }
        }
        return hex;
    }

    /**
     * Position a fresh reader right after a checkpoint's command entry, so that reading goes on from there: the
     * header is checked, then the entry at the checkpoint's queue index must be the command at its sequence with the
     * chain value the checkpoint records; the chain is verified from that value on. For recovery after a snapshot,
     * once the whole journal was verified on opening: what comes before is not read again.
     *
     * @param checkpoint a checkpoint of this journal.
     * @throws JournalCorruptException when the entry there is not the one the checkpoint names.
     */
    public void startAfter(final Checkpoint checkpoint)
    {
        if (headerRead || entries > 0)
        {
            throw new IllegalStateException("startAfter on a reader that has read already: entries=" + entries);
        }
        assert walker == null : "startAfter needs the queue's index";
        final int headerLength = readEntry();
        if (headerLength < 0)
        {
            throw corrupt(0, "empty journal, checkpoint=" + checkpoint);
        }
        checkHeader(headerLength);
        headerRead = true;
        if (!tailer.moveToIndex(checkpoint.queueIndex()))
        {
            throw corrupt(checkpoint.entryIndex(), "checkpoint queueIndex=" +
                Long.toHexString(checkpoint.queueIndex()) + " not in the journal: " + checkpoint);
        }
        final int length = readEntry();
        final String stored = length < 0 ? "none" : Sha256.hex(entry, length - CHAIN_LENGTH, CHAIN_LENGTH);
        if (length < 0 || entryBuffer.getByte(KIND_OFFSET) != KIND_COMMAND ||
            entryBuffer.getLong(SEQ_OFFSET, BYTE_ORDER) != checkpoint.seq() ||
            !stored.equals(checkpoint.chainHeadHex()))
        {
            throw corrupt(checkpoint.entryIndex(), "the entry at the checkpoint's queue index is not seq=" +
                checkpoint.seq() + " with chain value " + checkpoint.chainHeadHex() + ", found chain value " + stored);
        }
        chain.reset(entry, length - CHAIN_LENGTH);
        entries = checkpoint.seqEntryIndex() + 1;
        lastSeq = checkpoint.seq();
        lastTimestampNs = entryBuffer.getLong(TIMESTAMP_OFFSET, BYTE_ORDER);
        commands = 1;
    }

    /**
     * Find the newest checkpoint entry of the journal without reading it from the start: stretches of entries are
     * read back from the end, each twice as long as the one after it, into earlier cycle files as needed, until one
     * holds a checkpoint. So the cost is that of the entries after the newest checkpoint (at most about twice that),
     * not of the journal. Nothing is verified here: {@link #startAfter(Checkpoint)} checks that the checkpoint names
     * its entry, and the chain is verified from there on.
     *
     * @return the newest checkpoint, or {@code null} when the journal holds none (or a stretch cannot be read, and
     *         the caller reads the journal whole instead).
     */
    Checkpoint newestCheckpoint()
    {
        final long last = queue.lastIndex();
        if (last < 0 || !(queue instanceof SingleChronicleQueue))
        {
            return null;
        }
        final RollCycle rollCycle = queue.rollCycle();
        int cycle = rollCycle.toCycle(last);
        long cycleEnd = rollCycle.toSequenceNumber(last) + 1;
        long stop = Long.MAX_VALUE;
        long distance = CHECKPOINT_SCAN_MIN;
        try (ExcerptTailer scanner = queue.createTailer())
        {
            while (true)
            {
                final long fromSeq = Math.max(0, cycleEnd - distance);
                final long from = rollCycle.toIndex(cycle, fromSeq);
                if (!scanner.moveToIndex(from))
                {
                    return null;
                }
                final Checkpoint found = newestCheckpointBefore(scanner, stop);
                if (found != null || cutFound)
                {
                    // After a cut, the checkpoints before it name entries of the journal it was cut from.
                    return found;
                }
                stop = from;
                distance *= 2;
                if (fromSeq > 0)
                {
                    cycleEnd = fromSeq;
                    continue;
                }
                cycle = ((SingleChronicleQueue)queue).nextCycle(cycle, TailerDirection.BACKWARD);
                if (cycle < 0)
                {
                    return null;
                }
                cycleEnd = scanner.excerptsInCycle(cycle);
            }
        }
        catch (final java.text.ParseException ex)
        {
            // A cycle file name Chronicle cannot parse: read the journal whole instead, which names the problem.
            return null;
        }
    }

    /**
     * @return the last checkpoint among the excerpts from the scanner's position up to {@code stop} (an index,
     *         exclusive), parsed but not verified; {@code null} when there is none.
     */
    private Checkpoint newestCheckpointBefore(final ExcerptTailer scanner, final long stop)
    {
        // A cut found in this stretch stops the search: only a checkpoint after it counts.
        Checkpoint newest = null;
        while (true)
        {
            try (DocumentContext context = scanner.readingDocument())
            {
                if (!context.isPresent())
                {
                    return newest;
                }
                if (context.index() >= stop)
                {
                    context.rollbackOnClose();
                    return newest;
                }
                excerptsRead++;
                final Bytes<?> bytes = context.wire().bytes();
                final byte kind = bytes.readRemaining() > KIND_OFFSET ?
                    bytes.readByte(bytes.readPosition() + KIND_OFFSET) : 0;
                if (kind == KIND_CUT)
                {
                    cutFound = true;
                    newest = null;
                    continue;
                }
                if (bytes.readRemaining() != JournalEntryDescriptor.entryLength(CHECKPOINT_BODY_LENGTH) ||
                    kind != KIND_CHECKPOINT)
                {
                    continue;
                }
                final int length = bytes.read(entry, 0, (int)bytes.readRemaining());
                final Checkpoint checkpoint = unverifiedCheckpoint(length);
                newest = checkpoint == null ? newest : checkpoint;
            }
        }
    }

    /**
     * @return the checkpoint in {@link #entry}, or {@code null} when its fields are not well formed.
     */
    private Checkpoint unverifiedCheckpoint(final int length)
    {
        if (length != JournalEntryDescriptor.entryLength(CHECKPOINT_BODY_LENGTH) ||
            entryBuffer.getInt(BODY_LENGTH_OFFSET, BYTE_ORDER) != CHECKPOINT_BODY_LENGTH)
        {
            return null;
        }
        final String[] hex = new String[3];
        final int[] offsets =
            {CHECKPOINT_STATE_HASH_OFFSET, CHECKPOINT_CHAIN_OFFSET, CHECKPOINT_SNAPSHOT_DIGEST_OFFSET};
        for (int i = 0; i < hex.length; i++)
        {
            hex[i] = new String(entry, BODY_OFFSET + offsets[i], CHAIN_LENGTH * 2, StandardCharsets.US_ASCII);
            if (!isLowerHex(hex[i]))
            {
                return null;
            }
        }
        // Its own entry index is not known without counting from the start; reading on from its command entry
        // counts it again, and records the checkpoint with it.
        return new Checkpoint(entryBuffer.getLong(SEQ_OFFSET, BYTE_ORDER), hex[0], hex[1], -1,
            entryBuffer.getLong(BODY_OFFSET + CHECKPOINT_QUEUE_INDEX_OFFSET, BYTE_ORDER),
            entryBuffer.getLong(BODY_OFFSET + CHECKPOINT_ENTRY_INDEX_OFFSET, BYTE_ORDER), hex[2]);
    }

    private static boolean isLowerHex(final String hex)
    {
        for (int i = 0; i < hex.length(); i++)
        {
            if (Character.digit(hex.charAt(i), 16) < 0 || Character.isUpperCase(hex.charAt(i)))
            {
                return false;
            }
        }
        return true;
    }

    /**
     * @param count excerpts read by an earlier reader on the same errand, counted in {@link #excerptsRead()}.
     */
    void excerptsReadBefore(final long count)
    {
        excerptsRead += count;
    }

    /**
     * @return excerpts read so far, by reading and by searching for a checkpoint.
     */
    long excerptsRead()
    {
        return excerptsRead;
    }

    /**
     * @return the checkpoint entry read last, or {@code null}.
     */
    public Checkpoint lastCheckpoint()
    {
        return lastCheckpoint;
    }

    /**
     * @return every checkpoint entry read so far, in journal order.
     */
    public List<Checkpoint> checkpoints()
    {
        return checkpoints;
    }

    /**
     * A checkpoint entry: at {@link #seq()} the journal's chain value was {@link #chainHeadHex()} and the state it
     * produces hashed to {@link #stateHashHex()}.
     */
    public static final class Checkpoint
    {
        private final long seq;
        private final String stateHashHex;
        private final String chainHeadHex;
        private final long entryIndex;
        private final long queueIndex;
        private final long seqEntryIndex;
        private final String snapshotDigestHex;

        Checkpoint(
            final long seq, final String stateHashHex, final String chainHeadHex, final long entryIndex,
            final long queueIndex, final long seqEntryIndex, final String snapshotDigestHex)
        {
            this.snapshotDigestHex = snapshotDigestHex;
            this.seqEntryIndex = seqEntryIndex;
            this.seq = seq;
            this.stateHashHex = stateHashHex;
            this.chainHeadHex = chainHeadHex;
            this.entryIndex = entryIndex;
            this.queueIndex = queueIndex;
        }

        /**
         * @return the SHA-256 of the snapshot file taken at {@link #seq()}, 64 hex digits; zeros when none.
         */
        public String snapshotDigestHex()
        {
            return snapshotDigestHex;
        }

        /**
         * @return the index in the journal of the command entry at {@link #seq()}.
         */
        public long seqEntryIndex()
        {
            return seqEntryIndex;
        }

        /**
         * @return the Chronicle Queue index of the command entry at {@link #seq()}.
         */
        public long queueIndex()
        {
            return queueIndex;
        }

        /**
         * @return the sequence of the command entry after which the state was taken.
         */
        public long seq()
        {
            return seq;
        }

        /**
         * @return the state hash at that sequence, 64 hex digits.
         */
        public String stateHashHex()
        {
            return stateHashHex;
        }

        /**
         * @return the chain value of that sequence's entry, 64 hex digits.
         */
        public String chainHeadHex()
        {
            return chainHeadHex;
        }

        /**
         * @return the index of the checkpoint entry itself in the journal.
         */
        public long entryIndex()
        {
            return entryIndex;
        }

        @Override
        public String toString()
        {
            return "Checkpoint{seq=" + seq + ", stateHash=" + stateHashHex + ", chainHead=" + chainHeadHex +
                ", entryIndex=" + entryIndex + ", snapshotDigest=" + snapshotDigestHex + '}';
        }
    }

    /**
     * @return every cut entry read so far, in journal order.
     */
    public List<Cut> cuts()
    {
        return cuts;
    }

    /**
     * A cut entry: {@code audit repair} kept the entries up to {@link #seq()} of a damaged journal and dropped the
     * rest ({@link JournalEntryDescriptor#KIND_CUT}).
     */
    public static final class Cut
    {
        private final long entryIndex;
        private final long seq;
        private final long timestampNs;
        private final String chainHeadHex;
        private final long lastEntryIndex;
        private final long droppedEntries;
        private final long droppedFirstSeq;
        private final long droppedLastSeq;
        private final String note;

        Cut(final long entryIndex, final long seq, final long timestampNs, final String chainHeadHex,
            final long lastEntryIndex, final long droppedEntries, final long droppedFirstSeq, final long droppedLastSeq,
            final String note)
        {
            this.entryIndex = entryIndex;
            this.seq = seq;
            this.timestampNs = timestampNs;
            this.chainHeadHex = chainHeadHex;
            this.lastEntryIndex = lastEntryIndex;
            this.droppedEntries = droppedEntries;
            this.droppedFirstSeq = droppedFirstSeq;
            this.droppedLastSeq = droppedLastSeq;
            this.note = note;
        }

        /**
         * @return the index of the cut entry itself.
         */
        public long entryIndex()
        {
            return entryIndex;
        }

        /**
         * @return the last command kept, 0 when none.
         */
        public long seq()
        {
            return seq;
        }

        /**
         * @return when the repair ran, nanoseconds since the epoch.
         */
        public long timestampNs()
        {
            return timestampNs;
        }

        /**
         * @return the chain value of the last entry kept, 64 hex digits.
         */
        public String chainHeadHex()
        {
            return chainHeadHex;
        }

        /**
         * @return the index of the last entry kept.
         */
        public long lastEntryIndex()
        {
            return lastEntryIndex;
        }

        /**
         * @return the whole entries of the source read after the cut and dropped.
         */
        public long droppedEntries()
        {
            return droppedEntries;
        }

        /**
         * @return the first command dropped, 0 when none could be read.
         */
        public long droppedFirstSeq()
        {
            return droppedFirstSeq;
        }

        /**
         * @return the last command dropped that could be read, 0 when none.
         */
        public long droppedLastSeq()
        {
            return droppedLastSeq;
        }

        /**
         * @return the source directory and the damage that ended its reading, if any.
         */
        public String note()
        {
            return note;
        }

        @Override
        public String toString()
        {
            return "Cut{seq=" + seq + ", entryIndex=" + entryIndex + ", chainHead=" + chainHeadHex + ", dropped=" +
                droppedEntries + " entries, seq " + droppedFirstSeq + ".." + droppedLastSeq + ", note=" + note + '}';
        }
    }

    /**
     * Read and verify the journal header, and nothing after it.
     *
     * @return false when the journal holds no entry at all.
     * @throws JournalFormatException when the first entry is not a journal header of this version.
     */
    boolean readHeader()
    {
        assert !headerRead : "header read twice";
        final int length = readEntry();
        if (length < 0)
        {
            return false;
        }
        checkHeader(length);
        headerRead = true;
        return true;
    }

    /**
     * @param into receives the bytes of the entry read last, as stored.
     * @return its length.
     */
    int copyEntry(final byte[] into)
    {
        System.arraycopy(entry, 0, into, 0, lastLength);
        return lastLength;
    }

    /**
     * Read and verify every remaining entry.
     *
     * @return commands in the whole journal.
     * @throws JournalFormatException  as {@link #next(Command)}.
     * @throws JournalCorruptException as {@link #next(Command)}.
     */
    public long verifyAll()
    {
        final Command command = new Command();
        while (next(command))
        {
            assert command.seq == lastSeq : "seq=" + command.seq + ", lastSeq=" + lastSeq;
        }
        return commands;
    }

    /**
     * @return entries read and verified so far, the header included.
     */
    public long entries()
    {
        return entries;
    }

    /**
     * @return commands read and verified so far.
     */
    public long commands()
    {
        return commands;
    }

    /**
     * @return the sequence of the last command read, 0 before the first.
     */
    public long lastSeq()
    {
        return lastSeq;
    }

    /**
     * @return the sequencing time of the last command read, 0 before the first.
     */
    public long lastTimestampNs()
    {
        return lastTimestampNs;
    }

    /**
     * @return true once the journal header has been read and accepted.
     */
    public boolean headerRead()
    {
        return headerRead;
    }

    /**
     * @return the command codec version the journal's header names: {@link CommandCodec#VERSION}, or
     *         {@link CommandCodec#VERSION_3} for a journal begun before client ids.
     */
    public byte headerCodecVersion()
    {
        return headerCodecVersion;
    }

    /**
     * @return the chain value after the last entry read, as 64 hex digits (zeros before the first).
     */
    public String chainHeadHex()
    {
        final byte[] head = new byte[CHAIN_LENGTH];
        chain.head(head);
        return Sha256.hex(head, 0, CHAIN_LENGTH);
    }

    /**
     * Let a writer continue the chain where this reader stopped.
     *
     * @return the chain, positioned after the last entry read.
     */
    HashChain chain()
    {
        return chain;
    }

    /**
     * @return the body length of the entry read last.
     */
    int lastBodyLength()
    {
        return lastLength - BODY_OFFSET - CHAIN_LENGTH;
    }

    /**
     * @param into   receives the body of the entry read last (for a command entry, the command and its decision as
     *               encoded), {@link #lastBodyLength()} bytes.
     * @param offset where they go.
     */
    void copyLastBody(final byte[] into, final int offset)
    {
        System.arraycopy(entry, BODY_OFFSET, into, offset, lastLength - BODY_OFFSET - CHAIN_LENGTH);
    }

    /**
     * Let the reader be opened, read and closed on different threads, one after the other, each handing it to the next
     * with a happens-before ({@link JournalReadAhead}): Chronicle Queue checks by default that one thread uses a
     * tailer.
     */
    void shareBetweenThreads()
    {
        assert walker == null : "a reader of files has no tailer";
        tailer.singleThreadedCheckDisabled(true);
    }

    @Override
    public void close()
    {
        if (walker != null)
        {
            walker.close();
            return;
        }
        tailer.close();
        if (ownsQueue)
        {
            queue.close();
        }
    }

    /**
     * @return the excerpt's length, copied into {@link #entry}, or -1 at the end of the journal.
     */
    private int readEntry()
    {
        if (damage != null && entries >= damage.entryIndex())
        {
            // The entry is not whole in its file (or its file is unreadable): the tailer must not go near it.
            throw damage.exception(directory);
        }
        if (walker != null)
        {
            final int excerptLength = walker.next(entry);
            if (excerptLength < 0)
            {
                if (walker.damage() != null)
                {
                    throw walker.damage().exception(directory);
                }
                return -1;
            }
            return checkedLength(excerptLength, Math.min(excerptLength, ENTRY_LENGTH_MAX));
        }
        try (DocumentContext context = tailer.readingDocument())
        {
            if (!context.isPresent())
            {
                return -1;
            }
            lastQueueIndex = context.index();
            final Bytes<?> bytes = context.wire().bytes();
            final long remaining = bytes.readRemaining();
            return checkedLength(remaining, bytes.read(entry, 0, (int)Math.min(remaining, ENTRY_LENGTH_MAX)));
        }
    }

    /**
     * Count the excerpt just copied into {@link #entry} and check its length.
     *
     * @return its length.
     */
    private int checkedLength(final long remaining, final int read)
    {
        final long index = entries++;
        excerptsRead++;
        final int length = (int)Math.min(remaining, ENTRY_LENGTH_MAX);
        if (remaining < BODY_OFFSET + CHAIN_LENGTH || remaining > ENTRY_LENGTH_MAX)
        {
            if (index == 0)
            {
                throw notOurs("firstEntry=" + printable(read) + ", excerptLength=" + remaining);
            }
            throw corrupt(index, "excerptLength=" + remaining + " outside " + (BODY_OFFSET + CHAIN_LENGTH) + ".." +
                ENTRY_LENGTH_MAX);
        }
        if (read != length)
        {
            throw corrupt(index, "short read: read=" + read + ", excerptLength=" + length);
        }
        lastLength = length;
        return length;
    }

    private void checkHeader(final int length)
    {
        final byte kind = entryBuffer.getByte(KIND_OFFSET);
        final int bodyLength = entryBuffer.getInt(BODY_LENGTH_OFFSET, BYTE_ORDER);
        if (kind != KIND_HEADER || bodyLength < HEADER_DECISION_CODEC_VERSION_OFFSET ||
            JournalEntryDescriptor.entryLength(bodyLength) != length ||
            !Arrays.equals(entry, BODY_OFFSET + HEADER_MAGIC_OFFSET, BODY_OFFSET + HEADER_MAGIC_OFFSET + MAGIC.length,
                MAGIC, 0, MAGIC.length))
        {
            throw notOurs("firstEntry=" + printable(length) + ", excerptLength=" + length);
        }
        final int formatVersion = entryBuffer.getInt(BODY_OFFSET + HEADER_FORMAT_VERSION_OFFSET, BYTE_ORDER);
        final byte codecVersion = entryBuffer.getByte(BODY_OFFSET + HEADER_CODEC_VERSION_OFFSET);
        final byte decisionCodecVersion = bodyLength > HEADER_DECISION_CODEC_VERSION_OFFSET ?
            entryBuffer.getByte(BODY_OFFSET + HEADER_DECISION_CODEC_VERSION_OFFSET) : 0;
        // A journal begun before client ids (codec 3) is read and continued: its entries decode as naming no client.
        if (formatVersion != FORMAT_VERSION ||
            (codecVersion != CommandCodec.VERSION && codecVersion != CommandCodec.VERSION_3) ||
            decisionCodecVersion != DecisionCodec.VERSION)
        {
            throw new JournalFormatException("incompatible ledger-guard journal: directory=" + directory +
                ", formatVersion=" + formatVersion + ", expected=" + FORMAT_VERSION + ", codecVersion=" +
                codecVersion + ", expected=" + CommandCodec.VERSION + " (or " + CommandCodec.VERSION_3 +
                "), decisionCodecVersion=" +
                decisionCodecVersion + ", expected=" + DecisionCodec.VERSION);
        }
        if (!chain.verify(entry, length - CHAIN_LENGTH, computed))
        {
            throw corrupt(0, "chain mismatch in the journal header");
        }
        headerCodecVersion = codecVersion;
    }

    private JournalFormatException notOurs(final String found)
    {
        return new JournalFormatException("not a ledger-guard journal: directory=" + directory + ", " + found +
            ", expected=a first entry with magic " + new String(MAGIC, StandardCharsets.US_ASCII));
    }

    private JournalCorruptException corrupt(final long index, final String problem)
    {
        return new JournalCorruptException(directory, index, problem, lastGood(index));
    }

    /**
     * @return the last good entry before a bad one, and how to go on from it, for an operator.
     */
    private String lastGood(final long index)
    {
        if (index <= 0)
        {
            return "no entry before it is good: restore the journal from a copy";
        }
        return "the last good entry: index=" + (index - 1) + " seq=" + lastSeq + "; to serve from it, write the " +
            "journal up to it into a new directory: ledger-guard audit repair " + directory + " --truncate-after " +
            lastSeq + " --out NEWDIR";
    }

    /**
     * @return the first bytes of the entry, printable ASCII kept and the rest as dots, for a message.
     */
    private String printable(final int length)
    {
        final int shown = Math.max(0, Math.min(length, 48));
        final StringBuilder text = new StringBuilder(shown + 2).append('"');
        for (int i = 0; i < shown; i++)
        {
            final int b = entry[i] & 0xFF;
            text.append(b >= 0x20 && b < 0x7F ? (char)b : '.');
        }
        return text.append('"').toString();
    }
}
