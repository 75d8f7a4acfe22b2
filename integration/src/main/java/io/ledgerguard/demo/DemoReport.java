package io.ledgerguard.demo;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import org.HdrHistogram.Histogram;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Coverage;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.TableKind;
import io.ledgerguard.core.pipeline.WaitStrategyKind;

/**
 * What the demo did, for a person ({@link #printText(PrintStream)}) or as one JSON object
 * ({@link #printJson(PrintStream)}). Built after the pipeline has stopped, from the engine and the producers' counts.
 */
public final class DemoReport
{
    private static final String[] INCIDENT_STEPS = {
        "event pool top-up ADJUST of 620,000 BTC",
        "695 promotional ADJUST credits of 892.0863 BTC",
        "695 payouts from the event pool in BTC"};

    private final long seed;
    private final GuardEngine engine;
    private final long sequenced;
    private final long journaled;
    private List<String> journalLines = List.of();
    private boolean recoveryMatches;
    private final long elapsedNs;
    private final long[][] byType;
    private final long[] byReason;
    private final long[] alerts;
    private final Histogram latency;
    private final ExchangeSimulation.Incident incident;
    private final WaitStrategyKind waitStrategy;
    private final int ringSize;
    private final int producers;
    private final String invariants;
    private ClusterOutcome cluster;

    /**
     * What the demo's cluster came to ({@code demo --cluster}).
     *
     * @param failovers        leaders stopped and replaced.
     * @param failoverMs       from the leader's stop to the first decision its successor made; -1 when none came.
     * @param resubmitted      requests sent again with their txId after a new leader or session.
     * @param acknowledged     decisions the clients were told.
     * @param acknowledgedLost of those, missing from a node's evidence or with another reason there.
     * @param appliedTwice     txIds applied more than once in that evidence.
     * @param stateHashesEqual every node's state hash equal at the same sequence.
     * @param chainHeadsEqual  every node's evidence chain head equal there.
     * @param seq              that sequence.
     * @param nodes            a line per node.
     * @param alerts           who published the alerts: read once the cluster is closed, its dispatchers drained.
     */
    public record ClusterOutcome(int failovers, long failoverMs, long resubmitted, long acknowledged,
        long acknowledgedLost, long appliedTwice, boolean stateHashesEqual, boolean chainHeadsEqual, long seq,
        List<String> nodes, AlertTally alerts)
    {
        boolean healthy()
        {
            return failovers == 1 && failoverMs >= 0 && acknowledgedLost == 0 && appliedTwice == 0 &&
                stateHashesEqual && chainHeadsEqual && alerts.misnamed() == 0 && alerts.publishedTwice() == 0;
        }

        /**
         * @return who published the alerts, in order: a run of one node's in one term each.
         */
        public List<Publisher> publishers()
        {
            return alerts.publishers();
        }
    }

    /**
     * The alerts the nodes published, as each node's dispatcher delivered them (from several threads): by node and
     * term, those that did not name the node whose dispatcher delivered them, and those another node had published
     * already (the same command's alert, of the same type and subject, twice: around a failover).
     */
    public static final class AlertTally
    {
        private final List<Publisher> publishers = new ArrayList<>();
        private final Map<String, Integer> publisherOf = new HashMap<>();
        private long misnamed;
        private long publishedTwice;

        /**
         * @param memberId the node whose dispatcher delivers it.
         * @param alert    the alert.
         */
        public synchronized void published(final int memberId, final Alert alert)
        {
            if (alert.node != memberId)
            {
                misnamed++;
            }
            final String key = alert.seq + "/" + alert.type + "/" + alert.assetId + "/" + alert.walletId + "/" +
                alert.accountId;
            final Integer before = publisherOf.putIfAbsent(key, memberId);
            if (before != null && before != memberId)
            {
                publishedTwice++;
            }
            final Publisher last = publishers.isEmpty() ? null : publishers.get(publishers.size() - 1);
            if (last != null && last.node() == alert.node && last.term() == alert.term)
            {
                publishers.set(publishers.size() - 1, new Publisher(alert.node, alert.term, last.alerts() + 1));
            }
            else
            {
                publishers.add(new Publisher(alert.node, alert.term, 1));
            }
        }

        synchronized List<Publisher> publishers()
        {
            return List.copyOf(publishers);
        }

