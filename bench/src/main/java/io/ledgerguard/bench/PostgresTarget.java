package io.ledgerguard.bench;

import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.TimeUnit;

import org.postgresql.PGConnection;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.ledgerguard.core.AccountKind;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.GuardEngine;

/**
 * Baseline 3: a PostgreSQL ledger doing the same checks in transactions, as an exchange's team might: one
 * transaction per command, conditional updates ({@code UPDATE ... WHERE available >= ?}) under row locks, a linked
 * batch in one transaction, a retry on deadlock. Each producer thread has its own connection; like the locks
 * baseline, it takes its command under the workload's lock and runs it outside it. The server is a private one on
 * loopback started by {@code bench/postgres.sh}, with its default durability (every commit waits for its WAL flush).
 * The book is bulk-loaded from a funded guard, not through the commands.
 */
final class PostgresTarget implements LoadTarget
{
    private static final Logger LOGGER = LoggerFactory.getLogger(PostgresTarget.class);
    private static final int PORT = 54329;
    private static final int RETRIES = 3;

    private final long seed;
    private final Path dataDir;
    private final Path script;
    private final Object sequencing = new Object();
    private ExchangeWorkload workload;
    private GuardEngine reference;
    private Worker[] workers;
    private boolean started;

    PostgresTarget(final long seed, final Path dataDir, final Path script)
    {
        this.seed = seed;
        this.dataDir = dataDir;
        this.script = script;
    }

    @Override
    public String name()
    {
        return "postgres";
    }

    @Override
    public String description()
    {
        return "baseline 3: PostgreSQL on loopback, a transaction per command with conditional updates and row locks";
    }

    @Override
    public int producersMax()
    {
        return 64;
    }

    @Override
    public void start(final int producers, final long txIdsMax)
    {
        final String started = run(script.toString(), "start", dataDir.toString(), String.valueOf(PORT));
        this.started = true;
        System.out.println("postgres " + started.strip());
        workload = new ExchangeWorkload(seed, LoadHarness.WORKLOAD_RING_BITS);
        reference = new GuardEngine(LoadHarness.config(LoadHarness.SETUP_TX_IDS));
        workload.fund(reference);
        try (Connection connection = connect())
        {
            load(connection);
        }
        catch (final SQLException | IOException ex)
        {
            throw new IllegalStateException("cannot load the book into PostgreSQL: " + ex.getMessage(), ex);
        }
        workers = new Worker[producers];
        for (int i = 0; i < producers; i++)
        {
            try
            {
                workers[i] = new Worker(connect());
            }
            catch (final SQLException ex)
            {
                throw new IllegalStateException("cannot connect to PostgreSQL: " + ex.getMessage(), ex);
            }
        }
    }

    private static Connection connect() throws SQLException
    {
        return DriverManager.getConnection("jdbc:postgresql://127.0.0.1:" + PORT + "/postgres", "ledger", "");
    }

