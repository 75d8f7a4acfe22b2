package io.ledgerguard.core;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;

import static java.nio.ByteOrder.LITTLE_ENDIAN;

/**
 * The binary form of a {@link Decision} and its alerts, as journals record it next to the command it decides, so that
 * an auditor reads what was decided without re-running anything. Little-endian. Encoding allocates nothing.
 * <pre>
 *   0        2       3               4            5            6              8      16            24
 *   +--------+-------+---------------+------------+------------+--------------+------+-------------+
 *   | reason | flags | exhaustedTable| linkedCount| alertCount | alertsDropped| txId | timestampNs |
 *   +--------+-------+---------------+------------+------------+--------------+------+-------------+
 *   then linkedCount x (txId long, reason short), then alertCount x the alert below.
 *   0      2      3     4         8          16          24     32            40
 *   +------+------+-----+---------+----------+-----------+------+-------------+-------------------+
 *   | type | scope| 0   | assetId | walletId | accountId | txId | timestampNs | figures 4 x long  |
 *   +------+------+-----+---------+----------+-----------+------+-------------+-------------------+
 * </pre>
 * {@code reason} is {@link Reason#code()}; {@code flags} bit 0 is {@link Decision#duplicate}; {@code exhaustedTable},
 * {@code type} and {@code scope} are the enum's ordinal (exhaustedTable + 1, 0 for none): new constants go at the
 * end, or {@link #VERSION} changes. The decision's seq is the command's and is not repeated.
 */
public final class DecisionCodec
{
    /** Version of this layout; a journal records it so that an incompatible one is refused. */
    public static final byte VERSION = 1;

    static final int REASON_OFFSET = 0;
    static final int FLAGS_OFFSET = 2;
    static final int EXHAUSTED_TABLE_OFFSET = 3;
    static final int LINKED_COUNT_OFFSET = 4;
    static final int ALERT_COUNT_OFFSET = 5;
    static final int ALERTS_DROPPED_OFFSET = 6;
    static final int TX_ID_OFFSET = 8;
    static final int TIMESTAMP_OFFSET = 16;
    public static final int HEADER_LENGTH = 24;
    static final int LINKED_LENGTH = 10;
    public static final int ALERT_LENGTH = 72;
    /** Longest encoding of any decision. */
    public static final int ENCODED_LENGTH_MAX =
        HEADER_LENGTH + Command.BATCH_COMMANDS_MAX * LINKED_LENGTH + Decision.ALERTS_MAX * ALERT_LENGTH;

    private static final int FLAG_DUPLICATE = 1;
    private static final TableKind[] TABLES = TableKind.values();
    private static final AlertType[] ALERT_TYPES = AlertType.values();
    private static final AlertScope[] ALERT_SCOPES = AlertScope.values();

    private DecisionCodec()
    {
    }

