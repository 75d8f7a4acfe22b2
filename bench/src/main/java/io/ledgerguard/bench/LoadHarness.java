package io.ledgerguard.bench;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.core.pipeline.WaitStrategyKind;

/**
 * {@code ./ledger-guard bench}: the open-loop load harness. Runs the guard linked into the caller ({@code engine}) and
 * embedded behind its ring ({@code pipeline}), and the baselines in the same run on the same workload: {@code bare}
 * (0, the memory cost with no rule), {@code ring} (1, the ring with empty handlers) and {@code locks} (2, the rules
 * with ConcurrentHashMap and locks). Writes JSON, HdrHistogram logs, a Markdown summary and SVG plots.
 */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
        "The load harness: open loop at fixed offered rates (latency measured from each command's intended send " +
            "time, so stalls are not hidden), the guard linked and embedded, against baselines in the same run.",
        "Targets: engine (GuardEngine.apply on the caller's thread), linked (LinkedGuard: apply and journal on the " +
            "caller's thread), pipeline (LedgerGuard, several producers), " +
            "sidecar (the gateway over loopback TCP), cluster (three guard nodes, Aeron Cluster on loopback), bare " +
            "(baseline 0), ring (baseline 1), locks (baseline 2), postgres (baseline 3). With --in-flight N above 1, " +
            "pipeline, sidecar and cluster also run pipelined, as pipeline-xN, sidecar-xN and cluster-xN. The JMH " +
            "suites: ./ledger-guard bench jmh."
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:success", "1:runtime failure", "2:usage error"})
public final class LoadHarness implements Callable<Integer>
{
    static final int WORKLOAD_RING_BITS = 16;
    /** txIds the workload's setup uses: an account each, and a deposit per position, with room to spare. */
    static final long SETUP_TX_IDS = 1_400_000;
    /** Inner commands per command of the mix, on average, rounded up: for sizing the txId table. */
    private static final double TX_IDS_PER_COMMAND = 2.0;
    /** The most txIds one table holds (its bytes must stay under {@link GuardConfig#TABLE_BYTES_MAX}). */
    static final long TX_IDS_MAX = 40_000_000;
    /** A ramp step whose accepted share falls below this is not the workload any more (a table full, a failure). */
    private static final double ACCEPTED_SHARE_MIN = 0.95;
    private static final List<String> TARGETS =
        List.of("bare", "engine", "linked", "ring", "pipeline", "sidecar", "cluster", "locks", "postgres");
    /** The targets that take {@code --in-flight}. */
    private static final List<String> PIPELINING = List.of("pipeline", "sidecar", "cluster");
    /** The most commands in flight per producer: a gateway connection's default limit. */
    static final int IN_FLIGHT_MAX = 1024;

