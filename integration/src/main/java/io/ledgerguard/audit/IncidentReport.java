package io.ledgerguard.audit;

import java.io.IOException;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import io.ledgerguard.core.Alert;
import io.ledgerguard.core.AlertScope;
import io.ledgerguard.core.AlertType;
import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.KillSwitchCause;
import io.ledgerguard.core.Reason;
import io.ledgerguard.journal.Genesis;
import io.ledgerguard.journal.JournalEntryDescriptor;

/**
 * One incident record per kill-switch engagement, read from the journal alone (the decisions and alerts it records):
 * the timeline an operator hands to a regulator. For each engagement: the first anomaly on the same asset since the
 * previous incident there ended, every anomaly alert since, the engaging command with its decision and all its alerts,
 * every command rejected because of the switch while it held, and the release (or that it still holds at the
 * journal's end). With them the rules (SPEC §13): the version in force when the switch engaged, and every change of
 * the rules from the first anomaly (or the engagement) to the release (or the journal's end), so that a threshold
 * raised during an incident is part of its record.
 */
public final class IncidentReport
{
    /** Alerts that are evidence of an anomaly, as opposed to the switches' own. */
    private static final Set<AlertType> ANOMALIES = EnumSet.of(AlertType.CUSTODY_DRIFT,
        AlertType.RESERVE_COVER_BREACH, AlertType.ATTESTATION_STALE, AlertType.VOLUME_EXCEEDS_HOLDINGS,
        AlertType.OUTFLOW_VELOCITY, AlertType.SANITY_CAP, AlertType.COLD_RATIO, AlertType.REVERSAL_SHORTFALL,
        AlertType.UNAUTHORIZED);
    /** Rejections listed in full per incident; beyond it they are counted. */
    static final int REJECTIONS_LISTED_MAX = 10_000;
    /** Anomalies remembered per asset while no incident is open there. */
    static final int ANOMALIES_KEPT_MAX = 1_000;

    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path directory;
    private final GuardConfig given;
    /** For asset codes: the journal's genesis, or the configuration given for a journal that holds none. */
    private GuardConfig config;

    /**
     * @param directory the journal.
     * @param config    the configuration it was written with, for asset codes; {@code null} for a journal that holds
     *                  its rules (a genesis), whose asset codes are then taken.
     */
    public IncidentReport(final Path directory, final GuardConfig config)
    {
        this.directory = directory;
        this.given = config;
    }

    /**
     * Read the whole journal, verifying it, and build the incident records.
     *
     * @return one record per engagement, in the order they engaged.
     * @throws IOException             when a record cannot be built.
     * @throws AuditArgumentException  when the journal holds no genesis and no configuration was given.
     */
    public List<ObjectNode> incidents() throws IOException
    {
        config = JournalRules.of(directory, given, null).rules();
        final RuleChanges changes = new RuleChanges();
        final List<ObjectNode> incidents = new ArrayList<>();
        final Map<String, ObjectNode> open = new HashMap<>();
        final Map<Integer, ArrayNode> anomaliesByAsset = new HashMap<>();
        final Command command = new Command();
        final Decision decision = new Decision();
        try (JournalCursor cursor = JournalCursor.open(directory))
        {
            int kind;
            while ((kind = cursor.next(command, decision)) >= 0)
            {
                // An incident open at the anchor began in the commands before it, which this journal lacks.
                cursor.refuseAnchor(kind, "audit incidents");
                if (kind != JournalEntryDescriptor.KIND_COMMAND)
                {
                    continue;
                }
                for (int i = 0; i < decision.alertCount; i++)
                {
                    final Alert alert = decision.alert(i);
                    if (ANOMALIES.contains(alert.type))
                    {
                        // While an incident on the asset is open, its anomalies belong to its timeline.
                        ArrayNode anomalies = null;
                        for (final ObjectNode incident : open.values())
                        {
                            if (incident.has("assetId") && incident.get("assetId").asInt() == alert.assetId)
                            {
                                anomalies = (ArrayNode)incident.get("anomalies");
                                break;
                            }
                        }
                        if (anomalies == null)
                        {
                            anomalies = anomaliesByAsset.computeIfAbsent(alert.assetId, id -> MAPPER.createArrayNode());
                        }
                        if (anomalies.size() < ANOMALIES_KEPT_MAX)
                        {
                            anomalies.add(event(command, alert));
                        }
                    }
                }
                for (int i = 0; i < decision.alertCount; i++)
                {
                    final Alert alert = decision.alert(i);
                    if (alert.type != AlertType.KILL_SWITCH_ENGAGED && alert.type != AlertType.KILL_SWITCH_RELEASED)
                    {
                        continue;
                    }
                    // An asset's halt and its outflow halt are two switches, each with its own record.
                    final long outflowsOnly = alert.figure(alert.type == AlertType.KILL_SWITCH_ENGAGED ? 1 : 3);
                    final String key = key(alert.scope, alert.assetId, alert.walletId) + "/" + outflowsOnly;
                    if (alert.type == AlertType.KILL_SWITCH_ENGAGED)
                    {
                        final ObjectNode incident = engaged(command, decision, alert,
                            anomaliesByAsset.remove(alert.assetId));
                        putRules(incident, changes, command.seq);
                        open.put(key, incident);
                        incidents.add(incident);
                    }
                    else
                    {
                        final ObjectNode incident = open.remove(key);
                        if (incident != null)
                        {
                            final ObjectNode released = incident.putObject("released");
                            released.put("seq", command.seq);
                            released.put("at", EntryText.time(command.timestampNs));
                            released.put("txId", command.txId);
                            released.put("heldMs", alert.figure(2));
                        }
                    }
                }
                changes.offer(command, decision);
                if (!decision.accepted())
                {
                    rejected(open.values(), command, decision);
                }
            }
        }
        for (final ObjectNode incident : open.values())
        {
            incident.putNull("released");
        }
        for (final ObjectNode incident : incidents)
        {
            listChanges(incident, changes);
        }
        return incidents;
    }

