package io.ledgerguard.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import io.ledgerguard.audit.AuditArgumentException;
import io.ledgerguard.audit.AuditException;
import io.ledgerguard.audit.DecisionExplainer;
import io.ledgerguard.audit.IncidentPage;
import io.ledgerguard.audit.IncidentReport;
import io.ledgerguard.audit.JournalDump;
import io.ledgerguard.audit.JournalRules;
import io.ledgerguard.audit.JournalVerifier;
import io.ledgerguard.audit.ReserveReport;
import io.ledgerguard.config.ConfigLoader;
import io.ledgerguard.core.ConfigurationException;
import io.ledgerguard.core.GuardConfig;
import io.ledgerguard.journal.JournalCorruptException;
import io.ledgerguard.journal.JournalFormatException;
import io.ledgerguard.journal.JournalRepair;

/**
 * {@code ledger-guard audit}: the journal tools (SPEC §8, §9), one subcommand each: {@code verify}, {@code explain},
 * {@code report}, {@code dump}, {@code incidents} and {@code repair}. They read a journal and never write to it;
 * {@code repair} writes a new directory. The work is done in {@link io.ledgerguard.audit} and
 * {@link JournalRepair}; here are the options, the output files and the exit codes: 0 success, 1 a journal that
 * fails verification or a runtime failure, 2 a usage or configuration error.
 */
@Command(
    name = "audit",
    mixinStandardHelpOptions = true,
    description = {
        "Journal audit: verification (hash chain, checkpoints, replay to the same decisions and state hashes), " +
            "explanation of one decision, reserve reports, and a readable dump.",
        "A journal begun since rules were journaled holds them (its genesis, changed by its CONFIGURE commands) and " +
            "is read under them: --config is optional and only sizes the tables. One begun before is read under " +
            "--config, which explain, report and incidents then need, and without which verify does not replay."
    },
    subcommands = {
        AuditCommand.Verify.class,
        AuditCommand.Explain.class,
        AuditCommand.Report.class,
        AuditCommand.Dump.class,
        AuditCommand.Incidents.class,
        AuditCommand.Liabilities.class,
        AuditCommand.VerifyProof.class,
        AuditCommand.Repair.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success",
        "1:the journal fails verification, or a runtime failure",
        "2:usage or configuration error"
    })
final class AuditCommand implements Callable<Integer>
{
    @Spec
    private CommandSpec spec;

    /**
     * Without a subcommand there is nothing to do: print the usage and report a usage error.
     */
    @Override
    public Integer call()
    {
        spec.commandLine().usage(spec.commandLine().getErr());
        spec.commandLine().getErr().flush();
        return LedgerGuardCli.EXIT_USAGE;
    }

    /**
     * The body of a subcommand, which may throw what {@link #run} turns into a message and an exit code.
     */
    @FunctionalInterface
    private interface Body
    {
        int run() throws IOException;
    }

    /**
     * Run a subcommand's body and turn what it throws into one message on standard error and an exit code.
     */
    private static int run(final CommandSpec spec, final Path directory, final Body body)
    {
        final PrintWriter err = spec.commandLine().getErr();
        final String prefix = "ledger-guard audit " + spec.name() + ": ";
        try
        {
            return body.run();
        }
        catch (final JournalCorruptException ex)
        {
            err.println(prefix + "journal " + directory + " FAILED at entry " + ex.entryIndex() + ": " + ex.problem() +
                (ex.remedy() == null ? "" : "; " + ex.remedy()));
            return LedgerGuardCli.EXIT_FAILURE;
        }
        catch (final JournalFormatException | AuditArgumentException ex)
        {
            err.println(prefix + ex.getMessage());
            return LedgerGuardCli.EXIT_USAGE;
        }
        catch (final ConfigurationException ex)
        {
            err.println(prefix + "configuration error: " + ex.getMessage());
            return LedgerGuardCli.EXIT_USAGE;
        }
        catch (final AuditException ex)
        {
            err.println(prefix + ex.getMessage());
            return LedgerGuardCli.EXIT_FAILURE;
        }
        catch (final IOException | UncheckedIOException ex)
        {
            err.println(prefix + "I/O error: " + ex);
            return LedgerGuardCli.EXIT_FAILURE;
        }
        catch (final InternalError ex)
        {
            // The JVM reports a fault on a mapped page past a file's end late, possibly outside the reading code.
            err.println(prefix + "journal " + directory + " unreadable: " + ex.getMessage() + ": a queue file is " +
                "shorter than its contents (cut short?); run audit verify to find the first entry missing");
            return LedgerGuardCli.EXIT_FAILURE;
        }
        catch (final OutOfMemoryError ex)
        {
            // The guard's tables are allocated up front from the configured limits.
            err.println(prefix + "cannot allocate the guard's tables for the configured limits: " + ex.getMessage());
            return LedgerGuardCli.EXIT_FAILURE;
        }
        finally
        {
            spec.commandLine().getOut().flush();
            err.flush();
        }
    }

