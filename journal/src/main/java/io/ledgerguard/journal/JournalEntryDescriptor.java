package io.ledgerguard.journal;

import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

import io.ledgerguard.core.CommandCodec;
import io.ledgerguard.core.DecisionCodec;

/**
 * The layout of one journal entry: the body of one Chronicle Queue excerpt. Little-endian.
 * <pre>
 *   0      1        4           8      16            24                    24 + bodyLength      + 32
 *   +------+--------+-----------+------+-------------+---------------------+--------------------+
 *   | kind | 0 0 0  | bodyLength| seq  | timestampNs | body                | chain (SHA-256)    |
 *   +------+--------+-----------+------+-------------+---------------------+--------------------+
 * </pre>
 * {@code chain} is {@code h_n = SHA-256(h_(n-1) || bytes [0, 24 + bodyLength))}, with {@code h_(-1)} 32 zero bytes,
 * so each entry seals every entry before it: a modified, inserted, deleted or reordered entry breaks the chain at
 * that entry. Entry 0 is always a {@link #KIND_HEADER} entry whose body is
 * <pre>
 *   0                          20               24             25                     26
 *   +--------------------------+----------------+--------------+----------------------+
 *   | "LEDGER-GUARD-JOURNAL"   | formatVersion  | codecVersion | decisionCodecVersion |
 *   +--------------------------+----------------+--------------+----------------------+
 * </pre>
 * Every later entry is either
 * <ul>
 *     <li>a {@link #KIND_COMMAND} entry, with consecutive sequences: the {@link CommandCodec} form of the command
 *     (which starts with its own length) followed by the {@link DecisionCodec} form of the guard's decision on it,
 *     alerts included; or</li>
 *     <li>a {@link #KIND_CHECKPOINT} entry, whose {@code seq} is the sequence of an earlier command entry, after
 *     which the guard copied its state for a snapshot, and whose body is
 * <pre>
 *   0                     64                      128              136              144                     208
 *   +---------------------+-----------------------+----------------+----------------+-----------------------+
 *   | state hash at seq   | chain value of entry  | queue index of | entry index of | SHA-256 of the        |
 *   | (64 hex)            | seq (64 hex)          | entry seq      | entry seq      | snapshot file (64 hex)|
 *   +---------------------+-----------------------+----------------+----------------+-----------------------+
 * </pre>
 *     with the hashes in ASCII hex. It is a statement anyone can publish: the journal up to {@code seq} ends in
 *     that chain value, and the state it produces has that hash and was written to a snapshot file with that
 *     digest (64 zeros when no file was written). The indexes let a reader start at that entry, as recovery after
 *     a snapshot does, and check the chain on from the recorded value; the digest lets recovery load only the
 *     snapshot bytes the chain vouches for. It follows its command entry once the snapshot is written, so later
 *     command entries may come between them.</li>
 *     <li>a {@link #KIND_CUT} entry, written only by {@code audit repair} ({@link JournalRepair}) as the last entry
 *     of a new journal that holds a damaged journal's entries, byte for byte, up to a sequence. Its {@code seq} is
 *     the last command kept (0 when none), its {@code timestampNs} when the repair ran (wall clock), and its body
 * <pre>
 *   0                      64                  72                80                88               96      98
 *   +----------------------+-------------------+-----------------+-----------------+----------------+-------+------+
 *   | chain value of the   | index of the last | entries dropped | first seq       | last seq       | note  | note |
 *   | last entry kept (hex)| entry kept        | (whole, read)   | dropped (0 none)| dropped (0 none)| length| ASCII|
 *   +----------------------+-------------------+-----------------+-----------------+----------------+-------+------+
 * </pre>
 *     It chains on the last entry kept like any entry, so nothing before it is re-chained: every chain value and
 *     checkpoint published up to the cut still verifies in the new journal. It states the loss: the whole entries
 *     of the source after the cut and the lowest and highest sequence their commands record (past a damaged entry
 *     they are read but cannot be verified), and in the note (at most {@link #CUT_NOTE_LENGTH_MAX} bytes) the source
 *     directory and the damage that ended the verified reading. The entries after it continue the sequence from its
 *     {@code seq}.</li>
 *     <li>a {@link #KIND_ANCHOR} entry, at most one, before any command entry: the journal of a cluster node that
 *     started from the cluster's snapshot rather than from the first command (a node seeded after its disk was
 *     wiped) begins its evidence there. Its {@code seq} is the snapshot's sequence, its {@code timestampNs} 0, and its
 *     body
 * <pre>
 *   0                                     64                          128
 *   +-------------------------------------+---------------------------+
 *   | chain value of entry seq in the     | state hash at seq (64 hex)|
 *   | other nodes' journals (64 hex)      |                           |
 *   +-------------------------------------+---------------------------+
 * </pre>
 *     It is chained on the entry before it like any entry; the entry after it, the command at {@code seq + 1},
 *     chains on the chain value it names instead, so that from then on this journal's chain values are the other
 *     nodes' at the same sequences. What it names is checked against another node's journal or a published chain
 *     head; the state it names against the snapshot the node started from.</li>
 * </ul>
 * A journal begun since rules were journaled (SPEC §13) holds, right after its header, the
 * {@link #KIND_RULES} entries of its genesis: {@code seq} 0, and a body of
 * <pre>
 *   0              4              8
 *   +--------------+--------------+----------------------------+
 *   | total length | part offset  | part of the rules' text    |
 *   +--------------+--------------+----------------------------+
 * </pre>
 * the parts in order, together the rules' text (UTF-8, {@link io.ledgerguard.core.Rules}). A journal begun before holds
 * none, and is read with the rules of a configuration file, as before.
 * <p>
 * The format version stays {@value #FORMAT_VERSION} with the cut entry: the header is the first link of the chain, so
 * a new version in it would mean re-chaining every entry kept, and the chain values published before the cut would no
 * longer verify. A reader of an earlier build refuses a journal holding a cut entry at that entry, by its kind.
 */
