package io.ledgerguard.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.HdrHistogram.HistogramLogWriter;

import io.ledgerguard.core.pipeline.WaitStrategyKind;

/**
 * The harness's output: a line per run on the console; in the output directory {@code results.json} (figures and
 * the machine), an HdrHistogram log per run, {@code summary.md} (tables with ratios against each baseline) and an SVG
 * plot of the latency percentile curves per offered rate.
 */
final class LoadReport
{
    private static final double[] PERCENTILES = {50, 90, 99, 99.9, 99.99};
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"};

    private final Path dir;
    private final double p99BoundUs;
    private final int producers;
    private final WaitStrategyKind waitStrategy;
    private final String command;
    private final Map<String, Object> settings;
    private final List<OpenLoop.Result> results = new ArrayList<>();
    private final Map<String, String> descriptions = new LinkedHashMap<>();
    private final Map<String, Integer> highestHeld = new LinkedHashMap<>();
    private final Map<String, String> rampStops = new LinkedHashMap<>();
    private double elapsedSeconds;

    LoadReport(final Path dir, final double p99BoundUs, final int producers, final WaitStrategyKind waitStrategy,
        final String command, final Map<String, Object> settings)
    {
        this.dir = dir;
        this.p99BoundUs = p99BoundUs;
        this.producers = producers;
        this.waitStrategy = waitStrategy;
        this.command = command;
        this.settings = settings;
    }

    static String line(final OpenLoop.Result r)
    {
        return String.format(Locale.ROOT, "%-8s offered %,9.0f/s achieved %,9.0f/s  p50 %8.1f  p90 %8.1f  p99 %8.1f  " +
            "p99.9 %8.1f  p99.99 %8.1f  max %9.1f us  service p50 %6.1f p99 %8.1f us  accepted %5.1f%%  GCs %d%s%s",
            r.target,
            r.offeredPerSecond, r.achievedPerSecond, r.percentileUs(50), r.percentileUs(90), r.percentileUs(99),
            r.percentileUs(99.9), r.percentileUs(99.99), r.maxUs(), r.servicePercentileUs(50),
            r.servicePercentileUs(99), 100.0 * r.acceptedShare(), r.gcCount,
            r.unsent > 0 ? String.format(Locale.ROOT, "  (%,d never sent: the target fell too far behind)", r.unsent) :
                "", r.problem != null ? "  PROBLEM: " + r.problem : "");
    }

    void describe(final String target, final String description)
    {
        descriptions.put(target, description);
    }

    void notRun(final String target, final String why)
    {
        descriptions.put(target, "not run: " + why);
    }

    boolean ran(final String target)
    {
        for (final OpenLoop.Result r : results)
        {
            if (r.target.equals(target))
            {
                return true;
            }
        }
        return false;
    }

    void highestHeld(final String target, final int rate, final String stopped) throws IOException
    {
        highestHeld.put(target, rate);
        rampStops.put(target, stopped);
        write();
    }

    /**
     * Add a run and rewrite every output file, so that a run that dies later loses nothing already measured.
     */
    void add(final OpenLoop.Result result) throws IOException
    {
        results.add(result);
        writeHistogram(dir.resolve(result.target + "-" + result.label + ".hlog"), result);
        write();
    }

    void finish(final double elapsed) throws IOException
    {
        this.elapsedSeconds = elapsed;
        write();
    }