    /**
     * @param decision the decision.
     * @param buffer   where to write.
     * @param offset   where its encoding starts.
     * @return bytes written.
     */
    public static int encode(final Decision decision, final MutableDirectBuffer buffer, final int offset)
    {
        assert decision.linkedCount <= Command.BATCH_COMMANDS_MAX : "linkedCount=" + decision.linkedCount;
        buffer.putShort(offset + REASON_OFFSET, (short)decision.reason.code(), LITTLE_ENDIAN);
        buffer.putByte(offset + FLAGS_OFFSET, (byte)(decision.duplicate ? FLAG_DUPLICATE : 0));
        buffer.putByte(offset + EXHAUSTED_TABLE_OFFSET,
            (byte)(decision.exhaustedTable == null ? 0 : decision.exhaustedTable.ordinal() + 1));
        buffer.putByte(offset + LINKED_COUNT_OFFSET, (byte)decision.linkedCount);
        buffer.putByte(offset + ALERT_COUNT_OFFSET, (byte)decision.alertCount);
        buffer.putShort(offset + ALERTS_DROPPED_OFFSET, (short)Math.min(decision.alertsDropped, Short.MAX_VALUE),
            LITTLE_ENDIAN);
        buffer.putLong(offset + TX_ID_OFFSET, decision.txId, LITTLE_ENDIAN);
        buffer.putLong(offset + TIMESTAMP_OFFSET, decision.timestampNs, LITTLE_ENDIAN);
        int at = offset + HEADER_LENGTH;
        for (int i = 0; i < decision.linkedCount; i++)
        {
            buffer.putLong(at, decision.linkedTxIds[i], LITTLE_ENDIAN);
            buffer.putShort(at + 8, (short)decision.linkedReasons[i].code(), LITTLE_ENDIAN);
            at += LINKED_LENGTH;
        }
        for (int i = 0; i < decision.alertCount; i++)
        {
            final Alert alert = decision.alert(i);
            buffer.putByte(at, (byte)alert.type.ordinal());
            buffer.putByte(at + 1, (byte)alert.scope.ordinal());
            buffer.putShort(at + 2, (short)0, LITTLE_ENDIAN);
            buffer.putInt(at + 4, alert.assetId, LITTLE_ENDIAN);
            buffer.putLong(at + 8, alert.walletId, LITTLE_ENDIAN);
            buffer.putLong(at + 16, alert.accountId, LITTLE_ENDIAN);
            buffer.putLong(at + 24, alert.txId, LITTLE_ENDIAN);
            buffer.putLong(at + 32, alert.timestampNs, LITTLE_ENDIAN);
            for (int f = 0; f < AlertType.FIGURES_MAX; f++)
            {
                buffer.putLong(at + 40 + f * 8, f < alert.type.figureCount() ? alert.figure(f) : 0, LITTLE_ENDIAN);
            }
            at += ALERT_LENGTH;
        }
        return at - offset;
    }

    /**
     * Decode a decision written by {@link #encode}.
     *
     * @param buffer   where to read.
     * @param offset   where the encoding starts.
     * @param length   bytes available from {@code offset}.
     * @param seq      the sequence of the command it decides.
     * @param decision receives the decision.
     * @return bytes read.
     * @throws IllegalArgumentException when the bytes are not a decision: an unknown code, or counts that do not fit.
     */
    public static int decode(
        final DirectBuffer buffer, final int offset, final int length, final long seq, final Decision decision)
    {
        if (length < HEADER_LENGTH)
        {
            throw new IllegalArgumentException("decision too short: length=" + length);
        }
        final int reasonCode = buffer.getShort(offset + REASON_OFFSET, LITTLE_ENDIAN);
        final Reason reason = Reason.fromCode(reasonCode);
        if (reason == null)
        {
            throw new IllegalArgumentException("unknown reason code=" + reasonCode);
        }
        final int table = buffer.getByte(offset + EXHAUSTED_TABLE_OFFSET);
        final int linkedCount = buffer.getByte(offset + LINKED_COUNT_OFFSET);
        final int alertCount = buffer.getByte(offset + ALERT_COUNT_OFFSET);
        if (table < 0 || table > TABLES.length || linkedCount < 0 || linkedCount > Command.BATCH_COMMANDS_MAX ||
            alertCount < 0 || alertCount > Decision.ALERTS_MAX)
        {
            throw new IllegalArgumentException("decision counts out of range: exhaustedTable=" + table +
                ", linkedCount=" + linkedCount + ", alertCount=" + alertCount);
        }
        final int encoded = HEADER_LENGTH + linkedCount * LINKED_LENGTH + alertCount * ALERT_LENGTH;
        if (encoded > length)
        {
            throw new IllegalArgumentException("decision truncated: length=" + length + ", needed=" + encoded);
        }
        decision.reset(seq, buffer.getLong(offset + TX_ID_OFFSET, LITTLE_ENDIAN),
            buffer.getLong(offset + TIMESTAMP_OFFSET, LITTLE_ENDIAN));
        decision.reason = reason;
        decision.duplicate = (buffer.getByte(offset + FLAGS_OFFSET) & FLAG_DUPLICATE) != 0;
        decision.exhaustedTable = table == 0 ? null : TABLES[table - 1];
        decision.alertsDropped = buffer.getShort(offset + ALERTS_DROPPED_OFFSET, LITTLE_ENDIAN);
        int at = offset + HEADER_LENGTH;
        for (int i = 0; i < linkedCount; i++)
        {
            final int code = buffer.getShort(at + 8, LITTLE_ENDIAN);
            final Reason linked = Reason.fromCode(code);
            if (linked == null)
            {
                throw new IllegalArgumentException("unknown linked reason code=" + code + " at linked index " + i);
            }
            decision.linkedTxIds[i] = buffer.getLong(at, LITTLE_ENDIAN);
            decision.linkedReasons[i] = linked;
            at += LINKED_LENGTH;
        }
        decision.linkedCount = linkedCount;
        for (int i = 0; i < alertCount; i++)
        {
            final int type = buffer.getByte(at);
            final int scope = buffer.getByte(at + 1);
            if (type < 0 || type >= ALERT_TYPES.length || scope < 0 || scope >= ALERT_SCOPES.length)
            {
                throw new IllegalArgumentException("unknown alert type=" + type + " or scope=" + scope +
                    " at alert index " + i);
            }
            final Alert alert = decision.nextAlert();
            assert alert != null : "alertCount=" + alertCount;
            alert.set(seq, buffer.getLong(at + 32, LITTLE_ENDIAN), buffer.getLong(at + 24, LITTLE_ENDIAN),
                ALERT_TYPES[type], ALERT_SCOPES[scope], buffer.getInt(at + 4, LITTLE_ENDIAN),
                buffer.getLong(at + 8, LITTLE_ENDIAN), buffer.getLong(at + 16, LITTLE_ENDIAN));
            for (int f = 0; f < AlertType.FIGURES_MAX; f++)
            {
                alert.figure(f, buffer.getLong(at + 40 + f * 8, LITTLE_ENDIAN));
            }
            at += ALERT_LENGTH;
        }
        return at - offset;
    }

