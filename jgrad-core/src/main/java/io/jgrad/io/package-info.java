/**
 * Reading and writing files safely: {@link io.jgrad.io.AtomicFiles} (a crash never leaves a half-written
 * file), {@link io.jgrad.io.CheckpointFiles} (the commit protocol that keeps a run directory's checkpoint whole), {@link io.jgrad.io.RunLock} (one training run at
 * a time in a run directory), {@link io.jgrad.io.ConsoleGate} (an interrupted run's message stays its last line), {@link io.jgrad.io.Json} (a small strict JSON parser and writer), {@link io.jgrad.io.ConfigFields} (typed reads of
 * config.json's fields, each failure naming the file and field) and {@link io.jgrad.io.Safetensors}
 * (tensors in the format PyTorch and Hugging Face use). Every reader treats its input as hostile: sizes are
 * checked against the file before anything is allocated, and every problem with a file's content is reported
 * as one {@link io.jgrad.io.JgradFormatException} that names the file, the position and what was expected.
 */
package io.jgrad.io;
