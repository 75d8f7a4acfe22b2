package io.ledgerguard.audit;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An incident record of {@link IncidentReport} as a page to print for the regulator (issue 17): what engaged, why,
 * when and for how long, then the timeline in sequence order (every anomaly from the first, the engaging command with
 * its decision and alerts, each command the switch rejected while it held, each rule change, the release). One
 * self-contained HTML file per incident, no script, styles inline, and an index of them; every value from the journal
 * is escaped.
 */
public final class IncidentPage
{
    private static final String STYLE = String.join("\n",
        "body { font: 13px/1.45 system-ui, sans-serif; margin: 2em; color: #1d2330; }",
        "h1 { font-size: 1.5em; margin-bottom: 0.2em; } h2 { font-size: 1.15em; margin-top: 1.5em; }",
        "table { border-collapse: collapse; width: 100%; } th, td { border: 1px solid #98a2b3; padding: 0.3em 0.5em;",
        "  text-align: left; vertical-align: top; } th { background: #eaecf0; }",
        "table.summary th { width: 14em; } tr.engaged td { background: #fee4e2; font-weight: 600; }",
        "tr.released td { background: #d1fadf; } tr.anomaly td { background: #fffaeb; }",
        "tr.holds td { background: #fee4e2; }",
        ".quiet { color: #667085; } code { word-break: break-all; }",
        "@media print { body { margin: 0; } tr { page-break-inside: avoid; } a { color: inherit; } }");

    private IncidentPage()
    {
    }

    /**
     * Write one page per incident and an {@code index.html} listing them.
     *
     * @param incidents    the records, in the order they engaged.
     * @param journal      the journal they were read from, named on every page.
     * @param outDirectory where; created when missing.
     * @return the files written, the index last.
     * @throws IOException when one cannot be written.
     */
    public static List<Path> write(final List<ObjectNode> incidents, final Path journal, final Path outDirectory)
        throws IOException
    {
        Files.createDirectories(outDirectory);
        final List<Path> files = new ArrayList<>();
        final StringBuilder index = new StringBuilder();
        head(index, "Incidents in " + journal);
        index.append("<h1>Incidents</h1>\n<p class=\"quiet\">From the journal <code>").append(escape(journal))
            .append("</code>, verified whole while read: one per kill-switch engagement.</p>\n");
        index.append("<table>\n<tr><th>engaged</th><th>scope</th><th>cause</th><th>released</th><th>held</th>")
            .append("<th>rejections</th><th>page</th></tr>\n");
        for (final ObjectNode incident : incidents)
        {
            final String name = IncidentReport.fileName(incident, ".html");
            Files.writeString(outDirectory.resolve(name), render(incident, journal), StandardCharsets.UTF_8);
            files.add(outDirectory.resolve(name));
            final JsonNode released = incident.get("released");
            index.append("<tr><td>").append(seqAt(incident.get("engaged"))).append("</td><td>")
                .append(escape(scope(incident))).append("</td><td>").append(escape(incident.get("cause").asText()))
                .append("</td><td>").append(released.isNull() ? "<b>still holds</b>" : seqAt(released))
                .append("</td><td>").append(released.isNull() ? "-" : held(released.get("heldMs").asLong()))
                .append("</td><td>").append(incident.get("rejectionCount").asLong()).append("</td><td><a href=\"")
                .append(escape(name)).append("\">").append(escape(name)).append("</a></td></tr>\n");
        }
        if (incidents.isEmpty())
        {
            index.append("<tr><td colspan=\"7\">No kill switch engaged in this journal.</td></tr>\n");
        }
        index.append("</table>\n</body>\n</html>\n");
        final Path indexFile = outDirectory.resolve("index.html");
        Files.writeString(indexFile, index, StandardCharsets.UTF_8);
        files.add(indexFile);
        return files;
    }

