package io.ledgerguard.json;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.WalletKind;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Proves that every example line of SPEC §9 decodes to the right command fields, and that each kind of malformed line
 * is rejected with a message naming its field, while its txId stays known whenever it can be read.
 */
class CommandLineParserTest
{
    private static final int BTC = 1;
    private static final int KRW = 2;

    private final GuardConfig config = new GuardConfig()
        .asset(new GuardConfig.AssetConfig("BTC", BTC, 8))
        .asset(new GuardConfig.AssetConfig("KRW", KRW, 0))
        .wallet(new GuardConfig.WalletConfig(1, "BTC", WalletKind.HOT))
        .conclude();
    private final CommandLineParser parser = new CommandLineParser(config);
    private final Command command = new Command();

    @Test
    void shouldNameAnAssetByTheListingParsedBeforeItButNeverByAnIdInUse() throws MalformedCommandException
    {
        final String deposit = "{\"type\":\"DEPOSIT\",\"txId\":9,\"atMs\":0,\"accountId\":1001," +
            "\"asset\":\"SOL\",\"amount\":5,\"chainRef\":\"x\"}";
        parse(deposit);
        assertEquals(Command.ASSET_ID_UNKNOWN, command.assetId, "not listed: left to the guard to refuse");
        // A listing that would give SOL the id BTC has: never taken, whether the guard refuses it or not.
        parse("{\"type\":\"CONFIGURE\",\"txId\":7,\"atMs\":0,\"settings\":{\"assets\":\"+SOL\"," +
            "\"assets.SOL.id\":1}}");
        parse(deposit);
        assertEquals(Command.ASSET_ID_UNKNOWN, command.assetId);
        // A listing under a free id names the asset for the lines after it, before the guard applied it.
        parse("{\"type\":\"CONFIGURE\",\"txId\":8,\"atMs\":0,\"settings\":{\"assets\":\"+SOL\"," +
            "\"assets.SOL.id\":7}}");
        parse(deposit);
        assertEquals(7, command.assetId);
    }

    @Test
    void shouldParseOpenAccount() throws MalformedCommandException
    {
        parse("{\"type\":\"OPEN_ACCOUNT\",\"txId\":1,\"atMs\":0,\"accountId\":1001,\"kind\":\"CUSTOMER\"}");

        assertEquals(CommandType.OPEN_ACCOUNT, command.type);
        assertEquals(1, command.txId);
        assertEquals(0, command.timestampNs);
        assertEquals(1001, command.accountId);
        assertEquals(AccountKind.CUSTOMER, command.accountKind);
        assertEquals(0, command.creditLimitCount);
    }

    @Test
    void shouldParseOpenAccountOfACreditLineWithItsLimits() throws MalformedCommandException
    {
        parse("{\"type\":\"OPEN_ACCOUNT\",\"txId\":2,\"atMs\":0,\"accountId\":9001,\"kind\":\"CREDIT_LINE\"," +
            "\"creditLimit\":{\"BTC\":100,\"KRW\":\"5000\"}}");

        assertEquals(AccountKind.CREDIT_LINE, command.accountKind);
        assertEquals(2, command.creditLimitCount);
        assertEquals(BTC, command.creditLimitAssetIds[0]);
        assertEquals(100, command.creditLimits[0]);
        assertEquals(KRW, command.creditLimitAssetIds[1]);
        assertEquals(5000, command.creditLimits[1]);
    }

    @Test
    void shouldParseAttestWithTheBalanceAsAmount() throws MalformedCommandException
    {
        parse("{\"type\":\"ATTEST\",\"txId\":3,\"atMs\":0,\"walletId\":1,\"asset\":\"BTC\",\"balance\":500000000}");

        assertEquals(CommandType.ATTEST, command.type);
        assertEquals(1, command.walletId);
        assertEquals(BTC, command.assetId);
        assertEquals(500_000_000, command.amount);
    }

