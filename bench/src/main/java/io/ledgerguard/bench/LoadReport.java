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

    private LoadReport()
    {
    }

    static String line(final OpenLoop.Result r)
    {
        return String.format(Locale.ROOT, "%-8s offered %,9.0f/s achieved %,9.0f/s  p50 %8.1f  p90 %8.1f  p99 %8.1f  " +
            "p99.9 %8.1f  p99.99 %8.1f  max %9.1f us  service p50 %6.1f p99 %8.1f us  accepted %5.1f%%%s", r.target,
            r.offeredPerSecond, r.achievedPerSecond, r.percentileUs(50), r.percentileUs(90), r.percentileUs(99),
            r.percentileUs(99.9), r.percentileUs(99.99), r.maxUs(), r.servicePercentileUs(50),
            r.servicePercentileUs(99), r.recorded == 0 ? 0 : 100.0 * r.accepted / r.recorded,
            r.unsent > 0 ? String.format(Locale.ROOT, "  (%,d never sent: the target fell too far behind)", r.unsent) :
                "");
    }

    static void write(
        final Path dir,
        final List<OpenLoop.Result> results,
        final Map<String, Integer> highestHeld,
        final Map<String, String> descriptions,
        final double p99BoundUs,
        final double elapsedSeconds,
        final int producers,
        final WaitStrategyKind waitStrategy,
        final String jvmArguments) throws IOException
    {
        final Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("jdk", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version") + " " +
            System.getProperty("os.arch"));
        machine.put("maxHeapBytes", Runtime.getRuntime().maxMemory());
        machine.put("jvmFlags", ManagementFactory.getRuntimeMXBean().getInputArguments());
        machine.put("note", "a shared machine: other work may run beside the benchmark; compare figures of one run");

        final List<Map<String, Object>> runs = new ArrayList<>();
        for (final OpenLoop.Result r : results)
        {
            final Map<String, Object> run = new LinkedHashMap<>();
            run.put("target", r.target);
            run.put("producers", r.producers);
            run.put("offeredPerSecond", r.offeredPerSecond);
            run.put("achievedPerSecond", Math.round(r.achievedPerSecond));
            run.put("recorded", r.recorded);
            run.put("accepted", r.accepted);
            run.put("rejected", r.rejected);
            run.put("unsent", r.unsent);
            final Map<String, Object> latency = new LinkedHashMap<>();
            for (final double p : PERCENTILES)
            {
                latency.put("p" + trim(p), r.percentileUs(p));
            }
            latency.put("max", r.maxUs());
            run.put("latencyUs", latency);
            final Map<String, Object> service = new LinkedHashMap<>();
            for (final double p : PERCENTILES)
            {
                service.put("p" + trim(p), r.servicePercentileUs(p));
            }
            service.put("max", r.serviceNs.getMaxValue() / 1_000.0);
            run.put("serviceUs", service);
            final String log = r.target + "-" + (long)r.offeredPerSecond + ".hlog";
            run.put("histogramLog", log);
            runs.add(run);
            writeHistogram(dir.resolve(log), r);
        }
        final Map<String, Object> document = new LinkedHashMap<>();
        document.put("date", OffsetDateTime.now().toString());
        document.put("machine", machine);
        document.put("command", "./ledger-guard bench " + jvmArguments);
        document.put("producers", producers);
        document.put("waitStrategy", waitStrategy.name());
        document.put("targets", descriptions);
        document.put("runs", runs);
        document.put("rampP99BoundUs", p99BoundUs);
        document.put("highestRateHeld", highestHeld);
        document.put("elapsedSeconds", Math.round(elapsedSeconds));
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(dir.resolve("results.json").toFile(),
            document);

        final TreeSet<Double> rates = new TreeSet<>();
        for (final OpenLoop.Result r : results)
        {
            rates.add(r.offeredPerSecond);
        }
        try (PrintStream md = new PrintStream(Files.newOutputStream(dir.resolve("summary.md")), true,
            StandardCharsets.UTF_8))
        {
            md.printf(Locale.ROOT, "# Load harness, %s%n%n", OffsetDateTime.now().withNano(0));
            md.printf(Locale.ROOT, "Machine: %s cores, %s, %s. **A shared machine with two cores**: producers, the " +
                "pipeline's three stages and anything else running share them, so compare the figures of one run, " +
                "side by side, and read absolute times with care. Open loop: latency from each command's intended " +
                "send time. %d producers for pipeline, ring and locks; %s wait strategy. Run took %.0f s.%n%n",
                machine.get("cores"), machine.get("jdk"), machine.get("os"), producers, waitStrategy, elapsedSeconds);
            md.println("| target | what |");
            md.println("| --- | --- |");
            descriptions.forEach((name, what) -> md.printf("| %s | %s |%n", name, what));
            md.println();
            for (final double rate : rates)
            {
                md.printf(Locale.ROOT, "## Offered %,.0f commands/s%n%n", rate);
                md.println("| target | achieved/s | p50 us | p90 us | p99 us | p99.9 us | p99.99 us | max us | " +
                    "service p50 us | service p99 us | accepted | p99 vs bare | service p50 vs bare | p99 vs ring | " +
                    "service p50 vs ring | p99 vs locks | service p50 vs locks |");
                md.println("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | " +
                    "---: | ---: | ---: | ---: | ---: |");
                final Map<String, OpenLoop.Result> atRate = new LinkedHashMap<>();
                for (final OpenLoop.Result r : results)
                {
                    if (r.offeredPerSecond == rate)
                    {
                        atRate.put(r.target, r);
                    }
                }
                for (final OpenLoop.Result r : atRate.values())
                {
                    md.printf(Locale.ROOT, "| %s | %,.0f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | %.1f | " +
                        "%.1f%% | %s | %s | %s | %s | %s | %s |%n", r.target, r.achievedPerSecond, r.percentileUs(50),
                        r.percentileUs(90), r.percentileUs(99), r.percentileUs(99.9), r.percentileUs(99.99), r.maxUs(),
                        r.servicePercentileUs(50), r.servicePercentileUs(99),
                        r.recorded == 0 ? 0 : 100.0 * r.accepted / r.recorded,
                        ratio(r, atRate.get("bare"), false), ratio(r, atRate.get("bare"), true),
                        ratio(r, atRate.get("ring"), false), ratio(r, atRate.get("ring"), true),
                        ratio(r, atRate.get("locks"), false), ratio(r, atRate.get("locks"), true));
                }
                md.println();
                md.println("Latency runs from each command's intended send time; service time from its actual send. " +
                    "A producer ahead of schedule parks until the intended time, and on this machine a park wakes " +
                    "some tens of microseconds late, which is in the latency of every target alike.");
                md.println();
                final String plot = "latency-" + (long)rate + ".svg";
                writePlot(dir.resolve(plot), atRate, rate);
                md.printf("![latency percentiles at %,.0f/s](%s)%n%n", rate, plot);
            }
            if (!highestHeld.isEmpty())
            {
                md.printf(Locale.ROOT, "## Highest offered rate with p99 <= %.0f us (ramp)%n%n", p99BoundUs);
                md.println("| target | rate/s | vs bare | vs ring | vs locks |");
                md.println("| --- | ---: | ---: | ---: | ---: |");
                highestHeld.forEach((name, rate) -> md.printf(Locale.ROOT, "| %s | %,d | %s | %s | %s |%n", name, rate,
                    rateRatio(rate, highestHeld.get("bare")), rateRatio(rate, highestHeld.get("ring")),
                    rateRatio(rate, highestHeld.get("locks"))));
                md.println();
                md.println("A ramp step fails when p99 passes the bound, the achieved rate falls below 95% of the " +
                    "offered one, or commands were left unsent; the rate before it is the one that held.");
            }
            md.println();
            md.println("PostgreSQL (baseline 3) is not part of this run: see the README.");
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
        final double ratio = serviceMedian ? r.servicePercentileUs(50) / baseline.servicePercentileUs(50) :
            r.percentileUs(99) / baseline.percentileUs(99);
        return String.format(Locale.ROOT, "%.2fx", ratio);
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
            writer.outputComment("ledger-guard bench: target=" + r.target + " offered=" + (long)r.offeredPerSecond +
                "/s producers=" + r.producers + ", latency in nanoseconds from the intended send time");
            writer.outputLegend();
            r.latencyNs.setStartTimeStamp(0);
            r.latencyNs.setEndTimeStamp((long)(r.measuredSeconds * 1000));
            writer.outputIntervalHistogram(r.latencyNs);
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
            svg.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#ddd\"/>" +
                "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, top, x, top + plotHeight, x,
                top + plotHeight + 18, new String[] {"0%", "90%", "99%", "99.9%", "99.99%", "99.999%"}[i]));
        }
        for (double e = yLow; e <= yHigh; e++)
        {
            final double y = top + plotHeight - plotHeight * (e - yLow) / Math.max(1, yHigh - yLow);
            svg.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>" +
                "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s us</text>%n", left, y, left + plotWidth, y, left - 6,
                y + 4, e >= 0 ? String.format(Locale.ROOT, "%,.0f", Math.pow(10, e)) : String.valueOf(Math.pow(10, e))));
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
