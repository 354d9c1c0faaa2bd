/**
 * The {@code jgrad} command line: its commands, and the training report (charts, metrics CSV and a
 * self-contained HTML page) written after {@code jgrad train --out DIR}.
 */
package io.jgrad.cli;