    private void write() throws IOException
    {
        final Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch"));
        machine.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        machine.put("jvmFlags", ManagementFactory.getRuntimeMXBean().getInputArguments());

        final List<Map<String, Object>> runs = new ArrayList<>();
        for (final OpenLoop.Result r : results)
        {
            final Map<String, Object> run = new LinkedHashMap<>();
            run.put("target", r.target);
            run.put("run", r.label);
            run.put("producers", r.producers);
            run.put("offeredPerSecond", r.offeredPerSecond);
            run.put("achievedPerSecond", Math.round(r.achievedPerSecond));
            run.put("recorded", r.recorded);
            run.put("accepted", r.accepted);
            run.put("rejected", r.rejected);
            run.put("unsent", r.unsent);
            run.put("gcCount", r.gcCount);
            run.put("gcMillis", r.gcMillis);
            if (r.problem != null)
            {
                run.put("problem", r.problem);
            }
            final Map<String, Object> latency = new LinkedHashMap<>();
            final Map<String, Object> service = new LinkedHashMap<>();
            for (final double p : PERCENTILES)
            {
                latency.put("p" + trim(p), r.percentileUs(p));
                service.put("p" + trim(p), r.servicePercentileUs(p));
            }
            latency.put("max", r.maxUs());
            service.put("max", r.serviceNs.getMaxValue() / 1_000.0);
            run.put("latencyUs", latency);
            run.put("serviceUs", service);
            run.put("histogramLog", r.target + "-" + r.label + ".hlog");
            runs.add(run);
        }
        final Map<String, Object> document = new LinkedHashMap<>();
        document.put("date", OffsetDateTime.now().toString());
        document.put("machine", machine);
        document.put("command", command);
        document.put("settings", settings);
        document.put("targets", descriptions);
        document.put("runs", runs);
        document.put("rampP99BoundUs", p99BoundUs);
        document.put("highestRateHeld", highestHeld);
        document.put("rampStoppedBecause", rampStops);
        document.put("elapsedSeconds", Math.round(elapsedSeconds));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(),
            document);
        writeSummary(machine);
    }

    private void writeSummary(final Map<String, Object> machine) throws IOException
    {
        final TreeSet<Double> rates = new TreeSet<>();
        for (final OpenLoop.Result r : results)
        {
            if (!r.label.startsWith("ramp"))
            {
                rates.add(r.offeredPerSecond);
            }
        }
        try (PrintStream md = new PrintStream(Files.newOutputStream(dir.resolve("summary.md")), true,
            StandardCharsets.UTF_8))
        {
            md.printf(Locale.ROOT, "# Load harness, %s%n%n", OffsetDateTime.now().withNano(0));
            md.printf(Locale.ROOT, "Command: `%s`. Machine: %s cores, %s, %s. Producers, the pipeline's stages and " +
                "anything else running share those cores, so compare the figures of one run, side by side. Open " +
                "loop: latency from each command's intended send time; each producer has one command in flight, but " +
                "in a target named -xN, which submits asynchronously with up to N unanswered per producer. " +
                "%d producers for pipeline, ring, locks and postgres; %s wait strategy. Every run starts from a " +
                "freshly funded book. Run took %.0f s.%n%n", command, machine.get("cores"), machine.get("jdk"),
                machine.get("os"), producers, waitStrategy, elapsedSeconds);
            md.println("| target | what |");
            md.println("| --- | --- |");
            descriptions.forEach((name, what) -> md.printf("| %s | %s |%n", name, what));
            md.println();
            for (final double rate : rates)
            {
                md.printf(Locale.ROOT, "## Offered %,.0f commands/s%n%n", rate);
                md.println("| target | achieved/s | p50 us | p90 us | p99 us | p99.9 us | p99.99 us | max us | " +
                    "service p50 us | service p99 us | accepted | GCs (ms) | p99 vs bare | service p50 vs bare | " +
                    "p99 vs ring | service p50 vs ring | p99 vs locks | service p50 vs locks | p99 vs postgres | " +
                    "service p50 vs postgres |");
                md.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | " +
                    "---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                final Map<String, OpenLoop.Result> atRate = new LinkedHashMap<>();
                for (final OpenLoop.Result r : results)
                {
                    if (r.offeredPerSecond == rate && !r.label.startsWith("ramp"))
                    {
                        atRate.put(r.target, r);
                    }
                }
                for (final OpenLoop.Result r : atRate.values())
                {
                    md.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | " +
                        "%.1f%%%s | %d (%d) | %s | %s | %s | %s | %s | %s | %s | %s |%n", r.target, r.achievedPerSecond,
                        r.percentileUs(50), r.percentileUs(90), r.percentileUs(99), r.percentileUs(99.9),
                        r.percentileUs(99.99), r.maxUs(), r.servicePercentileUs(50), r.servicePercentileUs(99),
                        100.0 * r.acceptedShare(), r.unsent > 0 ? String.format(Locale.ROOT, ", %,d unsent", r.unsent) :
                            "", r.gcCount, r.gcMillis,
                        ratio(r, atRate.get("bare"), false), ratio(r, atRate.get("bare"), true),
                        ratio(r, atRate.get("ring"), false), ratio(r, atRate.get("ring"), true),
                        ratio(r, atRate.get("locks"), false), ratio(r, atRate.get("locks"), true),
                        ratio(r, atRate.get("postgres"), false), ratio(r, atRate.get("postgres"), true));
                }
                md.println();
                md.println("Latency runs from each command's intended send time; service time from its actual send. " +
                    "Unsent commands (a run that fell more than its own length behind) are in the latency " +
                    "percentiles at the lower bound of their wait.");
                md.println();
                final String plot = "latency-" + (long)rate + ".svg";
                writePlot(dir.resolve(plot), atRate, rate);
                md.printf("![latency percentiles at %,.0f/s](%s)%n%n", rate, plot);
            }
            if (!highestHeld.isEmpty())
            {
                md.printf(Locale.ROOT, "## Highest offered rate with p99 <= %.0f us (ramp)%n%n", p99BoundUs);
                md.println("| target | rate/s | stopped because | vs bare | vs ring | vs locks | vs postgres |");
                md.println("| --- | ---: | --- | ---: | ---: | ---: | ---: |");
                highestHeld.forEach((name, rate) -> md.printf(Locale.ROOT, "| %s | %,d | %s | %s | %s | %s | %s |%n",
                    name, rate, rampStops.get(name), rateRatio(rate, highestHeld.get("bare")),
                    rateRatio(rate, highestHeld.get("ring")), rateRatio(rate, highestHeld.get("locks")),
                    rateRatio(rate, highestHeld.get("postgres"))));
                md.println();
                md.println("A ramp step fails when p99 passes the bound, the achieved rate falls below 95% of the " +
                    "offered one, commands were left unsent, fewer than 95% were accepted, or the target reported a " +
                    "problem; a failed step is run once more. Every step's figures are in results.json and its " +
                    "histogram log. With one command in flight per producer, a multi-producer target's ceiling here " +
                    "is about producers / round trip; a -xN target's is N times that, or the target's throughput.");
            }
        }
    }

    /**
     * @return the target's p99 latency, or its median service time, over the baseline's; empty for the baseline
     *     itself or a missing one.
     */
    private static String ratio(final OpenLoop.Result r, final OpenLoop.Result baseline, final boolean serviceMedian)
    {
        if (baseline == null || baseline == r || baseline.recorded == 0 || r.recorded == 0)
        {
            return "";
        }
        final double of = serviceMedian ? r.servicePercentileUs(50) : r.percentileUs(99);
        final double against = serviceMedian ? baseline.servicePercentileUs(50) : baseline.percentileUs(99);
        // A run that sent nothing in its recorded window (it fell behind in the warm-up) has no service time.
        return of <= 0 || against <= 0 ? "" : String.format(Locale.ROOT, "%.2fx", of / against);
    }

    private static String rateRatio(final Integer rate, final Integer baseline)
    {
        return baseline == null || baseline == 0 ? "" : String.format(Locale.ROOT, "%.2fx", rate / (double)baseline);
    }

    private static String trim(final double p)
    {
        return p == Math.rint(p) ? String.valueOf((long)p) : String.valueOf(p);
    }

    private static void writeHistogram(final Path file, final OpenLoop.Result r) throws IOException
    {
        try (PrintStream stream = new PrintStream(Files.newOutputStream(file), true, StandardCharsets.UTF_8))
        {
            final HistogramLogWriter writer = new HistogramLogWriter(stream);
            writer.outputComment("ledger-guard bench: target=" + r.target + " run=" + r.label + " offered=" +
                (long)r.offeredPerSecond + "/s producers=" + r.producers + "; nanoseconds; tag latency: from the " +
                "intended send time; tag service: from the actual send");
            writer.outputLegend();
            final long endMs = (long)(r.measuredSeconds * 1000);
            r.latencyNs.setStartTimeStamp(0);
            r.latencyNs.setEndTimeStamp(endMs);
            r.latencyNs.setTag("latency");
            writer.outputIntervalHistogram(r.latencyNs);
            r.serviceNs.setStartTimeStamp(0);
            r.serviceNs.setEndTimeStamp(endMs);
            r.serviceNs.setTag("service");
            writer.outputIntervalHistogram(r.serviceNs);
        }
    }

    /**
     * Latency against percentile, both on log scales, as HdrHistogram plots it: x runs 0, 90, 99, 99.9, 99.99, 99.999.
     */
    private static void writePlot(final Path file, final Map<String, OpenLoop.Result> runs, final double rate)
        throws IOException
    {
        final int width = 900;
        final int height = 520;
        final int left = 80;
        final int right = 170;
        final int top = 40;
        final int bottom = 60;
        final double xMax = 5;
        double yMinUs = Double.MAX_VALUE;
        double yMaxUs = 1;
        for (final OpenLoop.Result r : runs.values())
        {
            if (r.recorded > 0)
            {
                yMinUs = Math.min(yMinUs, Math.max(0.1, r.latencyNs.getMinNonZeroValue() / 1_000.0));
                yMaxUs = Math.max(yMaxUs, r.maxUs());
            }
        }
        final double yLow = Math.floor(Math.log10(Math.min(yMinUs, yMaxUs)));
        final double yHigh = Math.ceil(Math.log10(yMaxUs));
        final StringBuilder svg = new StringBuilder(8192);
        svg.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" " +
            "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n",
            width, height));
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"24\" font-size=\"15\">Latency by percentile at " +
            "%,.0f commands/s offered (open loop)</text>%n", left, rate));
        final int plotWidth = width - left - right;
        final int plotHeight = height - top - bottom;
        for (int i = 0; i <= (int)xMax; i++)
        {
            final double x = left + plotWidth * i / xMax;
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>" +
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, top, x, top + plotHeight, x,
                top + plotHeight + 18, new String[] {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}[i]));
        }
        for (double e = yLow; e <= yHigh; e++)
        {
            final double y = top + plotHeight - plotHeight * (e - yLow) / Math.max(1, yHigh - yLow);
            svg.append(String.format(Locale.ROOT,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>" +
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s us</text>%n", left, y, left + plotWidth, y, left - 6,
                y + 4,
                e >= 0 ? String.format(Locale.ROOT, "%,.0f", Math.pow(10, e)) : String.valueOf(Math.pow(10, e))));
        }
        svg.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">percentile</text>%n",
            left + plotWidth / 2, height - 16));
        int colour = 0;
        for (final OpenLoop.Result r : runs.values())
        {
            if (r.recorded == 0)
            {
                continue;
            }
            final String stroke = COLOURS[colour++ % COLOURS.length];
            final StringBuilder points = new StringBuilder();
            for (int i = 0; i <= 500; i++)
            {
                final double xValue = xMax * i / 500;
                final double percentile = 100 * (1 - Math.pow(10, -xValue));
                final double us = Math.max(Math.pow(10, yLow), r.latencyNs.getValueAtPercentile(percentile) / 1_000.0);
                final double x = left + plotWidth * xValue / xMax;
                final double y = top + plotHeight - plotHeight * (Math.log10(us) - yLow) / Math.max(1, yHigh - yLow);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
            }
            svg.append(String.format(Locale.ROOT, "<polyline fill=\"none\" stroke=\"%s\" stroke-width=\"2\" " +
                "points=\"%s\"/>%n", stroke, points.toString().trim()));
            final int legendY = top + 10 + 20 * (colour - 1);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"%s\" " +
                "stroke-width=\"3\"/><text x=\"%d\" y=\"%d\">%s</text>%n", left + plotWidth + 12, legendY,
                left + plotWidth + 36, legendY, stroke, left + plotWidth + 42, legendY + 4, r.target));
        }
        svg.append("</svg>\n");
        Files.writeString(file, svg.toString(), StandardCharsets.UTF_8);
    }
}
