package io.ledgerguard.protocol;

import org.agrona.DirectBuffer;
import org.agrona.MutableDirectBuffer;
import org.agrona.concurrent.UnsafeBuffer;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.Reason;
import io.ledgerguard.protocol.sbe.DecisionResponseDecoder;
import io.ledgerguard.protocol.sbe.DecisionResponseEncoder;
import io.ledgerguard.protocol.sbe.MessageHeaderDecoder;
import io.ledgerguard.protocol.sbe.MessageHeaderEncoder;
import io.ledgerguard.protocol.sbe.Status;

/**
 * The guard's {@link Decision} to the protocol's {@code DecisionResponse} (server side) and that message to a
 * {@link GatewayDecision} (client side), without allocating. Alert types travel as stable codes, 1 + their position in
 * {@link #ALERT_TYPES}, which only ever grows at its end; scopes likewise in {@link AlertScope} order.
 */
public final class DecisionMessages
{
    /** The wire order of alert types: code = index + 1. Append only. */
    static final AlertType[] ALERT_TYPES = {
        AlertType.RESERVE_COVER_BREACH, AlertType.CUSTODY_DRIFT, AlertType.ATTESTATION_STALE,
        AlertType.ATTESTATION_FRESH, AlertType.VOLUME_EXCEEDS_HOLDINGS, AlertType.OUTFLOW_VELOCITY,
        AlertType.SANITY_CAP, AlertType.COLD_RATIO, AlertType.REVERSAL_SHORTFALL, AlertType.UNAUTHORIZED,
        AlertType.KILL_SWITCH_ENGAGED, AlertType.KILL_SWITCH_RELEASED, AlertType.ALERTS_DROPPED,
        AlertType.CAPACITY_WARNING, AlertType.GUARD_STOPPED, AlertType.CLIENT_FORBIDDEN,
        AlertType.AUTHENTICATION_FAILURES, AlertType.NODE_DIVERGED};
    private static final int[] CODE_BY_ORDINAL = new int[AlertType.values().length];
    private static final AlertScope[] SCOPES = AlertScope.values();

    static
    {
        for (int i = 0; i < ALERT_TYPES.length; i++)
        {
            CODE_BY_ORDINAL[ALERT_TYPES[i].ordinal()] = i + 1;
        }
    }

    private final MessageHeaderEncoder headerEncoder = new MessageHeaderEncoder();
    private final MessageHeaderDecoder headerDecoder = new MessageHeaderDecoder();
    private final DecisionResponseEncoder encoder = new DecisionResponseEncoder();
    private final DecisionResponseDecoder decoder = new DecisionResponseDecoder();
    private final UnsafeBuffer frame = new UnsafeBuffer(0, 0);

    /**
     * @param correlationId the request's.
     * @param decision      the guard's decision on it.
     * @param buffer        to write to, with room for the message.
     * @param offset        where to start.
     * @return bytes written, header included.
     */
    public int encode(final long correlationId, final Decision decision, final MutableDirectBuffer buffer,
        final int offset)
    {
        encoder.wrapAndApplyHeader(buffer, offset, headerEncoder)
            .correlationId(correlationId)
            .seq(decision.seq)
            .txId(decision.txId)
            .status(decision.accepted() ? Status.ACCEPTED : Status.REJECTED)
            .reasonCode(decision.reason.code())
            .timestampNs(decision.timestampNs)
            .duplicate((short)(decision.duplicate ? 1 : 0));
        final DecisionResponseEncoder.LinkedEncoder linked = encoder.linkedCount(decision.linkedCount);
        for (int i = 0; i < decision.linkedCount; i++)
        {
            linked.next().txId(decision.linkedTxIds[i]).reasonCode(decision.linkedReasons[i].code());
        }
        final DecisionResponseEncoder.AlertsEncoder alerts = encoder.alertsCount(decision.alertCount);
        for (int i = 0; i < decision.alertCount; i++)
        {
            final Alert alert = decision.alert(i);
            alerts.next()
                .alertType((short)CODE_BY_ORDINAL[alert.type.ordinal()])
                .scope((short)alert.scope.ordinal())
                .assetId(alert.assetId)
                .walletId(alert.walletId)
                .accountId(alert.accountId);
            final int figures = alert.type.figureCount();
            for (int f = 0; f < AlertType.FIGURES_MAX; f++)
            {
                alerts.figures(f, f < figures ? alert.figure(f) : 0);
            }
        }
        return MessageHeaderEncoder.ENCODED_LENGTH + encoder.encodedLength();
    }