    @Test
    void shouldParseInflowAndDeposit() throws MalformedCommandException
    {
        parse("{\"type\":\"INFLOW\",\"txId\":4,\"atMs\":1,\"walletId\":1,\"asset\":\"BTC\",\"amount\":100000000," +
            "\"chainRef\":\"btc:tx1:0\"}");

        assertEquals(CommandType.INFLOW, command.type);
        assertEquals(1_000_000, command.timestampNs);
        assertEquals(1, command.walletId);
        assertEquals(100_000_000, command.amount);
        assertEquals("btc:tx1:0", command.chainRefString());

        parse("{\"type\":\"DEPOSIT\",\"txId\":5,\"atMs\":2,\"accountId\":1001,\"asset\":\"BTC\",\"amount\":100000000," +
            "\"chainRef\":\"btc:tx1:0\"}");

        assertEquals(CommandType.DEPOSIT, command.type);
        assertEquals(5, command.txId);
        assertEquals(2_000_000, command.timestampNs);
        assertEquals(1001, command.accountId);
        assertEquals(BTC, command.assetId);
        assertEquals(100_000_000, command.amount);
        assertEquals("btc:tx1:0", command.chainRefString());
        assertEquals(0, command.walletId, "reset before parsing");
    }

    @Test
    void shouldParseTransferWithAndWithoutHold() throws MalformedCommandException
    {
        parse("{\"type\":\"TRANSFER\",\"txId\":6,\"atMs\":3,\"debitAccountId\":1001,\"creditAccountId\":1002," +
            "\"asset\":\"BTC\",\"amount\":5000}");

        assertEquals(CommandType.TRANSFER, command.type);
        assertEquals(1001, command.debitAccountId);
        assertEquals(1002, command.creditAccountId);
        assertEquals(5000, command.amount);
        assertEquals(0, command.holdId);

        parse("{\"type\":\"TRANSFER\",\"txId\":8,\"atMs\":5,\"holdId\":77,\"debitAccountId\":1001," +
            "\"creditAccountId\":1002,\"asset\":\"BTC\",\"amount\":600}");

        assertEquals(77, command.holdId);
        assertEquals(600, command.amount);
    }

    @Test
    void shouldParseHoldAndRelease() throws MalformedCommandException
    {
        parse("{\"type\":\"HOLD\",\"txId\":7,\"atMs\":4,\"holdId\":77,\"accountId\":1001,\"asset\":\"BTC\"," +
            "\"amount\":1000}");

        assertEquals(CommandType.HOLD, command.type);
        assertEquals(77, command.holdId);
        assertEquals(1001, command.accountId);
        assertEquals(1000, command.amount);

        parse("{\"type\":\"RELEASE\",\"txId\":9,\"atMs\":6,\"holdId\":77,\"amount\":400}");

        assertEquals(CommandType.RELEASE, command.type);
        assertEquals(77, command.holdId);
        assertEquals(400, command.amount);
        assertEquals(0, command.accountId);
    }

    @Test
    void shouldParseWithdrawalCommands() throws MalformedCommandException
    {
        parse("{\"type\":\"WITHDRAW\",\"txId\":10,\"atMs\":7,\"holdId\":78,\"accountId\":1001,\"walletId\":1," +
            "\"asset\":\"BTC\",\"amount\":2000}");

        assertEquals(CommandType.WITHDRAW, command.type);
        assertEquals(78, command.holdId);
        assertEquals(1001, command.accountId);
        assertEquals(1, command.walletId);
        assertEquals(BTC, command.assetId);
        assertEquals(2000, command.amount);

        parse("{\"type\":\"WITHDRAW_SETTLE\",\"txId\":11,\"atMs\":8,\"holdId\":78}");

        assertEquals(CommandType.WITHDRAW_SETTLE, command.type);
        assertEquals(78, command.holdId);

        parse("{\"type\":\"WITHDRAW_CANCEL\",\"txId\":12,\"atMs\":8,\"holdId\":79}");

        assertEquals(CommandType.WITHDRAW_CANCEL, command.type);
        assertEquals(79, command.holdId);
    }

    @Test
    void shouldParseAdjustWithANegativeAmountAndAMemo() throws MalformedCommandException
    {
        parse("{\"type\":\"ADJUST\",\"txId\":13,\"atMs\":9,\"accountId\":1001,\"asset\":\"BTC\",\"amount\":-10," +
            "\"memo\":\"fee correction\",\"approvals\":[]}");

        assertEquals(CommandType.ADJUST, command.type);
        assertEquals(1001, command.accountId);
        assertEquals(-10, command.amount);
        assertEquals("fee correction", command.memoString());
    }

