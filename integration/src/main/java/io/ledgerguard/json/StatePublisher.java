package io.ledgerguard.json;

import java.io.IOException;
import java.io.Writer;
import java.util.Map;
import java.util.TreeMap;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.DefaultIndenter;
import com.fasterxml.jackson.core.util.DefaultPrettyPrinter;
import com.fasterxml.jackson.core.util.Separators;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.AccountStatus;
import io.ledgerguard.core.GuardEngine;

/**
 * Writes the guard's final state as one JSON document (SPEC §9):
 * <pre>
 * {"assets":{"BTC":{"obligations":1,"holdings":2,"held":0,"status":"NORMAL"}},
 *  "wallets":{"1":{"asset":"BTC","attested":2,"expected":2}},
 *  "accounts":{"1001":{"kind":"CUSTOMER","status":"ACTIVE","positions":{"BTC":{"available":1,"held":0}}}},
 *  "stateHash":"&lt;hex&gt;"}
 * </pre>
 * Assets and wallets in configuration order, accounts by ascending id, an account's positions in asset order, so
 * that the same state always gives the same bytes. Beyond SPEC §9: an account's {@code kind}, and a position's
 * {@code creditLimit} when it has one. Reads every table: call it when the engine is not applying.
 */
public final class StatePublisher
{
    private static final int POSITION_AVAILABLE = 0;
    private static final int POSITION_HELD = 1;
    private static final int POSITION_CREDIT_LIMIT = 2;

    private StatePublisher()
    {
    }

    /**
     * @param engine the guard, not applying.
     * @param out    where the document goes; flushed, not closed.
     * @throws IOException when it cannot be written.
     */
    public static void write(final GuardEngine engine, final Writer out) throws IOException
    {
        final int assetCount = engine.assetCount();
        final Map<Long, AccountRow> accounts = new TreeMap<>();
        engine.forEachAccount((accountId, kind, status) -> accounts.put(accountId, new AccountRow(kind, status)));
        engine.forEachPosition((accountId, assetIndex, available, held, creditLimit) ->
        {
            final AccountRow row = accounts.get(accountId);
            assert row != null : "position without an account: accountId=" + accountId;
            row.positions.put(assetIndex, new long[] {available, held, creditLimit});
        });

        try (JsonGenerator json = JsonOutput.generator(out))
        {
            json.setPrettyPrinter(new DefaultPrettyPrinter()
                .withObjectIndenter(new DefaultIndenter("  ", "\n"))
                .withSeparators(Separators.createDefaultInstance()
                    .withObjectFieldValueSpacing(Separators.Spacing.AFTER)));
            json.writeStartObject();

            json.writeObjectFieldStart("assets");
            for (int i = 0; i < assetCount; i++)
            {
                json.writeObjectFieldStart(engine.assetCode(i));
                json.writeNumberField("obligations", engine.obligations(i));
                json.writeNumberField("holdings", engine.holdings(i));
                json.writeNumberField("held", engine.held(i));
                json.writeStringField("status", engine.assetStatus(i).name());
                if (engine.outflowsHalted(i))
                {
                    // Withdrawals halted by custody drift (SPEC §5.2), whatever the status says.
                    json.writeBooleanField("outflowsHalted", true);
                }
                json.writeEndObject();
            }
            json.writeEndObject();

            json.writeObjectFieldStart("wallets");
            for (int w = 0; w < engine.walletCount(); w++)
            {
                json.writeObjectFieldStart(Long.toString(engine.walletId(w)));
                json.writeStringField("asset", engine.assetCode(engine.walletAssetIndex(w)));
                json.writeNumberField("attested", engine.walletAttested(w));
                json.writeNumberField("expected", engine.walletExpected(w));
                json.writeEndObject();
            }
            json.writeEndObject();

            json.writeObjectFieldStart("accounts");
            for (final Map.Entry<Long, AccountRow> entry : accounts.entrySet())
            {
                final AccountRow row = entry.getValue();
                json.writeObjectFieldStart(Long.toString(entry.getKey()));
                json.writeStringField("kind", row.kind.name());
                json.writeStringField("status", row.status.name());
                json.writeObjectFieldStart("positions");
                for (final Map.Entry<Integer, long[]> position : row.positions.entrySet())
                {
                    final long[] figures = position.getValue();
                    json.writeObjectFieldStart(engine.assetCode(position.getKey()));
                    json.writeNumberField("available", figures[POSITION_AVAILABLE]);
                    json.writeNumberField("held", figures[POSITION_HELD]);
                    if (figures[POSITION_CREDIT_LIMIT] != 0)
                    {
                        json.writeNumberField("creditLimit", figures[POSITION_CREDIT_LIMIT]);
                    }
                    json.writeEndObject();
                }
                json.writeEndObject();
                json.writeEndObject();
            }
            json.writeEndObject();

            json.writeStringField("stateHash", engine.stateHash().hex());
            json.writeEndObject();
            json.writeRaw('\n');
        }
        out.flush();
    }

    /** One account and its positions by asset index, gathered from the engine's unordered tables. */
    private static final class AccountRow
    {
        final AccountKind kind;
        final AccountStatus status;
        /** Asset index to {available, held, creditLimit}. */
        final Map<Integer, long[]> positions = new TreeMap<>();

        AccountRow(final AccountKind kind, final AccountStatus status)
        {
            this.kind = kind;
            this.status = status;
        }
    }
}
