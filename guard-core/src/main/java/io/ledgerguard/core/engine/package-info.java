/**
 * The rooms of {@link io.ledgerguard.core.GuardEngine}: one class per concern of the state machine, each owning its
 * part of the off-heap state and writing it only through the undo log. {@link io.ledgerguard.core.engine.EngineParts}
 * builds and wires them; the layouts of the records they keep are the {@code *Descriptor} classes; the state hash, the
 * invariant audit and reading for monitors live beside them, off the apply path ({@code StateHasher},
 * {@code EngineAuditor}, {@code StateReader}). Not API: used only by the engine, it may change at any time.
 */
package io.ledgerguard.core.engine;