    /**
     * Whether a replayed decision says what the recorded one said. {@link AlertType#CAPACITY_WARNING} alerts are left
     * out: they report the guard's tables against the limits it runs with, which may have been raised since the
     * journal was written (SPEC §11, resizing); every other alert must match, figures included.
     *
     * @param a a decision.
     * @param b another.
     * @return true when both say the same: reason, flags, linked outcomes and alerts, figures included.
     */
    public static boolean sameOutcome(final Decision a, final Decision b)
    {
        if (a.seq != b.seq || a.txId != b.txId || a.reason != b.reason || a.duplicate != b.duplicate ||
            a.exhaustedTable != b.exhaustedTable || a.linkedCount != b.linkedCount)
        {
            return false;
        }
        // A full alert array drops what comes last, and a capacity warning comes last: counts of dropped alerts are
        // compared only where neither array was full.
        if (a.alertsDropped != b.alertsDropped &&
            a.alertCount < Decision.ALERTS_MAX && b.alertCount < Decision.ALERTS_MAX)
        {
            return false;
        }
        for (int i = 0; i < a.linkedCount; i++)
        {
            if (a.linkedTxIds[i] != b.linkedTxIds[i] || a.linkedReasons[i] != b.linkedReasons[i])
            {
                return false;
            }
        }
        int i = nextNotWarning(a, 0);
        int j = nextNotWarning(b, 0);
        while (i < a.alertCount && j < b.alertCount)
        {
            if (!sameAlert(a.alert(i), b.alert(j)))
            {
                return false;
            }
            i = nextNotWarning(a, i + 1);
            j = nextNotWarning(b, j + 1);
        }
        return i == a.alertCount && j == b.alertCount;
    }

    private static int nextNotWarning(final Decision decision, final int from)
    {
        int i = from;
        while (i < decision.alertCount && decision.alert(i).type == AlertType.CAPACITY_WARNING)
        {
            i++;
        }
        return i;
    }

    private static boolean sameAlert(final Alert x, final Alert y)
    {
        if (x.type != y.type || x.scope != y.scope || x.assetId != y.assetId || x.walletId != y.walletId ||
            x.accountId != y.accountId || x.txId != y.txId)
        {
            return false;
        }
        for (int f = 0; f < x.type.figureCount(); f++)
        {
            if (x.figure(f) != y.figure(f))
            {
                return false;
            }
        }
        return true;
    }
}