    @Test
    void shouldParseReverseFreezeAndHalt() throws MalformedCommandException
    {
        parse("{\"type\":\"REVERSE\",\"txId\":14,\"atMs\":10,\"reversedTxId\":5,\"approvals\":[]}");

        assertEquals(CommandType.REVERSE, command.type);
        assertEquals(5, command.reversedTxId);

        parse("{\"type\":\"FREEZE\",\"txId\":15,\"atMs\":11,\"accountId\":1002}");

        assertEquals(CommandType.FREEZE, command.type);
        assertEquals(1002, command.accountId);

        parse("{\"type\":\"HALT\",\"txId\":16,\"atMs\":12,\"asset\":\"BTC\"}");

        assertEquals(CommandType.HALT, command.type);
        assertEquals(BTC, command.assetId);
        assertEquals(0, command.walletId);
    }

    /** 64 bytes of base64: the length of an Ed25519 signature. */
    private static final String SIGNATURE_64 = java.util.Base64.getEncoder().encodeToString(new byte[64]);

    @Test
    void shouldRefuseApprovalsOfTheWrongShape()
    {
        final String head =
            "{\"type\":\"ADJUST\",\"txId\":30,\"atMs\":1,\"accountId\":1,\"asset\":\"BTC\",\"amount\":1,";
        assertEquals("field 'approvals[0].signature': an Ed25519 signature is 64 bytes, was 3",
            malformed(head + "\"approvals\":[{\"keyId\":\"a\",\"signature\":\"c2ln\"}]}"));
        assertEquals("field 'approvals[0].keyId': must be 1..32 bytes, was 33",
            malformed(head + "\"approvals\":[{\"keyId\":\"" + "k".repeat(33) + "\",\"signature\":\"" +
                SIGNATURE_64 + "\"}]}"));
        assertEquals("field 'expiresAtMs': must be > 0 (epoch milliseconds), was 0",
            malformed(head + "\"expiresAtMs\":0}"));
        assertEquals("field 'commands[0].approvals' on an inner command: approvals are given on top-level commands " +
            "only, so a privileged command cannot be linked",
            malformed("{\"type\":\"BATCH\",\"txId\":31,\"atMs\":1,\"commands\":[{\"type\":\"ADJUST\",\"txId\":32," +
                "\"accountId\":1,\"asset\":\"BTC\",\"amount\":1,\"approvals\":[]}]}"));
    }

    @Test
    void shouldParseTheMirrorsOfFreezeAndHalt() throws MalformedCommandException
    {
        parse("{\"type\":\"UNFREEZE\",\"txId\":20,\"atMs\":11,\"accountId\":1002," +
            "\"expiresAtMs\":70,\"approvals\":[{\"keyId\":\"ops-1\",\"signature\":\"" + SIGNATURE_64 + "\"}]}");

        assertEquals(CommandType.UNFREEZE, command.type);
        assertEquals(1002, command.accountId);
        assertEquals(70, command.expiresAtMs);
        assertEquals(1, command.approvalCount);
        assertEquals("ops-1", command.approvalKeyId(0));
        assertEquals(0, command.approvalsVerified, "the parser never vouches for a signature");

        parse("{\"type\":\"HALT\",\"txId\":21,\"atMs\":12,\"walletId\":1}");

        assertEquals(0, command.assetId);
        assertEquals(1, command.walletId);

        parse("{\"type\":\"RESUME\",\"txId\":22,\"atMs\":13}");

        assertEquals(CommandType.RESUME, command.type);
        assertEquals(0, command.assetId, "neither asset nor wallet: everything");
        assertEquals(0, command.walletId);
    }

    @Test
    void shouldParseABatchWithItsInnerCommands() throws MalformedCommandException
    {
        parse("{\"type\":\"BATCH\",\"txId\":17,\"atMs\":13,\"commands\":[{\"type\":\"TRANSFER\",\"txId\":18," +
            "\"debitAccountId\":1001,\"creditAccountId\":1002,\"asset\":\"BTC\",\"amount\":1}]}");

        assertEquals(CommandType.BATCH, command.type);
        assertEquals(17, command.txId);
        assertEquals(13_000_000, command.timestampNs);
        assertEquals(1, command.batchCount);
        final Command inner = command.inner(0);
        assertEquals(CommandType.TRANSFER, inner.type);
        assertEquals(18, inner.txId);
        assertEquals(1001, inner.debitAccountId);
        assertEquals(1002, inner.creditAccountId);
        assertEquals(BTC, inner.assetId);
        assertEquals(1, inner.amount);
    }