    /**
     * @param buffer   holding the message, header first.
     * @param offset   where it starts.
     * @param length   the frame's length: the message must end exactly there.
     * @param decision filled in.
     * @throws ProtocolException naming the field when the message is not a decision this client can read.
     */
    public void decode(final DirectBuffer buffer, final int offset, final int length, final GatewayDecision decision)
        throws ProtocolException
    {
        if (length < MessageHeaderDecoder.ENCODED_LENGTH)
        {
            throw new ProtocolException(ProtocolException.TRUNCATED, "frame of " + length + " bytes is shorter than " +
                "the message header");
        }
        frame.wrap(buffer, offset, length);
        headerDecoder.wrap(frame, 0);
        if (headerDecoder.schemaId() != DecisionResponseDecoder.SCHEMA_ID ||
            headerDecoder.templateId() != DecisionResponseDecoder.TEMPLATE_ID ||
            headerDecoder.blockLength() < DecisionResponseDecoder.BLOCK_LENGTH)
        {
            throw new ProtocolException(ProtocolException.UNKNOWN_MESSAGE, "header: schemaId=" +
                headerDecoder.schemaId() + ", templateId=" + headerDecoder.templateId() + ", expected a " +
                "DecisionResponse");
        }
        try
        {
            decoder.wrap(frame, MessageHeaderDecoder.ENCODED_LENGTH, headerDecoder.blockLength(),
                headerDecoder.version());
            decision.correlationId = decoder.correlationId();
            decision.seq = decoder.seq();
            decision.txId = decoder.txId();
            decision.reason = reason(decoder.reasonCode(), "reasonCode");
            decision.timestampNs = decoder.timestampNs();
            decision.duplicate = decoder.duplicate() != 0;
            final DecisionResponseDecoder.LinkedDecoder linked = decoder.linked();
            CommandMessages.entries("linked", linked.count(), decision.linkedTxIds.length, linked.actingBlockLength(),
                DecisionResponseDecoder.LinkedDecoder.sbeBlockLength());
            decision.linkedCount = 0;
            while (linked.hasNext())
            {
                linked.next();
                decision.linkedTxIds[decision.linkedCount] = linked.txId();
                decision.linkedReasons[decision.linkedCount] = reason(linked.reasonCode(), "linked.reasonCode");
                decision.linkedCount++;
            }
            final DecisionResponseDecoder.AlertsDecoder alerts = decoder.alerts();
            CommandMessages.entries("alerts", alerts.count(), decision.alertTypes.length, alerts.actingBlockLength(),
                DecisionResponseDecoder.AlertsDecoder.sbeBlockLength());
            decision.alertCount = 0;
            while (alerts.hasNext())
            {
                alerts.next();
                final int i = decision.alertCount;
                final int code = alerts.alertType();
                if (code < 1 || code > ALERT_TYPES.length)
                {
                    throw invalid("alerts.alertType", "unknown alert type " + code);
                }
                final int scope = alerts.scope();
                if (scope >= SCOPES.length)
                {
                    throw invalid("alerts.scope", "unknown scope " + scope);
                }
                decision.alertTypes[i] = ALERT_TYPES[code - 1];
                decision.alertScopes[i] = SCOPES[scope];
                decision.alertAssetIds[i] = alerts.assetId();
                decision.alertWalletIds[i] = alerts.walletId();
                decision.alertAccountIds[i] = alerts.accountId();
                for (int f = 0; f < AlertType.FIGURES_MAX; f++)
                {
                    decision.alertFigures[i * AlertType.FIGURES_MAX + f] = alerts.figures(f);
                }
                decision.alertCount++;
            }
            if (decoder.limit() != frame.capacity())
            {
                throw new ProtocolException(ProtocolException.TRAILING_BYTES, "frame of " + frame.capacity() +
                    " bytes holds " + (frame.capacity() - decoder.limit()) + " bytes after the message");
            }
        }
        catch (final IndexOutOfBoundsException ex)
        {
            throw new ProtocolException(ProtocolException.TRUNCATED, "frame of " + length + " bytes ends inside the " +
                "message");
        }
    }

    private static Reason reason(final int code, final String field) throws ProtocolException
    {
        final Reason reason = Reason.fromCode(code);
        if (reason == null)
        {
            throw invalid(field, "unknown reason code " + code);
        }
        return reason;
    }

    private static ProtocolException invalid(final String field, final String problem)
    {
        return new ProtocolException(ProtocolException.INVALID_FIELD, "field '" + field + "': " + problem);
    }
}