    /**
     * Count a rejection in every open incident whose switch caused it, and list it while there are few.
     */
    private void rejected(final Iterable<ObjectNode> open, final Command command, final Decision decision)
        throws IOException
    {
        for (final ObjectNode incident : open)
        {
            if (blockedBy(incident, command, decision.reason))
            {
                final long count = incident.get("rejectionCount").asLong() + 1;
                incident.put("rejectionCount", count);
                if (count <= REJECTIONS_LISTED_MAX)
                {
                    final ObjectNode rejection = ((ArrayNode)incident.get("rejections")).addObject();
                    rejection.put("seq", command.seq);
                    rejection.put("at", EntryText.time(command.timestampNs));
                    rejection.put("reason", decision.reason.name());
                    rejection.set("command", commandNode(command));
                }
            }
        }
    }

    /**
     * The rules in force when an incident's switch engaged: their version and the sequence of the last change.
     */
    private static void putRules(final ObjectNode incident, final RuleChanges changes, final long seq)
    {
        final ObjectNode rules = incident.putObject("rules");
        final long version = changes.versionAt(seq);
        rules.put("version", version);
        if (version == 0)
        {
            rules.putNull("lastChangeSeq");
        }
        else
        {
            rules.put("lastChangeSeq", changes.changeSeqAt(seq));
        }
    }

    /**
     * The rule changes in an incident's window: from its first anomaly (or its engagement) to its release (or the
     * journal's end).
     */
    private static void listChanges(final ObjectNode incident, final RuleChanges changes) throws IOException
    {
        final JsonNode first = incident.get("firstAnomaly");
        final long from = (first.isNull() ? incident.get("engaged") : first).get("seq").asLong();
        final JsonNode released = incident.get("released");
        final long to = released.isNull() ? Long.MAX_VALUE : released.get("seq").asLong();
        final ArrayNode listed = ((ObjectNode)incident.get("rules")).putArray("changes");
        for (final Genesis.Change change : changes.between(from, to))
        {
            listed.add(changeNode(change));
        }
    }

    /**
     * Write each record to its own file, {@link #fileName}.
     *
     * @param incidents    the records, from {@link #incidents()}.
     * @param outDirectory where; created when missing.
     * @return the files written.
     * @throws IOException when one cannot be written.
     */
    public static List<Path> write(final List<ObjectNode> incidents, final Path outDirectory) throws IOException
    {
        Files.createDirectories(outDirectory);
        final List<Path> files = new ArrayList<>();
        for (final ObjectNode incident : incidents)
        {
            final Path file = outDirectory.resolve(fileName(incident, ".json"));
            MAPPER.writeValue(file.toFile(), incident);
            files.add(file);
        }
        return files;
    }

    /**
     * @param incident  a record.
     * @param extension the file's, with its dot.
     * @return {@code incident-<seq>-<scope>[-<asset>][-wallet-<id>][-outflows]} and the extension: one command may
     *     engage an asset's switch and its outflows' switch, which are two incidents, in two files.
     */
    static String fileName(final ObjectNode incident, final String extension)
    {
        final String asset = incident.has("asset") ? "-" + incident.get("asset").asText() : "";
        final String wallet = incident.has("walletId") ? "-wallet-" + incident.get("walletId").asLong() : "";
        final String outflows = incident.path("outflowsOnly").asBoolean() ? "-outflows" : "";
        return "incident-" + incident.get("engaged").get("seq").asLong() + "-" +
            incident.get("scope").asText().toLowerCase(java.util.Locale.ROOT) + asset + wallet + outflows + extension;
    }

