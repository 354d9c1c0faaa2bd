/**
 * Synchronous data-parallel training of jgrad networks on Apache Spark: the driver holds the model and the
 * {@link io.jgrad.optim.Optimizer}; every step, each partition computes the gradient of its share of the global
 * batch, and the driver sums them in partition order. Only plain arrays, numbers and strings travel between JVMs (jgrad
 * objects are never Java-serialized); executors rebuild the network from a {@link io.jgrad.spark.MlpSpec}.
 */
package io.jgrad.spark;