    @Test
    void shouldLeaveANestedBatchToTheGuard() throws MalformedCommandException
    {
        parse("{\"type\":\"BATCH\",\"txId\":30,\"atMs\":1,\"commands\":[{\"type\":\"BATCH\",\"txId\":31," +
            "\"commands\":[{\"type\":\"FREEZE\",\"txId\":32,\"accountId\":1}]}]}");

        assertEquals(1, command.batchCount);
        assertEquals(CommandType.BATCH, command.inner(0).type);
        assertEquals(31, command.inner(0).txId);
        assertFalse(command.inner(0).canHoldBatch());
    }

    @Test
    void shouldAcceptIdsAndAmountsAsDecimalStrings() throws MalformedCommandException
    {
        parse("{\"type\":\"HOLD\",\"txId\":\"7\",\"atMs\":\"4\",\"holdId\":\"77\",\"accountId\":\"1001\"," +
            "\"asset\":\"BTC\",\"amount\":\"9223372036854775807\"}");

        assertEquals(7, command.txId);
        assertEquals(4_000_000, command.timestampNs);
        assertEquals(77, command.holdId);
        assertEquals(1001, command.accountId);
        assertEquals(Long.MAX_VALUE, command.amount);
    }

    @Test
    void shouldGiveAnUnknownAssetCodeTheUnknownIdForTheGuardToReject() throws MalformedCommandException
    {
        parse("{\"type\":\"TRANSFER\",\"txId\":6,\"atMs\":3,\"debitAccountId\":1,\"creditAccountId\":2," +
            "\"asset\":\"BTX\",\"amount\":5}");

        assertEquals(Command.ASSET_ID_UNKNOWN, command.assetId);

        parse("{\"type\":\"OPEN_ACCOUNT\",\"txId\":2,\"atMs\":0,\"accountId\":9001,\"kind\":\"CREDIT_LINE\"," +
            "\"creditLimit\":{\"DOGE\":1}}");

        assertEquals(Command.ASSET_ID_UNKNOWN, command.creditLimitAssetIds[0]);
    }