    /**
     * @param incidents records.
     * @return them as one indented JSON array.
     * @throws IOException when they cannot be written.
     */
    public static String toJson(final List<ObjectNode> incidents) throws IOException
    {
        return MAPPER.writeValueAsString(incidents);
    }

    private ObjectNode engaged(
        final Command command, final Decision decision, final Alert alert, final ArrayNode anomalies)
        throws IOException
    {
        final ObjectNode incident = MAPPER.createObjectNode();
        incident.put("scope", alert.scope.name());
        if (alert.assetId != 0)
        {
            incident.put("asset", EntryText.asset(alert.assetId, config));
            incident.put("assetId", alert.assetId);
        }
        if (alert.walletId != 0)
        {
            incident.put("walletId", alert.walletId);
        }
        final KillSwitchCause cause = KillSwitchCause.fromCode(alert.figure(0));
        incident.put("cause", cause == null ? "UNKNOWN(" + alert.figure(0) + ")" : cause.name());
        incident.put("outflowsOnly", alert.figure(1) == 1);
        final ArrayNode evidence = anomalies == null ? MAPPER.createArrayNode() : anomalies;
        if (evidence.size() > 0)
        {
            incident.set("firstAnomaly", evidence.get(0));
        }
        else
        {
            incident.putNull("firstAnomaly");
        }
        incident.set("anomalies", evidence);
        final ObjectNode engaged = incident.putObject("engaged");
        engaged.put("seq", command.seq);
        engaged.put("at", EntryText.time(command.timestampNs));
        engaged.set("command", commandNode(command));
        engaged.put("reason", decision.reason.name());
        final ArrayNode alerts = engaged.putArray("alerts");
        for (int i = 0; i < decision.alertCount; i++)
        {
            alerts.add(alertNode(decision.alert(i)));
        }
        incident.put("rejectionCount", 0L);
        incident.putArray("rejections");
        return incident;
    }

    private ObjectNode event(final Command command, final Alert alert) throws IOException
    {
        final ObjectNode event = MAPPER.createObjectNode();
        event.put("seq", command.seq);
        event.put("at", EntryText.time(command.timestampNs));
        event.set("alert", alertNode(alert));
        event.set("command", commandNode(command));
        return event;
    }

    private static boolean blockedBy(final ObjectNode incident, final Command command, final Reason reason)
    {
        if (reason != Reason.ASSET_HALTED && reason != Reason.WALLET_HALTED)
        {
            return false;
        }
        final String scope = incident.get("scope").asText();
        if (AlertScope.ALL.name().equals(scope))
        {
            return true;
        }
        if (AlertScope.WALLET.name().equals(scope))
        {
            return reason == Reason.WALLET_HALTED && command.walletId == incident.get("walletId").asLong();
        }
        return reason == Reason.ASSET_HALTED && touches(command, incident.get("assetId").asInt());
    }

    private static boolean touches(final Command command, final int assetId)
    {
        if (command.assetId == assetId)
        {
            return true;
        }
        if (command.canHoldBatch())
        {
            for (int i = 0; i < command.batchCount; i++)
            {
                if (touches(command.inner(i), assetId))
                {
                    return true;
                }
            }
        }
        return false;
    }

    private ObjectNode commandNode(final Command command) throws IOException
    {
        final StringWriter out = new StringWriter();
        try (JsonGenerator json = EntryJson.generator(out))
        {
            EntryJson.writeCommand(json, command, config);
        }
        return (ObjectNode)MAPPER.readTree(out.toString());
    }

    private static JsonNode changeNode(final Genesis.Change change) throws IOException
    {
        final StringWriter out = new StringWriter();
        try (JsonGenerator json = EntryJson.generator(out))
        {
            EntryJson.writeChange(json, change);
        }
        return MAPPER.readTree(out.toString());
    }

    private JsonNode alertNode(final Alert alert) throws IOException
    {
        final StringWriter out = new StringWriter();
        try (JsonGenerator json = EntryJson.generator(out))
        {
            EntryJson.writeAlert(json, alert, config);
        }
        return MAPPER.readTree(out.toString());
    }

    private static String key(final AlertScope scope, final int assetId, final long walletId)
    {
        return scope + "/" + assetId + "/" + walletId;
    }
}