    /**
     * @return true, having said why, when {@code --at} is below -1 (its default, the journal's end).
     */
    private static boolean atRefused(final CommandSpec spec, final long at)
    {
        if (at >= -1)
        {
            return false;
        }
        final PrintWriter err = spec.commandLine().getErr();
        err.println("ledger-guard audit " + spec.name() + ": --at must be >= 0, was " + at);
        err.flush();
        return true;
    }

    /**
     * The rules a journal is read under: its own, or those of {@code --config} for one begun before rules were
     * journaled.
     */
    private static JournalRules journalRules(final Path directory, final GuardConfig loaded, final Path file)
    {
        return JournalRules.of(directory, loaded, file == null ? null : file.toString());
    }

    /**
     * Load a configuration, or print why it cannot be and return {@code null}.
     */
    private static GuardConfig loadConfig(final CommandSpec spec, final Path file)
    {
        try
        {
            return ConfigLoader.load(file);
        }
        catch (final ConfigurationException ex)
        {
            final PrintWriter err = spec.commandLine().getErr();
            err.println("ledger-guard audit " + spec.name() + ": configuration error: " + ex.getMessage());
            err.flush();
            return null;
        }
    }

    /**
     * {@code audit verify DIR}.
     */
    @Command(
        name = "verify",
        mixinStandardHelpOptions = true,
        description = {
            "Verifies a journal: every entry whole in its file, every entry's SHA-256 chain value, layout and " +
                "sequence, and every checkpoint's chain value; and whenever the rules are known, replays it into a " +
                "fresh guard: every recorded decision and every checkpoint's state hash must come out the same, and " +
                "the invariants must hold.",
            "The rules are the journal's own when it holds a genesis, whatever --config says: a file given then " +
                "sizes the tables, and what it differs in from the rules in force at the end is listed, not " +
                "applied. A journal begun before rules were journaled is replayed only with --config.",
            "Entries dropped from the end leave a valid, shorter chain: give what was published before " +
                "(--expect-head, --expect-seq) to detect that; snapshots taken after the journal's end are " +
                "detected too.",
            "Prints a summary, or the first problem with its entry's index (0 is the header)."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the journal verifies",
            "1:it does not (the first problem is printed with its entry index), or a runtime failure",
            "2:usage or configuration error, not a journal"
        })
    static final class Verify implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The journal directory.")
        private Path directory;

        @Option(names = "--config", paramLabel = "FILE",
            description = "A configuration (YAML): the rules of a journal begun before rules were journaled; for one " +
                "that holds its own, the table sizes, and rules to compare with those in force.")
        private Path config;

        @Option(names = "--expect-head", paramLabel = "HEX",
            description = "A chain value published earlier (64 hex digits): the journal must reach it.")
        private String expectHead;

        @Option(names = "--expect-seq", paramLabel = "SEQ", defaultValue = "0",
            description = "A sequence published earlier: the journal must hold commands up to it.")
        private long expectSeq;

