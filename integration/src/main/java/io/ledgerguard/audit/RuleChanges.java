package io.ledgerguard.audit;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonGenerator;

import io.ledgerguard.core.Command;
import io.ledgerguard.core.Decision;
import io.ledgerguard.journal.Genesis;

/**
 * The changes of the rules a journal holds (SPEC §13), gathered while a tool reads it: every {@code CONFIGURE}
 * command the guard accepted, not as a duplicate, as {@link Genesis#history} counts them. Their count up to a
 * sequence is the version of the rules in force there.
 */
final class RuleChanges
{
    private final List<Genesis.Change> changes = new ArrayList<>();

    /**
     * Take a command entry.
     *
     * @param command  the command.
     * @param decision its recorded decision.
     * @return true when it changed the rules.
     */
    boolean offer(final Command command, final Decision decision)
    {
        if (!Genesis.isChange(command, decision))
        {
            return false;
        }
        changes.add(new Genesis.Change(command.seq, command.timestampNs, command.txId, command.settingsString()));
        return true;
    }

    /**
     * @return the changes taken, in order.
     */
    List<Genesis.Change> all()
    {
        return changes;
    }

    /**
     * @param fromSeq the first sequence.
     * @param toSeq   the last sequence.
     * @return the changes sequenced from {@code fromSeq} to {@code toSeq}, in order.
     */
    List<Genesis.Change> between(final long fromSeq, final long toSeq)
    {
        final List<Genesis.Change> within = new ArrayList<>();
        for (final Genesis.Change change : changes)
        {
            if (change.seq() >= fromSeq && change.seq() <= toSeq)
            {
                within.add(change);
            }
        }
        return within;
    }

    /**
     * @param seq a sequence.
     * @return the version of the rules in force at it: the changes sequenced up to it.
     */
    long versionAt(final long seq)
    {
        long version = 0;
        for (final Genesis.Change change : changes)
        {
            version += change.seq() <= seq ? 1 : 0;
        }
        return version;
    }

    /**
     * @param seq a sequence.
     * @return the sequence of the last change up to it; 0 when none (the genesis).
     */
    long changeSeqAt(final long seq)
    {
        long changeSeq = 0;
        for (final Genesis.Change change : changes)
        {
            changeSeq = change.seq() <= seq ? change.seq() : changeSeq;
        }
        return changeSeq;
    }

    /**
     * Write the version of the rules and the changes as an object's fields: {@code version}, {@code lastChangeSeq}
     * (null for the genesis) and {@code changes}.
     *
     * @param json      the generator, inside an object.
     * @param version   the version of the rules in force.
     * @param changeSeq the sequence of the last change; 0 for none.
     * @param listed    the changes to list.
     * @throws IOException when it cannot be written.
     */
    static void writeFields(
        final JsonGenerator json, final long version, final long changeSeq, final List<Genesis.Change> listed)
        throws IOException
    {
        json.writeNumberField("version", version);
        if (version == 0)
        {
            json.writeNullField("lastChangeSeq");
        }
        else
        {
            json.writeNumberField("lastChangeSeq", changeSeq);
        }
        json.writeArrayFieldStart("changes");
        for (final Genesis.Change change : listed)
        {
            EntryJson.writeChange(json, change);
        }
        json.writeEndArray();
    }
}