    @Test
    void shouldMarkAChainRefTooLongForTheGuardToReject() throws MalformedCommandException
    {
        final String chainRef = "x".repeat(Command.CHAIN_REF_LENGTH_MAX + 1);

        parse("{\"type\":\"INFLOW\",\"txId\":4,\"atMs\":1,\"walletId\":1,\"asset\":\"BTC\",\"amount\":1," +
            "\"chainRef\":\"" + chainRef + "\"}");

        assertEquals(Command.CHAIN_REF_LENGTH_MAX + 1, command.chainRefLength);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        // A value that is not an integer.
        "\"amount\":\"abc\"|field 'amount': expected an integer in minor units, was \"abc\"",
        "\"amount\":1.5|field 'amount': expected an integer in minor units, was 1.5",
        "\"amount\":1e3|field 'amount': expected an integer in minor units, was 1e3",
        "\"amount\":\"1.5\"|field 'amount': expected an integer in minor units, was \"1.5\"",
        "\"amount\":\" 5\"|field 'amount': expected an integer in minor units, was \" 5\"",
        "\"amount\":null|field 'amount': expected an integer in minor units, was null",
        "\"amount\":true|field 'amount': expected an integer in minor units, was true",
        "\"amount\":[1]|field 'amount': expected an integer in minor units, was an array",
        // Out of the range of a long.
        "\"amount\":9223372036854775808|field 'amount': out of range for a 64-bit integer, was 9223372036854775808",
        "\"amount\":\"-9223372036854775809\"|" +
            "field 'amount': out of range for a 64-bit integer, was \"-9223372036854775809\"",
        // Other fields.
        "\"asset\":1|field 'asset': expected an asset code, was 1",
        "\"holdId\":0.0|field 'holdId': expected an integer, was 0.0",
        "\"ammount\":5|unknown field 'ammount' for TRANSFER; expected one of type, txId, atMs, debitAccountId, " +
            "creditAccountId, asset, amount, holdId",
        "\"memo\":\"x\"|unknown field 'memo' for TRANSFER; expected one of type, txId, atMs, debitAccountId, " +
            "creditAccountId, asset, amount, holdId"
    })
    void shouldNameTheFieldOfAMalformedTransfer(final String field, final String message)
    {
        // The field under test replaces the valid one of the same name, if any.
        final String name = field.substring(0, field.indexOf(':') + 1);
        final StringBuilder line = new StringBuilder("{\"type\":\"TRANSFER\",\"txId\":6,\"atMs\":3");
        for (final String valid : new String[] {
            "\"debitAccountId\":1001", "\"creditAccountId\":1002", "\"asset\":\"BTC\"", "\"amount\":5"})
        {
            line.append(',').append(valid.startsWith(name) ? field : valid);
        }
        if (line.indexOf(field) < 0)
        {
            line.append(',').append(field);
        }
        line.append('}');

        assertEquals(message, malformed(line.toString()));
        assertEquals(6, parser.lastTxId(), "the txId is known even when the line is malformed");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
        "{\"type\":\"WITHDRAW\",\"txId\":10,\"atMs\":7,\"accountId\":1001,\"walletId\":1,\"asset\":\"BTC\"," +
            "\"amount\":2000}|missing field 'holdId' for WITHDRAW",
        "{\"type\":\"HOLD\",\"txId\":7,\"holdId\":77,\"accountId\":1001,\"asset\":\"BTC\",\"amount\":1000}|" +
            "missing field 'atMs' for HOLD",
        "{\"type\":\"HOLD\",\"txId\":7,\"atMs\":-1,\"holdId\":77,\"accountId\":1001,\"asset\":\"BTC\",\"amount\":1}|" +
            "field 'atMs': must be >= 0, was -1",
        "{\"type\":\"HOLD\",\"txId\":7,\"atMs\":9223372036855,\"holdId\":77,\"accountId\":1,\"asset\":\"BTC\"," +
            "\"amount\":1}|field 'atMs': out of range for epoch nanoseconds, was 9223372036855",
        "{\"txId\":7,\"atMs\":1}|missing field 'type'",
        "{\"type\":\"TRANSFERR\",\"txId\":7,\"atMs\":1}|unknown type 'TRANSFERR'",
        "{\"type\":7,\"txId\":7,\"atMs\":1}|field 'type': expected a command type, was 7",
        "{\"type\":\"OPEN_ACCOUNT\",\"txId\":1,\"atMs\":0,\"accountId\":1001,\"kind\":\"customer\"}|" +
            "field 'kind': expected one of CUSTOMER, OPERATOR, CREDIT_LINE, was \"customer\"",
        "{\"type\":\"OPEN_ACCOUNT\",\"txId\":1,\"atMs\":0,\"accountId\":1001,\"kind\":\"CUSTOMER\"," +
            "\"creditLimit\":[1]}|field 'creditLimit': expected an object of asset code to amount, was an array",
        "{\"type\":\"RELEASE\",\"txId\":15,\"atMs\":11,\"holdId\":1,\"amount\":1,\"approvals\":[]}|" +
            "unknown field 'approvals' for RELEASE; expected one of type, txId, atMs, holdId, amount",
        "{\"type\":\"ADJUST\",\"txId\":13,\"atMs\":9,\"accountId\":1,\"asset\":\"BTC\",\"amount\":-10," +
            "\"approvals\":[{\"keyId\":\"k1\"}]}|missing field 'approvals[0].signature'",
        "{\"type\":\"ADJUST\",\"txId\":13,\"atMs\":9,\"accountId\":1,\"asset\":\"BTC\",\"amount\":-10," +
            "\"approvals\":[{\"keyId\":\"k1\",\"signature\":\"not base64!\"}]}|" +
            "field 'approvals[0].signature': expected base64, was \"not base64!\"",
        "{\"type\":\"ADJUST\",\"txId\":13,\"atMs\":9,\"accountId\":1,\"asset\":\"BTC\",\"amount\":-10," +
            "\"approvals\":{}}|field 'approvals': expected an array of approvals, was an object",
        "{\"type\":\"BATCH\",\"txId\":13,\"atMs\":9,\"commands\":[{\"type\":\"TRANSFER\",\"txId\":14," +
            "\"debitAccountId\":1,\"creditAccountId\":2,\"asset\":\"BTC\"}]}|" +
            "missing field 'commands[0].amount' for TRANSFER",
        "{\"type\":\"BATCH\",\"txId\":13,\"atMs\":9,\"commands\":[{\"type\":\"FREEZE\",\"txId\":14,\"atMs\":9," +
            "\"accountId\":1}]}|unknown field 'commands[0].atMs' for FREEZE: an inner command takes its batch's atMs",
        "{\"type\":\"BATCH\",\"txId\":13,\"atMs\":9,\"commands\":[{\"type\":\"FREZE\",\"txId\":14}]}|" +
            "unknown type 'FREZE' in commands[0]",
        "{\"type\":\"BATCH\",\"txId\":13,\"atMs\":9,\"commands\":[5]}|" +
            "field 'commands[0]': expected a command object, was 5",
        "{\"type\":\"BATCH\",\"txId\":13,\"atMs\":9,\"commands\":{}}|" +
            "field 'commands': expected an array of commands, was an object",
        "{\"type\":\"FREEZE\",\"txId\":15,\"atMs\":11,\"accountId\":1002,\"accountId\":1003}|" +
            "duplicate field 'accountId'",
        "{\"type\":\"FREEZE\",\"txId\":15,\"atMs\":11,\"accountId\":1002} {}|" +
            "unexpected content after the command object, column 56"
    })
    void shouldNameTheFieldOfAMalformedLine(final String line, final String message)
    {
        assertEquals(message, malformed(line));
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "42", "\"HOLD\"", "null", "true"})
    void shouldRejectALineThatIsNotAnObject(final String line)
    {
        assertEquals("not a JSON object", malformed(line));
        assertEquals(0, parser.lastTxId());
    }

    @Test
    void shouldRejectInvalidJsonKeepingTheTxIdReadBeforeTheError()
    {
        final String message = malformed("{\"type\":\"HOLD\",\"txId\":12,\"atMs\":1,\"holdId\":");

        assertTrue(message.startsWith("invalid JSON at column "), message);
        assertEquals(12, parser.lastTxId());
    }

    @Test
    void shouldNotKnowATxIdThatIsNotAnInteger()
    {
        assertEquals("field 'txId': expected an integer, was 1.5",
            malformed("{\"type\":\"FREEZE\",\"txId\":1.5,\"atMs\":1,\"accountId\":1}"));
        assertEquals(0, parser.lastTxId());
    }

    @Test
    void shouldRejectABatchTooLargeWithItsTxId()
    {
        final StringBuilder line = new StringBuilder("{\"type\":\"BATCH\",\"txId\":40,\"atMs\":1,\"commands\":[");
        for (int i = 0; i <= Command.BATCH_COMMANDS_MAX; i++)
        {
            line.append(i == 0 ? "" : ",").append("{\"type\":\"FREEZE\",\"txId\":").append(41 + i)
                .append(",\"accountId\":1}");
        }
        line.append("]}");

        final BatchTooLargeException ex =
            assertThrows(BatchTooLargeException.class, () -> parser.parse(line.toString(), command));

        assertEquals(40, ex.txId());
        assertEquals(Command.BATCH_COMMANDS_MAX + 1, ex.count());
        assertEquals("field 'commands': too many inner commands: count=17, max=16", ex.getMessage());
        assertEquals(40, parser.lastTxId());
    }

    @Test
    void shouldRejectTooManyCreditLimits()
    {
        final StringBuilder limits = new StringBuilder();
        for (int i = 0; i <= Command.CREDIT_LIMITS_MAX; i++)
        {
            limits.append(i == 0 ? "" : ",").append("\"A").append(i).append("\":1");
        }

        final String message = malformed("{\"type\":\"OPEN_ACCOUNT\",\"txId\":2,\"atMs\":0,\"accountId\":9001," +
            "\"kind\":\"CREDIT_LINE\",\"creditLimit\":{" + limits + "}}");

        assertEquals("field 'creditLimit': too many assets: count=17, max=16", message);
    }

    @Test
    void shouldRejectNestingDeeperThanTheLimit()
    {
        final String message = malformed("{\"type\":\"FREEZE\",\"txId\":1,\"atMs\":1,\"accountId\":1," +
            "\"x\":[[[[[[[[1]]]]]]]]}");

        assertTrue(message.startsWith("nested too deeply"), message);
    }

    @Test
    void shouldResetTheCommandBeforeParsing() throws MalformedCommandException
    {
        parse("{\"type\":\"OPEN_ACCOUNT\",\"txId\":2,\"atMs\":0,\"accountId\":9001,\"kind\":\"CREDIT_LINE\"," +
            "\"creditLimit\":{\"BTC\":100}}");
        parse("{\"type\":\"FREEZE\",\"txId\":3,\"atMs\":0,\"accountId\":9001}");

        assertNull(command.accountKind);
        assertEquals(0, command.creditLimitCount);
    }

    private void parse(final String line) throws MalformedCommandException
    {
        parser.parse(line, command);
    }

    private String malformed(final String line)
    {
        final MalformedCommandException ex =
            assertThrows(MalformedCommandException.class, () -> parser.parse(line, command));
        return ex.getMessage();
    }
}