        /**
         * @return alerts that did not name the node whose dispatcher delivered them.
         */
        public synchronized long misnamed()
        {
            return misnamed;
        }

        /**
         * @return alerts a second node published after another had.
         */
        public synchronized long publishedTwice()
        {
            return publishedTwice;
        }
    }

    /**
     * Alerts one cluster node published in a row, in one leadership term.
     *
     * @param node   its member id ({@link Alert#NO_NODE} for alerts that named none, which a cluster never publishes).
     * @param term   its leadership term.
     * @param alerts how many.
     */
    public record Publisher(int node, long term, long alerts)
    {
    }

    DemoReport(
        final long seed, final GuardEngine engine, final long sequenced, final long journaled, final long elapsedNs,
        final long[][] byType, final long[] byReason, final long[] alerts, final Histogram latency,
        final ExchangeSimulation.Incident incident, final WaitStrategyKind waitStrategy, final int ringSize,
        final int producers)
    {
        this.seed = seed;
        this.engine = engine;
        this.sequenced = sequenced;
        this.journaled = journaled;
        this.elapsedNs = elapsedNs;
        this.byType = byType;
        this.byReason = byReason;
        this.alerts = alerts;
        this.latency = latency;
        this.incident = incident;
        this.waitStrategy = waitStrategy;
        this.ringSize = ringSize;
        this.producers = producers;
        final String violation = engine.checkInvariants();
        this.invariants = violation == null ? "hold" : violation;
    }

    /**
     * @return true when the audit after the run found every invariant holding, nothing phantom was credited and every
     * inflow was.
     */
    public boolean healthy()
    {
        return "hold".equals(invariants) && incident.creditedSatoshi == 0 && uncreditedInflows() == 0 &&
            sequenced == journaled &&
            (journalLines.isEmpty() || recoveryMatches) && (cluster == null || cluster.healthy());
    }

    /**
     * Add what the Chronicle journal run found: where the journal went, and the recovery from it after the run.
     *
     * @param lines           for the report, one a line.
     * @param recoveryMatches true when the state recovered from the journal equals the live guard's.
     * @return this.
     */
    DemoReport journal(final List<String> lines, final boolean recoveryMatches)
    {
        this.journalLines = List.copyOf(lines);
        this.recoveryMatches = recoveryMatches;
        return this;
    }

    /**
     * Add what the cluster run found.
     *
     * @param outcome its figures.
     * @return this.
     */
    DemoReport cluster(final ClusterOutcome outcome)
    {
        this.cluster = outcome;
        return this;
    }

    /**
     * @return what the cluster run found; {@code null} without {@code --cluster}.
     */
    public ClusterOutcome cluster()
    {
        return cluster;
    }

    /**
     * @return the audit's finding: "hold", or the first violation.
     */
    public String invariants()
    {
        return invariants;
    }

    /**
     * @return BTC credited by the injected incident (0 when the guard stopped all of it).
     */
    public long phantomCreditedSatoshi()
    {
        return incident.creditedSatoshi;
    }

    /**
     * @return inflows custody observed whose customers were never credited (the simulated services credit each inflow
     * whole, by one {@code DEPOSIT}): coins in a wallet that the ledger owes nobody yet, which widen headroom.
     */
    public long uncreditedInflows()
    {
        return byType[CommandType.INFLOW.ordinal()][0] - byType[CommandType.DEPOSIT.ordinal()][0];
    }

    /**
     * @return commands sequenced through the pipeline.
     */
    public long sequenced()
    {
        return sequenced;
    }

    /**
     * @param reason a reason.
     * @return how many decisions gave it.
     */
    public long count(final Reason reason)
    {
        return byReason[reason.ordinal()];
    }

    private void printIncident(final PrintStream out)
    {
        out.printf("%nInjected incident: phantom promotional payout (SPEC section 1)%n");
        out.printf("  meant: 620,000 KRW to 695 customers; keyed: 620,000 BTC, %.1fx the exchange's BTC holdings " +
            "of %s BTC%n", 620_000.0 * DemoConfig.SATOSHI_PER_BTC / Math.max(1, incident.btcHoldingsBefore),
            Amounts.format(incident.btcHoldingsBefore, 8));
        for (int step = 0; step < INCIDENT_STEPS.length; step++)
        {
            out.printf("  %d. %-48s accepted %d; rejected %s%n", step + 1, INCIDENT_STEPS[step],
                incident.acceptedByStep[step], reasons(incident.reasonsByStep[step]));
        }
        out.printf("  phantom BTC credited to anyone: %s; BTC obligations %s before, %s after%n",
            Amounts.format(incident.creditedSatoshi, 8), Amounts.format(incident.btcObligationsBefore, 8),
            Amounts.format(incident.btcObligationsAfter, 8));
    }

