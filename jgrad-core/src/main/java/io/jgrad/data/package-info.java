/**
 * Data sets and batching: {@link io.jgrad.data.Dataset} (indexed samples and targets),
 * {@link io.jgrad.data.TensorDataset} (rows of two tensors), {@link io.jgrad.data.DataLoader} (seeded
 * shuffled mini-batches), and loaders for the IDX files of MNIST ({@link io.jgrad.data.IdxReader},
 * {@link io.jgrad.data.IdxDataset}) and for numeric CSV tables ({@link io.jgrad.data.CsvDataset}), and random flips and
 * shifts of images as batches are assembled ({@link io.jgrad.data.Augmentation}). Loaders
 * treat files as hostile and report bad content as {@link io.jgrad.io.JgradFormatException}.
 */
package io.jgrad.data;