    @picocli.CommandLine.Spec
    private picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--targets", split = ",", paramLabel = "NAME",
        description = "Targets to run (default: all): engine, linked, pipeline, sidecar, cluster, bare, ring, locks, " +
            "postgres.")
    private List<String> targets = TARGETS;

    @Option(names = "--rates", split = ",", paramLabel = "PER_S",
        description = "Offered rates, commands per second (default: 10000,50000,100000,200000; --quick: 10000,50000).")
    private List<Integer> rates;

    @Option(names = "--warmup-s", paramLabel = "S", description = "Unrecorded warm-up per run (default 5; --quick 2).")
    private Integer warmupSeconds;

    @Option(names = "--duration-s", paramLabel = "S",
        description = "Recorded part of each run (default 20; --quick 6).")
    private Integer durationSeconds;

    @Option(names = "--producers", paramLabel = "N", defaultValue = "4",
        description = "Producer threads for pipeline, ring and locks (default ${DEFAULT-VALUE}).")
    private int producers;

    @Option(names = "--in-flight", split = ",", paramLabel = "N",
        description = "Commands each producer of pipeline, sidecar and cluster keeps in flight, one run series per " +
            "value: 1 waits for every answer, N > 1 submits asynchronously with up to N unanswered per producer " +
            "(pipeline, cluster) or connection (sidecar), named pipeline-xN, sidecar-xN and cluster-xN (default: 1; " +
            "--quick: 1,64).")
    private List<Integer> inFlight;

    @Option(names = "--wait-strategy", paramLabel = "KIND", defaultValue = "BLOCKING",
        description = "The ring's wait strategy: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    private WaitStrategyKind waitStrategy;

    @Option(names = "--ramp", description = "After the fixed rates, raise the rate by --ramp-factor from " +
        "--ramp-start until p99 passes --p99-bound-us, for each target; report the highest rate that held.")
    private boolean ramp;

    @Option(names = "--ramp-start", paramLabel = "PER_S", defaultValue = "20000",
        description = "First rate of the ramp (default ${DEFAULT-VALUE}).")
    private int rampStart;

    @Option(names = "--ramp-factor", paramLabel = "X", defaultValue = "2",
        description = "Rate multiplier between ramp steps (default ${DEFAULT-VALUE}).")
    private double rampFactor;

    @Option(names = "--ramp-steps", paramLabel = "N",
        description = "Most steps a ramp takes (default 10; 6 with --quick).")
    private Integer rampStepsMax;

    @Option(names = "--p99-bound-us", paramLabel = "US", defaultValue = "1000",
        description = "The ramp's p99 bound in microseconds (default ${DEFAULT-VALUE}).")
    private double p99BoundUs;

    @Option(names = "--quick", description = "A short run (about seven minutes here): rates 10000 and 50000, 1 " +
        "and 64 in flight, 2 s warm-up, 6 s recorded, a ramp of the engine and pipeline from --ramp-start, " +
        "doubling, six steps at most.")
    private boolean quick;

    @Option(names = "--out", paramLabel = "DIR",
        description = "Output directory (default: bench/results/<date>-<time>).")
    private Path out;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "42", description = "Workload seed (default 42).")
    private long seed;

    /**
     * @param args command-line arguments.
     */
    public static void main(final String[] args)
    {
        System.exit(new CommandLine(new LoadHarness()).setCaseInsensitiveEnumValuesAllowed(true).execute(args));
    }

    /**
     * The workload's configuration for load runs: the automatic kill switches disarmed, since in the multi-producer
     * targets the workload reads a hot wallet's balance for its attestations from another thread while the guard is
     * still applying earlier commands, which a drift check would (rightly) take for a drain.
     *
     * @param txIdsMax the txId table's limit.
     * @return the configuration.
     */
    static GuardConfig config(final long txIdsMax)
    {
        final GuardConfig config = ExchangeWorkload.config(txIdsMax);
        for (final GuardConfig.AssetConfig asset : config.assets())
        {
            asset.breachToleranceMinorUnits = Long.MAX_VALUE;
        }
        for (final GuardConfig.WalletConfig wallet : config.wallets())
        {
            wallet.driftToleranceMinorUnits = Long.MAX_VALUE;
        }
        return config;
    }

    @Override
    public Integer call() throws Exception
    {
        final PrintStream log = System.out;
        final List<Integer> rateList = rates != null ? rates : quick ? List.of(10_000, 50_000) :
            List.of(10_000, 50_000, 100_000, 200_000);
        final long warmupNs = TimeUnit.SECONDS.toNanos(warmupSeconds != null ? warmupSeconds : quick ? 2 : 5);
        final long durationNs = TimeUnit.SECONDS.toNanos(durationSeconds != null ? durationSeconds : quick ? 6 : 20);
        final boolean doRamp = ramp || quick;
        final int rampSteps = rampStepsMax != null ? rampStepsMax : quick ? 6 : 10;
        final double factor = rampFactor;
        final List<Integer> inFlightList = inFlight != null ? inFlight : quick ? List.of(1, 64) : List.of(1);
        final String usage = validate(rateList, inFlightList, warmupNs, durationNs, factor, rampSteps);
        if (usage != null)
        {
            spec.commandLine().getErr().println("ledger-guard bench: " + usage);
            return 2;
        }
        final Path root = Path.of(System.getenv().getOrDefault("LEDGER_GUARD_ROOT", "."));
        final Path dir = out != null ? out : root.resolve(Path.of("bench", "results",
            LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss"))));
        Files.createDirectories(dir);
        final long started = System.nanoTime();
        log.printf(Locale.ROOT, "ledger-guard bench: %d cores, %s %s; rates %s, warm-up %d s, recorded %d s, " +
            "%d producers, %s wait strategy; results in %s%n", Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"), System.getProperty("java.version"), rateList,
            TimeUnit.NANOSECONDS.toSeconds(warmupNs), TimeUnit.NANOSECONDS.toSeconds(durationNs), producers,
            waitStrategy, dir);

        final LoadReport report = new LoadReport(dir, p99BoundUs, producers, waitStrategy,
            "./ledger-guard bench " + String.join(" ", spec.commandLine().getParseResult().originalArgs()),
            settings(rateList, inFlightList, warmupNs, durationNs, doRamp, rampSteps, factor));
        for (final Series series : series(inFlightList))
        {
            final String name = series.target;
            final int depth = series.inFlight;
            final String variant = LoadTarget.name(name, depth);
            // In a quick run PostgreSQL gets the first rate only: it cannot keep up with the others, and a run that
            // falls behind lasts twice its schedule.
            final List<Integer> targetRates = quick && name.equals("postgres") ? rateList.subList(0, 1) : rateList;
            for (final int rate : targetRates)
            {
                final OpenLoop.Result result = runOnce(name, depth, rate, String.valueOf(rate), warmupNs, durationNs,
                    root, report, log);
                if (result == null)
                {
                    break;
                }
                log.println(LoadReport.line(result));
            }
            final boolean rampThis = doRamp && report.ran(variant) &&
                (!quick || variant.equals("engine") || variant.equals("pipeline"));
            if (rampThis)
            {
                double rate = rampStart;
                int held = 0;
                boolean holding = true;
                String stopped = "the ramp's last step held: the limit is higher";
                for (int i = 0; i < rampSteps && holding; i++, rate *= factor)
                {
                    // A step that fails is run once more: on a shared machine one stall is not a limit.
                    holding = false;
                    for (int attempt = 1; attempt <= 2 && !holding; attempt++)
                    {
                        final OpenLoop.Result result = runOnce(name, depth, (int)rate,
                            "ramp-" + (int)rate + (attempt == 1 ? "" : "-again"), warmupNs, durationNs, root, report,
                            log);
                        if (result == null)
                        {
                            stopped = "a run of this rate does not fit the tables (see above)";
                            break;
                        }
                        log.println("  ramp " + LoadReport.line(result));
                        holding = result.problem == null && result.percentileUs(99) <= p99BoundUs &&
                            result.unsent == 0 && result.achievedPerSecond >= 0.95 * result.offeredPerSecond &&
                            result.acceptedShare() >= ACCEPTED_SHARE_MIN;
                    }
                    if (holding)
                    {
                        held = (int)rate;
                    }
                    else if (!stopped.startsWith("a run of this rate"))
                    {
                        stopped = String.format(Locale.ROOT, "%,d/s did not hold, twice", (int)rate);
                    }
                }
                report.highestHeld(variant, held, stopped);
                log.printf(Locale.ROOT, "  %s: highest rate with p99 <= %.0f us: %s (%s)%n", variant, p99BoundUs,
                    held == 0 ? "none" : String.format(Locale.ROOT, "%,d/s", held), stopped);
            }
        }
        final double elapsed = (System.nanoTime() - started) / 1e9;
        report.finish(elapsed);
        log.printf(Locale.ROOT, "ledger-guard bench: done in %.0f s; wrote %s%n", elapsed, dir.resolve("summary.md"));
        return 0;
    }

    /**
     * One run on a target built and funded for it alone, so that every run starts from the same book and no run
     * inherits another's tables, heap or backlog. Its results are written at once.
     *
     * @return the result, or {@code null} when the target could not be started (PostgreSQL missing) or the run would
     *     not fit its tables; said on the log either way.
     */
    private OpenLoop.Result runOnce(final String name, final int depth, final int rate, final String label,
        final long warmupNs, final long durationNs, final Path root, final LoadReport report, final PrintStream log)
        throws Exception
    {
        // Every command of the schedule, twice over for the inner commands of trades, and twice again for a run
        // that falls behind and goes on to twice its length.
        final long txIds = SETUP_TX_IDS + (long)(rate * ((warmupNs + durationNs) / 1e9) * TX_IDS_PER_COMMAND * 2);
        if (txIds > TX_IDS_MAX)
        {
            log.printf(Locale.ROOT, "%-8s %,d/s not run: a run of %d s at this rate needs %,d txIds, more than one " +
                "table holds (%,d); shorten --warmup-s and --duration-s%n", name, rate,
                TimeUnit.NANOSECONDS.toSeconds(warmupNs + durationNs), txIds, TX_IDS_MAX);
            return null;
        }
        System.gc();
        try (LoadTarget target = create(name, depth, root))
        {
            final int threads = Math.min(producers, target.producersMax());
            try
            {
                target.start(threads, txIds);
            }
            catch (final IllegalStateException ex)
            {
                if (!name.equals("postgres"))
                {
                    throw ex;
                }
                log.println("postgres not run: " + ex.getMessage());
                report.notRun(name, ex.getMessage());
                return null;
            }
            report.describe(target.name(), target.description());
            final OpenLoop.Result result = OpenLoop.run(target, label, threads, rate, warmupNs, durationNs);
            report.add(result);
            return result;
        }
    }

    /**
     * A target with the commands each of its producers keeps in flight: one run series.
     */
    private static final class Series
    {
        final String target;
        final int inFlight;

        Series(final String target, final int inFlight)
        {
            this.target = target;
            this.inFlight = inFlight;
        }
    }

    /**
     * @return every run series in the order of {@code --targets}: one per in-flight depth for the targets that
     *     pipeline, one for the others.
     */
    private List<Series> series(final List<Integer> inFlightList)
    {
        final List<Series> series = new java.util.ArrayList<>();
        for (final String name : targets)
        {
            if (PIPELINING.contains(name))
            {
                inFlightList.forEach(depth -> series.add(new Series(name, depth)));
            }
            else
            {
                series.add(new Series(name, 1));
            }
        }
        return series;
    }

    private String validate(final List<Integer> rateList, final List<Integer> inFlightList, final long warmupNs,
        final long durationNs, final double factor, final int rampSteps)
    {
        for (final int depth : inFlightList)
        {
            if (depth < 1 || depth > IN_FLIGHT_MAX)
            {
                return "--in-flight: every value must be 1.." + IN_FLIGHT_MAX + ", was " + depth;
            }
        }
        for (final String name : targets)
        {
            if (!TARGETS.contains(name))
            {
                return "--targets: unknown target '" + name + "'; expected " + String.join(", ", TARGETS);
            }
        }
        for (final int rate : rateList)
        {
            if (rate <= 0)
            {
                return "--rates: every rate must be > 0, was " + rate;
            }
        }
        if (producers < 1 || producers > 64)
        {
            return "--producers: must be 1..64, was " + producers;
        }
        if (durationNs <= 0 || warmupNs < 0)
        {
            return "--duration-s must be > 0 and --warmup-s >= 0";
        }
        if (rampStart <= 0 || factor <= 1)
        {
            return "--ramp-start must be > 0 and --ramp-factor > 1";
        }
        if (rampSteps < 1 || rampSteps > 100)
        {
            return "--ramp-steps: must be 1..100, was " + rampSteps;
        }
        return null;
    }

    private Map<String, Object> settings(final List<Integer> rateList, final List<Integer> inFlightList,
        final long warmupNs, final long durationNs, final boolean doRamp, final int rampSteps, final double factor)
    {
        final Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("targets", targets);
        settings.put("rates", rateList);
        settings.put("warmupSeconds", TimeUnit.NANOSECONDS.toSeconds(warmupNs));
        settings.put("durationSeconds", TimeUnit.NANOSECONDS.toSeconds(durationNs));
        settings.put("producers", producers);
        settings.put("inFlight", inFlightList);
        settings.put("waitStrategy", waitStrategy.name());
        settings.put("quick", quick);
        settings.put("ramp", doRamp);
        settings.put("rampStart", rampStart);
        settings.put("rampFactor", factor);
        settings.put("rampSteps", rampSteps);
        settings.put("p99BoundUs", p99BoundUs);
        settings.put("seed", seed);
        return settings;
    }

    private LoadTarget create(final String name, final int depth, final Path root)
    {
        assert depth == 1 || PIPELINING.contains(name) : name + " has one command in flight";
        switch (name)
        {
            case "engine": return new EngineTarget(seed);
            case "linked": return new LinkedTarget(seed);
            case "pipeline": return new PipelineTarget(seed, waitStrategy, depth);
            case "sidecar": return new SidecarTarget(seed, waitStrategy, depth);
            case "cluster": return new ClusterTarget(seed, depth);
            case "bare": return new BaselineTargets.Bare(seed);
            case "ring": return new RingTarget(seed, waitStrategy);
            case "locks": return new BaselineTargets.Locked(seed);
            case "postgres":
                try
                {
                    return new PostgresTarget(seed, java.nio.file.Files.createTempDirectory("ledger-guard-pg"),
                        root.resolve(Path.of("bench", "postgres.sh")));
                }
                catch (final java.io.IOException ex)
                {
                    throw new java.io.UncheckedIOException(ex);
                }
            default: throw new IllegalArgumentException(name);
        }
    }

    private static List<String> processArguments()
    {
        return java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments();
    }
}