    private void putIncident(final ObjectNode incidentNode)
    {
        incidentNode.put("keyedTotalSatoshi", ExchangeSimulation.PAYOUT_KEYED_TOTAL_SATOSHI);
        incidentNode.put("recipients", ExchangeSimulation.PAYOUT_RECIPIENTS);
        incidentNode.put("btcHoldingsBefore", incident.btcHoldingsBefore);
        incidentNode.put("btcObligationsBefore", incident.btcObligationsBefore);
        incidentNode.put("btcObligationsAfter", incident.btcObligationsAfter);
        incidentNode.put("phantomCreditedSatoshi", incident.creditedSatoshi);
        final ArrayNode steps = incidentNode.putArray("steps");
        for (int step = 0; step < INCIDENT_STEPS.length; step++)
        {
            final ObjectNode stepNode = steps.addObject();
            stepNode.put("step", INCIDENT_STEPS[step]);
            stepNode.put("accepted", incident.acceptedByStep[step]);
            final ObjectNode rejected = stepNode.putObject("rejected");
            for (final Reason reason : Reason.values())
            {
                final long count = incident.reasonsByStep[step][reason.ordinal()];
                if (count > 0 && reason != Reason.OK)
                {
                    rejected.put(reason.name(), count);
                }
            }
        }
    }

    /**
     * Print the report for a person.
     *
     * @param out where to.
     */
    public void printText(final PrintStream out)
    {
        final double seconds = elapsedNs / 1e9;
        out.printf("Ledger Guard demo: a simulated exchange through the guard (seed %d)%n", seed);
        if (cluster == null)
        {
            out.printf("  %,d accounts, %d assets, %d wallets; %d producer threads through the pipeline " +
                "(%s wait strategy, ring %d, %s journal)%n%n",
                engine.tableSize(TableKind.ACCOUNTS), engine.assetCount(), engine.walletCount(), producers,
                waitStrategy, ringSize, journalLines.isEmpty() ? "in-memory" : "Chronicle Queue");
        }
        else
        {
            out.printf("  %,d accounts, %d assets, %d wallets; %d producer threads, each a client of a three-node " +
                "guard cluster (Aeron Cluster on loopback, each node with its evidence journal)%n%n",
                engine.tableSize(TableKind.ACCOUNTS), engine.assetCount(), engine.walletCount(), producers);
        }

        out.printf("Commands: %,d sequenced in %.1f s (%,.0f/s), %,d journaled%s%n", sequenced, seconds,
            sequenced / seconds, journaled, cluster == null ? "" : " on every node (a resubmitted request is " +
            "sequenced again and answered as a duplicate)");
        for (final String line : journalLines)
        {
            out.println("  " + line);
        }
        out.printf("  %-16s %12s %12s %12s%n", "type", "total", "accepted", "rejected");
        for (final CommandType type : CommandType.values())
        {
            final long[] counts = byType[type.ordinal()];
            if (counts[0] + counts[1] > 0)
            {
                out.printf("  %-16s %,12d %,12d %,12d%n", type, counts[0] + counts[1], counts[0], counts[1]);
            }
        }
        out.printf("%nDecisions by reason%n");
        for (final Reason reason : Reason.values())
        {
            if (byReason[reason.ordinal()] > 0)
            {
                out.printf("  %-28s %5d %,12d%n", reason, reason.code(), byReason[reason.ordinal()]);
            }
        }

        final long inflows = byType[CommandType.INFLOW.ordinal()][0];
        out.printf("%nDeposits: %,d inflows observed on chain, %,d credited to their depositors, %,d left uncredited%n",
            inflows, inflows - uncreditedInflows(), uncreditedInflows());

        printIncident(out);

        out.printf("%nAlerts:");
        boolean any = false;
        for (final AlertType type : AlertType.values())
        {
            if (alerts[type.ordinal()] > 0)
            {
                out.printf(" %s %,d", type, alerts[type.ordinal()]);
                any = true;
            }
        }
        out.printf("%s%n", any ? "" : " none");

        out.printf("%nAssets at the end%n");
        out.printf("  %-5s %26s %26s %24s %9s  %s%n", "asset", "obligations", "holdings", "headroom", "coverage",
            "status");
        for (int a = 0; a < engine.assetCount(); a++)
        {
            final int scale = engine.config().assets().get(a).scale;
            final long obligations = engine.obligations(a);
            final long holdings = engine.holdings(a);
            out.printf("  %-5s %26s %26s %24s %9s  %s%n", engine.assetCode(a), Amounts.format(obligations, scale),
                Amounts.format(holdings, scale), Amounts.format(holdings - obligations, scale),
                Amounts.coverage(Coverage.bps(holdings, obligations)), engine.assetStatus(a));
        }

        out.printf("%nDecision latency, submit to decision on the producer's thread (%,d decisions):%n",
            latency.getTotalCount());
        out.printf("  p50 %s   p99 %s   p99.9 %s   max %s%n", micros(latency.getValueAtPercentile(50)),
            micros(latency.getValueAtPercentile(99)), micros(latency.getValueAtPercentile(99.9)),
            micros(latency.getMaxValue()));
        out.printf(cluster == null ? "  (%d producers share this machine's cores with the pipeline's stage " +
            "threads: these are hand-off times, not the cost of a check)%n" : "  (%d producers share this " +
            "machine's cores with three nodes: each decision is a round of consensus on loopback; the maximum " +
            "includes the failover)%n", producers);
        out.printf("%nAudit after the run: invariants I1 and I3 %s; %,d positions, %,d open holds; state hash %s%n",
            invariants, engine.tableSize(TableKind.POSITIONS), engine.tableSize(TableKind.HOLDS),
            engine.stateHash().ledgerHex());
        if (cluster != null)
        {
            printCluster(out);
        }
    }

