/**
 * A network's architecture as data: layers as a model file and config.json describe them ({@link
 * io.jgrad.nn.spec.LayerSpec}), each layer's input size inferred from the sample shape, and the equivalent of PyTorch's
 * {@code nn.Sequential} built from them ({@link io.jgrad.nn.spec.NetworkSpec}). The CLI and the Spark trainer build
 * their networks from here, so both write the same checkpoints.
 */
package io.jgrad.nn.spec;
