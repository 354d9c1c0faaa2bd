/**
 * Tensors and automatic differentiation.
 *
 * <p>{@link io.jgrad.tensor.Tensor} is the front door: an n-dimensional float32 or float64 array whose ops
 * record a computation graph. Each op lives, forward and derivative side by side, in one package-private
 * class per concept ({@code ElementwiseOps}, {@code ReduceOps}, {@code ShapeOps}, {@code LinalgOps},
 * {@code IndexOps}, {@code SoftmaxOps}, {@code ConvOps}, {@code PoolOps}, {@code NormOps}); {@code Autograd}
 * walks the graph backwards. The arithmetic itself runs behind the package-private {@code Backend} interface
 * (the ops never call a kernel themselves): {@code CpuBackend} with
 * the plain-Java kernels ({@code FloatKernels}; the float64 ones are generated from them), the Vector API GEMM
 * ({@code VectorSgemm}), the convolution as im2col and GEMM ({@code CpuConvolution}, with {@code FloatConvKernels}
 * for the image ops' loops) or, when it can be loaded, OpenBLAS for matrix products ({@code OpenBlas}, through the Foreign
 * Function and Memory API), the Vector API sums of batch normalization ({@code Reductions}, {@code VectorReductions})
 * and the optimizer updates that flush subnormal state ({@code Updates}, {@code VectorUpdates}), the conversion of
 * 8-bit pixels ({@code Pixels}, {@code VectorPixels}) and the element-wise selections (the ReLU derivative among them),
 * tanh, sigmoid, ELU and GELU ({@code UnaryKernels}, {@code VectorUnaryKernels}), all loaded by {@code VectorModule},
 * and the threads of a {@code WorkerPool}. {@link io.jgrad.tensor.CapturedStep} records a training step's backend
 * calls (a {@code StepRecorder} in front of the backend; ops that work on values in Java say so with
 * {@code StepRecorder.hostWork}) and replays them on new data without the graph. Public helpers:
 * {@link io.jgrad.tensor.GradCheck} (finite differences),
 * {@link io.jgrad.tensor.Graph} (DOT drawings), {@link io.jgrad.tensor.Generator} (reproducible random
 * numbers), {@link io.jgrad.tensor.Backends} (threads; {@code parallelFor} for loops outside the ops and
 * {@code pixelsToFloats} for data sets held as bytes), {@link io.jgrad.tensor.DType}, {@link io.jgrad.tensor.Node}
 * (what {@link io.jgrad.tensor.Tensor#gradFn()} returns) and {@link io.jgrad.tensor.FusedUpdates} (the optimizers'
 * one-pass updates, public for {@code io.jgrad.optim}) and {@link io.jgrad.tensor.PythonRepr} (numbers as Python
 * prints them, for the {@code toString} of modules and optimizers).
 */
package io.jgrad.tensor;
