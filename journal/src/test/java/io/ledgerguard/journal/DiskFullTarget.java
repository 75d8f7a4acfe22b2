package io.ledgerguard.journal;

import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.CommandType;
import io.ledgerguard.core.Decision;
import io.ledgerguard.core.GuardEngine;
import io.ledgerguard.core.Reason;
import io.ledgerguard.core.pipeline.LedgerGuard;
import io.ledgerguard.core.pipeline.PipelineContext;

/**
 * The child process of {@link JournalDiskFullTest}: recovers a guard from a journal on a small file system and submits
 * attestations until the guard stops, printing every decision acknowledged to it as {@code ACK seq txId reasonCode}
 * and, once a command is refused, {@code STOPPED} and the failure. A child, so that a guard the full disk kills (a
 * SIGBUS from a memory-mapped page the file system cannot back) takes only this process with it.
 * <p>
 * Arguments: journal directory, first txId, the free space in bytes the journal leaves on its file system, and
 * {@code statvfs} to ask the file system for its free space or {@code blind} to be told there is always room (as when
 * another process fills the disk between the question and the write), so that only the write's ENOSPC stops it.
 */
public final class DiskFullTarget
{
    /** Far more commands than a few megabytes of journal hold: the guard must stop before. */
    private static final long COMMANDS_MAX = 10_000_000;

    private DiskFullTarget()
    {
    }

    public static void main(final String[] args)
    {
        final Path directory = Path.of(args[0]);
        final long firstTxId = Long.parseLong(args[1]);
        final long diskFreeBytesMin = Long.parseLong(args[2]);
        final DiskSpaceProbe probe = args[3].equals("blind") ? path -> Long.MAX_VALUE : DiskSpaceProbe.FILE_STORE;
        final BufferedOutputStream stdout = new BufferedOutputStream(new FileOutputStream(FileDescriptor.out), 1 << 16);
        final PrintStream out = new PrintStream(stdout, false, StandardCharsets.US_ASCII);
        final GuardEngine engine = new GuardEngine(CrashTarget.config());
        final ChronicleJournal journal = new ChronicleJournal(new ChronicleJournalContext().directory(directory)
            .diskFreeBytesMin(diskFreeBytesMin).diskSpaceProbe(probe));
        final Recovery.Result recovery = Recovery.recover(journal, null, engine);
        out.println("RECOVERED " + recovery.lastSeq());
        out.flush();
        final Command command = new Command();
        try (LedgerGuard guard = new LedgerGuard(engine, new PipelineContext().journal(journal)
            .firstSeq(recovery.lastSeq() + 1)))
        {
            for (long i = 0; i < COMMANDS_MAX; i++)
            {
                command.reset();
                command.type = CommandType.ATTEST;
                command.txId = firstTxId + i;
                command.walletId = CrashTarget.HOT;
                command.assetId = CrashTarget.BTC;
                command.amount = 0;
                final Decision decision = guard.submit(command);
                if (decision.reason == Reason.GUARD_FAILED)
                {
                    out.println("STOPPED " + guard.failure());
                    break;
                }
                out.println("ACK " + decision.seq + " " + decision.txId + " " + decision.reason.code());
            }
            out.flush();
        }
        out.println("CLOSED");
        out.flush();
    }
}