public final class JournalEntryDescriptor
{
    /** Byte order of every field the journal itself writes; {@link CommandCodec} writes in the same order. */
    public static final ByteOrder BYTE_ORDER = ByteOrder.LITTLE_ENDIAN;

    public static final int KIND_OFFSET = 0;
    public static final int BODY_LENGTH_OFFSET = 4;
    public static final int SEQ_OFFSET = 8;
    public static final int TIMESTAMP_OFFSET = 16;
    public static final int BODY_OFFSET = 24;
    /** Bytes of a SHA-256 value. */
    public static final int CHAIN_LENGTH = 32;

    /** The first entry of every journal: what it is and which versions wrote it. */
    public static final byte KIND_HEADER = 1;
    /** A sequenced input command and the decision on it. */
    public static final byte KIND_COMMAND = 2;
    /** The state hash and chain value at an earlier command's sequence. */
    public static final byte KIND_CHECKPOINT = 3;
    /** Where {@code audit repair} cut a damaged journal, and what was dropped. */
    public static final byte KIND_CUT = 4;
    /**
     * The genesis: the rules of the configuration the journal was begun with (SPEC §13), in the text form of
     * {@link io.ledgerguard.core.Rules}, in one or more entries right after the header, each with {@code seq} 0.
     */
    public static final byte KIND_RULES = 5;
    /** Where the journal of a node started from the cluster's snapshot begins its evidence, on which chain value. */
    public static final byte KIND_ANCHOR = 6;

    /** Marks a directory as a ledger-guard journal. */
    public static final byte[] MAGIC = "LEDGER-GUARD-JOURNAL".getBytes(StandardCharsets.US_ASCII);
    /** Version of this entry layout; a journal of another version is refused. */
    public static final int FORMAT_VERSION = 2;
    public static final int HEADER_MAGIC_OFFSET = 0;
    public static final int HEADER_FORMAT_VERSION_OFFSET = 20;
    public static final int HEADER_CODEC_VERSION_OFFSET = 24;
    public static final int HEADER_DECISION_CODEC_VERSION_OFFSET = 25;
    public static final int HEADER_BODY_LENGTH = 26;

    public static final int CHECKPOINT_STATE_HASH_OFFSET = 0;
    public static final int CHECKPOINT_CHAIN_OFFSET = 64;
    public static final int CHECKPOINT_QUEUE_INDEX_OFFSET = 128;
    public static final int CHECKPOINT_ENTRY_INDEX_OFFSET = 136;
    public static final int CHECKPOINT_SNAPSHOT_DIGEST_OFFSET = 144;
    public static final int CHECKPOINT_BODY_LENGTH = 208;

    public static final int CUT_CHAIN_OFFSET = 0;
    public static final int CUT_LAST_ENTRY_INDEX_OFFSET = 64;
    public static final int CUT_DROPPED_ENTRIES_OFFSET = 72;
    public static final int CUT_DROPPED_FIRST_SEQ_OFFSET = 80;
    public static final int CUT_DROPPED_LAST_SEQ_OFFSET = 88;
    public static final int CUT_NOTE_LENGTH_OFFSET = 96;
    public static final int CUT_NOTE_OFFSET = 98;
    /** Longest note of a cut entry. */
    public static final int CUT_NOTE_LENGTH_MAX = 1024;

    public static final int ANCHOR_CHAIN_OFFSET = 0;
    public static final int ANCHOR_STATE_HASH_OFFSET = 64;
    public static final int ANCHOR_BODY_LENGTH = 128;

    /** A rules entry's body: the whole text's length, this part's offset in it, then the part's bytes. */
    public static final int RULES_TOTAL_LENGTH_OFFSET = 0;
    public static final int RULES_PART_OFFSET_OFFSET = 4;
    public static final int RULES_PART_OFFSET = 8;
    /** Longest genesis, in bytes of UTF-8: far more than the most assets, wallets and keys a configuration holds. */
    public static final int RULES_LENGTH_MAX = 16 << 20;

    /** Longest body of any entry. */
    public static final int BODY_LENGTH_MAX = Math.max(HEADER_BODY_LENGTH,
        CommandCodec.ENCODED_LENGTH_MAX + DecisionCodec.ENCODED_LENGTH_MAX);
    /** Longest entry, chain included. */
    public static final int ENTRY_LENGTH_MAX = BODY_OFFSET + BODY_LENGTH_MAX + CHAIN_LENGTH;

    static
    {
        // Checked once at class load: the magic must fit the space the header body gives it.
        if (MAGIC.length != HEADER_FORMAT_VERSION_OFFSET - HEADER_MAGIC_OFFSET)
        {
            throw new ExceptionInInitializerError("journal magic length=" + MAGIC.length);
        }
        if (CUT_NOTE_OFFSET + CUT_NOTE_LENGTH_MAX > BODY_LENGTH_MAX)
        {
            throw new ExceptionInInitializerError("cut entry longer than bodyLengthMax=" + BODY_LENGTH_MAX);
        }
    }

    private JournalEntryDescriptor()
    {
    }

    /**
     * @param bodyLength bytes of the entry's body.
     * @return bytes of the whole entry, chain included.
     */
    public static int entryLength(final int bodyLength)
    {
        return BODY_OFFSET + bodyLength + CHAIN_LENGTH;
    }
}