    private static String run(final String... command)
    {
        try
        {
            final Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            final String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0)
            {
                throw new IllegalStateException(output.strip());
            }
            return output;
        }
        catch (final IOException ex)
        {
            throw new IllegalStateException("cannot run " + command[0] + ": " + ex.getMessage(), ex);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", ex);
        }
    }

    private void load(final Connection connection) throws SQLException, IOException
    {
        try (Statement statement = connection.createStatement())
        {
            statement.execute("DROP TABLE IF EXISTS accounts, positions, holds, assets, wallets, inflows, tx_ids");
            statement.execute("CREATE TABLE accounts (account_id bigint PRIMARY KEY, operator boolean NOT NULL, " +
                "frozen boolean NOT NULL DEFAULT false)");
            statement.execute("CREATE TABLE positions (account_id bigint NOT NULL, asset int NOT NULL, " +
                "available bigint NOT NULL, held bigint NOT NULL, PRIMARY KEY (account_id, asset))");
            statement.execute("CREATE TABLE holds (hold_id bigint PRIMARY KEY, account_id bigint NOT NULL, " +
                "asset int NOT NULL, remaining bigint NOT NULL, wallet_id bigint NOT NULL)");
            statement.execute("CREATE TABLE assets (asset int PRIMARY KEY, obligations bigint NOT NULL, " +
                "holdings bigint NOT NULL)");
            statement.execute("CREATE TABLE wallets (wallet_id bigint PRIMARY KEY, asset int NOT NULL, " +
                "expected bigint NOT NULL, pending bigint NOT NULL)");
            statement.execute("CREATE TABLE inflows (chain_ref text PRIMARY KEY, amount bigint NOT NULL, " +
                "credited bigint NOT NULL)");
            statement.execute("CREATE TABLE tx_ids (tx_id bigint PRIMARY KEY)");
        }
        final StringBuilder accounts = new StringBuilder();
        for (long id = 1; id <= ExchangeWorkload.ACCOUNTS; id++)
        {
            accounts.append(id).append(id == ExchangeWorkload.FEE_ACCOUNT_ID ? ",t" : ",f").append(",f\n");
        }
        final org.postgresql.copy.CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
        copy.copyIn("COPY accounts FROM STDIN WITH (FORMAT csv)", new StringReader(accounts.toString()));
        final StringBuilder positions = new StringBuilder(64 << 20);
        reference.forEachPosition((accountId, assetIndex, available, held, creditLimit) ->
            positions.append(accountId).append(',').append(reference.assetId(assetIndex)).append(',')
                .append(available).append(',').append(held).append('\n'));
        copy.copyIn("COPY positions FROM STDIN WITH (FORMAT csv)", new StringReader(positions.toString()));
        final StringBuilder assets = new StringBuilder();
        for (int a = 0; a < reference.assetCount(); a++)
        {
            assets.append(reference.assetId(a)).append(',').append(reference.obligations(a)).append(',')
                .append(reference.holdings(a)).append('\n');
        }
        copy.copyIn("COPY assets FROM STDIN WITH (FORMAT csv)", new StringReader(assets.toString()));
        final StringBuilder wallets = new StringBuilder();
        for (int w = 0; w < reference.walletCount(); w++)
        {
            wallets.append(reference.walletId(w)).append(',').append(assetOfWallet(reference.walletId(w))).append(',')
                .append(reference.walletExpected(w)).append(",0\n");
        }
        copy.copyIn("COPY wallets FROM STDIN WITH (FORMAT csv)", new StringReader(wallets.toString()));
        try (Statement statement = connection.createStatement())
        {
            statement.execute("VACUUM ANALYZE");
        }
    }

    private long assetOfWallet(final long walletId)
    {
        for (final io.ledgerguard.core.GuardConfig.WalletConfig wallet : reference.config().wallets())
        {
            if (wallet.id == walletId)
            {
                return reference.config().assetByCode(wallet.asset).id;
            }
        }
        throw new IllegalStateException("no wallet " + walletId);
    }

    private static void deleteQuietly(final Path dir)
    {
        try (java.util.stream.Stream<Path> paths = java.nio.file.Files.walk(dir))
        {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
        }
        catch (final IOException | java.io.UncheckedIOException ignored)
        {
            // A temporary directory: the system cleans it in the end.
        }
    }

    @Override
    public boolean next(final int producer)
    {
        final Worker worker = workers[producer];
        synchronized (sequencing)
        {
            worker.command.copyFrom(workload.next(reference));
        }
        return worker.apply();
    }

    @Override
    public void close()
    {
        if (workers != null)
        {
            for (final Worker worker : workers)
            {
                if (worker != null)
                {
                    worker.close();
                }
            }
        }
        workers = null;
        if (started)
        {
            try
            {
                run(script.toString(), "stop", dataDir.toString());
            }
            catch (final IllegalStateException ex)
            {
                LOGGER.warn("could not stop the server in {}: {}", dataDir, ex.getMessage());
            }
        }
        started = false;
        deleteQuietly(dataDir);
        reference = null;
        workload = null;
    }

    /**
     * One producer's connection and prepared statements.
     */
    private static final class Worker
    {
        final Command command = new Command();
        private final Connection connection;
        private final PreparedStatement txId;
        private final PreparedStatement reserve;
        private final PreparedStatement insertHold;
        private final PreparedStatement takeFromHold;
        private final PreparedStatement releaseHold;
        private final PreparedStatement deleteHold;
        private final PreparedStatement unreserve;
        private final PreparedStatement spendHeld;
        private final PreparedStatement debit;
        private final PreparedStatement credit;
        private final PreparedStatement insertPosition;
        private final PreparedStatement insertInflow;
        private final PreparedStatement walletInflow;
        private final PreparedStatement assetHoldings;
        private final PreparedStatement allocateInflow;
        private final PreparedStatement cover;
        private final PreparedStatement walletReserve;
        private final PreparedStatement settleHold;
        private final PreparedStatement walletSettle;
        private final PreparedStatement assetSettle;
        private final PreparedStatement attest;
        private final PreparedStatement attestWallet;
        private final PreparedStatement openAccount;
        private final PreparedStatement frozen;

        Worker(final Connection connection) throws SQLException
        {
            this.connection = connection;
            connection.setAutoCommit(false);
            txId = connection.prepareStatement("INSERT INTO tx_ids VALUES (?) ON CONFLICT DO NOTHING");
            frozen = connection.prepareStatement("SELECT frozen FROM accounts WHERE account_id = ?");
            reserve = connection.prepareStatement("UPDATE positions SET available = available - ?, held = held + ? " +
                "WHERE account_id = ? AND asset = ? AND available >= ?");
            insertHold = connection.prepareStatement("INSERT INTO holds VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
            takeFromHold = connection.prepareStatement("UPDATE holds SET remaining = remaining - ? WHERE hold_id = ? " +
                "AND account_id = ? AND asset = ? AND remaining >= ? AND wallet_id = 0 RETURNING remaining");
            releaseHold = connection.prepareStatement("UPDATE holds SET remaining = remaining - ? WHERE hold_id = ? " +
                "AND remaining >= ? AND wallet_id = 0 RETURNING account_id, asset, remaining");
            deleteHold = connection.prepareStatement("DELETE FROM holds WHERE hold_id = ? AND remaining = 0");
            unreserve = connection.prepareStatement("UPDATE positions SET available = available + ?, " +
                "held = held - ? WHERE account_id = ? AND asset = ?");
            spendHeld = connection.prepareStatement("UPDATE positions SET held = held - ? WHERE account_id = ? " +
                "AND asset = ?");
            debit = connection.prepareStatement("UPDATE positions SET available = available - ? WHERE account_id = ? " +
                "AND asset = ? AND available >= ?");
            credit = connection.prepareStatement("UPDATE positions SET available = available + ? " +
                "WHERE account_id = ? AND asset = ?");
            insertPosition = connection.prepareStatement("INSERT INTO positions VALUES (?, ?, ?, 0)");
            insertInflow = connection.prepareStatement("INSERT INTO inflows VALUES (?, ?, 0) ON CONFLICT DO NOTHING");
            walletInflow = connection.prepareStatement("UPDATE wallets SET expected = expected + ? " +
                "WHERE wallet_id = ?");
            assetHoldings = connection.prepareStatement("UPDATE assets SET holdings = holdings + ? WHERE asset = ?");
            allocateInflow = connection.prepareStatement("UPDATE inflows SET credited = credited + ? " +
                "WHERE chain_ref = ? AND amount - credited >= ?");
            cover = connection.prepareStatement("UPDATE assets SET obligations = obligations + ? WHERE asset = ? " +
                "AND obligations + ? <= holdings");
            walletReserve = connection.prepareStatement("UPDATE wallets SET pending = pending + ? " +
                "WHERE wallet_id = ? AND expected - pending >= ?");
            settleHold = connection.prepareStatement("DELETE FROM holds WHERE hold_id = ? AND wallet_id <> 0 " +
                "RETURNING account_id, asset, remaining, wallet_id");
            walletSettle = connection.prepareStatement("UPDATE wallets SET pending = pending - ?, " +
                "expected = expected - ? WHERE wallet_id = ?");
            assetSettle = connection.prepareStatement("UPDATE assets SET obligations = obligations - ?, " +
                "holdings = holdings - ? WHERE asset = ?");
            attest = connection.prepareStatement("SELECT expected FROM wallets WHERE wallet_id = ? FOR UPDATE");
            attestWallet = connection.prepareStatement("UPDATE wallets SET expected = ? WHERE wallet_id = ?");
            openAccount = connection.prepareStatement("INSERT INTO accounts VALUES (?, ?, false) " +
                "ON CONFLICT DO NOTHING");
        }

        boolean apply()
        {
            for (int attempt = 0; ; attempt++)
            {
                try
                {
                    final boolean ok = recordTxId(command.txId) && applyOne(command);
                    if (ok)
                    {
                        connection.commit();
                    }
                    else
                    {
                        connection.rollback();
                    }
                    return ok;
                }
                catch (final SQLException ex)
                {
                    rollbackQuietly();
                    // Deadlock or serialisation failure: what such a service does is try again.
                    final String state = ex.getSQLState();
                    if (attempt < RETRIES && ("40P01".equals(state) || "40001".equals(state)))
                    {
                        continue;
                    }
                    throw new IllegalStateException("PostgreSQL failed on " + command + ": " + ex.getMessage(), ex);
                }
            }
        }

        private boolean recordTxId(final long id) throws SQLException
        {
            txId.setLong(1, id);
            return txId.executeUpdate() == 1;
        }

        private boolean applyOne(final Command c) throws SQLException
        {
            switch (c.type)
            {
                case OPEN_ACCOUNT:
                    openAccount.setLong(1, c.accountId);
                    openAccount.setBoolean(2, c.accountKind == AccountKind.OPERATOR);
                    return openAccount.executeUpdate() == 1;
                case HOLD:
                    return hold(c, 0);
                case WITHDRAW:
                    walletReserve.setLong(1, c.amount);
                    walletReserve.setLong(2, c.walletId);
                    walletReserve.setLong(3, c.amount);
                    return walletReserve.executeUpdate() == 1 && hold(c, c.walletId);
                case RELEASE:
                    return applyRelease(c);
                case TRANSFER:
                    return transfer(c);
                case BATCH:
                    for (int i = 0; i < c.batchCount; i++)
                    {
                        final Command leg = c.inner(i);
                        if (!recordTxId(leg.txId) || !applyOne(leg))
                        {
                            return false;
                        }
                    }
                    return true;
                case INFLOW:
                    return applyInflow(c);
                case DEPOSIT:
                    return applyDeposit(c);
                case WITHDRAW_SETTLE:
                    return applySettle(c);
                case ATTEST:
                    return applyAttest(c);
                default:
                    return false;
            }
        }

        private boolean applyRelease(final Command c) throws SQLException
        {
            final long[] hold = takeHold(c.holdId, 0, 0, c.amount, true);
            if (hold == null)
            {
                return false;
            }
            unreserve.setLong(1, c.amount);
            unreserve.setLong(2, c.amount);
            unreserve.setLong(3, hold[0]);
            unreserve.setInt(4, (int)hold[1]);
            unreserve.executeUpdate();
            return true;
        }

        private boolean applyInflow(final Command c) throws SQLException
        {
            insertInflow.setString(1, c.chainRefString());
            insertInflow.setLong(2, c.amount);
            if (insertInflow.executeUpdate() != 1)
            {
                return false;
            }
            walletInflow.setLong(1, c.amount);
            walletInflow.setLong(2, c.walletId);
            walletInflow.executeUpdate();
            assetHoldings.setLong(1, c.amount);
            assetHoldings.setInt(2, c.assetId);
            assetHoldings.executeUpdate();
            return true;
        }

        private boolean applyDeposit(final Command c) throws SQLException
        {
            allocateInflow.setLong(1, c.amount);
            allocateInflow.setString(2, c.chainRefString());
            allocateInflow.setLong(3, c.amount);
            if (allocateInflow.executeUpdate() != 1)
            {
                return false;
            }
            cover.setLong(1, c.amount);
            cover.setInt(2, c.assetId);
            cover.setLong(3, c.amount);
            return cover.executeUpdate() == 1 && creditAccount(c.accountId, c.assetId, c.amount);
        }

        private boolean applySettle(final Command c) throws SQLException
        {
            settleHold.setLong(1, c.holdId);
            try (ResultSet row = settleHold.executeQuery())
            {
                if (!row.next())
                {
                    return false;
                }
                final long accountId = row.getLong(1);
                final int asset = row.getInt(2);
                final long amount = row.getLong(3);
                final long walletId = row.getLong(4);
                spendHeld.setLong(1, amount);
                spendHeld.setLong(2, accountId);
                spendHeld.setInt(3, asset);
                spendHeld.executeUpdate();
                walletSettle.setLong(1, amount);
                walletSettle.setLong(2, amount);
                walletSettle.setLong(3, walletId);
                walletSettle.executeUpdate();
                assetSettle.setLong(1, amount);
                assetSettle.setLong(2, amount);
                assetSettle.setInt(3, asset);
                assetSettle.executeUpdate();
                return true;
            }
        }

        private boolean applyAttest(final Command c) throws SQLException
        {
            attest.setLong(1, c.walletId);
            final long expected;
            try (ResultSet row = attest.executeQuery())
            {
                if (!row.next())
                {
                    return false;
                }
                expected = row.getLong(1);
            }
            attestWallet.setLong(1, c.amount);
            attestWallet.setLong(2, c.walletId);
            attestWallet.executeUpdate();
            assetHoldings.setLong(1, c.amount - expected);
            assetHoldings.setInt(2, c.assetId);
            assetHoldings.executeUpdate();
            return true;
        }

        private boolean hold(final Command c, final long walletId) throws SQLException
        {
            if (isFrozen(c.accountId))
            {
                return false;
            }
            reserve.setLong(1, c.amount);
            reserve.setLong(2, c.amount);
            reserve.setLong(3, c.accountId);
            reserve.setInt(4, c.assetId);
            reserve.setLong(5, c.amount);
            if (reserve.executeUpdate() != 1)
            {
                return false;
            }
            insertHold.setLong(1, c.holdId);
            insertHold.setLong(2, c.accountId);
            insertHold.setInt(3, c.assetId);
            insertHold.setLong(4, c.amount);
            insertHold.setLong(5, walletId);
            return insertHold.executeUpdate() == 1;
        }

        private boolean transfer(final Command c) throws SQLException
        {
            if (c.amount <= 0 || c.debitAccountId == c.creditAccountId || isFrozen(c.debitAccountId))
            {
                return false;
            }
            if (c.holdId != 0)
            {
                if (takeHold(c.holdId, c.debitAccountId, c.assetId, c.amount, false) == null)
                {
                    return false;
                }
                spendHeld.setLong(1, c.amount);
                spendHeld.setLong(2, c.debitAccountId);
                spendHeld.setInt(3, c.assetId);
                spendHeld.executeUpdate();
            }
            else
            {
                debit.setLong(1, c.amount);
                debit.setLong(2, c.debitAccountId);
                debit.setInt(3, c.assetId);
                debit.setLong(4, c.amount);
                if (debit.executeUpdate() != 1)
                {
                    return false;
                }
            }
            return creditAccount(c.creditAccountId, c.assetId, c.amount);
        }

        /**
         * @return the hold's account and asset, or {@code null} when it cannot give the amount.
         */
        private long[] takeHold(final long holdId, final long accountId, final int asset, final long amount,
            final boolean anyAccount) throws SQLException
        {
            if (anyAccount)
            {
                releaseHold.setLong(1, amount);
                releaseHold.setLong(2, holdId);
                releaseHold.setLong(3, amount);
                try (ResultSet row = releaseHold.executeQuery())
                {
                    if (!row.next())
                    {
                        return null;
                    }
                    final long[] hold = {row.getLong(1), row.getInt(2)};
                    if (row.getLong(3) == 0)
                    {
                        removeEmptyHold(holdId);
                    }
                    return hold;
                }
            }
            final PreparedStatement statement = takeFromHold;
            statement.setLong(1, amount);
            statement.setLong(2, holdId);
            statement.setLong(3, accountId);
            statement.setInt(4, asset);
            statement.setLong(5, amount);
            try (ResultSet row = statement.executeQuery())
            {
                if (!row.next())
                {
                    return null;
                }
                if (row.getLong(1) == 0)
                {
                    removeEmptyHold(holdId);
                }
                return new long[] {accountId, asset};
            }
        }

        private void removeEmptyHold(final long holdId) throws SQLException
        {
            deleteHold.setLong(1, holdId);
            deleteHold.executeUpdate();
        }

        private boolean isFrozen(final long accountId) throws SQLException
        {
            frozen.setLong(1, accountId);
            try (ResultSet row = frozen.executeQuery())
            {
                return !row.next() || row.getBoolean(1);
            }
        }

        private boolean creditAccount(final long accountId, final int asset, final long amount) throws SQLException
        {
            credit.setLong(1, amount);
            credit.setLong(2, accountId);
            credit.setInt(3, asset);
            if (credit.executeUpdate() == 1)
            {
                return true;
            }
            insertPosition.setLong(1, accountId);
            insertPosition.setInt(2, asset);
            insertPosition.setLong(3, amount);
            return insertPosition.executeUpdate() == 1;
        }

        private void rollbackQuietly()
        {
            try
            {
                connection.rollback();
            }
            catch (final SQLException ignored)
            {
                // The connection is broken; the next statement says so.
            }
        }

        void close()
        {
            try
            {
                connection.close();
            }
            catch (final SQLException ignored)
            {
                // Closing: nothing to do about it.
            }
        }
    }
}
