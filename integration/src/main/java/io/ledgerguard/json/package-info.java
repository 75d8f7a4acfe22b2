/**
 * The JSON Lines codecs of SPEC §9, one class per direction and record: what comes in is decoded by
 * {@link io.ledgerguard.json.CommandLineParser} (one command file line into a reusable
 * {@link io.ledgerguard.core.Command}) from the lines {@link io.ledgerguard.json.LineReader} frames; what goes out is
 * encoded by the publishers, {@link io.ledgerguard.json.DecisionPublisher} (decision lines),
 * {@link io.ledgerguard.json.AlertPublisher} (alert lines) and {@link io.ledgerguard.json.StatePublisher} (the final
 * state document). A line that cannot be decoded is a {@link io.ledgerguard.json.MalformedCommandException}.
 * <p>
 * The format only: no file, socket or guard is opened here. The replay job, the alert sinks, the audit tools, the
 * admin server and the signing of lines all use these codecs, so that every JSON the program reads or writes has one
 * spelling.
 */
package io.ledgerguard.json;