    /**
     * @param incident a record of {@link IncidentReport}.
     * @param journal  the journal it was read from.
     * @return the page.
     */
    public static String render(final ObjectNode incident, final Path journal)
    {
        final StringBuilder page = new StringBuilder();
        final String title = "Incident: " + scope(incident) + (incident.path("outflowsOnly").asBoolean() ?
            " outflows" : "") + " kill switch, " + incident.get("cause").asText();
        head(page, title);
        page.append("<h1>").append(escape(title)).append("</h1>\n<p class=\"quiet\">From the journal <code>")
            .append(escape(journal)).append("</code> (its hash chain verified while read), by ledger-guard audit ")
            .append("incidents. Amounts are in minor units.</p>\n");
        summary(page, incident);
        page.append("<h2>Timeline</h2>\n<table>\n<tr><th>seq</th><th>time</th><th>event</th><th>command</th>")
            .append("<th>details</th></tr>\n");
        final List<Row> rows = timeline(incident);
        rows.sort((a, b) -> a.seq != b.seq ? Long.compare(a.seq, b.seq) : Integer.compare(a.order, b.order));
        for (final Row row : rows)
        {
            page.append("<tr class=\"").append(row.kind).append("\"><td>").append(row.seq).append("</td><td>")
                .append(escape(row.at)).append("</td><td>").append(escape(row.event)).append("</td><td>")
                .append(row.command).append("</td><td>").append(row.details).append("</td></tr>\n");
        }
        page.append("</table>\n");
        final long listed = incident.get("rejections").size();
        final long rejections = incident.get("rejectionCount").asLong();
        if (listed < rejections)
        {
            page.append("<p>").append(rejections - listed).append(" more rejections while it held are counted, not ")
                .append("listed: <code>ledger-guard audit incidents</code> without <code>--html</code> gives the ")
                .append("same count.</p>\n");
        }
        page.append("</body>\n</html>\n");
        return page.toString();
    }

    private static void summary(final StringBuilder page, final ObjectNode incident)
    {
        final JsonNode released = incident.get("released");
        final JsonNode rules = incident.get("rules");
        page.append("<table class=\"summary\">\n");
        summaryRow(page, "scope", escape(scope(incident)));
        summaryRow(page, "cause", escape(incident.get("cause").asText()) +
            (incident.path("outflowsOnly").asBoolean() ? " (outflows halted; the rest went on)" : ""));
        summaryRow(page, "first anomaly", incident.get("firstAnomaly").isNull() ? "none before the engagement" :
            seqAt(incident.get("firstAnomaly")) + ": " + escape(incident.get("firstAnomaly").get("alert").get("type")
            .asText()));
        summaryRow(page, "engaged", seqAt(incident.get("engaged")) + " by " +
            escape(incident.get("engaged").get("command").get("type").asText()));
        summaryRow(page, "released", released.isNull() ? "<b>still holds at the journal's end</b>" :
            seqAt(released) + ", after " + held(released.get("heldMs").asLong()));
        summaryRow(page, "rejected while it held", String.valueOf(incident.get("rejectionCount").asLong()));
        summaryRow(page, "rules in force", "version " + rules.get("version").asLong() +
            (rules.get("lastChangeSeq").isNull() ? "" : ", last changed at seq " + rules.get("lastChangeSeq")) +
            "; " + rules.get("changes").size() + " change(s) during the incident");
        page.append("</table>\n");
    }

    private static void summaryRow(final StringBuilder page, final String name, final String html)
    {
        page.append("<tr><th>").append(escape(name)).append("</th><td>").append(html).append("</td></tr>\n");
    }

    private static List<Row> timeline(final ObjectNode incident)
    {
        final List<Row> rows = new ArrayList<>();
        final long engagedSeq = incident.get("engaged").get("seq").asLong();
        for (final JsonNode anomaly : incident.get("anomalies"))
        {
            // The engaging command's own anomaly is shown with the engagement.
            if (anomaly.get("seq").asLong() != engagedSeq)
            {
                rows.add(new Row(anomaly, 1, "anomaly", "anomaly: " + anomaly.get("alert").get("type").asText(),
                    command(anomaly.get("command")), alert(anomaly.get("alert"))));
            }
        }
        final JsonNode engaged = incident.get("engaged");
        final StringBuilder alerts = new StringBuilder("decision ").append(escape(engaged.get("reason").asText()));
        for (final JsonNode alert : engaged.get("alerts"))
        {
            alerts.append("<br>").append(alert(alert));
        }
        rows.add(new Row(engaged, 2, "engaged", "kill switch engaged", command(engaged.get("command")),
            alerts.toString()));
        for (final JsonNode change : incident.get("rules").get("changes"))
        {
            rows.add(new Row(change, 3, "change", "rules changed", "", fields(change)));
        }
        for (final JsonNode rejection : incident.get("rejections"))
        {
            rows.add(new Row(rejection, 4, "holds", "rejected: " + rejection.get("reason").asText(),
                command(rejection.get("command")), ""));
        }
        final JsonNode released = incident.get("released");
        if (!released.isNull())
        {
            rows.add(new Row(released, 5, "released", "kill switch released", "txId " + released.get("txId"),
                "held " + held(released.get("heldMs").asLong())));
        }
        return rows;
    }