    /**
     * Print the report as one JSON object.
     *
     * @param out where to.
     */
    public void printJson(final PrintStream out)
    {
        final ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        final ObjectNode root = mapper.createObjectNode();
        root.put("seed", seed);
        root.put("accounts", engine.tableSize(TableKind.ACCOUNTS));
        root.put("producers", producers);
        root.put("waitStrategy", waitStrategy.name());
        root.put("ringSize", ringSize);
        root.put("sequenced", sequenced);
        root.put("journaled", journaled);
        if (!journalLines.isEmpty())
        {
            final ObjectNode journal = root.putObject("journal");
            journal.put("recoveryMatches", recoveryMatches);
            final ArrayNode lines = journal.putArray("lines");
            journalLines.forEach(lines::add);
        }
        root.put("elapsedMs", TimeUnit.NANOSECONDS.toMillis(elapsedNs));
        final ObjectNode types = root.putObject("commands");
        for (final CommandType type : CommandType.values())
        {
            final long[] counts = byType[type.ordinal()];
            if (counts[0] + counts[1] > 0)
            {
                final ObjectNode node = types.putObject(type.name());
                node.put("total", counts[0] + counts[1]);
                node.put("accepted", counts[0]);
                node.put("rejected", counts[1]);
            }
        }
        final ObjectNode reasons = root.putObject("reasons");
        for (final Reason reason : Reason.values())
        {
            if (byReason[reason.ordinal()] > 0)
            {
                reasons.put(reason.name(), byReason[reason.ordinal()]);
            }
        }
        root.put("uncreditedInflows", uncreditedInflows());
        putIncident(root.putObject("incident"));
        final ObjectNode alertNode = root.putObject("alerts");
        for (final AlertType type : AlertType.values())
        {
            if (alerts[type.ordinal()] > 0)
            {
                alertNode.put(type.name(), alerts[type.ordinal()]);
            }
        }
        final ObjectNode assets = root.putObject("assets");
        for (int a = 0; a < engine.assetCount(); a++)
        {
            final ObjectNode asset = assets.putObject(engine.assetCode(a));
            asset.put("obligations", engine.obligations(a));
            asset.put("holdings", engine.holdings(a));
            asset.put("headroom", engine.holdings(a) - engine.obligations(a));
            asset.put("coverageBps", Coverage.bps(engine.holdings(a), engine.obligations(a)));
            asset.put("status", engine.assetStatus(a).name());
        }
        final ObjectNode latencyNode = root.putObject("latencyNs");
        latencyNode.put("count", latency.getTotalCount());
        latencyNode.put("p50", latency.getValueAtPercentile(50));
        latencyNode.put("p99", latency.getValueAtPercentile(99));
        latencyNode.put("p99_9", latency.getValueAtPercentile(99.9));
        latencyNode.put("max", latency.getMaxValue());
        root.put("invariants", invariants);
        root.put("stateHash", engine.stateHash().hex());
        if (cluster != null)
        {
            putCluster(root.putObject("cluster"));
        }
        try
        {
            out.println(mapper.writeValueAsString(root));
        }
        catch (final JsonProcessingException ex)
        {
            throw new IllegalStateException("cannot write the demo report as JSON", ex);
        }
    }