        @Override
        public Integer call()
        {
            final GuardConfig guardConfig = config == null ? null : loadConfig(spec, config);
            if (config != null && guardConfig == null)
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            return run(spec, directory, () ->
            {
                final JournalVerifier.Result result = new JournalVerifier(directory)
                    .config(guardConfig, config == null ? null : config.toString())
                    .expectHead(expectHead)
                    .expectSeq(expectSeq)
                    .verify();
                result.print(spec.commandLine().getOut());
                return result.ok() ? LedgerGuardCli.EXIT_OK : LedgerGuardCli.EXIT_FAILURE;
            });
        }
    }

    /**
     * {@code audit explain DIR TXID}.
     */
    @Command(
        name = "explain",
        mixinStandardHelpOptions = true,
        description = {
            "Explains one transaction: its command (top-level or inside a batch), seq, time, the decision and " +
                "reason the guard recorded, its alerts, and - replaying the journal up to it - the positions, " +
                "wallets and per-asset figures (obligations, holdings, held, headroom, coverage, status) it " +
                "touches, before and after it.",
            "A txId submitted more than once: the first submission is explained and the later ones listed.",
            "Names the version of the rules that decided it (the rule changes accepted before it); a CONFIGURE " +
                "command is shown with its settings, whether it was made, and what it changed."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the txId is not in the journal, the journal is corrupt, or the replay differs from it",
            "2:usage or configuration error, not a journal"
        })
    static final class Explain implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The journal directory.")
        private Path directory;

        @Parameters(index = "1", paramLabel = "TXID", description = "The transaction id.")
        private long txId;

        @Option(names = "--config", paramLabel = "FILE",
            description = "The configuration (YAML) the journal was written with: needed for a journal begun " +
                "before rules were journaled; for one that holds its own rules, it only sizes the tables.")
        private Path config;

        @Option(names = "--json", description = "Print one JSON document instead of text.")
        private boolean json;

        @Override
        public Integer call()
        {
            final GuardConfig guardConfig = config == null ? null : loadConfig(spec, config);
            if (config != null && guardConfig == null)
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            return run(spec, directory, () ->
            {
                final DecisionExplainer.Explanation explanation = DecisionExplainer.explain(directory,
                    journalRules(directory, guardConfig, config), txId);
                if (json)
                {
                    explanation.writeJson(spec.commandLine().getOut());
                }
                else
                {
                    explanation.printText(spec.commandLine().getOut());
                }
                return LedgerGuardCli.EXIT_OK;
            });
        }
    }

    /**
     * {@code audit report DIR}.
     */
    @Command(
        name = "report",
        mixinStandardHelpOptions = true,
        description = {
            "The reserve disclosure as of a sequence, by replaying the journal to it: per asset, each wallet's " +
                "holdings (id, kind, attested, expected, pending), total holdings, obligations, headroom (holdings " +
                "- obligations), coverage (holdings / obligations, as a ratio and in basis points; null or empty " +
                "when there are no obligations) and status; in JSON, the version of the rules in force there and " +
                "the rule changes up to it."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the journal is corrupt, or the replay differs from it",
            "2:usage or configuration error, --at beyond the journal, not a journal"
        })
    static final class Report implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The journal directory.")
        private Path directory;

        @Option(names = "--config", paramLabel = "FILE",
            description = "The configuration (YAML) the journal was written with: needed for a journal begun " +
                "before rules were journaled; for one that holds its own rules, it only sizes the tables.")
        private Path config;

        @Option(names = "--at", paramLabel = "SEQ", defaultValue = "-1",
            description = "Report as of this sequence (0: before the first command); default: the journal's end.")
        private long at;

        @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "json",
            description = "json or csv (a header row, then per asset one row per wallet and one for the asset); " +
                "default: ${DEFAULT-VALUE}.")
        private String format;

        @Option(names = "--out", paramLabel = "FILE", description = "Where to write; standard output when omitted.")
        private Path out;

        @Override
        public Integer call()
        {
            final PrintWriter err = spec.commandLine().getErr();
            if (!"json".equals(format) && !"csv".equals(format))
            {
                err.println("ledger-guard audit report: --format must be json or csv, was " + format);
                err.flush();
                return LedgerGuardCli.EXIT_USAGE;
            }
            if (atRefused(spec, at))
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            final GuardConfig guardConfig = config == null ? null : loadConfig(spec, config);
            if (config != null && guardConfig == null)
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            return run(spec, directory, () ->
            {
                final ReserveReport report = ReserveReport.at(directory,
                    journalRules(directory, guardConfig, config), at);
                if (out == null)
                {
                    write(report, spec.commandLine().getOut());
                    return LedgerGuardCli.EXIT_OK;
                }
                final Writer file;
                try
                {
                    file = Files.newBufferedWriter(out, StandardCharsets.UTF_8);
                }
                catch (final IOException ex)
                {
                    throw new AuditArgumentException("cannot write --out " + out + ": " + ex);
                }
                try (Writer target = file)
                {
                    write(report, target);
                }
                return LedgerGuardCli.EXIT_OK;
            });
        }

        private void write(final ReserveReport report, final Writer target) throws IOException
        {
            if ("csv".equals(format))
            {
                report.writeCsv(target);
            }
            else
            {
                report.writeJson(target);
            }
        }
    }

    /**
     * {@code audit dump DIR}.
     */
    @Command(
        name = "dump",
        mixinStandardHelpOptions = true,
        description = {
            "Prints one line per journal entry: index, kind, seq, time, the command with its fields, the decision " +
                "and reason, the alerts; for a checkpoint its state hash and chain value; for the genesis rules a " +
                "summary; for a CONFIGURE command its settings. Each entry is verified before it is printed."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:an entry fails verification (the entries before it are printed), or a runtime failure",
            "2:usage or configuration error, --from beyond the journal, not a journal"
        })
    static final class Dump implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The journal directory.")
        private Path directory;

        @Option(names = "--from", paramLabel = "SEQ", defaultValue = "0",
            description = "Start at the command of this sequence (the header is then not printed); default: the " +
                "header.")
        private long from;

        @Option(names = "--limit", paramLabel = "N", description = "Print at most N entries.")
        private Long limit;

        @Option(names = "--config", paramLabel = "FILE",
            description = "A configuration (YAML) to name assets by code; without it, the codes of the journal's " +
                "genesis, or asset ids for a journal begun before rules were journaled.")
        private Path config;

        @Override
        public Integer call()
        {
            final GuardConfig guardConfig = config == null ? null : loadConfig(spec, config);
            if (config != null && guardConfig == null)
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            return run(spec, directory, () ->
            {
                final JournalDump dump = new JournalDump(directory).config(guardConfig).fromSeq(from);
                if (limit != null)
                {
                    dump.limit(limit);
                }
                dump.dump(spec.commandLine().getOut());
                return LedgerGuardCli.EXIT_OK;
            });
        }
    }

    /**
     * {@code audit incidents DIR}.
     */
    @Command(
        name = "incidents",
        mixinStandardHelpOptions = true,
        description = {
            "One incident record per kill-switch engagement, from the journal's decisions and alerts: the first " +
                "anomaly and every anomaly alert before it, the engaging command with its decision and alerts, " +
                "every command rejected because of the switch while it held, and the release (null while it " +
                "holds), the version of the rules when it engaged and the rule changes from its first anomaly to " +
                "its release. JSON, to standard output as one array, or one file per incident with --out; with " +
                "--html a page per incident to print, and an index."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:success",
            "1:the journal fails verification, or a runtime failure",
            "2:usage or configuration error, not a journal"
        })
    static final class Incidents implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The journal directory.")
        private Path directory;

        @Option(names = "--config", paramLabel = "FILE",
            description = "The configuration (YAML) the journal was written with, for asset codes: needed for a " +
                "journal begun before rules were journaled; one that holds its own rules names them.")
        private Path config;

        @Option(names = "--out", paramLabel = "DIR",
            description = "Write incident-<seq>-<scope>[-<asset>][-wallet-<id>][-outflows].json files here " +
                "instead of printing.")
        private Path out;

        @Option(names = "--html", paramLabel = "DIR",
            description = "Write a page to print for each incident, named as its JSON file but .html, and an " +
                "index.html here: its summary and its timeline in sequence order.")
        private Path html;

        @Override
        public Integer call()
        {
            final GuardConfig guardConfig = config == null ? null : loadConfig(spec, config);
            if (config != null && guardConfig == null)
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            return run(spec, directory, () ->
            {
                final IncidentReport report = new IncidentReport(directory, guardConfig);
                if (out != null || html != null)
                {
                    final List<ObjectNode> incidents = report.incidents();
                    final List<Path> files = new ArrayList<>();
                    if (out != null)
                    {
                        files.addAll(IncidentReport.write(incidents, out));
                    }
                    if (html != null)
                    {
                        files.addAll(IncidentPage.write(incidents, directory, html));
                    }
                    for (final Path file : files)
                    {
                        spec.commandLine().getOut().println(file);
                    }
                }
                else
                {
                    spec.commandLine().getOut().println(IncidentReport.toJson(report.incidents()));
                }
                return LedgerGuardCli.EXIT_OK;
            });
        }
    }

    /**
     * {@code audit liabilities DIR --out D} (issue 18).
     */
    @Command(
        name = "liabilities",
        mixinStandardHelpOptions = true,
        description = {
            "Proof of liabilities at a sequence: a Merkle-sum tree over every customer account's balances, one leaf " +
                "per account (its balance per asset above zero), salted per account and publication, padded to a " +
                "power of two. Writes root.json (the root's hash and per-asset totals, with seq and chain head, the " +
                "house's balances, credit lines below zero, obligations and holdings), reserves.json (audit report " +
                "at the same sequence), proofs/<accountId>.json, one per account, and the publication's secret " +
                "(publication-secret.hex: keep it, never publish it) unless --secret gives one. See " +
                "docs/proof-of-reserves.md."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:written",
            "1:the journal fails verification, the replay differs from it, or the totals do not add up",
            "2:usage or configuration error, --at beyond the journal, --out not new, not a journal"
        })
    static final class Liabilities implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The journal directory.")
        private Path directory;

        @Option(names = "--config", paramLabel = "FILE",
            description = "The configuration (YAML) the journal was written with: needed for a journal begun " +
                "before rules were journaled.")
        private Path config;

        @Option(names = "--at", paramLabel = "SEQ", defaultValue = "-1",
            description = "As of this sequence; default: the journal's end.")
        private long at;

        @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "A new or empty directory for the publication.")
        private Path out;

        @Option(names = "--secret", paramLabel = "FILE",
            description = "The publication's secret, 64 hex digits, instead of a fresh one: to write the same " +
                "publication again. Never reuse one across publications: leaves would link.")
        private Path secretFile;

        @Override
        public Integer call()
        {
            if (atRefused(spec, at))
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            final GuardConfig guardConfig = config == null ? null : loadConfig(spec, config);
            if (config != null && guardConfig == null)
            {
                return LedgerGuardCli.EXIT_USAGE;
            }
            return run(spec, directory, () ->
            {
                final byte[] secret = secretFile == null ? null : readSecret(secretFile);
                final io.ledgerguard.audit.Liabilities.Published published = io.ledgerguard.audit.Liabilities
                    .publish(directory, journalRules(directory, guardConfig, config), at, secret, out);
                final PrintWriter text = spec.commandLine().getOut();
                text.printf("liabilities at seq %d: %,d customer accounts in a tree of %,d leaves; root %s%n",
                    published.seq(), published.accounts(), published.leaves(), published.rootHash());
                text.printf("  publish %s; give each customer proofs/<accountId>.json%n", out.resolve("root.json"));
                text.printf("  the account count is not in root.json: the padding hides it within a factor of 2%n");
                if (secret == null)
                {
                    text.printf("  keep %s private: it salts this publication's leaves%n",
                        out.resolve(io.ledgerguard.audit.Liabilities.SECRET_FILE));
                }
                text.flush();
                return LedgerGuardCli.EXIT_OK;
            });
        }

        private static byte[] readSecret(final Path file)
        {
            final String text;
            try
            {
                text = Files.readString(file, StandardCharsets.US_ASCII).strip();
            }
            catch (final IOException ex)
            {
                throw new AuditArgumentException("cannot read --secret " + file + ": " + ex);
            }
            try
            {
                final byte[] secret = java.util.HexFormat.of().parseHex(text);
                if (secret.length == io.ledgerguard.audit.LiabilityTree.SECRET_LENGTH)
                {
                    return secret;
                }
            }
            catch (final IllegalArgumentException ex)
            {
                // Named below.
            }
            throw new AuditArgumentException("--secret " + file + " must hold 64 hex digits");
        }
    }

    /**
     * {@code audit verify-proof PROOF --root ROOT} (issue 18).
     */
    @Command(
        name = "verify-proof",
        mixinStandardHelpOptions = true,
        description = {
            "Checks one account's inclusion proof against a published root.json: recomputes the leaf from the " +
                "account's salt and balances, then every level from its sibling's hash and sums, and says whether " +
                "the account's balances are included and the totals add up to the root's."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:included, every level adds up",
            "1:not included: the message names the level that fails",
            "2:a file unreadable, or not a proof or a root"
        })
    static final class VerifyProof implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "PROOF", description = "The account's proof file.")
        private Path proof;

        @Option(names = "--root", paramLabel = "ROOT", required = true, description = "The publication's root.json.")
        private Path root;

        @Override
        public Integer call()
        {
            return run(spec, proof, () ->
            {
                final String failure = io.ledgerguard.audit.Liabilities.verify(proof, root,
                    spec.commandLine().getOut());
                if (failure == null)
                {
                    return LedgerGuardCli.EXIT_OK;
                }
                spec.commandLine().getErr().println("ledger-guard audit verify-proof: NOT included: " + failure);
                spec.commandLine().getErr().flush();
                return LedgerGuardCli.EXIT_FAILURE;
            });
        }
    }

    /**
     * {@code audit repair DIR --truncate-after SEQ --out NEWDIR}.
     */
    @Command(
        name = "repair",
        mixinStandardHelpOptions = true,
        description = {
            "Writes a NEW journal directory holding the entries of DIR up to the command SEQ, byte for byte, and " +
                "closes it with a cut entry that records the cut: the last seq kept and its chain value, what was " +
                "dropped after it (whole entries, their seqs, the damage that ended the reading) and when.",
            "DIR is never written to: it is the evidence. Nothing kept is re-chained, so every chain value and " +
                "checkpoint published up to SEQ still verifies. The new journal verifies (audit verify) and serves " +
                "(serve --journal NEWDIR) from SEQ + 1; the loss is stated in it.",
            "Start-up and audit verify name the last good entry of a damaged journal: give its seq as SEQ."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:the new journal was written and verifies",
            "1:DIR is damaged before SEQ (the last good seq is named), or a runtime failure",
            "2:usage error: SEQ beyond the journal, NEWDIR not new, DIR not a journal"
        })
    static final class Repair implements Callable<Integer>
    {
        @Spec
        private CommandSpec spec;

        @Parameters(index = "0", paramLabel = "DIR", description = "The damaged journal directory (read only).")
        private Path directory;

        @Option(names = "--truncate-after", required = true, paramLabel = "SEQ",
            description = "The last command to keep (0: only the header).")
        private long truncateAfter;

        @Option(names = "--out", required = true, paramLabel = "NEWDIR",
            description = "The new journal's directory: must not exist, or be empty.")
        private Path out;

        @Override
        public Integer call()
        {
            return run(spec, directory, () ->
            {
                final JournalRepair.Result result;
                try
                {
                    result = JournalRepair.repair(directory, truncateAfter, out,
                        java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(System.currentTimeMillis()));
                }
                catch (final IllegalArgumentException ex)
                {
                    throw new AuditArgumentException(ex.getMessage());
                }
                print(result, spec.commandLine().getOut());
                return LedgerGuardCli.EXIT_OK;
            });
        }

        private void print(final JournalRepair.Result result, final PrintWriter text)
        {
            text.println("repair: wrote " + result.target() + " from " + directory);
            text.println("  kept          entries 0.." + result.lastEntryIndex() + ": the header and every entry up " +
                "to seq=" + result.lastSeq() + ", byte for byte");
            text.println("  chain value   " + result.lastChainHeadHex() + " at entry " + result.lastEntryIndex() +
                ": every chain value up to it verifies as in " + directory);
            text.println("  dropped       " + (result.droppedEntries() == 0 ? "no whole entry after it" :
                result.droppedEntries() + " whole entries after it" + (result.droppedFirstSeq() == 0 ? "" :
                ", seq " + result.droppedFirstSeq() + ".." + result.droppedLastSeq())));
            text.println("  damage        " + (result.damage() == null ? "none found after the cut" :
                result.damage()));
            text.println("  cut entry     entry " + result.cutEntryIndex() + " at " +
                java.time.format.DateTimeFormatter.ISO_INSTANT.format(java.time.Instant.ofEpochSecond(0,
                result.timestampNs())) + ": records the cut and the loss");
            text.println("  chain head    " + result.chainHeadHex());
            text.println("  next          ledger-guard audit verify " + result.target() + " (with --config FILE " +
                "for a journal begun before rules were journaled); then " + (result.anchorSeq() > 0 ? "it is the " +
                "evidence of a cluster node seeded at seq " + result.anchorSeq() + ", not a journal to serve from: " +
                "rebuild the node (docs/cluster.md)" : "ledger-guard serve --journal " + result.target() +
                " (next seq " + (result.lastSeq() + 1) + ")"));
        }
    }
}