    private static String command(final JsonNode command)
    {
        return command == null || command.isNull() ? "" : "<b>" + escape(command.path("type").asText()) + "</b> " +
            fields(command);
    }

    private static String alert(final JsonNode alert)
    {
        return "<b>" + escape(alert.get("type").asText()) + "</b> " + fields(alert);
    }

    /** The fields of an object but its type, sequence and time, as {@code name=value}; nested objects inline. */
    private static String fields(final JsonNode node)
    {
        final StringBuilder text = new StringBuilder();
        for (final Map.Entry<String, JsonNode> field : node.properties())
        {
            final String name = field.getKey();
            if ("type".equals(name) || "seq".equals(name) || "at".equals(name) || "time".equals(name))
            {
                continue;
            }
            final JsonNode value = field.getValue();
            if (value.isObject())
            {
                text.append(escape(name)).append(": {").append(fields(value)).append("} ");
            }
            else
            {
                text.append(escape(name)).append('=').append(escape(value.isTextual() ? value.asText() :
                    value.toString())).append(' ');
            }
        }
        return text.toString().strip();
    }

    private static String scope(final JsonNode incident)
    {
        final StringBuilder scope = new StringBuilder(incident.get("scope").asText());
        if (incident.has("asset"))
        {
            scope.append(' ').append(incident.get("asset").asText());
        }
        if (incident.has("walletId"))
        {
            scope.append(" wallet ").append(incident.get("walletId").asLong());
        }
        return scope.toString();
    }

    private static String seqAt(final JsonNode event)
    {
        return "seq " + event.get("seq").asLong() + " at " + escape(event.get("at").asText());
    }

    private static String held(final long ms)
    {
        return ms < 120_000 ? ms / 1_000.0 + " s" : ms < 7_200_000 ? ms / 60_000 + " min " + ms % 60_000 / 1_000 +
            " s" : ms / 3_600_000 + " h " + ms % 3_600_000 / 60_000 + " min";
    }

    private static void head(final StringBuilder page, final String title)
    {
        page.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>")
            .append(escape(title)).append("</title>\n<style>\n").append(STYLE).append("\n</style>\n</head>\n<body>\n");
    }

    static String escape(final Object value)
    {
        final String text = String.valueOf(value);
        final StringBuilder escaped = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++)
        {
            final char c = text.charAt(i);
            switch (c)
            {
                case '<': escaped.append("&lt;"); break;
                case '>': escaped.append("&gt;"); break;
                case '&': escaped.append("&amp;"); break;
                case '"': escaped.append("&quot;"); break;
                case '\'': escaped.append("&#39;"); break;
                default: escaped.append(c);
            }
        }
        return escaped.toString();
    }

    /** One line of the timeline; {@code order} sorts the events of one sequence. */
    private static final class Row
    {
        final long seq;
        final String at;
        final int order;
        final String kind;
        final String event;
        final String command;
        final String details;

        Row(final JsonNode event, final int order, final String kind, final String name, final String command,
            final String details)
        {
            this.seq = event.get("seq").asLong();
            // A rule change names its time "time"; every other event "at".
            this.at = event.has("at") ? event.get("at").asText() : event.path("time").asText();
            this.order = order;
            this.kind = kind;
            this.event = name;
            this.command = command;
            this.details = details;
        }
    }
}