    private void printCluster(final PrintStream out)
    {
        out.printf("%nCluster of three nodes: %d failover%s; the first decision after the leader stopped came " +
            "%,d ms later; %,d requests resubmitted with their txId%n", cluster.failovers(),
            cluster.failovers() == 1 ? "" : "s", cluster.failoverMs(), cluster.resubmitted());
        out.printf("  (the leader's node was closed in this process: its followers may see its log end at once, or " +
            "notice after the 1 s heartbeat timeout, as they always do a leader killed with SIGKILL: about 2 s from " +
            "the kill to the next decision in the cluster tests)%n");
        out.printf("  %,d decisions acknowledged to clients, %,d of them lost or changed in a node's evidence, " +
            "%,d txIds applied twice%n", cluster.acknowledged(), cluster.acknowledgedLost(),
            cluster.appliedTwice());
        out.printf("  at seq %,d every node's state hash %s and chain head %s%n", cluster.seq(),
            cluster.stateHashesEqual() ? "equal" : "DIFFERS", cluster.chainHeadsEqual() ? "equal" : "DIFFERS");
        cluster.nodes().forEach(line -> out.println("  " + line));
        final StringBuilder published = new StringBuilder();
        for (final Publisher publisher : cluster.publishers())
        {
            published.append(published.length() == 0 ? "" : ", then ").append(String.format("%,d by node %d in term %d",
                publisher.alerts(), publisher.node(), publisher.term()));
        }
        out.printf("  alerts published (by the leader only): %s; %,d not naming their node, %,d published by two " +
            "nodes%n", published.length() == 0 ? "none" : published, cluster.alerts().misnamed(),
            cluster.alerts().publishedTwice());
    }

    private void putCluster(final ObjectNode node)
    {
        node.put("failovers", cluster.failovers());
        node.put("failoverMs", cluster.failoverMs());
        node.put("resubmitted", cluster.resubmitted());
        node.put("acknowledged", cluster.acknowledged());
        node.put("acknowledgedLost", cluster.acknowledgedLost());
        node.put("appliedTwice", cluster.appliedTwice());
        node.put("stateHashesEqual", cluster.stateHashesEqual());
        node.put("chainHeadsEqual", cluster.chainHeadsEqual());
        node.put("seq", cluster.seq());
        final ArrayNode lines = node.putArray("nodes");
        cluster.nodes().forEach(lines::add);
        node.put("alertsMisnamed", cluster.alerts().misnamed());
        node.put("alertsPublishedTwice", cluster.alerts().publishedTwice());
        final ArrayNode published = node.putArray("alertsPublished");
        for (final Publisher publisher : cluster.publishers())
        {
            published.addObject().put("node", publisher.node()).put("term", publisher.term())
                .put("alerts", publisher.alerts());
        }
    }

    private static String reasons(final long[] counts)
    {
        final StringBuilder sb = new StringBuilder();
        for (final Reason reason : Reason.values())
        {
            if (reason != Reason.OK && counts[reason.ordinal()] > 0)
            {
                sb.append(sb.length() == 0 ? "" : ", ").append(counts[reason.ordinal()]).append(' ').append(reason);
            }
        }
        return sb.length() == 0 ? "0" : sb.toString();
    }

    private static String micros(final long nanos)
    {
        return nanos >= 1_000_000 ? String.format("%.2f ms", nanos / 1e6) : String.format("%.1f us", nanos / 1e3);
    }
}
